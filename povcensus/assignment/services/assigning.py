"""Assigning units to teams: automatic (preview, then apply), manual, reassignment, progress."""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment import errors
from povcensus.assignment.models import (
    Appointment,
    Assignment,
    AssignmentChange,
    ChangeHow,
    UnitKind,
    UnitStatus,
)
from povcensus.assignment.planner import TeamSpec, VillageSpec, plan_assignment
from povcensus.assignment.selectors import field_period, teams_for_area, teams_of
from povcensus.assignment.services.common import (
    campaign_team,
    check_cross_township,
    check_posted_area,
    database_rule_guard,
    team_homes,
)
from povcensus.audit.services import AuditEntry, audit_record, audit_record_many
from povcensus.campaign.models import Campaign
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area
from povcensus.geography.selectors import area_villages, within_area_q
from povcensus.listing.selectors import roster_entries
from povcensus.team.models import Team

# --- automatic assignment ----------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    kind: str  # UnitKind
    unit: int | str  # household id or village code
    village: str
    assignment_id: int | None  # existing row (a move) or None (a new assignment)
    from_team: int | None
    to_team: int
    status: str = UnitStatus.PENDING


@dataclass
class TeamPlanRow:
    team_id: int
    code: str
    name: str
    posted: str
    before: int
    after: int
    target: int
    low: int
    high: int
    capacity: int
    village_units: int

    @property
    def within(self) -> bool:
        return self.low <= self.after <= self.high


@dataclass
class VillagePlanRow:
    code: str
    name: str
    households: int
    parts: list[tuple[str, int]]  # (team code, households) after the plan
    village_unit_team: str
    changed: bool


@dataclass
class AutoPlan:
    """What an automatic assignment would do (preview) or did (apply)."""

    area_code: str
    area_name: str
    replan: bool
    days: int
    teams: list[TeamPlanRow]
    villages: list[VillagePlanRow]
    new_units: int
    moved_units: int
    unchanged_units: int
    unplaced: int
    unplaced_villages: list[str]
    level: float | None
    max_deviation: float
    villages_whole: int
    villages_split: int
    fingerprint: str
    applied: bool = False
    moves: list[Move] = field(default_factory=list, repr=False)

    @property
    def within_bounds(self) -> bool:
        return all(row.within for row in self.teams)

    def as_dict(self) -> dict[str, Any]:
        return {
            "area_code": self.area_code,
            "area_name": self.area_name,
            "replan": self.replan,
            "days": self.days,
            "applied": self.applied,
            "fingerprint": self.fingerprint,
            "new_units": self.new_units,
            "moved_units": self.moved_units,
            "unchanged_units": self.unchanged_units,
            "unplaced_households": self.unplaced,
            "unplaced_villages": self.unplaced_villages,
            "level": self.level,
            "max_deviation": round(self.max_deviation, 4),
            "within_bounds": self.within_bounds,
            "villages_whole": self.villages_whole,
            "villages_split": self.villages_split,
            "teams": [
                {
                    "team_id": r.team_id,
                    "code": r.code,
                    "households_before": r.before,
                    "households_after": r.after,
                    "target": r.target,
                    "low": r.low,
                    "high": r.high,
                    "capacity": r.capacity,
                    "village_units": r.village_units,
                }
                for r in self.teams
            ],
            "villages": [
                {
                    "code": v.code,
                    "name": v.name,
                    "households": v.households,
                    "teams": [{"team": c, "households": n} for c, n in v.parts],
                    "village_unit_team": v.village_unit_team,
                    "changed": v.changed,
                }
                for v in self.villages
            ],
        }


def _run_area(*, actor: Any, campaign: Campaign, area_code: str) -> Area:
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise ApplicationError(NOT_FOUND)
    if area.level not in (codes.Level.TOWNSHIP, codes.Level.COUNTY):
        raise ApplicationError(errors.AREA_LEVEL, code=area_code)
    if not (
        codes.is_within(area.code, campaign.area_id) or codes.is_within(campaign.area_id, area.code)
    ):
        raise ApplicationError(errors.AREA_OUTSIDE_CAMPAIGN, code=area_code)
    if not scope_of(actor).allows(Perm.ASSIGNMENT_MANAGE, area.code):
        raise ApplicationError(PERMISSION_DENIED)
    return area


def _compute(*, campaign: Campaign, area: Area, replan: bool) -> AutoPlan:
    teams = teams_for_area(campaign=campaign, area_code=area.code)
    if not teams:
        raise ApplicationError(errors.NO_TEAMS)
    start, end = field_period(campaign=campaign)
    days = (end - start).days + 1
    homes = team_homes(t.pk for t in teams)
    team_by_id = {t.pk: t for t in teams}

    loads = dict(
        Assignment.objects.filter(campaign=campaign, kind=UnitKind.HOUSEHOLD)
        .values("team_id")
        .annotate(n=Count("id"))
        .values_list("team_id", "n")
    )
    existing: list[dict[str, Any]] = list(
        Assignment.objects.filter(within_area_q("village_id", area.code), campaign=campaign)  # type: ignore[arg-type]
        .annotate(booked=Exists(Appointment.objects.filter(assignment=OuterRef("pk"))))
        .values("id", "kind", "household_id", "village_id", "team_id", "status", "booked")
    )
    by_household = {a["household_id"]: a for a in existing if a["kind"] == UnitKind.HOUSEHOLD}
    by_village = {a["village_id"]: a for a in existing if a["kind"] == UnitKind.VILLAGE}

    def movable(row: dict[str, Any]) -> bool:
        # Units with data or a booked visit stay with their team.
        return replan and row["status"] == UnitStatus.PENDING and not row["booked"]

    roster = (
        roster_entries(campaign_id=campaign.pk, area_code=area.code, interview_only=True)
        .order_by("household__village_id", "household__number")
        .values_list("household_id", "household__village_id")
    )
    # Units to place: unassigned roster households, and (replan) movable ones of teams that
    # no longer take part.  Movable ones of taking-part teams stay unless their team is
    # above its target: the planner releases only the excess (fewest moves).
    free: dict[str, list[int]] = defaultdict(list)
    village_of: dict[int, str] = {}
    released: set[int] = set()
    spare: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for household_id, village in roster:
        village_of[household_id] = village
        row = by_household.get(household_id)
        if row is None:
            free[village].append(household_id)
        elif movable(row) and row["team_id"] not in team_by_id:
            free[village].append(household_id)
            released.add(household_id)
        elif movable(row):
            spare[village][row["team_id"]].append(household_id)
    kept: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in by_household.values():
        if row["household_id"] not in released:
            kept[row["village_id"]][row["team_id"]] += 1

    census_villages = {
        v.code: v.name
        for v in area_villages(area_code=area.code)
        if codes.is_within(v.code, campaign.area_id)
    }
    needs_unit = {
        code for code in census_villages if code not in by_village or movable(by_village[code])
    }
    village_codes = sorted(set(free) | set(kept) | set(census_villages))
    specs = [
        VillageSpec(
            code=code,
            township=codes.township_of(code),
            units=free.get(code, []),
            kept=dict(kept.get(code, {})),
            movable=dict(spare.get(code, {})),
            needs_village_unit=code in needs_unit,
        )
        for code in village_codes
    ]
    team_specs = [
        TeamSpec(
            id=t.pk,
            posted_prefix=codes.prefix_of(t.posted_area_id),
            forbidden=frozenset(homes.get(t.pk, {})),
            capacity=t.daily_capacity * days,
            load=loads.get(t.pk, 0),
        )
        for t in teams
    ]
    plan = plan_assignment(specs, team_specs)

    moves: list[Move] = []
    changed_villages: set[str] = set()
    for household_id, team_id in plan.unit_teams():
        row = by_household.get(household_id)
        if row is not None and row["team_id"] == team_id:
            continue
        village = village_of[household_id]
        moves.append(
            Move(
                kind=UnitKind.HOUSEHOLD,
                unit=household_id,
                village=village,
                assignment_id=row["id"] if row else None,
                from_team=row["team_id"] if row else None,
                to_team=team_id,
                status=row["status"] if row else UnitStatus.PENDING,
            )
        )
        changed_villages.add(village)
    for code, team_id in sorted(plan.village_team.items()):
        row = by_village.get(code)
        if row is not None and row["team_id"] == team_id:
            continue
        moves.append(
            Move(
                kind=UnitKind.VILLAGE,
                unit=code,
                village=code,
                assignment_id=row["id"] if row else None,
                from_team=row["team_id"] if row else None,
                to_team=team_id,
                status=row["status"] if row else UnitStatus.PENDING,
            )
        )
        changed_villages.add(code)

    names = dict(Area.objects.filter(code__in=village_codes).values_list("code", "name"))
    village_rows = []
    team_counts = plan.village_team_counts()
    for index, spec in enumerate(specs):
        holding: dict[int, int] = defaultdict(int)
        for t, c in spec.kept.items():
            holding[t] += c
        for t, c in plan.parts[index].items():
            holding[t] += c
        unit_team = plan.village_team.get(spec.code) or (
            by_village[spec.code]["team_id"] if spec.code in by_village else None
        )
        village_rows.append(
            VillagePlanRow(
                code=spec.code,
                name=names.get(spec.code, spec.code),
                households=sum(holding.values()),
                parts=[
                    (_team_code(team_by_id, t), n)
                    for t, n in sorted(holding.items(), key=lambda kv: -kv[1])
                    if n
                ],
                village_unit_team=_team_code(team_by_id, unit_team) if unit_team else "",
                changed=spec.code in changed_villages,
            )
        )
    village_units_after: dict[int, int] = defaultdict(int)
    for village_row in village_rows:
        for team in teams:
            if village_row.village_unit_team == team.code:
                village_units_after[team.pk] += 1
    team_rows = [
        TeamPlanRow(
            team_id=t.pk,
            code=t.code,
            name=t.name,
            posted=t.posted_area.name,
            before=loads.get(t.pk, 0),
            after=plan.loads[t.pk],
            target=plan.targets[t.pk],
            low=plan.bounds[t.pk][0],
            high=plan.bounds[t.pk][1],
            capacity=t.daily_capacity * days,
            village_units=village_units_after[t.pk],
        )
        for t in teams
    ]
    finite_levels = [plan.level[t.pk] for t in teams if math.isfinite(plan.level[t.pk])]
    digest = hashlib.sha256(
        json.dumps(
            [area.code, replan, [(m.kind, m.unit, m.from_team, m.to_team) for m in moves]],
            default=str,
        ).encode()
    ).hexdigest()
    with_units = [c for spec, c in zip(specs, team_counts, strict=True) if spec.units or spec.kept]
    return AutoPlan(
        area_code=area.code,
        area_name=area.name,
        replan=replan,
        days=days,
        teams=team_rows,
        villages=[r for r in village_rows if r.households or r.village_unit_team],
        new_units=sum(1 for m in moves if m.assignment_id is None),
        moved_units=sum(1 for m in moves if m.assignment_id is not None),
        unchanged_units=len(existing) - sum(1 for m in moves if m.assignment_id is not None),
        unplaced=plan.unplaced_count,
        unplaced_villages=plan.unplaced_villages,
        level=round(max(finite_levels), 2) if finite_levels else None,
        max_deviation=plan.max_deviation(),
        villages_whole=sum(1 for c in with_units if c == 1),
        villages_split=sum(1 for c in with_units if c > 1),
        fingerprint=digest[:16],
        moves=moves,
    )


def _team_code(team_by_id: dict[int, Team], team_id: int) -> str:
    team = team_by_id.get(team_id)
    return team.code if team else str(team_id)


def auto_assign_preview(
    *, actor: Any, campaign: Campaign, area_code: str, replan: bool = False
) -> AutoPlan:
    """Plan the automatic assignment of a township or county without writing anything.

    Units: households to interview on the approved roster and census villages, not yet
    assigned (with ``replan``, also those assigned, not started and not booked).  Teams: active teams
    posted inside the area (or to its county).  Needs ``assignment.manage`` over the area.
    Raises ``assignment.area_level``, ``assignment.area_outside_campaign``,
    ``assignment.no_teams``, ``assignment.no_field_phase``, ``core.permission_denied``,
    ``core.not_found``.
    """
    area = _run_area(actor=actor, campaign=campaign, area_code=area_code)
    return _compute(campaign=campaign, area=area, replan=replan)


@transaction.atomic
def auto_assign_apply(
    *,
    actor: Any,
    campaign: Campaign,
    area_code: str,
    replan: bool = False,
    fingerprint: str | None = None,
) -> AutoPlan:
    """Plan and apply the automatic assignment in one transaction.

    With ``fingerprint`` (from the preview), refuses with ``assignment.plan_stale`` if the
    plan computed now differs from the one previewed.  Writes ``Assignment`` rows (new and
    moved), an ``AssignmentChange`` per moved unit; audit ``assignment.assigned`` per unit and
    ``assignment.auto_applied``.  Raises as :func:`auto_assign_preview`, plus
    ``assignment.nothing_to_assign`` and ``assignment.cross_township`` (the database's
    refusal, should anything have slipped past the planner).
    """
    area = _run_area(actor=actor, campaign=campaign, area_code=area_code)
    # Serialise plans over the same teams (SQLite transactions are serial already).
    list(
        Team.objects.select_for_update(of=("self",)).filter(
            pk__in=[t.pk for t in teams_for_area(campaign=campaign, area_code=area.code)]
        )
    )
    plan = _compute(campaign=campaign, area=area, replan=replan)
    if fingerprint and fingerprint != plan.fingerprint:
        raise ApplicationError(errors.PLAN_STALE)
    if not plan.moves:
        raise ApplicationError(errors.NOTHING_TO_ASSIGN)
    write_moves(actor=actor, campaign=campaign, moves=plan.moves, how=ChangeHow.AUTO, reason="")
    audit_record(
        actor=actor,
        action="assignment.auto_applied",
        object_type="area",
        object_id=area.code,
        area_code=area.code,
        after={
            "replan": replan,
            "new": plan.new_units,
            "moved": plan.moved_units,
            "unplaced": plan.unplaced,
            "teams": {r.code: r.after for r in plan.teams},
            "max_deviation": round(plan.max_deviation, 4),
        },
    )
    plan.applied = True
    return plan


def write_moves(
    *, actor: Any, campaign: Campaign, moves: list[Move], how: str, reason: str
) -> list[Assignment]:
    """Create or move the assignments, append a history row per move, audit each unit."""
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    new = [
        Assignment(
            campaign=campaign,
            kind=m.kind,
            household_id=m.unit if m.kind == UnitKind.HOUSEHOLD else None,
            village_id=m.village,
            township_code=codes.township_of(m.village),
            team_id=m.to_team,
            status=UnitStatus.PENDING,
            assigned_how=how,
            assigned_by_id=actor_id,
        )
        for m in moves
        if m.assignment_id is None
    ]
    moved_ids = {m.assignment_id: m for m in moves if m.assignment_id is not None}
    moved = list(Assignment.objects.select_for_update(of=("self",)).filter(pk__in=list(moved_ids)))
    for row in moved:
        row.team_id = moved_ids[row.pk].to_team
        row.updated_at = now
    pairs = [(m.to_team, codes.township_of(m.village)) for m in moves]
    with database_rule_guard(pairs):
        Assignment.objects.bulk_create(new, batch_size=2000)
        Assignment.objects.bulk_update(moved, ["team", "updated_at"], batch_size=2000)
    AssignmentChange.objects.bulk_create(
        [
            AssignmentChange(
                assignment_id=m.assignment_id,
                from_team_id=m.from_team,
                to_team_id=m.to_team,
                how=how,
                reason=reason,
                status_then=m.status,
                changed_by_id=actor_id,
            )
            for m in moves
            if m.assignment_id is not None and m.from_team is not None
        ],
        batch_size=2000,
    )
    team_codes = dict(
        Team.objects.filter(
            pk__in={m.to_team for m in moves} | {m.from_team for m in moves if m.from_team}
        ).values_list("pk", "code")
    )
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(
                action="assignment.assigned",
                object_type=m.kind,
                object_id=str(m.unit),
                area_code=m.village,
                before={"team": team_codes[m.from_team]} if m.from_team else None,
                after={"team": team_codes[m.to_team], "how": how},
            )
            for m in moves
        ],
    )
    return new + moved


# --- manual assignment and reassignment --------------------------------------------------


@transaction.atomic
def units_assign(
    *,
    actor: Any,
    campaign: Campaign,
    team_id: int,
    household_ids: list[int] | tuple[int, ...] = (),
    village_codes: list[str] | tuple[str, ...] = (),
    how: str = ChangeHow.MANUAL,
) -> list[Assignment]:
    """Assign unassigned units (roster households and census villages) to one team.

    Needs ``assignment.manage`` over every unit's village.  Writes ``Assignment`` rows
    (first assignment: how, when, by whom); audit ``assignment.assigned`` per unit.  Raises
    ``assignment.not_on_roster``, ``assignment.not_a_census_village``,
    ``assignment.already_assigned``, ``assignment.outside_posted_area``,
    ``assignment.cross_township``, ``assignment.team_inactive``,
    ``core.permission_denied``, ``core.not_found``.
    """
    team = campaign_team(campaign=campaign, team_id=team_id)
    scope = scope_of(actor)
    wanted = sorted(set(household_ids))
    found = {
        h: (v, n)
        for h, v, n in roster_entries(campaign_id=campaign.pk)
        .filter(household_id__in=wanted)
        .values_list("household_id", "household__village_id", "household__number")
    }
    moves: list[Move] = []
    for household_id in wanted:
        if household_id not in found:
            raise ApplicationError(errors.NOT_ON_ROSTER, number=household_id)
        village, _number = found[household_id]
        if not scope.allows(Perm.ASSIGNMENT_MANAGE, village):
            raise ApplicationError(PERMISSION_DENIED)
        moves.append(Move(UnitKind.HOUSEHOLD, household_id, village, None, None, team.pk))
    census = set(
        area_villages(area_code=campaign.area_id)
        .filter(code__in=list(village_codes))
        .values_list("code", flat=True)
    )
    for code in sorted(set(village_codes)):
        if code not in census:
            raise ApplicationError(errors.NOT_A_CENSUS_VILLAGE, code=code)
        if not scope.allows(Perm.ASSIGNMENT_MANAGE, code):
            raise ApplicationError(PERMISSION_DENIED)
        moves.append(Move(UnitKind.VILLAGE, code, code, None, None, team.pk))
    taken = (
        Assignment.objects.filter(campaign=campaign)
        .filter(
            Q(household_id__in=wanted)
            | Q(kind=UnitKind.VILLAGE, village_id__in=list(village_codes))
        )
        .select_related("team", "household")
        .first()
    )
    if taken is not None:
        unit = taken.household.number if taken.household else taken.village_id
        raise ApplicationError(errors.ALREADY_ASSIGNED, unit=unit, team=taken.team.code)
    for move in moves:
        check_posted_area(team=team, village_code=move.village)
    check_cross_township(
        team_id=team.pk, township_codes=[codes.township_of(m.village) for m in moves]
    )
    return write_moves(actor=actor, campaign=campaign, moves=moves, how=how, reason="")


@transaction.atomic
def assignment_reassign(*, actor: Any, assignment_id: int, team_id: int, reason: str) -> Assignment:
    """Move a unit to another team, keeping its status, data and history.

    Needs ``assignment.manage`` over the unit's village.  Writes the row's team and an
    ``AssignmentChange`` with the reason; audit ``assignment.reassigned``.  Raises
    ``assignment.reason_required``, ``assignment.same_team``,
    ``assignment.outside_posted_area``, ``assignment.cross_township``,
    ``assignment.team_inactive``, ``core.permission_denied``, ``core.not_found``.
    """
    from povcensus.assignment.selectors import access_assignment

    access_assignment(actor=actor, assignment_id=assignment_id)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("team", "campaign")
        .get(pk=assignment_id)
    )
    if not scope_of(actor).allows(Perm.ASSIGNMENT_MANAGE, assignment.village_id):
        raise ApplicationError(PERMISSION_DENIED)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(errors.REASON_REQUIRED)
    team = campaign_team(campaign=assignment.campaign, team_id=team_id)
    if team.pk == assignment.team_id:
        raise ApplicationError(errors.SAME_TEAM, team=team.code)
    check_posted_area(team=team, village_code=assignment.village_id)
    check_cross_township(team_id=team.pk, township_codes=[assignment.township_code])
    before = {"team": assignment.team.code, "status": assignment.status}
    previous = assignment.team_id
    assignment.team = team
    with database_rule_guard([(team.pk, assignment.township_code)]):
        assignment.save(update_fields=["team", "updated_at"])
    AssignmentChange.objects.create(
        assignment=assignment,
        from_team_id=previous,
        to_team=team,
        how=ChangeHow.REASSIGN,
        reason=reason,
        status_then=assignment.status,
        changed_by=actor,
    )
    audit_record(
        actor=actor,
        action="assignment.reassigned",
        object_type=assignment.kind,
        object_id=assignment.household_id or assignment.village_id,
        area_code=assignment.village_id,
        before=before,
        after={"team": team.code, "status": assignment.status, "reason": reason},
    )
    return assignment


# Progress of a unit, set by collection (issue 6) as questionnaires arrive.
STATUS_STEPS = {
    UnitStatus.PENDING: {UnitStatus.STARTED, UnitStatus.SUBMITTED},
    UnitStatus.STARTED: {UnitStatus.SUBMITTED},
    UnitStatus.SUBMITTED: {UnitStatus.STARTED},
    UnitStatus.NON_INTERVIEW: {UnitStatus.STARTED, UnitStatus.SUBMITTED},
    UnitStatus.RETURNED: {UnitStatus.STARTED, UnitStatus.SUBMITTED},
}


@transaction.atomic
def assignment_status_set(*, actor: Any, assignment_id: int, status: str) -> Assignment:
    """Record a unit's progress (started, submitted) for a member or supervisor of its team.

    Audit ``assignment.status_changed``.  Raises ``assignment.bad_status`` for a step not in
    :data:`STATUS_STEPS`, ``core.not_found`` when the unit is not the actor's team's.
    """
    team_ids = set(teams_of(actor=actor).values_list("pk", flat=True))
    assignment = Assignment.objects.select_for_update(of=("self",)).filter(pk=assignment_id).first()
    if assignment is None or assignment.team_id not in team_ids:
        raise ApplicationError(NOT_FOUND)
    old = UnitStatus(assignment.status)
    new = UnitStatus(status)
    if new not in STATUS_STEPS[old]:
        raise ApplicationError(errors.BAD_STATUS, old=old.label, new=new.label)
    assignment.status = new
    assignment.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="assignment.status_changed",
        object_type=assignment.kind,
        object_id=assignment.household_id or assignment.village_id,
        area_code=assignment.village_id,
        before={"status": old.value},
        after={"status": new.value},
    )
    return assignment
