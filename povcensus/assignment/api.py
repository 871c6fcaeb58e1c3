"""Assignment over the JSON API.

Automatic assignment, manual assignment, reassignment, appointments and the worklist;
every call goes through the same services as the pages.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from povcensus.assignment import selectors
from povcensus.assignment.services import (
    appointment_record,
    appointment_reschedule,
    assignment_reassign,
    auto_assign_apply,
    auto_assign_preview,
    units_assign,
)
from povcensus.campaign.models import Campaign
from povcensus.campaign.selectors import access_campaign, campaign_current
from povcensus.core.errors import NOT_FOUND, ApplicationError

router = Router(tags=["assignment"])


def _campaign(request: HttpRequest, campaign_id: int | None) -> Campaign:
    if campaign_id is not None:
        return access_campaign(actor=request.user, campaign_id=campaign_id)
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    return campaign


class AutoAssignIn(Schema):
    area_code: str
    replan: bool = False
    campaign_id: int | None = None


class ApplyIn(AutoAssignIn):
    fingerprint: str | None = None


class AssignIn(Schema):
    team_id: int
    household_ids: list[int] = []
    village_codes: list[str] = []
    campaign_id: int | None = None


class ReassignIn(Schema):
    team_id: int
    reason: str


class UnitOut(Schema):
    id: int
    kind: str
    household_id: int | None
    village_code: str
    team_id: int
    team_code: str
    status: str


class AppointmentIn(Schema):
    day: date
    starts_at: time
    ends_at: time | None = None
    documents: list[str] | None = None
    note: str = ""
    reason: str | None = None  # needed to reschedule an existing appointment


class AppointmentOut(Schema):
    assignment_id: int
    day: date
    starts_at: time
    ends_at: time | None
    documents: list[str]


class WorkItemOut(Schema):
    assignment_id: int
    kind: str
    household_id: int | None
    household_number: str | None
    head_name: str | None
    village_code: str
    team_code: str
    status: str
    day: date | None
    starts_at: time | None
    guide: str | None


def _unit(row: Any) -> UnitOut:
    return UnitOut(
        id=row.pk,
        kind=row.kind,
        household_id=row.household_id,
        village_code=row.village_id,
        team_id=row.team_id,
        team_code=row.team.code,
        status=row.status,
    )


@router.post("/auto/preview", summary="Preview the automatic assignment of a township or county")
def auto_preview(request: HttpRequest, payload: AutoAssignIn) -> dict[str, Any]:
    plan = auto_assign_preview(
        actor=request.user,
        campaign=_campaign(request, payload.campaign_id),
        area_code=payload.area_code,
        replan=payload.replan,
    )
    return plan.as_dict()


@router.post("/auto/apply", summary="Apply the automatic assignment (atomic, audited)")
def auto_apply(request: HttpRequest, payload: ApplyIn) -> dict[str, Any]:
    plan = auto_assign_apply(
        actor=request.user,
        campaign=_campaign(request, payload.campaign_id),
        area_code=payload.area_code,
        replan=payload.replan,
        fingerprint=payload.fingerprint,
    )
    return plan.as_dict()


@router.post("/units/assign", response=list[UnitOut], summary="Assign unassigned units to a team")
def units_assign_api(request: HttpRequest, payload: AssignIn) -> list[UnitOut]:
    rows = units_assign(
        actor=request.user,
        campaign=_campaign(request, payload.campaign_id),
        team_id=payload.team_id,
        household_ids=payload.household_ids,
        village_codes=payload.village_codes,
    )
    return [_unit(r) for r in rows]


@router.post(
    "/units/{assignment_id}/reassign", response=UnitOut, summary="Move a unit to another team"
)
def reassign_api(request: HttpRequest, assignment_id: int, payload: ReassignIn) -> UnitOut:
    row = assignment_reassign(
        actor=request.user,
        assignment_id=assignment_id,
        team_id=payload.team_id,
        reason=payload.reason,
    )
    return _unit(row)


@router.post(
    "/units/{assignment_id}/appointment",
    response=AppointmentOut,
    summary="Book a visit (or reschedule it, with a reason)",
)
def appointment_api(
    request: HttpRequest, assignment_id: int, payload: AppointmentIn
) -> AppointmentOut:
    if payload.reason is None:
        appointment = appointment_record(
            actor=request.user,
            assignment_id=assignment_id,
            day=payload.day,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            documents=payload.documents,
            note=payload.note,
        )
    else:
        appointment = appointment_reschedule(
            actor=request.user,
            assignment_id=assignment_id,
            day=payload.day,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            reason=payload.reason,
            documents=payload.documents,
            note=payload.note,
        )
    return AppointmentOut(
        assignment_id=assignment_id,
        day=appointment.day,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        documents=list(appointment.documents),
    )


@router.get(
    "/worklist", response=list[WorkItemOut], summary="My team's units, in appointment order"
)
def worklist_api(request: HttpRequest, day: date) -> list[WorkItemOut]:
    work = selectors.worklist(actor=request.user, day=day)
    items = []
    for item in [*work.today, *work.others]:
        unit, household = item.assignment, item.assignment.household
        items.append(
            WorkItemOut(
                assignment_id=unit.pk,
                kind=unit.kind,
                household_id=unit.household_id,
                household_number=household.number if household else None,
                head_name=household.head_name if household else None,
                village_code=unit.village_id,
                team_code=unit.team.code,
                status=unit.status,
                day=item.appointment.day if item.appointment else None,
                starts_at=item.appointment.starts_at if item.appointment else None,
                guide=item.guide.name if item.guide else None,
            )
        )
    return items
