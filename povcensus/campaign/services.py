"""Writes to campaigns, their timetable and income lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.campaign import errors
from povcensus.campaign.models import Campaign, CampaignPhase, CampaignStatus, IncomeLine, PhaseKind
from povcensus.campaign.selectors import income_line_for
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError


@dataclass(frozen=True)
class PhaseSpec:
    kind: PhaseKind
    deadline: date
    starts_on: date | None = None


def _check_manage(actor: Any, area_code: str) -> None:
    if not scope_of(actor).allows(Perm.CAMPAIGN_MANAGE, area_code):
        raise ApplicationError(PERMISSION_DENIED)


@transaction.atomic
def income_line_set(
    *, actor: Any, year: int, province_code: str, amount: Decimal, source: str = ""
) -> IncomeLine:
    """Set the income line of ``year`` for a province ('' for the national line)."""
    if province_code:
        _check_manage(actor, province_code)
    elif scope_of(actor).areas_for(Perm.CAMPAIGN_MANAGE) != [None]:
        raise ApplicationError(PERMISSION_DENIED)
    line, _ = IncomeLine.objects.update_or_create(
        year=year, province_code=province_code, defaults={"amount": amount, "source": source}
    )
    audit_record(
        actor=actor,
        action="campaign.income_line_set",
        object_type="income_line",
        object_id=line.pk,
        area_code=province_code,
        after={
            "year": year,
            "province_code": province_code,
            "amount": str(amount),
            "source": source,
        },
    )
    return line


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    code: str,
    name: str,
    area_code: str,
    year: int,
    reference_date: date,
    phases: list[PhaseSpec],
    income_line: Decimal | None = None,
) -> Campaign:
    """Create a campaign with its timetable.

    The income line defaults to the line in force for the year and the area's province.
    Raises: ``campaign.code_taken``, ``campaign.no_income_line``, ``campaign.phase_dates``,
    ``core.permission_denied``.
    """
    _check_manage(actor, area_code)
    if Campaign.objects.filter(code=code).exists():
        raise ApplicationError(errors.CODE_TAKEN, code=code)
    if income_line is None:
        line = income_line_for(year=year, area_code=area_code)
        if line is None:
            raise ApplicationError(errors.NO_INCOME_LINE, year=year)
        income_line = line.amount
    for phase in phases:
        if phase.starts_on and phase.starts_on > phase.deadline:
            raise ApplicationError(errors.PHASE_DATES, phase=phase.kind.label)
    campaign = Campaign.objects.create(
        code=code,
        name=name,
        area_id=area_code,
        year=year,
        reference_date=reference_date,
        income_line=income_line,
        status=CampaignStatus.PLANNING,
    )
    CampaignPhase.objects.bulk_create(
        CampaignPhase(campaign=campaign, kind=p.kind, starts_on=p.starts_on, deadline=p.deadline)
        for p in phases
    )
    audit_record(
        actor=actor,
        action="campaign.created",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=area_code,
        after={
            "code": code,
            "name": name,
            "year": year,
            "reference_date": reference_date.isoformat(),
            "income_line": str(income_line),
            "phases": {p.kind.value: p.deadline.isoformat() for p in phases},
        },
    )
    return campaign


@transaction.atomic
def campaign_set_status(*, actor: Any, campaign: Campaign, status: CampaignStatus) -> Campaign:
    _check_manage(actor, campaign.area_id)
    before = {"status": campaign.status}
    campaign.status = status
    campaign.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="campaign.updated",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=campaign.area_id,
        before=before,
        after={"status": status.value},
    )
    return campaign


@transaction.atomic
def phase_set(*, actor: Any, campaign: Campaign, spec: PhaseSpec) -> CampaignPhase:
    _check_manage(actor, campaign.area_id)
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(errors.CLOSED, name=campaign.name)
    if spec.starts_on and spec.starts_on > spec.deadline:
        raise ApplicationError(errors.PHASE_DATES, phase=spec.kind.label)
    existing = campaign.phases.filter(kind=spec.kind).first()
    before = (
        {"starts_on": str(existing.starts_on or ""), "deadline": existing.deadline.isoformat()}
        if existing
        else None
    )
    phase, _ = CampaignPhase.objects.update_or_create(
        campaign=campaign,
        kind=spec.kind,
        defaults={"starts_on": spec.starts_on, "deadline": spec.deadline},
    )
    audit_record(
        actor=actor,
        action="campaign.phase_set",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=campaign.area_id,
        before=before,
        after={
            "kind": spec.kind.value,
            "starts_on": str(spec.starts_on or ""),
            "deadline": spec.deadline.isoformat(),
        },
    )
    return phase
