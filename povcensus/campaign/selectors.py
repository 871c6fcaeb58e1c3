"""Reads of campaigns; a campaign is visible to anyone holding a grant inside or above its area."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.models import Campaign, CampaignPhase, CampaignStatus, IncomeLine
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.geography import codes


def campaign_list(*, actor: Any) -> list[Campaign]:
    scope = scope_of(actor)
    return [
        c
        for c in Campaign.objects.select_related("area").order_by("-year", "code")
        if scope.overlaps(Perm.AREA_VIEW, c.area_id)
    ]


def access_campaign(*, actor: Any, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("area").filter(pk=campaign_id).first()
    if campaign is None or not scope_of(actor).overlaps(Perm.AREA_VIEW, campaign.area_id):
        raise ApplicationError(NOT_FOUND)
    return campaign


def campaign_current(*, actor: Any) -> Campaign | None:
    """The campaign a user works on by default: the newest active one they can see."""
    visible = campaign_list(actor=actor)
    active = [c for c in visible if c.status == CampaignStatus.ACTIVE]
    candidates = active or visible
    return candidates[0] if candidates else None


def campaign_phases(*, campaign: Campaign) -> QuerySet[CampaignPhase]:
    return campaign.phases.order_by("deadline")


def phase_current(*, campaign: Campaign, today: date) -> CampaignPhase | None:
    """The first phase whose deadline has not passed, or None after the last."""
    return campaign.phases.filter(deadline__gte=today).order_by("deadline").first()


def income_line_for(*, year: int, area_code: str) -> IncomeLine | None:
    """The province's line for the year if it has one, else the national line."""
    province = codes.ancestor_code(area_code, codes.Level.PROVINCE)
    lines = {
        line.province_code: line
        for line in IncomeLine.objects.filter(year=year, province_code__in=[province, ""])
    }
    return lines.get(province) or lines.get("")
