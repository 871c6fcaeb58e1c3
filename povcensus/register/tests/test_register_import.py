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
