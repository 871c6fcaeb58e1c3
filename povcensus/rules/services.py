"""Writes to rule books: upload a version, activate one, install the built-in one.

Every service checks ``rules.manage`` over the campaign's area (``actor=None`` is the
system itself: the demo and the on-arrival checks install the built-in book), validates,
writes, and records the audit event last in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign, CampaignStatus
from povcensus.collection.models import MEMBER_ID_FIELD, Submission, SubmissionMember
from povcensus.collection.selectors import access_submission
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.questionnaires.models import FormKind
from povcensus.rules import errors
from povcensus.rules.builtin import builtin_sources
from povcensus.rules.exports import failures_xlsx
from povcensus.rules.models import (
    Explanation,
    RuleBookVersion,
    RuleFailure,
    Severity,
    SubmissionCheck,
)
from povcensus.rules.record import RuleResult, census_counts_of, check_household, check_village
from povcensus.rules.rulebook import RuleBook, Status, load_rulebook
from povcensus.rules.selectors import (
    campaign_context,
    campaign_schema,
    compiled_rulebook,
    failure_export_rows,
    may_explain,
    village_figures,
)
from povcensus.rules.storage import FailureRow, SubmissionMeta


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
    checked with; a whole-census check job (``rules.census``) is queued on commit.
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
    # Every stored result now belongs to a book no longer in force: check the census again.
    from povcensus.rules.census import census_job_queue

    census_job_queue(actor=actor, campaign=campaign)
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


# ---- checking submissions ---------------------------------------------------------------


def _members_of(submission: Submission) -> list[dict[str, Any]]:
    return list(
        SubmissionMember.objects.filter(submission=submission)
        .order_by("index")
        .values_list("data", flat=True)
    )


def census_counts_for(
    *, book: RuleBook, submission: Submission, members: Sequence[dict[str, Any]]
) -> dict[str, dict[str, int]]:
    """The ``census_count()`` counts one household needs, over the campaign's stored census.

    The population is the current version of every household questionnaire of the
    campaign, with this submission standing for its own case (so a corrected version is
    not counted twice).  Only households sharing a key value with this one can change its
    counts, so only those are read: members whose field holds one of this household's
    values (exact text; the keys ``census_count`` is used with are identifiers).
    """
    if not book.census_counts:
        return {}
    context = campaign_context(campaign=submission.campaign)
    wanted: dict[str, set[str]] = {}
    for node in book.census_counts.values():
        name = node.key_field.name
        wanted.setdefault(name, set()).update(
            str(m[name]) for m in members if m.get(name) not in (None, "")
        )
    population: list[tuple[dict[str, Any], Sequence[dict[str, Any]]]] = [(submission.data, members)]
    matches = Q(pk__in=[])
    for name, found in wanted.items():
        if found:
            # The ID number has its own indexed column; other keys are read from the JSON.
            lookup = "id_number__in" if name == MEMBER_ID_FIELD else f"data__{name}__in"
            matches |= Q(**{lookup: sorted(found)})
    # Two steps, so that the members' key index leads whatever the planner's statistics say
    # (a fast-growing census outruns them): the few members holding one of the keys, then
    # those of their submissions that are other current households of the campaign, with
    # their data.
    holders = set(
        SubmissionMember.objects.filter(matches).order_by().values_list("submission_id", flat=True)
    )
    others: dict[int, dict[str, Any]] = (
        dict(
            Submission.objects.filter(
                pk__in=sorted(holders),
                campaign_id=submission.campaign_id,
                is_current=True,
                kind=FormKind.HOUSEHOLD,
            )
            .exclude(root_instance_id=submission.root_instance_id)
            .order_by()
            .values_list("pk", "data")
        )
        if holders
        else {}
    )
    if others:
        rows: dict[int, list[dict[str, Any]]] = {}
        for sid, data in (
            SubmissionMember.objects.filter(submission_id__in=list(others))
            .order_by("submission_id", "index")
            .values_list("submission_id", "data")
        ):
            rows.setdefault(sid, []).append(data)
        population.extend((data, rows.get(sid, [])) for sid, data in others.items())
    return census_counts_of(book, population, context=context)


def active_rulebook_for(campaign: Campaign) -> RuleBookVersion:
    """The campaign's active version; the built-in book is installed when none is stored."""
    version = RuleBookVersion.objects.filter(campaign=campaign, is_active=True).first()
    if version is None:
        version = rulebook_install_builtin(actor=None, campaign=campaign)
    return version


def failure_row(
    meta: SubmissionMeta, rulebook_id: int, campaign_id: int, result: RuleResult
) -> FailureRow:
    return (
        meta.submission_id,
        rulebook_id,
        campaign_id,
        result.rule_id,
        result.severity.value,
        result.level,
        result.member_index,
        result.message_zh,
        result.message_en,
        json.dumps(list(result.fields)),
        meta.area_code,
        meta.team_id,
        meta.enumerator_id,
    )


@transaction.atomic
def submission_check(*, submission_id: int) -> SubmissionCheck:
    """Check one submission version with the per-record engine and store the results.

    Uses the campaign's active rule book (the built-in one is installed when none is
    stored), the campaign's context values, and for ``census_count()`` the campaign's
    stored census (:func:`census_counts_for`).  Idempotent: the results of this version
    under this book are replaced.  Derived data, not audited (the submission is).
    """
    submission = Submission.objects.select_related("campaign").get(pk=submission_id)
    campaign = submission.campaign
    version = active_rulebook_for(campaign)
    book = compiled_rulebook(version, campaign=campaign)
    context = campaign_context(campaign=campaign)
    indicators: dict[str, Any] = {}
    if submission.kind == FormKind.VILLAGE:
        figures = village_figures(campaign_id=campaign.pk, village_codes=[submission.area_code])[
            submission.area_code
        ]
        results = check_village(book, submission.data, context={**context, **figures})
    else:
        members = _members_of(submission)
        counts = census_counts_for(book=book, submission=submission, members=members)
        checked = check_household(
            book, submission.data, members, context=context, census_counts=counts
        )
        results = list(checked.results)
        indicators = checked.as_dict()["indicators"]
    failed = [r for r in results if r.status == Status.FAILED]
    meta = SubmissionMeta(
        submission.pk, submission.area_code, submission.team_id, submission.submitted_by_id
    )
    SubmissionCheck.objects.filter(submission=submission, rulebook=version).delete()
    RuleFailure.objects.filter(submission=submission, rulebook=version).delete()
    check = SubmissionCheck.objects.create(
        submission=submission,
        rulebook=version,
        campaign=campaign,
        checked_at=timezone.now(),
        hard_failures=sum(1 for r in failed if r.severity == Severity.HARD),
        soft_failures=sum(1 for r in failed if r.severity == Severity.SOFT),
        indicators=indicators,
    )
    RuleFailure.objects.bulk_create(
        RuleFailure(
            submission_id=meta.submission_id,
            rulebook=version,
            campaign=campaign,
            rule_id=r.rule_id,
            severity=r.severity.value,
            level=r.level,
            member_index=r.member_index,
            message_zh=r.message_zh,
            message_en=r.message_en,
            fields=list(r.fields),
            area_code=meta.area_code,
            team_id=meta.team_id,
            enumerator_id=meta.enumerator_id,
        )
        for r in failed
    )
    return check


# ---- explanations of soft failures --------------------------------------------------------


@transaction.atomic
def explanation_record(
    *, actor: Any, submission_id: int, rule_id: str, member_index: int | None, text: str
) -> Explanation:
    """Record (or replace) the explanation of a soft failure of a submission's case.

    Allowed to an enumerator or the supervisor of the submission's team, or a reviewer
    (supervisor, office) over its village; ``core.not_found`` outside the actor's scope.
    The failure must be a soft one of this version under the active rule book
    (``rules.not_soft_failure``); the text must not be blank (``rules.explanation_empty``).
    The explanation is kept by case, rule and member, so it carries over to later versions.
    Records ``rules.explanation_recorded``.
    """
    submission = access_submission(actor=actor, submission_id=submission_id)
    if not may_explain(actor=actor, submission=submission):
        raise ApplicationError(PERMISSION_DENIED)
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise ApplicationError(errors.EXPLANATION_EMPTY)
    failing = RuleFailure.objects.filter(
        submission=submission,
        rulebook__is_active=True,
        rule_id=rule_id,
        member_index=member_index,
        severity=Severity.SOFT,
    ).exists()
    if not failing:
        raise ApplicationError(errors.NOT_SOFT_FAILURE, rule_id=rule_id)
    existing = (
        Explanation.objects.select_for_update()
        .filter(
            root_instance_id=submission.root_instance_id,
            rule_id=rule_id,
            member_index=member_index,
        )
        .first()
    )
    before = {"text": existing.text} if existing is not None else None
    if existing is None:
        existing = Explanation(
            campaign_id=submission.campaign_id,
            root_instance_id=submission.root_instance_id,
            rule_id=rule_id,
            member_index=member_index,
            area_code=submission.area_code,
        )
    existing.text = text
    existing.explained_by = actor
    existing.explained_at = timezone.now()
    existing.save()
    audit_record(
        actor=actor,
        action="rules.explanation_recorded",
        object_type="submission",
        object_id=submission.instance_id,
        area_code=submission.area_code,
        before=before,
        after={"rule_id": rule_id, "member_index": member_index, "text": text},
    )
    return existing


# ---- exports ------------------------------------------------------------------------------


@transaction.atomic
def failures_export(*, actor: Any, campaign: Campaign) -> bytes:
    """The campaign's failures and explanations as XLSX, where ``actor`` may export.

    Only the areas where ``actor`` holds ``personal.export`` (``core.permission_denied``
    without it there).  Records ``rules.failures_exported`` with the row count.
    """
    scope = scope_of(actor)
    if not scope.has_perm(Perm.PERSONAL_EXPORT) or not scope.overlaps(
        Perm.PERSONAL_EXPORT, campaign.area_id
    ):
        raise ApplicationError(PERMISSION_DENIED)
    content, count = failures_xlsx(
        failure_export_rows(actor=actor, campaign=campaign),
        title=f"{campaign.name} · {timezone.localtime():%Y-%m-%d %H:%M}",
    )
    audit_record(
        actor=actor,
        action="rules.failures_exported",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=campaign.area_id,
        after={"rows": count},
    )
    return content
