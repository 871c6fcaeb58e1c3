"""The first import into an empty register, written in one pass (decision 0022).

A clean file goes straight into the register tables; anything else falls back to the staged
path, whose outcome (rows written, codes reported, nothing half-written) must not change.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from povcensus.audit.models import AuditEvent
from povcensus.campaign.models import Campaign, CampaignStatus
from povcensus.core.errors import ApplicationError
from povcensus.core.models import Job, JobStatus
from povcensus.listing.models import ListingEntry
from povcensus.register.models import MEMBER_ANSWER_FIELDS, Household, Member
from povcensus.register.services import ImportOptions, first_load, register_import, staging
from povcensus.register.tests.data import make_samples

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent / "data"
COMMIT = ImportOptions(dry_run=False)
IMPORT_LOGGER = "povcensus.register.services.importing"
# Every household field an import writes: the number, the fields a re-import compares, extra.
HOUSEHOLD_FIELDS = ("number", *(name for name, _ in staging.HOUSEHOLD_FIELDS), "extra")


def _campaign(world: Any, code: str, *, year: int | None = None) -> Campaign:
    demo = world.campaign
    return Campaign.objects.create(
        code=code,
        name=f"普查 {code}",
        area_id=demo.area_id,
        year=year or demo.year,
        reference_date=demo.reference_date,
        income_line=demo.income_line,
        status=CampaignStatus.ACTIVE,
    )


def _write(tmp_path: Path, rows: list[list[str]], name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(make_samples.csv_bytes(rows, encoding="utf-8"))
    return path


def _load(campaign: Campaign, path: Path, options: ImportOptions = COMMIT, **kwargs: Any) -> Any:
    return register_import(actor=None, campaign=campaign, path=path, options=options, **kwargs)


def _register(campaign: Campaign) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    households = sorted(
        tuple(row)
        for row in Household.objects.filter(campaign=campaign).values_list(*HOUSEHOLD_FIELDS)
    )
    members = sorted(
        Member.objects.filter(campaign=campaign).values_list(
            "household__number", *MEMBER_ANSWER_FIELDS, "phone", "extra"
        )
    )
    return households, members


def _many_households(count: int) -> list[list[str]]:
    """``count`` clean households of two to four members, in number order."""
    rows = []
    for index in range(count):
        number = f"431202110201{9000 + index:04d}"
        size = 2 + index % 3
        head = f"户主{index}"
        rows.append(
            make_samples.member(
                number,
                head,
                size,
                head,
                "男",
                make_samples.pid(1960, 1, 1 + index % 28, 11 + index * 2),
                "户主",
            )
        )
        for other in range(1, size):
            rows.append(
                make_samples.member(
                    number,
                    head,
                    size,
                    f"成员{index}-{other}",
                    "女",
                    make_samples.pid(1990, 2, 1 + other, 12 + index * 8 + other * 2),
                    "之女",
                )
            )
    return rows


def test_a_clean_file_into_an_empty_register_is_written_in_one_pass(
    world: Any, tmp_path: Path
) -> None:
    empty = _campaign(world, "first")
    report = _load(empty, DATA / "register_gb18030.csv")
    assert report.committed
    assert report.first_load
    assert (report.rows, report.households, report.households_new, report.members_new) == (
        7,
        3,
        3,
        7,
    )
    assert (report.error_rows, report.households_missing, report.households_changed) == (0, 0, 0)
    # The same file through the staged path (the register is not empty there) writes the
    # very same rows.
    staged = _campaign(world, "staged")
    seed = make_samples.good_households()[3:4]  # one other household, then the file
    seed[0][7] = "4312021102019999"
    seed[0][17] = make_samples.pid(1949, 5, 6, 44)
    _load(staged, _write(tmp_path, seed, "seed.csv"))
    again = _load(staged, DATA / "register_gb18030.csv")
    assert not again.first_load
    first_households, first_members = _register(empty)
    staged_households, staged_members = _register(staged)
    assert first_households == [h for h in staged_households if h[0] != "4312021102019999"]
    assert first_members == [m for m in staged_members if m[0] != "4312021102019999"]
    wang = Household.objects.get(campaign=empty, number="4312021102019001")
    assert list(wang.members.values_list("seq", "relation")) == [(1, "01"), (2, "02"), (3, "03")]
    # Listing entries and the audit trail, as for any import.
    entries = ListingEntry.objects.filter(listing__campaign=empty)
    assert entries.count() == 3
    event = AuditEvent.objects.get(action="register.import.committed", object_id=str(empty.pk))
    assert event.after is not None
    assert (event.after["households_new"], event.after["first_load"]) == (3, True)


def test_households_across_batches_keep_their_members_and_order(world: Any, tmp_path: Path) -> None:
    # Batches of three rows: a household of four starts in one batch and may fill the next
    # one whole, so the carried rows grow across batches.
    empty = _campaign(world, "batches")
    rows = _many_households(40)
    report = _load(empty, _write(tmp_path, rows), ImportOptions(dry_run=False, batch_rows=3))
    assert report.first_load
    assert (report.households, report.rows) == (40, len(rows))
    for household in Household.objects.filter(campaign=empty):
        members = list(household.members.values_list("seq", "relation", "name"))
        assert [seq for seq, _, _ in members] == list(range(1, household.size_registered + 1))
        assert members[0][1:] == ("01", household.head_name)
    ids = list(
        Household.objects.filter(campaign=empty).order_by("number").values_list("id", flat=True)
    )
    assert ids == sorted(ids)  # ids follow the file (and the number)


def test_warnings_are_reported_as_by_the_dry_run(world: Any, tmp_path: Path) -> None:
    rows = make_samples.good_households()
    rows[3][9] = "2"  # 赵桂兰 registered with 2 people, 1 in the file: a size warning
    path = _write(tmp_path, rows)
    empty = _campaign(world, "warned")
    checked = _load(empty, path, ImportOptions(dry_run=True))
    report_path = tmp_path / "report.xlsx"
    call_command(
        "register",
        "import",
        str(path),
        "--campaign",
        "warned",
        "--report",
        str(report_path),
        "--quiet",
    )
    committed = Campaign.objects.get(code="warned")
    event = AuditEvent.objects.filter(action="register.import.committed").last()
    assert event is not None
    assert event.after is not None
    assert event.after["first_load"]
    assert checked.warning_counts == {"register.size_mismatch": 1}
    assert checked.warning_rows == 1
    assert Household.objects.filter(campaign=committed).count() == 3
    sheet = openpyxl.load_workbook(report_path, read_only=True)["名册及错误说明"]
    notes = {row[0]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    zhao_row = next(number for number, note in notes.items() if note)
    assert "家庭人口数 2 与本户成员行数 1 不一致" in notes[zhao_row]
    assert [number for number, note in notes.items() if note] == [zhao_row]


@pytest.mark.parametrize(
    ("damage", "abandoned"),
    [
        ("row_error", "a row has an error"),
        ("duplicate_id", "database: "),  # the unique index on (campaign, ID number)
        ("two_heads", "a household has several heads"),
    ],
)
def test_a_dirty_file_falls_back_and_nothing_is_written(
    world: Any, tmp_path: Path, caplog: Any, damage: str, abandoned: str
) -> None:
    rows = _many_households(6)
    if damage == "row_error":
        rows[-1][17] = "12345"  # a malformed ID number in the last household
    elif damage == "duplicate_id":
        # A daughter of the first household's ID number again, five households on: each
        # row is clean, the database's unique index refuses the second.
        rows[-1][17] = rows[1][17]
    else:
        rows[-1][18] = "户主"
    empty = _campaign(world, "dirty")
    before = (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count())
    with (
        caplog.at_level(logging.INFO, logger=IMPORT_LOGGER),
        pytest.raises(ApplicationError) as caught,
    ):
        _load(empty, _write(tmp_path, rows), ImportOptions(dry_run=False, batch_rows=4))
    assert caught.value.code == "register.rows_invalid"  # as the staged path says
    assert f"first load abandoned ({abandoned}" in caplog.text
    assert (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count()) == before


def test_a_household_split_across_the_file_falls_back_to_the_staged_path(
    world: Any, tmp_path: Path, caplog: Any
) -> None:
    rows = make_samples.good_households()
    rows = [rows[0], rows[3], rows[1], rows[2], *rows[4:]]  # 王建国's spouse after 赵桂兰
    empty = _campaign(world, "split")
    with caplog.at_level(logging.INFO, logger=IMPORT_LOGGER):
        report = _load(empty, _write(tmp_path, rows), ImportOptions(dry_run=False, batch_rows=2))
    assert "first load abandoned (a household has no head" in caplog.text
    assert report.committed
    assert not report.first_load
    wang = Household.objects.get(campaign=empty, number="4312021102019001")
    assert list(wang.members.values_list("seq", "name")) == [
        (1, "王建国"),
        (2, "李秀英"),
        (3, "王小明"),
    ]
    assert Member.objects.filter(campaign=empty).count() == 7


def test_valid_only_into_an_empty_register_writes_the_valid_households(
    world: Any, tmp_path: Path
) -> None:
    rows = _many_households(5)
    rows[-1][17] = "12345"
    empty = _campaign(world, "valid-only")
    report = _load(empty, _write(tmp_path, rows), ImportOptions(dry_run=False, valid_only=True))
    assert report.committed
    assert not report.first_load
    assert (report.households_new, report.households_skipped) == (4, 1)
    assert Household.objects.filter(campaign=empty).count() == 4


def test_web_upload_into_a_new_campaign_commits_in_one_pass(
    client_for: Any, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    empty = _campaign(world, "next-year", year=world.campaign.year + 1)  # the current one now
    office = client_for("jinshan_office")
    with (
        django_capture_on_commit_callbacks(execute=True),
        (DATA / "register_gb18030.csv").open("rb") as handle,
    ):
        office.post(reverse("register:import"), {"file": handle})
    checked = Job.objects.get(kind="register.import")
    assert checked.status == JobStatus.SUCCEEDED
    assert checked.params["campaign_id"] == empty.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("register:import_commit", args=[checked.pk]))
    job = Job.objects.exclude(pk=checked.pk).get(kind="register.import")
    assert job.status == JobStatus.SUCCEEDED
    assert (job.result["committed"], job.result["first_load"]) == (True, True)
    assert Household.objects.filter(campaign=empty).count() == 3
    assert "已导入" in office.get(response.url).content.decode()
    report = office.get(reverse("register:import_report", args=[job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    rows = list(sheet["名册及错误说明"].iter_rows(values_only=True))
    assert len(rows) == 1 + 7  # every input row


def test_ids_refused_by_the_database_fall_back_to_the_staged_path(
    world: Any, tmp_path: Path, caplog: Any, monkeypatch: Any
) -> None:
    # As for a database role that does not own the households' id sequence.
    def refused(self: Any, count: int) -> range:
        raise DatabaseError("permission denied for sequence register_household_id_seq")

    monkeypatch.setattr(first_load._IdBlocks, "take", refused)
    empty = _campaign(world, "no-ids")
    with caplog.at_level(logging.INFO, logger=IMPORT_LOGGER):
        report = _load(empty, DATA / "register_gb18030.csv")
    assert "first load abandoned (database: permission denied" in caplog.text
    assert report.committed
    assert not report.first_load
    assert Household.objects.filter(campaign=empty).count() == 3


def _register_indexes() -> list[tuple[str, ...]]:
    """The register tables' index and constraint definitions, as the database states them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """SELECT tablename, indexname, indexdef FROM pg_indexes
                WHERE tablename IN ('register_household', 'register_member')
                UNION ALL
                SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                FROM pg_constraint
                WHERE conrelid IN ('register_household'::regclass, 'register_member'::regclass)
                ORDER BY 1, 2, 3"""
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name IN ('register_household', 'register_member') ORDER BY 1, 2"
            )
        return [tuple(row) for row in cursor.fetchall()]


@pytest.fixture
def empty_register_tables(monkeypatch: Any) -> None:
    """As in a new installation, whose register tables hold no row at all.

    The demo town's households stay in the tables (other tables name them), so the probe is
    answered as for empty tables; the indexes are then rebuilt over the demo's rows too.
    """
    assert not first_load.DeferredIndexes.applies()  # the real probe: the demo's rows are there
    monkeypatch.setattr(
        first_load.DeferredIndexes,
        "applies",
        staticmethod(lambda: connection.vendor == "postgresql"),
    )


def test_a_first_load_into_empty_tables_builds_their_indexes_after_the_rows(
    world: Any, tmp_path: Path, caplog: Any, empty_register_tables: None
) -> None:
    before = _register_indexes()
    empty = _campaign(world, "new-install")
    with caplog.at_level(logging.INFO, logger=first_load.__name__):
        report = _load(
            empty, _write(tmp_path, _many_households(7)), ImportOptions(dry_run=False, batch_rows=5)
        )
    assert report.first_load
    deferred = "register indexes deferred" in caplog.text
    assert deferred == (connection.vendor == "postgresql")
    assert _register_indexes() == before  # every index and constraint is back, as it was
    assert Household.objects.filter(campaign=empty).count() == 7
    assert Member.objects.filter(campaign=empty).count() == sum(2 + i % 3 for i in range(7))
    # The rebuilt unique index refuses what it refused before.
    member = Member.objects.filter(campaign=empty).exclude(id_number="")[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(
            household=member.household,
            campaign=empty,
            seq=99,
            name="重复",
            id_number=member.id_number,
        )


def test_a_duplicate_in_a_first_load_into_empty_tables_is_refused_when_its_index_is_built(
    world: Any, tmp_path: Path, caplog: Any, empty_register_tables: None
) -> None:
    rows = _many_households(6)
    rows[-1][17] = rows[1][17]  # an ID number used again, five households on
    before = _register_indexes()
    counts = (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count())
    empty = _campaign(world, "new-install-dirty")
    with (
        caplog.at_level(logging.INFO),
        pytest.raises(ApplicationError) as caught,
    ):
        _load(empty, _write(tmp_path, rows), ImportOptions(dry_run=False, batch_rows=4))
    assert caught.value.code == "register.rows_invalid"  # found and reported by the staged path
    if connection.vendor == "postgresql":
        assert "first load abandoned (database: could not create unique index" in caplog.text
    else:
        assert "first load abandoned (database: UNIQUE constraint failed" in caplog.text
    assert _register_indexes() == before
    assert (Household.objects.count(), Member.objects.count(), AuditEvent.objects.count()) == counts


def test_indexes_the_database_will_not_drop_are_kept_and_the_load_goes_on(
    world: Any, tmp_path: Path, caplog: Any, empty_register_tables: None
) -> None:
    postgres = connection.vendor == "postgresql"
    if postgres:  # an office's own table that depends on the household number's index
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE office_register_note (campaign_id bigint, number varchar(40),"
                " FOREIGN KEY (campaign_id, number)"
                " REFERENCES register_household (campaign_id, number))"
            )
    before = _register_indexes()
    empty = _campaign(world, "kept-indexes")
    with caplog.at_level(logging.INFO, logger=first_load.__name__):
        report = _load(empty, _write(tmp_path, _many_households(4)))
    assert report.first_load
    assert ("the register's indexes are kept (" in caplog.text) == postgres
    assert "register indexes deferred" not in caplog.text
    assert _register_indexes() == before
    assert Household.objects.filter(campaign=empty).count() == 4
