"""Register import: real-looking files, one documented code per problem, nothing half-written.

Sample files are built by ``tests/data/make_samples.py`` (GB18030 CSV with title rows, an
XLSX with a merged two-row header, a CSV with one damaged household per kind of damage).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.listing.models import ListingEntry
from povcensus.register.models import Household, Member
from povcensus.register.parsing import parse_tokens
from povcensus.register.services import ImportOptions, register_import
from povcensus.register.tests.data import make_samples

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent / "data"
COMMIT = ImportOptions(dry_run=False)
DRY_RUN = ImportOptions(dry_run=True)


def _counts(world: Any) -> tuple[int, int, int, int]:
    return (
        Household.objects.filter(campaign=world.campaign).count(),
        Member.objects.filter(campaign=world.campaign).count(),
        ListingEntry.objects.filter(listing__campaign=world.campaign).count(),
        AuditEvent.objects.count(),
    )


def _import(world: Any, name: str, options: ImportOptions = DRY_RUN, **kwargs: Any) -> Any:
    return register_import(
        actor=kwargs.pop("actor", world.user("jinshan_office")),
        campaign=world.campaign,
        path=kwargs.pop("path", DATA / name),
        options=options,
        **kwargs,
    )


def _codes_by_household(report: Any) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in report.problem_rows:
        codes = {p.code for p in parse_tokens(row["problems"])} | {
            p.code for p in parse_tokens(row["notes"])
        }
        found.setdefault(row["number"], set()).update(codes)
    return found


def test_gb18030_csv_with_title_rows_dry_run_writes_nothing(world: Any) -> None:
    before = _counts(world)
    report = _import(world, "register_gb18030.csv")
    assert (report.rows, report.households, report.error_rows) == (7, 3, 0)
    assert report.households_new == 3
    assert report.members_new == 7
    assert _counts(world) == before


def test_gb18030_commit_writes_households_members_and_open_listing_entries(world: Any) -> None:
    hh, members, entries, _ = _counts(world)
    report = _import(world, "register_gb18030.csv", COMMIT)
    assert report.committed
    assert _counts(world)[:3] == (hh + 3, members + 7, entries + 3)
    wang = Household.objects.get(campaign=world.campaign, number="4312021102019001")
    assert (wang.head_name, wang.size_registered, wang.attribute, wang.exit_status) == (
        "王建国",
        3,
        "1",
        "03",
    )
    assert wang.head_id_number == make_samples.pid(1970, 3, 5, 11)
    assert list(wang.members.values_list("seq", "relation", "sex")) == [
        (1, "01", "1"),
        (2, "02", "2"),
        (3, "03", "1"),
    ]
    son = wang.members.get(seq=3)
    assert (son.education, son.student_status) == ("2", "16")
    chen = Household.objects.get(number="4312021102029003")
    assert chen.members.get(seq=1).work_months == 10
    entry = ListingEntry.objects.get(household=wang)
    assert entry.status == ""
    assert entry.listing.village_id == "431202110201"
    event = AuditEvent.objects.filter(action="register.import.committed").last()
    assert event is not None
    assert event.after is not None
    assert event.after["households_new"] == 3
    assert event.after["sha256"] == report.sha256


def test_merged_two_row_header_xlsx_is_read_and_numeric_id_is_flagged(world: Any) -> None:
    report = _import(world, "register_merged_header.xlsx")
    assert report.rows == 8
    found = _codes_by_household(report)
    assert found == {"4312021102019201": {"register.id_scientific"}}
    assert report.problem_rows[0]["row"] == 12  # 2 title rows + 2 header rows + 8th data row


@pytest.mark.parametrize(("number", "code"), sorted(make_samples.PROBLEMS.items()))
def test_each_damaged_household_gets_its_documented_code(
    world: Any, problems_report: Any, number: str, code: str
) -> None:
    found = _codes_by_household(problems_report)
    if code:
        assert code in found.get(number, set())
    else:
        assert number not in found


@pytest.fixture
def problems_report(world: Any) -> Any:
    return _import(world, "register_problems.csv")


def test_problems_file_commit_is_refused_and_nothing_is_written(world: Any) -> None:
    before = _counts(world)
    with pytest.raises(ApplicationError) as caught:
        _import(world, "register_problems.csv", COMMIT)
    assert caught.value.code == "register.rows_invalid"
    assert _counts(world) == before


def test_valid_only_commit_writes_only_households_without_errors(world: Any) -> None:
    report = _import(world, "register_problems.csv", ImportOptions(dry_run=False, valid_only=True))
    accepted = {
        number
        for number, code in make_samples.PROBLEMS.items()
        if code in ("", "register.id_repaired")
    }
    written = set(
        Household.objects.filter(number__in=make_samples.PROBLEMS).values_list("number", flat=True)
    )
    assert written == accepted
    assert report.households_skipped == len(make_samples.PROBLEMS) - len(accepted)
    repaired = Member.objects.get(household__number="4312021102019102")
    assert repaired.id_number == make_samples.pid(1975, 4, 4, 35)
    disabled = Member.objects.get(household__number="4312021102019107")
    assert (disabled.id_type, len(disabled.id_number)) == ("2", 20)


# --- re-import: upsert by household number, audited changes, nothing deleted ------------------


def _write(tmp_path: Path, rows: list[list[str]], name: str = "newer.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(make_samples.csv_bytes(rows, encoding="utf-8"))
    return path


def test_reimport_upserts_records_each_change_and_never_deletes(world: Any, tmp_path: Path) -> None:
    _import(world, "register_gb18030.csv", COMMIT)
    rows = make_samples.good_households()
    rows[0][10] = "13999990000"  # the head's phone (a household field, on the head's row)
    rows[2][20] = "初中"  # the son's education
    del rows[1]  # the spouse leaves the household
    del rows[2]  # household 9002 is not in the newer export
    moved = rows[3]  # 刘芳 leaves 9003 and heads a household of her own
    rows[3:4] = []
    head = make_samples.member(
        "4312021102029004",
        "刘芳",
        1,
        "刘芳",
        "女",
        moved[17],
        "户主",
        village=make_samples.VILLAGE_2,
    )
    report = _import(world, "", COMMIT, path=_write(tmp_path, [*rows, head]))
    assert report.committed
    assert (report.households_new, report.households_changed, report.households_unchanged) == (
        1,
        2,
        0,
    )
    assert "4312021102019002" in report.missing_numbers
    assert Household.objects.filter(number="4312021102019002").exists()  # reported, not deleted

    wang = Household.objects.get(campaign=world.campaign, number="4312021102019001")
    assert wang.phone == "13999990000"
    assert list(wang.members.order_by("seq").values_list("name", "education")) == [
        ("王建国", "3"),
        ("王小明", "3"),
    ]
    event = AuditEvent.objects.get(action="register.household.changed", object_id=str(wang.pk))
    assert event.after is not None
    changes = {c["field"]: (c["old"], c["new"]) for c in event.after["changes"]}
    assert changes["phone"] == ("13807450001", "13999990000")
    assert changes[f"member[王小明 {make_samples.pid(2010, 6, 1, 13)}].education"] == ("2", "3")
    assert changes["member"][1] is None  # 李秀英 removed
    liu = Member.objects.get(id_number=moved[17])
    assert liu.household.number == "4312021102029004"
    chen = Household.objects.get(number="4312021102029003")
    chen_event = AuditEvent.objects.get(action="register.household.changed", object_id=str(chen.pk))
    assert chen_event.after is not None
    assert {
        "field": "member",
        "old": f"刘芳 {moved[17]}",
        "new": "→ 4312021102029004",
    } in chen_event.after["changes"]
    assert ListingEntry.objects.filter(household__number="4312021102029004").exists()


def test_reimport_of_the_same_file_changes_nothing(world: Any) -> None:
    _import(world, "register_gb18030.csv", COMMIT)
    events = AuditEvent.objects.filter(action="register.household.changed").count()
    report = _import(world, "register_gb18030.csv", COMMIT)
    assert (report.households_new, report.households_changed, report.households_unchanged) == (
        0,
        0,
        3,
    )
    assert AuditEvent.objects.filter(action="register.household.changed").count() == events


def test_id_registered_in_a_household_left_out_of_the_file_is_refused(
    world: Any, tmp_path: Path
) -> None:
    _import(world, "register_gb18030.csv", COMMIT)
    taken = make_samples.pid(1948, 1, 30, 24)  # 赵桂兰 of household 9002
    row = make_samples.member("4312021102019301", "赵桂兰", 1, "赵桂兰", "女", taken, "户主")
    report = _import(world, "", path=_write(tmp_path, [row]))
    assert _codes_by_household(report) == {"4312021102019301": {"register.id_in_other_household"}}


# --- permissions, file problems, mapping ----------------------------------------------------


def test_importing_needs_the_import_permission(world: Any) -> None:
    with pytest.raises(ApplicationError) as caught:
        _import(world, "register_gb18030.csv", actor=world.user("cun01"))
    assert caught.value.code == "core.permission_denied"


def test_villages_outside_the_importers_area_are_row_errors(world: Any, tmp_path: Path) -> None:
    from povcensus.campaign.models import Campaign
    from povcensus.geography.models import Area

    Area.objects.create(code="431202111201", name="银河村", level=5, parent_id="431202111000")
    county_campaign = Campaign.objects.create(
        code="county-2023",
        name="鹤城区调查",
        area_id="431202000000",
        year=2023,
        reference_date=world.campaign.reference_date,
        income_line=4000,
    )
    village = ("鹤城区", "431202000000", "银河乡", "431202111000", "银河村", "431202111201")
    row = make_samples.member(
        "4312021112019001",
        "黄河",
        1,
        "黄河",
        "男",
        make_samples.pid(1970, 1, 1, 71),
        "户主",
        village=village,
    )
    report = register_import(
        actor=world.user("jinshan_office"),
        campaign=county_campaign,
        path=_write(tmp_path, [*make_samples.good_households(), row]),
    )
    assert _codes_by_household(report) == {"4312021112019001": {"register.village_out_of_scope"}}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("户编号,姓名,与户主关系\n1,张三,户主\n".encode(), "register.missing_columns"),
        (make_samples.csv_bytes([], encoding="utf-8"), "register.empty"),
        (b"PK\x03\x04 this is not a workbook", "register.file_unreadable"),
    ],
)
def test_unusable_files_are_refused_with_a_code(
    world: Any, tmp_path: Path, content: bytes, code: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ApplicationError) as caught:
        _import(world, "", path=path)
    assert caught.value.code == code


def test_an_adjusted_mapping_reads_other_headers(world: Any, tmp_path: Path) -> None:
    from povcensus.register.mapping import DEFAULT_MAPPING
    from povcensus.register.services import mapping_from_text

    text = DEFAULT_MAPPING.read_text(encoding="utf-8").replace(
        "headers: [户编号, 户码, 家庭编号, 户编码]", "headers: [家庭档案号]"
    )
    body = make_samples.csv_bytes(make_samples.good_households(), encoding="utf-8")
    path = tmp_path / "renamed.csv"
    path.write_bytes(body.decode().replace(",户编号,", ",家庭档案号,", 1).encode())
    with pytest.raises(ApplicationError) as caught:
        _import(world, "", path=path)
    assert caught.value.code == "register.missing_columns"
    report = _import(world, "", path=path, mapping=mapping_from_text(text))
    assert (report.rows, report.error_rows) == (7, 0)
    with pytest.raises(ApplicationError) as caught:
        mapping_from_text("fields:\n  nonsense: {headers: [x]}\n")
    assert caught.value.code == "register.mapping_invalid"
