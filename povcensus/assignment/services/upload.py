"""Bulk assignment from a spreadsheet (分配表): a dry run checks every row, a commit writes all or nothing.

Each row names a household (户编号) or a census village (行政村代码) and a team (调查小组编号).
A unit not yet assigned is assigned; a unit already with another team is moved, which
needs a reason (原因) like any reassignment; a unit already with that team is left as is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment import errors
from povcensus.assignment.models import Assignment, ChangeHow, UnitKind, UnitStatus
from povcensus.assignment.services.assigning import Move, write_moves
from povcensus.assignment.services.common import team_homes
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.core.spreadsheets import TableError, iter_table
from povcensus.geography import codes
from povcensus.geography.models import Area
from povcensus.geography.selectors import area_villages
from povcensus.listing.selectors import roster_entries
from povcensus.register.models import Household
from povcensus.team.models import Team

UPLOAD_COLUMNS = {
    "team": ("调查小组编号", "调查小组", "小组编号"),
    "household": ("户编号",),
    "village": ("行政村代码", "村代码"),
    "reason": ("原因", "调整原因"),
}


@dataclass
class UploadRow:
    row: int
    unit: str
    team: str
    reason: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    action: str = ""  # "assign", "move", "keep"
    move: Move | None = None


@dataclass
class UploadReport:
    rows: list[UploadRow]
    committed: bool = False

    @property
    def error_count(self) -> int:
        return sum(len(r.errors) for r in self.rows)

    def counts(self) -> dict[str, int]:
        return dict(Counter(r.action for r in self.rows if not r.errors))


def _read(data: bytes) -> list[UploadRow]:
    try:
        header, rows = iter_table(data, required=("team",), aliases=UPLOAD_COLUMNS)
        if "household" not in header and "village" not in header:
            raise ApplicationError(errors.UPLOAD_MISSING_COLUMNS, columns="户编号、行政村代码")
        parsed = [
            UploadRow(
                row=r.number,
                unit=r.values.get("household", "") or r.values.get("village", ""),
                team=r.values.get("team", ""),
                reason=r.values.get("reason", "").strip(),
            )
            for r in rows
        ]
    except TableError as exc:
        if exc.missing:
            raise ApplicationError(
                errors.UPLOAD_MISSING_COLUMNS,
                columns="、".join(UPLOAD_COLUMNS[c][0] for c in exc.missing),
            ) from None
        raise ApplicationError(errors.UPLOAD_UNREADABLE, reason=exc.reason) from None
    if not parsed:
        raise ApplicationError(errors.UPLOAD_EMPTY)
    return parsed


def _check(*, actor: Any, campaign: Campaign, rows: list[UploadRow]) -> None:
    scope = scope_of(actor)
    teams = {
        t.code: t
        for t in Team.objects.filter(
            campaign=campaign, code__in={r.team for r in rows}
        ).select_related("posted_area")
    }
    homes = team_homes(t.pk for t in teams.values())
    roster = {
        number: (household_id, village)
        for household_id, village, number in roster_entries(campaign_id=campaign.pk)
        .filter(household__number__in=[r.unit for r in rows])
        .values_list("household_id", "household__village_id", "household__number")
    }
    census = set(
        area_villages(area_code=campaign.area_id)
        .filter(code__in=[r.unit for r in rows])
        .values_list("code", flat=True)
    )
    existing_households = {
        a.household_id: a
        for a in Assignment.objects.filter(
            campaign=campaign, household_id__in=[h for h, _ in roster.values()]
        ).select_related("team")
    }
    existing_villages = {
        a.village_id: a
        for a in Assignment.objects.filter(
            campaign=campaign, kind=UnitKind.VILLAGE, village_id__in=list(census)
        ).select_related("team")
    }
    known_numbers = set(
        Household.objects.filter(campaign=campaign, number__in=[r.unit for r in rows]).values_list(
            "number", flat=True
        )
    )
    township_names = dict(
        Area.objects.filter(level=codes.Level.TOWNSHIP).values_list("code", "name")
    )
    first_seen: dict[str, int] = {}
    for r in rows:
        if r.unit in first_seen:
            r.errors.append(
                ApplicationError(
                    errors.UPLOAD_DUPLICATE_UNIT, unit=r.unit, first_row=first_seen[r.unit]
                ).as_dict()
            )
            continue
        first_seen[r.unit] = r.row
        team = teams.get(r.team)
        if team is None:
            r.errors.append(ApplicationError(errors.UPLOAD_UNKNOWN_TEAM, team=r.team).as_dict())
            continue
        if not team.is_active:
            r.errors.append(ApplicationError(errors.TEAM_INACTIVE, team=team.code).as_dict())
            continue
        unit_key: int | str
        if r.unit in roster:
            household_id, village = roster[r.unit]
            kind, unit_key = UnitKind.HOUSEHOLD, household_id
            existing = existing_households.get(household_id)
        elif r.unit in census:
            kind, unit_key, village = UnitKind.VILLAGE, r.unit, r.unit
            existing = existing_villages.get(r.unit)
        elif r.unit in known_numbers:
            r.errors.append(ApplicationError(errors.NOT_ON_ROSTER, number=r.unit).as_dict())
            continue
        else:
            r.errors.append(ApplicationError(errors.UPLOAD_UNKNOWN_UNIT, unit=r.unit).as_dict())
            continue
        if not scope.allows(Perm.ASSIGNMENT_MANAGE, village):
            r.errors.append(ApplicationError(PERMISSION_DENIED).as_dict())
            continue
        if not codes.is_within(village, team.posted_area_id):
            r.errors.append(
                ApplicationError(
                    errors.OUTSIDE_POSTED_AREA,
                    team=team.code,
                    posted=team.posted_area.name,
                    village=village,
                ).as_dict()
            )
            continue
        township = codes.township_of(village)
        if township in homes.get(team.pk, {}):
            r.errors.append(
                ApplicationError(
                    errors.CROSS_TOWNSHIP,
                    username=homes[team.pk][township],
                    township=f"{township_names.get(township, '')}（{township}）",
                ).as_dict()
            )
            continue
        if existing is not None and existing.team_id == team.pk:
            r.action = "keep"
            continue
        if existing is not None and not r.reason:
            r.errors.append(
                ApplicationError(
                    errors.ALREADY_ASSIGNED, unit=r.unit, team=existing.team.code
                ).as_dict()
            )
            continue
        r.action = "move" if existing is not None else "assign"
        r.move = Move(
            kind=kind,
            unit=unit_key,
            village=village,
            assignment_id=existing.pk if existing else None,
            from_team=existing.team_id if existing else None,
            to_team=team.pk,
            status=existing.status if existing else UnitStatus.PENDING,
        )


@transaction.atomic
def assignment_upload(
    *, actor: Any, campaign: Campaign, data: bytes, dry_run: bool
) -> UploadReport:
    """Check (dry run) or apply a bulk assignment sheet.

    Needs ``assignment.manage`` (over every row's village).  On commit writes the
    assignments and moves (history rows with the row's reason); audit
    ``assignment.assigned`` per unit and ``assignment.upload_committed``.  Raises
    ``assignment.upload_rows_invalid`` (report in ``details``) if any row is bad, and
    nothing is written; ``assignment.upload_*`` for an unreadable sheet.
    """
    if not scope_of(actor).has_perm(Perm.ASSIGNMENT_MANAGE):
        raise ApplicationError(PERMISSION_DENIED)
    rows = _read(data)
    _check(actor=actor, campaign=campaign, rows=rows)
    report = UploadReport(rows=rows)
    if dry_run:
        return report
    if report.error_count:
        raise ApplicationError(errors.UPLOAD_ROWS_INVALID, count=report.error_count, report=report)
    new = [r.move for r in rows if r.move is not None and r.move.assignment_id is None]
    moved = [r for r in rows if r.move is not None and r.move.assignment_id is not None]
    if new:
        write_moves(actor=actor, campaign=campaign, moves=new, how=ChangeHow.UPLOAD, reason="")
    for r in moved:
        assert r.move is not None
        write_moves(
            actor=actor, campaign=campaign, moves=[r.move], how=ChangeHow.REASSIGN, reason=r.reason
        )
    report.committed = True
    audit_record(
        actor=actor,
        action="assignment.upload_committed",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=campaign.area_id,
        after=report.counts(),
    )
    return report
