"""Reads of rule books.

A rule book holds no personal data: whoever may see a campaign may read its rules
(enumerators see what they will be checked against).
"""

from __future__ import annotations

from typing import Any

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.models import Campaign
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.rules.builtin import builtin_rulebook
from povcensus.rules.builtin_schema import BUILTIN_SCHEMA
from povcensus.rules.models import RuleBookVersion
from povcensus.rules.rulebook import RuleBook, load_rulebook

_COMPILED: dict[str, RuleBook] = {}


def rulebook_list(*, actor: Any, campaign: Campaign) -> list[RuleBookVersion]:
    if not scope_of(actor).overlaps(Perm.AREA_VIEW, campaign.area_id):
        return []
    return list(
        RuleBookVersion.objects.filter(campaign=campaign)
        .select_related("created_by")
        .order_by("-number")
    )


def access_rulebook(*, actor: Any, rulebook_id: int) -> RuleBookVersion:
    """One stored version; ``core.not_found`` when missing or outside the actor's campaigns."""
    version = (
        RuleBookVersion.objects.select_related("campaign", "created_by")
        .filter(pk=rulebook_id)
        .first()
    )
    if version is None or not scope_of(actor).overlaps(Perm.AREA_VIEW, version.campaign.area_id):
        raise ApplicationError(NOT_FOUND)
    return version


def rulebook_active(*, campaign: Campaign) -> RuleBookVersion | None:
    """The version the campaign checks against, or None when none is stored (built-in applies)."""
    return RuleBookVersion.objects.filter(campaign=campaign, is_active=True).first()


def compiled_rulebook(version: RuleBookVersion | None) -> RuleBook:
    """The loaded rule book of a stored version (cached by content); the built-in for None."""
    if version is None:
        return builtin_rulebook()
    book = _COMPILED.get(version.digest)
    if book is None:
        book = load_rulebook(version.source_pairs(), schema=BUILTIN_SCHEMA)
        _COMPILED[version.digest] = book
    return book


def campaign_context(*, campaign: Campaign) -> dict[str, str]:
    """The context values a campaign's records are checked with (text, as the engines take)."""
    return {
        "reference_date": campaign.reference_date.isoformat(),
        "income_line": str(campaign.income_line),
    }
