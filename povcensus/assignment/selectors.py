"""Reads of assignments, appointments, guides, worklists and daily plans.

Who sees what:

* census offices see the units of the villages where they hold ``assignment.manage``;
  village cadres see their village's units through ``appointment.manage``;
* enumerators reach households ONLY through their team's assignments
  (:func:`assigned_households`, :func:`access_assigned_household`); supervisors through
  the teams they supervise;
* a unit out of reach is "not found", exactly like a missing one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment import errors
from povcensus.assignment.models import (
    Appointment,
    Assignment,
    GuideDuty,
    NonInterview,
    UnitKind,
    UnitStatus,
)
from povcensus.campaign.models import Campaign, CampaignPhase, PhaseKind
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.core.prepared import prepared_cursor
from povcensus.geography import codes
from povcensus.geography.selectors import within_area_q
from povcensus.register.models import Household
from povcensus.team.models import Team, TeamMember


def field_period(*, campaign: Campaign) -> tuple[date, date]:
    """First and last day of field registration (调查现场登记) from the campaign timetable.

    Raises ``assignment.no_field_phase`` when the phase or its start date is missing.
    """
    phase = CampaignPhase.objects.filter(
        campaign=campaign, kind=PhaseKind.FIELD_REGISTRATION
    ).first()
    if phase is None or phase.starts_on is None:
        raise ApplicationError(errors.NO_FIELD_PHASE)
    return phase.starts_on, phase.deadline


def teams_for_area(*, campaign: Campaign, area_code: str) -> list[Team]:
    """Active teams posted inside the area, or to the county around a township (no personal data)."""
    posted = within_area_q("posted_area_id", area_code)
    if codes.level_of(area_code) == codes.Level.TOWNSHIP:
        posted |= Q(posted_area_id=codes.county_of(area_code))
    return list(
        Team.objects.filter(posted, campaign=campaign, is_active=True)
        .select_related("posted_area")
        .order_by("code")
    )


def teams_of(*, actor: Any, campaign_id: int | None = None) -> QuerySet[Team]:
    """Teams ``actor`` belongs to as an enumerator or supervises."""
    user_id = getattr(actor, "pk", None)
    if user_id is None or not getattr(actor, "is_active", False):
        return Team.objects.none()
    qs = Team.objects.filter(Q(members__user_id=user_id) | Q(supervisor_id=user_id))
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    return qs.distinct().order_by("campaign_id", "code")


def _visible_q(actor: Any) -> Q:
    """Assignments ``actor`` may see: by area permission or by team."""
    scope = scope_of(actor)
    visible = scope.q(Perm.ASSIGNMENT_MANAGE, "village_id") | scope.q(
        Perm.APPOINTMENT_MANAGE, "village_id"
    )
    team_ids = list(teams_of(actor=actor).values_list("pk", flat=True))
    if team_ids:
        visible |= Q(team_id__in=team_ids)
    return visible


def assignment_list(
    *,
    actor: Any,
    campaign_id: int,
    area_code: str | None = None,
    team_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    search: str | None = None,
) -> QuerySet[Assignment]:
    """Assigned units visible to ``actor`` (see the module docstring), newest area first."""
    qs = Assignment.objects.filter(_visible_q(actor), campaign_id=campaign_id)
    if area_code:
        qs = qs.filter(within_area_q("village_id", area_code))
    if team_id:
        qs = qs.filter(team_id=team_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(
            Q(household__number__startswith=search) | Q(household__head_name__contains=search)
        )
    return qs.select_related("household", "village", "team", "appointment").order_by(
        "village_id", "kind", "household__number"
    )


def access_assignment(*, actor: Any, assignment_id: int) -> Assignment:
    """Return a unit ``actor`` may see, or raise ``core.not_found`` (also when out of reach)."""
    found = (
        Assignment.objects.filter(_visible_q(actor), pk=assignment_id)
        .select_related("household", "village", "team__posted_area", "campaign", "assigned_by")
        .first()
    )
    if found is None:
        raise ApplicationError(NOT_FOUND)
    return found


def assignment_history(*, assignment: Assignment) -> list[Any]:
    """The unit's moves, oldest first (its first assignment is on the unit itself)."""
    return list(
        assignment.changes.select_related("from_team", "to_team", "changed_by").order_by(
            "changed_at", "id"
        )
    )


def assigned_households(*, actor: Any, campaign_id: int | None = None) -> QuerySet[Household]:
    """Households assigned to the teams ``actor`` is an enumerator of or supervises.

    The only way an enumerator reaches personal data (prefill, submission checks).
    """
    team_ids = list(teams_of(actor=actor, campaign_id=campaign_id).values_list("pk", flat=True))
    if not team_ids:
        return Household.objects.none()
    return (
        Household.objects.filter(
            assignment__team_id__in=team_ids, assignment__kind=UnitKind.HOUSEHOLD
        )
        .select_related("village")
        .order_by("village_id", "number")
    )


def access_assigned_household(*, actor: Any, household_id: int) -> Household:
    """Return the household if it is assigned to one of ``actor``'s teams, else not-found."""
    household = assigned_households(actor=actor).filter(pk=household_id).first()
    if household is None:
        raise ApplicationError(NOT_FOUND)
    return household


# --- worklists and daily plans -------------------------------------------------------------


@dataclass
class WorkItem:
    assignment: Assignment
    appointment: Appointment | None
    guide: GuideDuty | None

    @property
    def household(self) -> Household | None:
        return self.assignment.household


@dataclass
class Worklist:
    day: date
    teams: list[Team]
    today: list[WorkItem] = field(default_factory=list)  # appointments of the day, by time
    others: list[WorkItem] = field(default_factory=list)  # every other unit of the team(s)
    status_counts: dict[str, int] = field(default_factory=dict)


def _guides_by_key(team_ids: list[int], days: list[date] | None) -> dict[tuple, GuideDuty]:
    qs = GuideDuty.objects.filter(team_id__in=team_ids)
    if days is not None:
        qs = qs.filter(day__in=days)
    return {(g.team_id, g.village_id, g.day): g for g in qs}


def worklist(*, actor: Any, day: date, campaign_id: int | None = None) -> Worklist:
    """The units of ``actor``'s team(s): the day's appointments in time order, then the rest.

    The rest is ordered by appointment (earliest first; unbooked last), village and number.
    Each item carries the village guide of its team, village and appointment day.
    """
    teams = list(teams_of(actor=actor, campaign_id=campaign_id).select_related("posted_area"))
    result = Worklist(day=day, teams=teams)
    if not teams:
        return result
    team_ids = [t.pk for t in teams]
    units = list(
        Assignment.objects.filter(team_id__in=team_ids)
        .select_related("household", "village", "team", "appointment")
        .order_by("village_id", "kind", "household__number")
    )
    guides = _guides_by_key(team_ids, None)
    counts: dict[str, int] = defaultdict(int)
    for unit in units:
        counts[unit.status] += 1
        appointment = getattr(unit, "appointment", None)
        guide = guides.get((unit.team_id, unit.village_id, appointment.day if appointment else day))
        item = WorkItem(unit, appointment, guide)
        if appointment is not None and appointment.day == day:
            result.today.append(item)
        else:
            result.others.append(item)
    result.today.sort(key=lambda i: (i.appointment.starts_at, i.assignment.village_id))  # type: ignore[union-attr]
    result.others.sort(
        key=lambda i: (
            i.appointment is None,
            (i.appointment.day, i.appointment.starts_at) if i.appointment else (day, day),
        )
    )
    result.status_counts = dict(counts)
    return result


def access_team_plan(*, actor: Any, team_id: int) -> Team:
    """A team whose daily plan ``actor`` may see: its members, supervisor and offices above it."""
    team = Team.objects.select_related("posted_area", "supervisor", "campaign").filter(pk=team_id)
    found = team.first()
    if found is None:
        raise ApplicationError(NOT_FOUND)
    scope = scope_of(actor)
    if scope.overlaps(Perm.ASSIGNMENT_MANAGE, found.posted_area_id):
        return found
    if teams_of(actor=actor).filter(pk=team_id).exists():
        return found
    raise ApplicationError(NOT_FOUND)


@dataclass
class VillageVisit:
    village: Any
    guide: GuideDuty | None
    items: list[WorkItem]


@dataclass
class DailyPlan:
    team: Team
    day: date
    members: list[Any]
    visits: list[VillageVisit]  # villages in order of the first appointment of the day
    unscheduled: int  # units of the team with no appointment yet (pending ones)
    capacity_used: int


def daily_plan(*, team: Team, day: date) -> DailyPlan:
    """The plan of ``team`` (obtained through :func:`access_team_plan`) for ``day``."""
    appointments = list(
        Appointment.objects.filter(assignment__team=team, day=day)
        .select_related("assignment__household", "assignment__village")
        .order_by("starts_at", "assignment__village_id")
    )
    guides = {g.village_id: g for g in GuideDuty.objects.filter(team=team, day=day)}
    visits: dict[str, VillageVisit] = {}
    for appointment in appointments:
        unit = appointment.assignment
        visit = visits.get(unit.village_id)
        if visit is None:
            visit = visits[unit.village_id] = VillageVisit(
                unit.village, guides.get(unit.village_id), []
            )
        visit.items.append(WorkItem(unit, appointment, visit.guide))
    for village_code, guide in guides.items():
        if village_code not in visits:
            visits[village_code] = VillageVisit(guide.village, guide, [])
    unscheduled = Assignment.objects.filter(
        team=team,
        kind=UnitKind.HOUSEHOLD,
        status=UnitStatus.PENDING,
        appointment__isnull=True,
    ).count()
    members = [m.user for m in TeamMember.objects.filter(team=team).select_related("user")]
    return DailyPlan(
        team=team,
        day=day,
        members=members,
        visits=list(visits.values()),
        unscheduled=unscheduled,
        capacity_used=len(appointments),
    )


# --- the office overview -----------------------------------------------------------------


@dataclass
class TeamLoad:
    team: Team
    households: int
    villages: int
    by_status: dict[str, int]
    appointments: int


def team_loads(*, campaign: Campaign, team_ids: list[int]) -> list[TeamLoad]:
    """Household and village counts per team (aggregates only: no personal data)."""
    teams = {t.pk: t for t in Team.objects.filter(pk__in=team_ids).select_related("posted_area")}
    rows = (
        Assignment.objects.filter(campaign=campaign, team_id__in=team_ids)
        .values("team_id", "kind", "status")
        .annotate(n=Count("id"))
    )
    households: dict[int, int] = defaultdict(int)
    villages: dict[int, int] = defaultdict(int)
    by_status: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if row["kind"] == UnitKind.HOUSEHOLD:
            households[row["team_id"]] += row["n"]
            by_status[row["team_id"]][row["status"]] += row["n"]
        else:
            villages[row["team_id"]] += row["n"]
    appointments = dict(
        Appointment.objects.filter(assignment__team_id__in=team_ids)
        .values("assignment__team_id")
        .annotate(n=Count("id"))
        .values_list("assignment__team_id", "n")
    )
    return [
        TeamLoad(
            team=teams[t],
            households=households[t],
            villages=villages[t],
            by_status=dict(by_status[t]),
            appointments=appointments.get(t, 0),
        )
        for t in sorted(teams, key=lambda t: teams[t].code)
    ]


def village_mapping(*, campaign: Campaign, area_code: str) -> dict[str, dict[int, int]]:
    """Village code → team id → households assigned (aggregates only)."""
    mapping: dict[str, dict[int, int]] = defaultdict(dict)
    rows = (
        Assignment.objects.filter(
            within_area_q("village_id", area_code), campaign=campaign, kind=UnitKind.HOUSEHOLD
        )
        .values("village_id", "team_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        mapping[row["village_id"]][row["team_id"]] = row["n"]
    return dict(mapping)


# --- appointments and guides (village cadres, offices) ------------------------------------


def appointment_villages(*, actor: Any, campaign: Campaign) -> list[Any]:
    """Census villages of the campaign where ``actor`` may book appointments."""
    from povcensus.geography.selectors import area_villages

    scope = scope_of(actor)
    return [
        v
        for v in area_villages(area_code=campaign.area_id)
        if scope.allows(Perm.APPOINTMENT_MANAGE, v.code)
    ]


def village_board(*, actor: Any, campaign: Campaign, village_code: str) -> dict[str, Any]:
    """A village's assigned households with appointments, and its guide duties.

    Needs ``appointment.manage`` over the village (else not found).
    """
    if not scope_of(actor).allows(Perm.APPOINTMENT_MANAGE, village_code):
        raise ApplicationError(NOT_FOUND)
    units = list(
        Assignment.objects.filter(
            campaign=campaign, village_id=village_code, kind=UnitKind.HOUSEHOLD
        )
        .select_related("household", "team", "appointment")
        .order_by("household__number")
    )
    guides = list(
        GuideDuty.objects.filter(campaign=campaign, village_id=village_code)
        .select_related("team", "user")
        .order_by("day", "team__code")
    )
    teams = sorted({u.team for u in units}, key=lambda t: t.code)
    return {"units": units, "guides": guides, "teams": teams}


@dataclass
class NoticeRow:
    number: str
    head_name: str
    phone: str
    group_name: str
    team: str
    day: date | None
    starts_at: Any
    ends_at: Any
    documents: list[str]
    note: str
    guide: str


def notice_rows(*, actor: Any, campaign: Campaign, village_code: str) -> list[NoticeRow]:
    """Rows of the village's printable notice list, in appointment order (unbooked last)."""
    board = village_board(actor=actor, campaign=campaign, village_code=village_code)
    guides = {(g.team_id, g.day): g for g in board["guides"]}
    rows = []
    for unit in board["units"]:
        appointment = getattr(unit, "appointment", None)
        household = unit.household
        guide = guides.get((unit.team_id, appointment.day)) if appointment else None
        rows.append(
            NoticeRow(
                number=household.number,
                head_name=household.head_name,
                phone=household.phone,
                group_name=household.group_name,
                team=unit.team.name or unit.team.code,
                day=appointment.day if appointment else None,
                starts_at=appointment.starts_at if appointment else None,
                ends_at=appointment.ends_at if appointment else None,
                documents=list(appointment.documents) if appointment else [],
                note=appointment.note if appointment else "",
                guide=guide.name if guide else "",
            )
        )
    rows.sort(key=lambda r: (r.day is None, r.day or date.min, r.starts_at or 0, r.number))
    return rows


def non_interview_list(*, actor: Any, campaign_id: int) -> QuerySet[NonInterview]:
    """Non-interview outcomes of units ``actor`` may see (for supervisors and review)."""
    visible = Assignment.objects.filter(_visible_q(actor), campaign_id=campaign_id)
    return (
        NonInterview.objects.filter(assignment__in=visible)
        .select_related("assignment__household", "team", "recorded_by")
        .prefetch_related("evidence")
        .order_by("-recorded_at")
    )


# --- what the office still has to assign ----------------------------------------------------


def assignment_areas(*, actor: Any, campaign: Campaign) -> list[Any]:
    """Townships and counties of the campaign ``actor`` may assign (widest first)."""
    from povcensus.geography.models import Area

    scope = scope_of(actor)
    around = [
        codes.ancestor_code(campaign.area_id, level)
        for level in (codes.Level.COUNTY, codes.Level.TOWNSHIP)
        if codes.level_of(campaign.area_id) >= level
    ]
    candidates = Area.objects.filter(
        (within_area_q("code", campaign.area_id) | Q(code__in=around)),
        level__in=[codes.Level.COUNTY, codes.Level.TOWNSHIP],
        is_current=True,
    ).order_by("level", "code")
    return [a for a in candidates if scope.allows(Perm.ASSIGNMENT_MANAGE, a.code)]


def unassigned_households(*, actor: Any, campaign: Campaign, area_code: str) -> QuerySet[Any]:
    """Roster entries to interview in the area with no assignment (``assignment.manage`` scope)."""
    from povcensus.listing.selectors import roster_entries

    scope = scope_of(actor)
    return (
        roster_entries(campaign_id=campaign.pk, area_code=area_code, interview_only=True)
        .filter(scope.q(Perm.ASSIGNMENT_MANAGE, "household__village_id"))
        .filter(household__assignment__isnull=True)
        .order_by("household__village_id", "household__number")
    )


def unassigned_villages(*, actor: Any, campaign: Campaign, area_code: str) -> list[Any]:
    """Census villages of the area whose village questionnaire is not assigned yet."""
    from povcensus.geography.selectors import area_villages

    scope = scope_of(actor)
    taken = set(
        Assignment.objects.filter(campaign=campaign, kind=UnitKind.VILLAGE).values_list(
            "village_id", flat=True
        )
    )
    return [
        v
        for v in area_villages(area_code=area_code)
        if codes.is_within(v.code, campaign.area_id)
        and v.code not in taken
        and scope.allows(Perm.ASSIGNMENT_MANAGE, v.code)
    ]


# --- the submission hot path -----------------------------------------------------------------

_HOUSEHOLD_UNIT_SQL = """
    SELECT h.id, h.campaign_id, h.village_code, a.id, a.team_id,
           CASE WHEN a.team_id IS NULL THEN 0
                WHEN EXISTS (SELECT 1 FROM team_teammember m WHERE m.team_id = a.team_id AND m.user_id = %s) THEN 1
                WHEN EXISTS (SELECT 1 FROM team_team t WHERE t.id = a.team_id AND t.supervisor_id = %s) THEN 1
                ELSE 0 END
    FROM register_household h
    LEFT JOIN assignment_assignment a ON a.household_id = h.id
    WHERE h.campaign_id IN ({campaigns}) AND h.number = %s
"""
_VILLAGE_UNIT_SQL = """
    SELECT NULL, a.campaign_id, a.village_code, a.id, a.team_id,
           CASE WHEN EXISTS (SELECT 1 FROM team_teammember m WHERE m.team_id = a.team_id AND m.user_id = %s) THEN 1
                WHEN EXISTS (SELECT 1 FROM team_team t WHERE t.id = a.team_id AND t.supervisor_id = %s) THEN 1
                ELSE 0 END
    FROM assignment_assignment a
    WHERE a.campaign_id IN ({campaigns}) AND a.kind = 'village' AND a.village_code = %s
"""


@dataclass(frozen=True)
class SubmissionUnit:
    household_id: int | None
    campaign_id: int
    village_code: str
    assignment_id: int | None
    team_id: int | None
    on_users_team: bool  # the user is one of the team's enumerators or its supervisor


def submission_unit(
    *,
    campaign_ids: tuple[int, ...],
    user_id: int,
    household_number: str | None = None,
    village_code: str | None = None,
) -> SubmissionUnit | None:
    """The unit a submission names, its team, and whether ``user_id`` is on that team.

    One query (plain SQL): it runs for every submission received, where the ORM's query
    building cost more than the database's work (decision 0016).
    """
    if not campaign_ids:
        return None
    placeholders = ", ".join(["%s"] * len(campaign_ids))
    if household_number is not None:
        sql, key = _HOUSEHOLD_UNIT_SQL.format(campaigns=placeholders), household_number
    else:
        sql, key = _VILLAGE_UNIT_SQL.format(campaigns=placeholders), village_code or ""
    with prepared_cursor() as cursor:
        cursor.execute(sql, [user_id, user_id, *campaign_ids, key])
        row = cursor.fetchone()
    if row is None:
        return None
    return SubmissionUnit(row[0], int(row[1]), str(row[2]), row[3], row[4], bool(row[5]))
