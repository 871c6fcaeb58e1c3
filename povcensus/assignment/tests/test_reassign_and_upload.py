"""Manual assignment, reassignment with a reason (history kept, nothing lost) and the
bulk assignment sheet (dry run, then all or nothing)."""

from __future__ import annotations

import io
from datetime import date, time
from typing import Any

import pytest
from openpyxl import Workbook

from povcensus.assignment.models import (
    Assignment,
    AssignmentChange,
    ChangeHow,
    UnitKind,
    UnitStatus,
)
from povcensus.assignment.services import (
    appointment_record,
    assignment_reassign,
    assignment_status_set,
    assignment_upload,
    units_assign,
)
from povcensus.assignment.tests.conftest import TOWN
from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.listing.models import ListingEntry, ListingStatus
from povcensus.register.models import Household
from povcensus.team.models import Team

pytestmark = pytest.mark.django_db


def _team(world: Any, code: str) -> Team:
    return Team.objects.get(campaign=world.campaign, code=code)


def _cadre_of(village: str) -> str:
    return f"cun{int(village[-3:]) - 200:02d}"


def test_a_started_unit_moves_with_its_status_appointment_and_history(
    world: Any, client_for: Any
) -> None:
    office = world.user("jinshan_office")
    t01, t02 = _team(world, "T01"), _team(world, "T02")
    unit = Assignment.objects.filter(
        team=t01, kind=UnitKind.HOUSEHOLD, appointment__isnull=True
    ).first()
    assert unit is not None
    appointment_record(
        actor=world.user(_cadre_of(unit.village_id)),
        assignment_id=unit.pk,
        day=date(2023, 9, 15),
        starts_at=time(9, 0),
    )
    assignment_status_set(actor=world.user("dcy01"), assignment_id=unit.pk, status="started")
    events = AuditEvent.objects.count()

    moved = assignment_reassign(
        actor=office, assignment_id=unit.pk, team_id=t02.pk, reason="T01 调查员生病"
    )

    assert moved.pk == unit.pk
    unit.refresh_from_db()
    assert (unit.team_id, unit.status) == (t02.pk, UnitStatus.STARTED)
    assert unit.appointment.day == date(2023, 9, 15)
    assert (unit.assigned_how, unit.assigned_by.username) == (ChangeHow.AUTO, "jinshan_office")  # type: ignore[union-attr]
    (change,) = unit.changes.all()
    assert (change.how, change.from_team_id, change.to_team_id) == (
        ChangeHow.REASSIGN,
        t01.pk,
        t02.pk,
    )
    assert (change.reason, change.status_then) == ("T01 调查员生病", "started")
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert event.action == "assignment.reassigned"
    assert (event.before or {})["team"] == "T01"
    assert (event.after or {})["team"] == "T02"
    # The new team reaches the household; the old team no longer does.
    from povcensus.assignment.selectors import access_assigned_household

    assert access_assigned_household(actor=world.user("dcy03"), household_id=unit.household_id or 0)
    with pytest.raises(ApplicationError):
        access_assigned_household(actor=world.user("dcy01"), household_id=unit.household_id or 0)
    page = client_for("jinshan_office").get(f"/assignment/units/{unit.pk}/").content.decode()
    assert "T01 调查员生病" in page
    assert "调整分配" in page


@pytest.mark.parametrize(
    ("team_code", "reason", "code"),
    [
        ("T02", "", "assignment.reason_required"),
        ("T02", "   ", "assignment.reason_required"),
        ("SAME", "理由", "assignment.same_team"),
    ],
)
def test_reassignment_refusals(world: Any, team_code: str, reason: str, code: str) -> None:
    unit = Assignment.objects.filter(team__code="T01", kind=UnitKind.HOUSEHOLD).first()
    assert unit is not None
    team = unit.team if team_code == "SAME" else _team(world, team_code)
    with pytest.raises(ApplicationError) as refusal:
        assignment_reassign(
            actor=world.user("jinshan_office"),
            assignment_id=unit.pk,
            team_id=team.pk,
            reason=reason,
        )
    assert refusal.value.code == code


def test_an_inactive_team_gets_nothing(world: Any) -> None:
    unit = Assignment.objects.filter(team__code="T01", kind=UnitKind.HOUSEHOLD).first()
    assert unit is not None
    t02 = _team(world, "T02")
    Team.objects.filter(pk=t02.pk).update(is_active=False)
    with pytest.raises(ApplicationError) as refusal:
        assignment_reassign(
            actor=world.user("jinshan_office"), assignment_id=unit.pk, team_id=t02.pk, reason="x"
        )
    assert refusal.value.code == "assignment.team_inactive"


def test_manual_assignment_refusals(fresh: Any) -> None:
    office = fresh.user("jinshan_office")
    t01 = _team(fresh, "T01")
    household = Household.objects.filter(campaign=fresh.campaign).order_by("number").first()
    assert household is not None
    units_assign(
        actor=office, campaign=fresh.campaign, team_id=t01.pk, household_ids=[household.pk]
    )
    dissolved = ListingEntry.objects.filter(status=ListingStatus.DISSOLVED).first()
    village_unit = "431202110201"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"household_ids": [household.pk]}, "assignment.already_assigned"),
        ({"village_codes": ["431202110000"]}, "assignment.not_a_census_village"),
        ({"household_ids": [999_999_999]}, "assignment.not_on_roster"),
    ]
    if dissolved is not None:  # non-interview listing cases are on the roster: assignable
        units_assign(
            actor=office,
            campaign=fresh.campaign,
            team_id=t01.pk,
            household_ids=[dissolved.household_id],
        )
    units_assign(
        actor=office, campaign=fresh.campaign, team_id=t01.pk, village_codes=[village_unit]
    )
    cases.append(({"village_codes": [village_unit]}, "assignment.already_assigned"))
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as refusal:
            units_assign(actor=office, campaign=fresh.campaign, team_id=t01.pk, **kwargs)
        assert refusal.value.code == code
    with pytest.raises(ApplicationError) as refusal:
        units_assign(
            actor=fresh.user("cun01"),
            campaign=fresh.campaign,
            team_id=t01.pk,
            household_ids=[
                Household.objects.filter(
                    campaign=fresh.campaign, assignment__isnull=True, listing_entry__status="1"
                )
                .exclude(village_id="431202110201")  # cun01's own village
                .values_list("pk", flat=True)
                .first()
                or 0
            ],
        )
    assert refusal.value.code == "core.permission_denied"


def test_unassigned_page_assigns_the_ticked_units(fresh: Any, client_for: Any) -> None:
    client = client_for("jinshan_office")
    page = client.get(f"/assignment/units/unassigned/?area={TOWN}")
    entries = list(page.context["entries"])
    assert entries
    t02 = _team(fresh, "T02")
    done = client.post(
        f"/assignment/units/unassigned/?area={TOWN}",
        {
            "team": t02.pk,
            "household": [e.household_id for e in entries[:3]],
            "village": ["431202110203"],
        },
        follow=True,
    )
    assert done.status_code == 200
    assert Assignment.objects.filter(team=t02).count() == 4


def _sheet(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["金山镇调查任务分配表"])
    sheet.append(["户编号", "行政村代码", "调查小组编号", "原因"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_upload_dry_run_then_commit(world: Any) -> None:
    office = world.user("jinshan_office")
    t01 = Assignment.objects.filter(team__code="T01", kind=UnitKind.HOUSEHOLD).select_related(
        "household"
    )
    keep, move = t01[0], t01[1]
    fresh_household = Household.objects.filter(
        campaign=world.campaign, assignment__isnull=True, listing_entry__status="1"
    ).first()
    rows = [
        [keep.household.number, "", "T01", ""],  # type: ignore[union-attr]
        [move.household.number, "", "T03", "就近调整"],  # type: ignore[union-attr]
    ]
    if fresh_household is not None:
        rows.append([fresh_household.number, "", "T02", ""])
    before = (Assignment.objects.count(), AuditEvent.objects.count())
    report = assignment_upload(
        actor=office, campaign=world.campaign, data=_sheet(rows), dry_run=True
    )
    assert report.error_count == 0
    assert [r.action for r in report.rows][:2] == ["keep", "move"]
    assert (Assignment.objects.count(), AuditEvent.objects.count()) == before

    report = assignment_upload(
        actor=office, campaign=world.campaign, data=_sheet(rows), dry_run=False
    )
    assert report.committed
    move.refresh_from_db()
    assert move.team.code == "T03"
    change = AssignmentChange.objects.filter(assignment=move).order_by("-id").first()
    assert change is not None
    assert (change.how, change.reason) == (ChangeHow.REASSIGN, "就近调整")
    assert AuditEvent.objects.filter(action="assignment.upload_committed").exists()


def test_upload_reports_every_bad_row_and_writes_nothing(world: Any) -> None:
    office = world.user("jinshan_office")
    assigned = Assignment.objects.filter(team__code="T01", kind=UnitKind.HOUSEHOLD).select_related(
        "household"
    )[0]
    number = assigned.household.number  # type: ignore[union-attr]
    rows = [
        [number, "", "T02", ""],  # already T01's, no reason given
        ["000000000000000000", "", "T01", ""],  # no such household
        ["", "431202110201", "T99", ""],  # no such team
        [number, "", "T03", "重复"],  # the same unit twice
    ]
    report = assignment_upload(
        actor=office, campaign=world.campaign, data=_sheet(rows), dry_run=True
    )
    codes = [[e["code"] for e in r.errors] for r in report.rows]
    assert codes == [
        ["assignment.already_assigned"],
        ["assignment.upload_unknown_unit"],
        ["assignment.upload_unknown_team"],
        ["assignment.upload_duplicate_unit"],
    ]
    before = (Assignment.objects.count(), AssignmentChange.objects.count())
    with pytest.raises(ApplicationError) as refusal:
        assignment_upload(actor=office, campaign=world.campaign, data=_sheet(rows), dry_run=False)
    assert refusal.value.code == "assignment.upload_rows_invalid"
    assert (Assignment.objects.count(), AssignmentChange.objects.count()) == before


def test_upload_needs_a_unit_column(world: Any) -> None:
    book = Workbook()
    book.active.append(["调查小组编号", "备注"])
    book.active.append(["T01", "x"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ApplicationError) as refusal:
        assignment_upload(
            actor=world.user("jinshan_office"),
            campaign=world.campaign,
            data=out.getvalue(),
            dry_run=True,
        )
    assert refusal.value.code == "assignment.upload_missing_columns"


def test_upload_page_checks_then_commits(world: Any, client_for: Any) -> None:
    client = client_for("jinshan_office")
    unit = Assignment.objects.filter(team__code="T01", kind=UnitKind.HOUSEHOLD).select_related(
        "household"
    )[0]
    data = _sheet([[unit.household.number, "", "T05", "均衡工作量"]])  # type: ignore[union-attr]
    checked = client.post("/assignment/upload/", {"file": _upload(data)})
    assert "确认导入" in checked.content.decode()
    client.post("/assignment/upload/", {"op": "commit"})
    unit.refresh_from_db()
    assert unit.team.code == "T05"
    template = client.get("/assignment/upload/template.xlsx")
    assert template.status_code == 200
    assert template.content[:2] == b"PK"


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("分配表.xlsx", data)


def test_status_steps_for_collection(world: Any) -> None:
    unit = Assignment.objects.filter(team__code="T01", kind=UnitKind.HOUSEHOLD).first()
    assert unit is not None
    dcy01 = world.user("dcy01")
    assignment_status_set(actor=dcy01, assignment_id=unit.pk, status="submitted")
    with pytest.raises(ApplicationError) as refusal:
        assignment_status_set(actor=dcy01, assignment_id=unit.pk, status="pending")
    assert refusal.value.code == "assignment.bad_status"
    with pytest.raises(ApplicationError) as missing:
        assignment_status_set(actor=world.user("dcy03"), assignment_id=unit.pk, status="started")
    assert missing.value.code == "core.not_found"
