"""Appointments (booked by the village, rescheduled with a reason), guides, the printable
notice list, the enumerator's worklist in appointment order and the team's daily plan."""

from __future__ import annotations

import io
from datetime import date, time
from typing import Any

import pytest
from openpyxl import load_workbook

from povcensus.assignment.models import (
    Appointment,
    AppointmentChange,
    Assignment,
    Document,
    GuideDuty,
    UnitKind,
)
from povcensus.assignment.selectors import daily_plan, worklist
from povcensus.assignment.services import (
    appointment_record,
    appointment_reschedule,
    guide_record,
    guide_remove,
    notice_list_export,
)
from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.team.models import Team

pytestmark = pytest.mark.django_db
DAY = date(2023, 9, 12)


def _unbooked(team_code: str) -> Assignment:
    unit = (
        Assignment.objects.filter(
            team__code=team_code, kind=UnitKind.HOUSEHOLD, appointment__isnull=True
        )
        .select_related("household", "team")
        .first()
    )
    assert unit is not None
    return unit


def _cadre(world: Any, unit: Assignment) -> Any:
    return world.user(f"cun{int(unit.village_id[-3:]) - 200:02d}")


def test_cadre_books_then_reschedules_with_a_reason(world: Any) -> None:
    unit = _unbooked("T01")
    cadre = _cadre(world, unit)
    appointment = appointment_record(
        actor=cadre,
        assignment_id=unit.pk,
        day=DAY,
        starts_at=time(9, 0),
        ends_at=time(9, 50),
        documents=[Document.HUKOU, Document.AID_BOOK],
        note="户主上午在家",
    )
    assert appointment.documents == ["hukou", "aid_book"]
    with pytest.raises(ApplicationError) as twice:
        appointment_record(actor=cadre, assignment_id=unit.pk, day=DAY, starts_at=time(10, 0))
    assert twice.value.code == "assignment.appointment_exists"
    with pytest.raises(ApplicationError) as no_reason:
        appointment_reschedule(
            actor=cadre, assignment_id=unit.pk, day=DAY, starts_at=time(15, 0), reason=" "
        )
    assert no_reason.value.code == "assignment.reason_required"
    appointment_reschedule(
        actor=cadre,
        assignment_id=unit.pk,
        day=date(2023, 9, 13),
        starts_at=time(15, 0),
        reason="户主临时外出",
    )
    appointment.refresh_from_db()
    assert (appointment.day, appointment.starts_at) == (date(2023, 9, 13), time(15, 0))
    change = AppointmentChange.objects.get(appointment=appointment)
    assert (change.old_day, change.old_starts_at, change.reason) == (
        DAY,
        time(9, 0),
        "户主临时外出",
    )
    actions = list(
        AuditEvent.objects.filter(object_id=str(unit.household_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["assignment.appointment_recorded", "assignment.appointment_rescheduled"]


@pytest.mark.parametrize(
    ("day", "starts", "ends", "documents", "code"),
    [
        (date(2023, 9, 7), time(9), None, None, "assignment.appointment_outside_fieldwork"),
        (date(2023, 9, 28), time(9), None, None, "assignment.appointment_outside_fieldwork"),
        (DAY, time(10), time(9), None, "assignment.appointment_bad_time"),
        (DAY, time(10), None, ["passport"], "assignment.unknown_document"),
    ],
)
def test_booking_refusals(
    world: Any, day: date, starts: time, ends: time | None, documents: Any, code: str
) -> None:
    unit = _unbooked("T02")
    with pytest.raises(ApplicationError) as refusal:
        appointment_record(
            actor=_cadre(world, unit),
            assignment_id=unit.pk,
            day=day,
            starts_at=starts,
            ends_at=ends,
            documents=documents,
        )
    assert refusal.value.code == code


def test_a_team_day_holds_no_more_than_its_daily_capacity(world: Any) -> None:
    t03 = Team.objects.get(campaign=world.campaign, code="T03")
    Team.objects.filter(pk=t03.pk).update(daily_capacity=1)
    first, second = list(
        Assignment.objects.filter(team=t03, kind=UnitKind.HOUSEHOLD, appointment__isnull=True)[:2]
    )
    appointment_record(
        actor=_cadre(world, first), assignment_id=first.pk, day=DAY, starts_at=time(9)
    )
    with pytest.raises(ApplicationError) as full:
        appointment_record(
            actor=_cadre(world, second), assignment_id=second.pk, day=DAY, starts_at=time(10)
        )
    assert full.value.code == "assignment.day_full"


def test_another_villages_cadre_cannot_see_the_household(world: Any) -> None:
    unit = _unbooked("T01")
    other = "cun16" if _cadre(world, unit).username != "cun16" else "cun15"
    with pytest.raises(ApplicationError) as refusal:
        appointment_record(
            actor=world.user(other), assignment_id=unit.pk, day=DAY, starts_at=time(9)
        )
    assert refusal.value.code == "core.not_found"


def test_booking_from_the_village_page_with_htmx(world: Any, client_for: Any) -> None:
    unit = _unbooked("T04")
    cadre = _cadre(world, unit)
    client = client_for(cadre.username)
    board = client.get(f"/assignment/appointments/{unit.village_id}/")
    assert board.status_code == 200
    assert unit.household.number in board.content.decode()  # type: ignore[union-attr]
    row = client.post(
        f"/assignment/units/{unit.pk}/appointment/",
        {"day": "2023-09-14", "starts_at": "08:30"},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200
    assert "09-14 08:30" in row.content.decode()
    assert Appointment.objects.get(assignment=unit).day == date(2023, 9, 14)
    refused = client.post(
        f"/assignment/units/{unit.pk}/appointment/",
        {"day": "2023-09-15", "starts_at": "08:30"},
        HTTP_HX_REQUEST="true",
    )
    assert "assignment.reason_required" in refused.content.decode()
    # The cadre's only village: the index page goes straight to it.
    index = client.get("/assignment/appointments/")
    assert index.status_code == 302
    assert index["Location"].endswith(f"/assignment/appointments/{unit.village_id}/")


def test_guides_are_named_per_team_village_and_day(world: Any, client_for: Any) -> None:
    unit = _unbooked("T05")
    cadre = _cadre(world, unit)
    duty = guide_record(
        actor=cadre,
        campaign=world.campaign,
        team_id=unit.team_id,
        village_code=unit.village_id,
        day=DAY,
        name="李引导",
        phone="13912345678",
    )
    again = guide_record(
        actor=cadre,
        campaign=world.campaign,
        team_id=unit.team_id,
        village_code=unit.village_id,
        day=DAY,
        user_id=cadre.pk,
    )
    assert again.pk == duty.pk
    assert (again.name, again.user_id) == (cadre.full_name, cadre.pk)
    other_team = Team.objects.exclude(assignments__village_id=unit.village_id).filter(
        campaign=world.campaign
    )[0]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"team_id": other_team.pk, "name": "王"}, "assignment.guide_team_not_in_village"),
        ({"team_id": unit.team_id, "name": ""}, "assignment.guide_name_required"),
        ({"team_id": unit.team_id, "name": "王", "phone": "12"}, "assignment.bad_phone"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as refusal:
            guide_record(
                actor=cadre,
                campaign=world.campaign,
                village_code=unit.village_id,
                day=DAY,
                **kwargs,
            )
        assert refusal.value.code == code
    page = client_for(cadre.username).post(
        f"/assignment/appointments/{unit.village_id}/",
        {"team": unit.team_id, "day": "2023-09-16", "name": "赵向导", "phone": ""},
        follow=True,
    )
    assert "赵向导" in page.content.decode()
    guide_remove(actor=cadre, duty_id=duty.pk)
    assert not GuideDuty.objects.filter(pk=duty.pk).exists()


def test_notice_list_in_xlsx_and_pdf_is_audited(world: Any, client_for: Any) -> None:
    booked = (
        Assignment.objects.filter(appointment__isnull=False)
        .select_related("household", "appointment")
        .first()
    )
    assert booked is not None
    cadre = _cadre(world, booked)
    body = notice_list_export(
        actor=cadre, campaign=world.campaign, village_code=booked.village_id, fmt="xlsx"
    )
    sheet = load_workbook(io.BytesIO(body)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    text = " ".join(cells)
    assert booked.household.number in text  # type: ignore[union-attr]
    assert "户口本" in text
    assert "一卡通" in text
    assert booked.appointment.day.isoformat() in text
    pdf = client_for(cadre.username).get(f"/assignment/appointments/{booked.village_id}/notice.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    exports = AuditEvent.objects.filter(action="assignment.notice_list_exported")
    assert [(e.after or {})["format"] for e in exports.order_by("id")][-2:] == ["xlsx", "pdf"]
    outsider = client_for("cun16" if cadre.username != "cun16" else "cun15")
    refused = outsider.get(f"/assignment/appointments/{booked.village_id}/notice.xlsx")
    assert refused.status_code == 404


def test_worklist_is_in_appointment_order_with_guides(world: Any, client_for: Any) -> None:
    dcy01 = world.user("dcy01")
    day = date(2023, 9, 8)
    work = worklist(actor=dcy01, day=day)
    assert [t.code for t in work.teams] == ["T01"]
    assert work.today, "the demo books every team's first visits on 8 September"
    times = [item.appointment.starts_at for item in work.today]  # type: ignore[union-attr]
    assert times == sorted(times)
    assert all(item.guide is not None for item in work.today)
    everything = [item.assignment.pk for item in work.today + work.others]
    assert sorted(everything) == sorted(
        Assignment.objects.filter(team__code="T01").values_list("pk", flat=True)
    )
    # Booked units of later days come before unbooked ones.
    booked_flags = [item.appointment is not None for item in work.others]
    assert booked_flags == sorted(booked_flags, reverse=True)
    page = client_for("dcy01").get("/assignment/my/?day=2023-09-08").content.decode()
    first = work.today[0]
    assert first.household.number in page  # type: ignore[union-attr]
    assert page.index(first.household.number) < page.index(work.today[-1].household.number)  # type: ignore[union-attr]
    api = client_for("dcy01").get("/api/assignment/worklist?day=2023-09-08")
    assert [row["assignment_id"] for row in api.json()][: len(work.today)] == [
        item.assignment.pk for item in work.today
    ]


def test_daily_plan_lists_visits_by_village_with_the_guide(world: Any, client_for: Any) -> None:
    t01 = Team.objects.get(campaign=world.campaign, code="T01")
    plan = daily_plan(team=t01, day=date(2023, 9, 8))
    assert plan.visits
    assert plan.capacity_used == sum(len(v.items) for v in plan.visits)
    assert plan.visits[0].guide is not None
    page = client_for("zdy01").get(f"/assignment/teams/{t01.pk}/plan/?day=2023-09-08")
    body = page.content.decode()
    assert page.status_code == 200
    assert plan.visits[0].guide.name in body
    assert "window.print()" in body
    assert client_for("dcy03").get(f"/assignment/teams/{t01.pk}/plan/").status_code == 404


def test_home_card_shows_the_teams_day(world: Any, client_for: Any) -> None:
    home = client_for("dcy01").get("/")
    assert "本组共" in home.content.decode()  # the card, not just the menu entry
    assert "本组共" not in client_for("jinshan_office").get("/").content.decode()
