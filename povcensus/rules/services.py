"""Writes to rule books: upload a version, activate one, install the built-in one.

Every service checks ``rules.manage`` over the campaign's area (``actor=None`` is the
system itself: the demo and the on-arrival checks install the built-in book), validates,
writes, and records the audit event last in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign, CampaignStatus
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.rules import errors
from povcensus.rules.builtin import builtin_sources
from povcensus.rules.models import RuleBookVersion
from povcensus.rules.rulebook import RuleBook, load_rulebook
from povcensus.rules.selectors import campaign_schema


def _check_manage(actor: Any, campaign: Campaign) -> None:
    if actor is not None and not scope_of(actor).allows(Perm.RULES_MANAGE, campaign.area_id):
        raise ApplicationError(PERMISSION_DENIED)
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(errors.CAMPAIGN_CLOSED, name=campaign.name)


def _activate(version: RuleBookVersion) -> RuleBookVersion | None:
    """Make ``version`` the campaign's active book; return the one it replaces."""
    previous = (
        RuleBookVersion.objects.select_for_update()
        .filter(campaign_id=version.campaign_id, is_active=True)
        .first()
    )
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    version.is_active = True
    version.activated_at = timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    return previous


def _store(
    *, actor: Any, campaign: Campaign, book: RuleBook, note: str, is_builtin: bool
) -> RuleBookVersion:
    last = RuleBookVersion.objects.filter(campaign=campaign).aggregate(n=Max("number"))["n"]
    counts = book.counts()
    return RuleBookVersion.objects.create(
        campaign=campaign,
        number=(last or 0) + 1,
        label=book.version,
        title=book.title.zh,
        sources=[{"name": s.name, "text": s.text} for s in book.sources],
        digest=book.digest,
        rule_count=counts["rules"],
        hard_count=counts["hard"],
        is_builtin=is_builtin,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


@transaction.atomic
def rulebook_create(
    *,
    actor: Any,
    campaign: Campaign,
    sources: Sequence[tuple[str, str]],
    note: str = "",
    activate: bool = False,
) -> RuleBookVersion:
    """Validate and store a new version of ``campaign``'s rule book (optionally activate it).

    Needs ``rules.manage`` over the campaign's area.  Writes the version (and, with
    ``activate``, switches the active one) and records ``rules.rulebook_created`` (and
    ``rules.rulebook_activated``).  Raises ``rules.no_sources``, the loader's codes
    (``rules.syntax``, ``rules.unknown_field`` …, every problem in ``details["errors"]``),
    ``rules.campaign_closed``, ``core.permission_denied``.
    """
    _check_manage(actor, campaign)
    if not sources:
        raise ApplicationError(errors.NO_SOURCES)
    _, schema = campaign_schema(campaign=campaign)
    book = load_rulebook(sources, schema=schema)
    version = _store(actor=actor, campaign=campaign, book=book, note=note, is_builtin=False)
    audit_record(
        actor=actor,
        action="rules.rulebook_created",
        object_type="rule_book",
        object_id=version.pk,
        area_code=campaign.area_id,
        after={
            "campaign": campaign.code,
            "number": version.number,
            "version": version.label,
            "digest": version.digest,
            "rules": version.rule_count,
            "files": [s.name for s in book.sources],
        },
    )
    if activate:
        rulebook_activate(actor=actor, rulebook=version)
    return version


@transaction.atomic
def rulebook_activate(*, actor: Any, rulebook: RuleBookVersion) -> RuleBookVersion:
    """Make ``rulebook`` the version its campaign checks records against.

    Needs ``rules.manage``.  Records ``rules.rulebook_activated`` with the version it
    replaces.  Raises ``rules.already_active``, ``rules.campaign_closed``,
    ``core.permission_denied``.  Results already stored keep the version they were
    checked with; a bulk re-check of the census follows a change (collection, round 2).
    """
    campaign = rulebook.campaign
    _check_manage(actor, campaign)
    rulebook = RuleBookVersion.objects.select_for_update().get(pk=rulebook.pk)
    if rulebook.is_active:
        raise ApplicationError(errors.ALREADY_ACTIVE, number=rulebook.number)
    previous = _activate(rulebook)
    audit_record(
        actor=actor,
        action="rules.rulebook_activated",
        object_type="rule_book",
        object_id=rulebook.pk,
        area_code=campaign.area_id,
        before={"number": previous.number, "version": previous.label} if previous else None,
        after={"number": rulebook.number, "version": rulebook.label, "digest": rulebook.digest},
    )
    return rulebook


@transaction.atomic
def rulebook_install_builtin(*, actor: Any, campaign: Campaign) -> RuleBookVersion:
    """Store the built-in rule book for ``campaign`` and activate it if none is active.

    Idempotent: when the campaign already holds the built-in book with the same text, that
    version is returned (and activated only if nothing is active).  ``actor=None`` is the
    system (demo build, on-arrival checks).  Records ``rules.rulebook_created`` and
    ``rules.rulebook_activated`` when it writes.
    """
    _check_manage(actor, campaign)
    _, schema = campaign_schema(campaign=campaign)
    book = load_rulebook(builtin_sources(), schema=schema)
    version = RuleBookVersion.objects.filter(campaign=campaign, digest=book.digest).first()
    if version is None:
        version = _store(actor=actor, campaign=campaign, book=book, note="", is_builtin=True)
        audit_record(
            actor=actor,
            action="rules.rulebook_created",
            object_type="rule_book",
            object_id=version.pk,
            area_code=campaign.area_id,
            after={
                "campaign": campaign.code,
                "number": version.number,
                "version": version.label,
                "digest": version.digest,
                "rules": version.rule_count,
                "builtin": True,
            },
        )
    if not RuleBookVersion.objects.filter(campaign=campaign, is_active=True).exists():
        _activate(version)
        audit_record(
            actor=actor,
            action="rules.rulebook_activated",
            object_type="rule_book",
            object_id=version.pk,
            area_code=campaign.area_id,
            after={"number": version.number, "version": version.label, "builtin": True},
        )
    return version
