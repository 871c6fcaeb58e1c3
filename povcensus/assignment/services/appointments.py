"""Appointments (预约上门访问时间) and village guides (引导人员), kept by the village cadres.

Work plan 六(二)2, 4 and 七5: each village arranges guides for the teams and books a visit
time with every household, telling it which documents to have ready.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from django.db import transaction

from povcensus.accounts.models import User
from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment import errors
from povcensus.assignment.models import (
    ALL_DOCUMENTS,
    Appointment,
    AppointmentChange,
    Assignment,
    GuideDuty,
    UnitKind,
)
from povcensus.assignment.selectors import field_period
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.team.models import Team

PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


def _household_unit(*, actor: Any, assignment_id: int) -> Assignment:
    """The household unit to book, locked; ``appointment.manage`` over its village needed."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("team", "campaign", "household")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or not scope_of(actor).allows(
        Perm.APPOINTMENT_MANAGE, assignment.village_id
    ):
        raise ApplicationError(NOT_FOUND)
    if assignment.kind != UnitKind.HOUSEHOLD:
        raise ApplicationError(errors.NOT_HOUSEHOLD_UNIT)
    return assignment


def _check_slot(
    *,
    assignment: Assignment,
    day: date,
    starts_at: time,
    ends_at: time | None,
    documents: list[str],
    exclude: int | None = None,
) -> None:
    start, end = field_period(campaign=assignment.campaign)
    if not start <= day <= end:
        raise ApplicationError(errors.APPOINTMENT_OUTSIDE_FIELDWORK, day=day, start=start, end=end)
    if ends_at is not None and ends_at <= starts_at:
        raise ApplicationError(errors.APPOINTMENT_BAD_TIME)
    for code in documents:
        if code not in ALL_DOCUMENTS:
            raise ApplicationError(errors.UNKNOWN_DOCUMENT, code=code)
    booked = Appointment.objects.filter(assignment__team_id=assignment.team_id, day=day)
    if exclude is not None:
        booked = booked.exclude(pk=exclude)
    count = booked.count()
    if count >= assignment.team.daily_capacity:
        raise ApplicationError(errors.DAY_FULL, team=assignment.team.code, day=day, count=count)


def _snapshot(appointment: Appointment) -> dict[str, Any]:
    return {
        "day": appointment.day,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "documents": appointment.documents,
        "note": appointment.note,
        "team": appointment.assignment.team.code,
    }


@transaction.atomic
def appointment_record(
    *,
    actor: Any,
    assignment_id: int,
    day: date,
    starts_at: time,
    ends_at: time | None = None,
    documents: list[str] | None = None,
    note: str = "",
) -> Appointment:
    """Book the visit to an assigned household.

    Needs ``appointment.manage`` over its village (village cadres, offices).  The day lies
    in field registration and the team's bookings that day stay within its daily capacity.
    Writes ``Appointment``; audit ``assignment.appointment_recorded``.  Raises
    ``assignment.appointment_exists``, ``assignment.appointment_outside_fieldwork``,
    ``assignment.appointment_bad_time``, ``assignment.day_full``,
    ``assignment.unknown_document``, ``assignment.not_household_unit``, ``core.not_found``.
    """
    assignment = _household_unit(actor=actor, assignment_id=assignment_id)
    if Appointment.objects.filter(assignment=assignment).exists():
        raise ApplicationError(errors.APPOINTMENT_EXISTS)
    documents = list(ALL_DOCUMENTS) if documents is None else list(documents)
    _check_slot(
        assignment=assignment, day=day, starts_at=starts_at, ends_at=ends_at, documents=documents
    )
    appointment = Appointment.objects.create(
        assignment=assignment,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        documents=documents,
        note=note.strip()[:200],
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="assignment.appointment_recorded",
        object_type="household",
        object_id=assignment.household_id,
        area_code=assignment.village_id,
        after=_snapshot(appointment),
    )
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    actor: Any,
    assignment_id: int,
    day: date,
    starts_at: time,
    ends_at: time | None = None,
    reason: str,
    documents: list[str] | None = None,
    note: str | None = None,
) -> Appointment:
    """Move a booked visit to another slot, keeping the old one in its history.

    Needs ``appointment.manage`` over the village.  Writes the appointment and an
    ``AppointmentChange`` with the reason; audit ``assignment.appointment_rescheduled``.
    Raises ``assignment.appointment_missing``, ``assignment.reason_required`` and the
    slot checks of :func:`appointment_record`.
    """
    assignment = _household_unit(actor=actor, assignment_id=assignment_id)
    appointment = Appointment.objects.filter(assignment=assignment).first()
    if appointment is None:
        raise ApplicationError(errors.APPOINTMENT_MISSING)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(errors.REASON_REQUIRED)
    documents = list(appointment.documents) if documents is None else list(documents)
    _check_slot(
        assignment=assignment,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        documents=documents,
        exclude=appointment.pk,
    )
    before = _snapshot(appointment)
    AppointmentChange.objects.create(
        appointment=appointment,
        old_day=appointment.day,
        old_starts_at=appointment.starts_at,
        new_day=day,
        new_starts_at=starts_at,
        reason=reason,
        changed_by=actor,
    )
    appointment.day, appointment.starts_at, appointment.ends_at = day, starts_at, ends_at
    appointment.documents = documents
    if note is not None:
        appointment.note = note.strip()[:200]
    appointment.save()
    audit_record(
        actor=actor,
        action="assignment.appointment_rescheduled",
        object_type="household",
        object_id=assignment.household_id,
        area_code=assignment.village_id,
        before=before,
        after={**_snapshot(appointment), "reason": reason},
    )
    return appointment


@transaction.atomic
def guide_record(
    *,
    actor: Any,
    campaign: Campaign,
    team_id: int,
    village_code: str,
    day: date,
    name: str = "",
    phone: str = "",
    user_id: int | None = None,
) -> GuideDuty:
    """Name the guide (引导人员) who leads a team in a village on a day (replacing any other).

    The guide is a person (name, phone) or a village cadre account (``user_id``).  Needs
    ``appointment.manage`` over the village; the team must have units there.  Writes
    ``GuideDuty``; audit ``assignment.guide_recorded``.  Raises
    ``assignment.guide_name_required``, ``assignment.bad_phone``,
    ``assignment.guide_team_not_in_village``, ``assignment.appointment_outside_fieldwork``,
    ``core.not_found``.
    """
    if not scope_of(actor).allows(Perm.APPOINTMENT_MANAGE, village_code):
        raise ApplicationError(NOT_FOUND)
    team = Team.objects.filter(pk=team_id, campaign=campaign).first()
    if team is None:
        raise ApplicationError(NOT_FOUND)
    if not Assignment.objects.filter(team=team, village_id=village_code).exists():
        raise ApplicationError(errors.GUIDE_TEAM_NOT_IN_VILLAGE, team=team.code)
    start, end = field_period(campaign=campaign)
    if not start <= day <= end:
        raise ApplicationError(errors.APPOINTMENT_OUTSIDE_FIELDWORK, day=day, start=start, end=end)
    guide_user = None
    if user_id is not None:
        guide_user = User.objects.filter(pk=user_id, is_active=True).first()
        if guide_user is None or not scope_of(guide_user).allows(
            Perm.APPOINTMENT_MANAGE, village_code
        ):
            raise ApplicationError(NOT_FOUND)
        name = name.strip() or guide_user.display_name
        phone = phone.strip() or guide_user.phone
    name, phone = name.strip(), phone.strip()
    if not name:
        raise ApplicationError(errors.GUIDE_NAME_REQUIRED)
    if phone and not PHONE_RE.match(phone):
        raise ApplicationError(errors.BAD_PHONE, phone=phone)
    existing = GuideDuty.objects.filter(team=team, village_id=village_code, day=day).first()
    before = {"name": existing.name, "phone": existing.phone} if existing else None
    duty, _created = GuideDuty.objects.update_or_create(
        team=team,
        village_id=village_code,
        day=day,
        defaults={
            "campaign": campaign,
            "name": name,
            "phone": phone,
            "user": guide_user,
            "recorded_by": actor,
        },
    )
    audit_record(
        actor=actor,
        action="assignment.guide_recorded",
        object_type="guide_duty",
        object_id=duty.pk,
        area_code=village_code,
        before=before,
        after={"team": team.code, "day": day, "name": name, "phone": phone, "user": user_id},
    )
    return duty


@transaction.atomic
def guide_remove(*, actor: Any, duty_id: int) -> None:
    """Cancel a guide duty.  Needs ``appointment.manage`` over its village; audit ``assignment.guide_removed``."""
    duty = GuideDuty.objects.select_related("team").filter(pk=duty_id).first()
    if duty is None or not scope_of(actor).allows(Perm.APPOINTMENT_MANAGE, duty.village_id):
        raise ApplicationError(NOT_FOUND)
    before = {"team": duty.team.code, "day": duty.day, "name": duty.name}
    village = duty.village_id
    duty.delete()
    audit_record(
        actor=actor,
        action="assignment.guide_removed",
        object_type="guide_duty",
        object_id=duty_id,
        area_code=village,
        before=before,
    )


@transaction.atomic
def notice_list_export(*, actor: Any, campaign: Campaign, village_code: str, fmt: str) -> bytes:
    """Render a village's notice list (names, phones, visit times) as XLSX or PDF, audited.

    Needs ``appointment.manage`` over the village (else ``core.not_found``); audit
    ``assignment.notice_list_exported`` (a personal-data export).
    """
    from povcensus.assignment.exports import notice_list_pdf, notice_list_xlsx
    from povcensus.assignment.selectors import notice_rows
    from povcensus.geography.models import Area

    rows = notice_rows(actor=actor, campaign=campaign, village_code=village_code)
    village = Area.objects.get(code=village_code)
    render = notice_list_pdf if fmt == "pdf" else notice_list_xlsx
    body = render(rows, campaign_name=campaign.name, village_name=village.name)
    audit_record(
        actor=actor,
        action="assignment.notice_list_exported",
        object_type="village",
        object_id=village_code,
        area_code=village_code,
        after={"format": fmt, "households": len(rows)},
    )
    return body
