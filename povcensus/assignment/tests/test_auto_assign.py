"""Automatic assignment of the demo town: preview writes nothing, apply is one atomic,
audited step; households per team stay within ±10% of the mean; villages stay whole."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, time
from typing import Any

import pytest

from povcensus.assignment.models import (
    Assignment,
    AssignmentChange,
    ChangeHow,
    UnitKind,
    UnitStatus,
)
from povcensus.assignment.services import (
    appointment_record,
    assignment_status_set,
    auto_assign_apply,
    auto_assign_preview,
    units_assign,
)
from povcensus.assignment.tests.conftest import TOWN
from povcensus.audit.models import AuditEvent
from povcensus.campaign.models import CampaignPhase, PhaseKind
from povcensus.core.errors import ApplicationError
from povcensus.listing.selectors import roster_entries
from povcensus.team.models import Team

pytestmark = pytest.mark.django_db


def _bounds(level: float) -> tuple[int, int]:
    """±10% of the mean, widened to whole households (the bound the planner promises)."""
    return (
        min(math.floor(level), math.ceil(0.9 * level - 1e-9)),
        max(math.ceil(level), math.floor(1.1 * level + 1e-9)),
    )


def test_demo_town_meets_the_balance_bound_and_keeps_villages_whole(fresh: Any) -> None:
    office = fresh.user("jinshan_office")
    roster = roster_entries(campaign_id=fresh.campaign.pk, area_code=TOWN, interview_only=True)
    households = roster.count()
    events = AuditEvent.objects.count()
    runs = AuditEvent.objects.filter(action="assignment.auto_applied").count()

    plan = auto_assign_apply(actor=office, campaign=fresh.campaign, area_code=TOWN)

    loads = Counter(
        Assignment.objects.filter(kind=UnitKind.HOUSEHOLD).values_list("team__code", flat=True)
    )
    teams = list(Team.objects.filter(campaign=fresh.campaign).values_list("code", flat=True))
    assert sum(loads.values()) == households
    low, high = _bounds(households / len(teams))
    assert all(low <= loads[code] <= high for code in teams), (loads, low, high)
    assert plan.within_bounds
    # 16 villages of about four households and 8 teams: every village fits one team.
    pairs = set(
        Assignment.objects.filter(kind=UnitKind.HOUSEHOLD).values_list("village_id", "team_id")
    )
    village_teams = Counter(village for village, _team in pairs)
    assert set(village_teams.values()) == {1}
    # The village questionnaire goes with the village's households.
    for village, team in Assignment.objects.filter(kind=UnitKind.VILLAGE).values_list(
        "village_id", "team_id"
    ):
        assert Assignment.objects.filter(
            kind=UnitKind.HOUSEHOLD, village_id=village, team_id=team
        ).exists()
    assert Assignment.objects.filter(kind=UnitKind.VILLAGE).count() == 16
    # Each unit says how and by whom it was assigned, and has its audit event (plus one for the run).
    assert set(Assignment.objects.values_list("assigned_how", "assigned_by")) == {
        (ChangeHow.AUTO, office.pk)
    }
    assert not AssignmentChange.objects.exists()  # history holds moves; these are first assignments
    assert AuditEvent.objects.count() == events + households + 16 + 1
    assert AuditEvent.objects.filter(action="assignment.auto_applied").count() == runs + 1
    with pytest.raises(ApplicationError) as nothing:
        auto_assign_apply(actor=office, campaign=fresh.campaign, area_code=TOWN)
    assert nothing.value.code == "assignment.nothing_to_assign"


def test_preview_writes_nothing_and_apply_checks_the_fingerprint(fresh: Any) -> None:
    office = fresh.user("jinshan_office")
    before = (Assignment.objects.count(), AuditEvent.objects.count())
    plan = auto_assign_preview(actor=office, campaign=fresh.campaign, area_code=TOWN)
    assert (Assignment.objects.count(), AuditEvent.objects.count()) == before
    assert plan.new_units > 0
    assert plan.moves
    # Someone assigns a household by hand in the meantime: the preview is stale.
    first = plan.moves[0]
    units_assign(
        actor=office,
        campaign=fresh.campaign,
        team_id=first.to_team,
        household_ids=[int(first.unit)],
    )
    with pytest.raises(ApplicationError) as stale:
        auto_assign_apply(
            actor=office, campaign=fresh.campaign, area_code=TOWN, fingerprint=plan.fingerprint
        )
    assert stale.value.code == "assignment.plan_stale"


def test_capacity_is_respected_and_the_shortfall_reported(fresh: Any) -> None:
    Team.objects.filter(campaign=fresh.campaign).update(daily_capacity=1)
    CampaignPhase.objects.filter(campaign=fresh.campaign, kind=PhaseKind.FIELD_REGISTRATION).update(
        starts_on=date(2023, 9, 26), deadline=date(2023, 9, 27)
    )
    plan = auto_assign_apply(
        actor=fresh.user("jinshan_office"), campaign=fresh.campaign, area_code=TOWN
    )
    loads = Counter(
        Assignment.objects.filter(kind=UnitKind.HOUSEHOLD).values_list("team_id", flat=True)
    )
    assert set(loads.values()) == {2}  # 1 a day × 2 days, every team full
    households = roster_entries(
        campaign_id=fresh.campaign.pk, area_code=TOWN, interview_only=True
    ).count()
    assert plan.unplaced == households - 16


def test_refusals(fresh: Any) -> None:
    office = fresh.user("jinshan_office")
    cases = [
        ("431202110201", "assignment.area_level"),  # a village
        ("431202111000", "assignment.area_outside_campaign"),  # 银河乡
        ("431202110000", "assignment.no_field_phase"),
    ]
    CampaignPhase.objects.filter(
        campaign=fresh.campaign, kind=PhaseKind.FIELD_REGISTRATION
    ).delete()
    for area, code in cases:
        with pytest.raises(ApplicationError) as refusal:
            auto_assign_preview(actor=office, campaign=fresh.campaign, area_code=area)
        assert refusal.value.code == code


def test_replan_moves_only_units_not_started_and_not_booked(world: Any) -> None:
    """In the demo every team has some booked visits; started ones stay too."""
    office = world.user("jinshan_office")
    t03 = Team.objects.get(campaign=world.campaign, code="T03")
    started = Assignment.objects.filter(
        team=t03, kind=UnitKind.HOUSEHOLD, appointment__isnull=True
    ).first()
    assert started is not None
    assignment_status_set(
        actor=world.user("dcy05"), assignment_id=started.pk, status=UnitStatus.STARTED
    )
    booked = set(Assignment.objects.filter(appointment__isnull=False).values_list("pk", "team_id"))
    # Unbalance the town: give T03's unbooked, unstarted households to T04.
    t04 = Team.objects.get(campaign=world.campaign, code="T04")
    Assignment.objects.filter(team=t03, status=UnitStatus.PENDING, appointment__isnull=True).update(
        team=t04
    )
    plan = auto_assign_apply(actor=office, campaign=world.campaign, area_code=TOWN, replan=True)
    assert plan.moved_units > 0
    assert plan.new_units == 0
    assert (
        set(Assignment.objects.filter(appointment__isnull=False).values_list("pk", "team_id"))
        == booked
    )
    started.refresh_from_db()
    assert (started.team_id, started.status) == (t03.pk, UnitStatus.STARTED)
    assert plan.within_bounds


def test_pages_preview_then_apply(fresh: Any, client_for: Any) -> None:
    client = client_for("jinshan_office")
    overview = client.get("/assignment/")
    assert overview.status_code == 200
    assert "预览自动分配" in overview.content.decode()
    preview = client.get(f"/assignment/preview/?area={TOWN}")
    body = preview.content.decode()
    assert preview.status_code == 200
    assert 'class="bars"' in body  # the chart of households per team
    assert "确认分配" in body
    assert Assignment.objects.count() == 0
    fingerprint = preview.context["plan"].fingerprint
    done = client.post(
        "/assignment/apply/", {"area": TOWN, "fingerprint": fingerprint}, follow=True
    )
    assert done.status_code == 200
    assert (
        Assignment.objects.filter(kind=UnitKind.HOUSEHOLD).count()
        == preview.context["plan"].new_units - 16
    )
    overview = client.get(f"/assignment/?area={TOWN}").content.decode()
    assert "T01" in overview


def test_api_preview_then_apply(fresh: Any, client_for: Any) -> None:
    client = client_for("jinshan_office")
    preview = client.post(
        "/api/assignment/auto/preview", {"area_code": TOWN}, content_type="application/json"
    )
    assert preview.status_code == 200
    body = preview.json()
    assert body["within_bounds"] is True
    assert len(body["teams"]) == 8
    applied = client.post(
        "/api/assignment/auto/apply",
        {"area_code": TOWN, "fingerprint": body["fingerprint"]},
        content_type="application/json",
    )
    assert applied.status_code == 200
    assert applied.json()["applied"] is True
    again = client.post(
        "/api/assignment/auto/apply", {"area_code": TOWN}, content_type="application/json"
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "assignment.nothing_to_assign"


def test_replanning_a_balanced_town_moves_nothing(world: Any) -> None:
    plan = auto_assign_preview(
        actor=world.user("jinshan_office"), campaign=world.campaign, area_code=TOWN, replan=True
    )
    assert (plan.new_units, plan.moved_units) == (0, 0)
    assert plan.unchanged_units == Assignment.objects.count()


def test_a_booked_unit_keeps_its_visit_when_the_town_is_replanned(world: Any) -> None:
    unit = Assignment.objects.filter(kind=UnitKind.HOUSEHOLD, appointment__isnull=True).first()
    assert unit is not None
    cadre = world.user(f"cun{int(unit.village_id[-3:]) - 200:02d}")
    appointment_record(
        actor=cadre,
        assignment_id=unit.pk,
        day=date(2023, 9, 20),
        starts_at=time(10, 0),
    )
    preview = auto_assign_preview(
        actor=world.user("jinshan_office"), campaign=world.campaign, area_code=TOWN, replan=True
    )
    assert all(m.assignment_id != unit.pk for m in preview.moves)
