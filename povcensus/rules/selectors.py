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
from povcensus.questionnaires.models import FormKind
from povcensus.questionnaires.selectors import live_version
from povcensus.questionnaires.xform_schema import extract_schema
from povcensus.rules.builtin import builtin_sources
from povcensus.rules.builtin_schema import BUILTIN_SCHEMA, CALCULATION_TYPES
from povcensus.rules.models import RuleBookVersion
from povcensus.rules.rulebook import RuleBook, load_rulebook
from povcensus.rules.schema import Schema, schema_from_forms

_COMPILED: dict[tuple[str, str], RuleBook] = {}
_SCHEMAS: dict[str, Schema] = {}


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


def campaign_schema(*, campaign: Campaign) -> tuple[str, Schema]:
    """The fields rules may use in ``campaign``: those of its live household and village forms.

    Returns a key naming the form versions and the schema (cached by that key).  Without
    live forms, the built-in forms' schema (``builtin_schema``) applies.
    """
    household = live_version(campaign=campaign, kind=FormKind.HOUSEHOLD)
    village = live_version(campaign=campaign, kind=FormKind.VILLAGE)
    if household is None and village is None:
        return "builtin", BUILTIN_SCHEMA
    key = f"forms:{household.pk if household else '-'}:{village.pk if village else '-'}"
    schema = _SCHEMAS.get(key)
    if schema is None:
        schema = schema_from_forms(
            household=extract_schema(household.xform) if household else None,
            village=extract_schema(village.xform) if village else None,
            calculation_types=CALCULATION_TYPES,
        )
        _SCHEMAS[key] = schema
    return key, schema


def compiled_rulebook(version: RuleBookVersion | None, *, campaign: Campaign) -> RuleBook:
    """The loaded rule book of a stored version (the built-in one for None).

    Loaded against the campaign's forms (:func:`campaign_schema`); cached by content and
    form versions.
    """
    key, schema = campaign_schema(campaign=campaign)
    sources = version.source_pairs() if version is not None else builtin_sources()
    digest = version.digest if version is not None else "builtin"
    book = _COMPILED.get((digest, key))
    if book is None:
        book = load_rulebook(sources, schema=schema)
        _COMPILED[(digest, key)] = book
    return book


def campaign_context(*, campaign: Campaign) -> dict[str, str]:
    """The context values a campaign's records are checked with (text, as the engines take)."""
    return {
        "reference_date": campaign.reference_date.isoformat(),
        "income_line": str(campaign.income_line),
    }
