"""Reads of rule books.

A rule book holds no personal data: whoever may see a campaign may read its rules
(enumerators see what they will be checked against).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from povcensus.accounts.models import User
from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment.selectors import teams_of
from povcensus.campaign.models import Campaign
from povcensus.collection.models import Submission
from povcensus.collection.selectors import access_submission
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.core.models import Job
from povcensus.geography.models import Area
from povcensus.questionnaires.models import FormKind
from povcensus.questionnaires.selectors import live_forms, live_version_ids
from povcensus.questionnaires.xform_schema import extract_schema
from povcensus.rules import errors
from povcensus.rules.builtin import builtin_sources
from povcensus.rules.builtin_schema import BUILTIN_SCHEMA, CALCULATION_TYPES
from povcensus.rules.models import (
    Explanation,
    RuleBookVersion,
    RuleFailure,
    Severity,
    SubmissionCheck,
)
from povcensus.rules.reports import enumerator_rates
from povcensus.rules.rulebook import RuleBook, load_rulebook
from povcensus.rules.schema import Schema, schema_from_forms
from povcensus.team.models import Team

CENSUS_JOB_KIND = "rules.census_check"
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
    # The key needs only the live versions' ids (one light query, on every on-arrival
    # check); the forms themselves are read when the key is not cached yet.
    live = live_version_ids(campaign=campaign)
    household_id, village_id = live.get(FormKind.HOUSEHOLD), live.get(FormKind.VILLAGE)
    if household_id is None and village_id is None:
        return "builtin", BUILTIN_SCHEMA
    key = f"forms:{household_id or '-'}:{village_id or '-'}"
    schema = _SCHEMAS.get(key)
    if schema is None:
        forms = live_forms(campaign=campaign)
        household = forms[FormKind.HOUSEHOLD].version if FormKind.HOUSEHOLD in forms else None
        village = forms[FormKind.VILLAGE].version if FormKind.VILLAGE in forms else None
        if household is None and village is None:  # taken off in between
            return "builtin", BUILTIN_SCHEMA
        # Named by what was read, should a live form have changed in between.
        key = f"forms:{household.pk if household else '-'}:{village.pk if village else '-'}"
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


# ---- results of checked submissions -----------------------------------------------------


@dataclass(frozen=True)
class RuleStatus:
    """Where a submission version stands with the campaign's active rule book."""

    checked: bool  # results exist for this submission version under the active rule book
    hard_open: int  # failed hard rules
    soft_unexplained: int  # failed soft rules without explanation
    soft_explained: int


NOT_CHECKED_STATUS = RuleStatus(checked=False, hard_open=0, soft_unexplained=0, soft_explained=0)


def _explained_q() -> Exists:
    """True for a failure row whose (case, rule, member) has an explanation."""
    return Exists(
        Explanation.objects.annotate(mi=Coalesce("member_index", Value(0))).filter(
            root_instance_id=OuterRef("submission__root_instance_id"),
            rule_id=OuterRef("rule_id"),
            mi=Coalesce(OuterRef("member_index"), Value(0)),
        )
    )


def submission_rule_statuses(submission_ids: Iterable[int]) -> dict[int, RuleStatus]:
    """The rule status of each submission version (two queries; no scope: ids come scoped).

    A submission without results under its campaign's active rule book is ``checked=False``
    (it has just arrived, or the book changed and the whole-census run has not reached it).
    """
    ids = list(submission_ids)
    if not ids:
        return {}
    checks = {
        row["submission_id"]: row
        for row in SubmissionCheck.objects.filter(
            submission_id__in=ids, rulebook__is_active=True
        ).values("submission_id", "hard_failures", "soft_failures")
    }
    explained: dict[int, int] = {}
    if any(row["soft_failures"] for row in checks.values()):
        explained = dict(
            RuleFailure.objects.filter(
                submission_id__in=[k for k, row in checks.items() if row["soft_failures"]],
                rulebook__is_active=True,
                severity=Severity.SOFT,
            )
            .filter(_explained_q())
            .values("submission_id")
            .annotate(n=Count("id"))
            .values_list("submission_id", "n")
        )
    statuses: dict[int, RuleStatus] = {}
    for submission_id in ids:
        row = checks.get(submission_id)
        if row is None:
            statuses[submission_id] = NOT_CHECKED_STATUS
            continue
        done = explained.get(submission_id, 0)
        statuses[submission_id] = RuleStatus(
            checked=True,
            hard_open=row["hard_failures"],
            soft_unexplained=row["soft_failures"] - done,
            soft_explained=done,
        )
    return statuses


def review_blocker(submission_id: int) -> ApplicationError | None:
    """Why the case of this submission version may not be approved yet, or None.

    ``rules.not_checked``, ``rules.hard_failures_open`` or ``rules.soft_failures_unexplained``
    (the messages name the counts).
    """
    status = submission_rule_statuses([submission_id])[submission_id]
    if not status.checked:
        return ApplicationError(errors.NOT_CHECKED)
    if status.hard_open:
        return ApplicationError(errors.HARD_FAILURES_OPEN, count=status.hard_open)
    if status.soft_unexplained:
        return ApplicationError(errors.SOFT_FAILURES_UNEXPLAINED, count=status.soft_unexplained)
    return None


@dataclass(frozen=True)
class FailureView:
    rule_id: str
    severity: str
    level: str
    member_index: int | None
    message: str  # in the current language
    fields: list[str]
    title: str  # the rule's title in the current language ("" when the rule is gone)
    explanation: str | None
    explained_by: str | None  # display name
    explained_at: datetime | None


@dataclass(frozen=True)
class IndicatorReason:
    rule_id: str
    member_index: int | None
    message: str


@dataclass(frozen=True)
class IndicatorView:
    indicator: str
    label: str
    status: str  # assured | not_assured | not_applicable
    reasons: list[IndicatorReason]


def _language() -> str:
    return get_language() or "zh-hans"


def _display_name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.display_name)


def _active_check(submission: Submission) -> SubmissionCheck | None:
    return (
        SubmissionCheck.objects.filter(submission=submission, rulebook__is_active=True)
        .select_related("rulebook")
        .first()
    )


def explanations_of(root_instance_ids: Iterable[str]) -> dict[tuple[str, str, int | None], Any]:
    """Explanations by (root_instance_id, rule_id, member_index)."""
    return {
        (e.root_instance_id, e.rule_id, e.member_index): e
        for e in Explanation.objects.filter(
            root_instance_id__in=list(root_instance_ids)
        ).select_related("explained_by")
    }


def may_explain(*, actor: Any, submission: Submission) -> bool:
    """The enumerators and supervisor of the submission's team, or a reviewer above them."""
    scope = scope_of(actor)
    if (
        submission.team_id is not None
        and teams_of(actor=actor, campaign_id=submission.campaign_id)
        .filter(pk=submission.team_id)
        .exists()
    ):
        return True
    return scope.allows(Perm.REVIEW_SUPERVISOR, submission.area_code) or scope.allows(
        Perm.REVIEW_TOWNSHIP, submission.area_code
    )


def submission_failures(*, actor: Any, submission_id: int) -> list[FailureView]:
    """The failed rules of a submission version under the active rule book, hard first.

    Scope as for reading the submission (``core.not_found`` outside it); each soft failure
    carries its explanation (from any version of the same case).
    """
    submission = access_submission(actor=actor, submission_id=submission_id)
    check = _active_check(submission)
    if check is None:
        return []
    language = _language()
    book = compiled_rulebook(check.rulebook, campaign=submission.campaign)
    titles = {rule.id: rule.title.get(language) for rule in book.rules}
    notes = explanations_of([submission.root_instance_id])
    failures = RuleFailure.objects.filter(submission=submission, rulebook=check.rulebook).order_by(
        "severity", "id"
    )
    views = []
    for failure in failures:
        note = notes.get((submission.root_instance_id, failure.rule_id, failure.member_index))
        if failure.severity != Severity.SOFT:
            note = None
        views.append(
            FailureView(
                rule_id=failure.rule_id,
                severity=failure.severity,
                level=failure.level,
                member_index=failure.member_index,
                message=failure.message_en if language.startswith("en") else failure.message_zh,
                fields=list(failure.fields),
                title=titles.get(failure.rule_id, ""),
                explanation=note.text if note else None,
                explained_by=_display_name(note.explained_by) if note else None,
                explained_at=note.explained_at if note else None,
            )
        )
    return views


def submission_indicators(*, actor: Any, submission_id: int) -> list[IndicatorView]:
    """The household's exit test (两不愁三保障, safe water, income), each "not assured" with reasons.

    Empty until the submission is checked, and for a village questionnaire.
    """
    submission = access_submission(actor=actor, submission_id=submission_id)
    check = _active_check(submission)
    if check is None or not check.indicators:
        return []
    language = _language()
    book = compiled_rulebook(check.rulebook, campaign=submission.campaign)
    messages = {
        (f.rule_id, f.member_index): (f.message_en if language.startswith("en") else f.message_zh)
        for f in RuleFailure.objects.filter(submission=submission, rulebook=check.rulebook)
    }
    views = []
    for indicator in book.indicators:
        found = check.indicators.get(indicator.id)
        if found is None:
            continue
        views.append(
            IndicatorView(
                indicator=indicator.id,
                label=indicator.label.get(language),
                status=found["status"],
                reasons=[
                    IndicatorReason(rule_id, index, messages.get((rule_id, index), ""))
                    for rule_id, index in found.get("reasons", [])
                ],
            )
        )
    return views


# ---- whole-census runs --------------------------------------------------------------------


def census_job_latest(*, campaign: Campaign) -> Job | None:
    """The newest whole-census run of ``campaign`` (counts only: no personal data)."""
    return (
        Job.objects.filter(kind=CENSUS_JOB_KIND, params__campaign_id=campaign.pk)
        .order_by("-created_at")
        .first()
    )


def access_census_job(*, actor: Any, job_id: str) -> Job:
    """One whole-census run, for whoever may see its campaign's area (``core.not_found``)."""
    try:
        job = Job.objects.filter(pk=job_id, kind=CENSUS_JOB_KIND).first()
    except (ValueError, ValidationError):
        job = None
    if job is None or not scope_of(actor).overlaps(Perm.AREA_VIEW, job.area_code):
        raise ApplicationError(NOT_FOUND)
    return job


# ---- exports ------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "area_code",
    "household_number",
    "instance_name",
    "instance_id",
    "version_number",
    "team",
    "enumerator",
    "rule_id",
    "severity",
    "member_index",
    "message",
    "explanation",
    "explained_by",
    "explained_at",
)


def failure_export_rows(*, actor: Any, campaign: Campaign) -> Iterable[tuple[Any, ...]]:
    """Failures of the campaign's current questionnaires, with their explanations.

    Under the active rule book, where ``actor`` holds ``personal.export`` (messages name
    people and ID numbers).  Rows follow :data:`EXPORT_COLUMNS`; streamed.
    """
    scope = scope_of(actor)
    language = _language()
    notes = {
        (e.root_instance_id, e.rule_id, e.member_index): e
        for e in Explanation.objects.filter(campaign=campaign)
        .filter(scope.q(Perm.PERSONAL_EXPORT, "area_code"))
        .select_related("explained_by")
    }
    rows = (
        RuleFailure.objects.filter(
            campaign=campaign, rulebook__is_active=True, submission__is_current=True
        )
        .filter(scope.q(Perm.PERSONAL_EXPORT, "area_code"))
        .order_by("area_code", "submission_id", "severity", "id")
        .values_list(
            "area_code",
            "submission__household__number",
            "submission__instance_name",
            "submission__root_instance_id",
            "submission__instance_id",
            "submission__version_number",
            "team__code",
            "enumerator__full_name",
            "enumerator__username",
            "rule_id",
            "severity",
            "member_index",
            "message_zh",
            "message_en",
        )
    )
    for (
        area,
        number,
        name,
        root,
        instance,
        version,
        team,
        full_name,
        username,
        rule_id,
        severity,
        index,
        zh,
        en,
    ) in rows.iterator(chunk_size=2000):
        note = notes.get((root, rule_id, index)) if severity == Severity.SOFT else None
        yield (
            area,
            number or "",
            name,
            instance,
            version,
            team or "",
            full_name or username or "",
            rule_id,
            severity,
            index,
            en if language.startswith("en") else zh,
            note.text if note else "",
            note.explained_by.display_name if note else "",
            note.explained_at if note else None,
        )


# ---- reports ------------------------------------------------------------------------------


@dataclass
class FailureReport:
    checked: int  # current questionnaires checked under the active rule book, in scope
    failing: int  # … with at least one failure
    hard: int
    soft: int
    by_rule: list[dict[str, Any]]
    by_village: list[dict[str, Any]]
    by_team: list[dict[str, Any]]
    by_enumerator: list[dict[str, Any]]


def _grouped(checks: Any, field: str) -> dict[Any, dict[str, int]]:
    rows = checks.values(field).annotate(
        checked=Count("id"),
        failing=Count("id", filter=Q(hard_failures__gt=0) | Q(soft_failures__gt=0)),
        hard=Sum("hard_failures"),
        soft=Sum("soft_failures"),
    )
    return {
        row[field]: {
            "checked": row["checked"],
            "failing": row["failing"],
            "hard": row["hard"] or 0,
            "soft": row["soft"] or 0,
        }
        for row in rows
    }


def failure_report(*, actor: Any, campaign: Campaign) -> FailureReport:
    """Failures of the current questionnaires under the active rule book, in aggregate.

    In the areas where ``actor`` holds ``aggregate.view``: by rule, village, team and
    enumerator (with the binomial z-score of :mod:`povcensus.rules.reports`).
    """
    scope = scope_of(actor)
    language = _language()
    checks = SubmissionCheck.objects.filter(
        campaign=campaign, rulebook__is_active=True, submission__is_current=True
    ).filter(scope.q(Perm.AGGREGATE_VIEW, "submission__area_code"))
    totals = checks.aggregate(
        checked=Count("id"),
        failing=Count("id", filter=Q(hard_failures__gt=0) | Q(soft_failures__gt=0)),
        hard=Sum("hard_failures"),
        soft=Sum("soft_failures"),
    )
    active = rulebook_active(campaign=campaign)
    titles: dict[str, str] = {}
    if active is not None:
        book = compiled_rulebook(active, campaign=campaign)
        titles = {rule.id: rule.title.get(language) for rule in book.rules}
    by_rule = [
        {
            **row,
            "title": titles.get(row["rule_id"], ""),
            "share": row["households"] / totals["checked"] if totals["checked"] else 0.0,
        }
        for row in RuleFailure.objects.filter(
            campaign=campaign, rulebook__is_active=True, submission__is_current=True
        )
        .filter(scope.q(Perm.AGGREGATE_VIEW, "area_code"))
        .values("rule_id", "severity")
        .annotate(failures=Count("id"), households=Count("submission_id", distinct=True))
        .order_by("-failures", "rule_id")
    ]
    villages = _grouped(checks, "submission__area_code")
    names = dict(Area.objects.filter(code__in=list(villages)).values_list("code", "name"))
    by_village = [
        {"code": code, "name": names.get(code, ""), **counts}
        for code, counts in sorted(villages.items(), key=lambda item: item[0] or "")
    ]
    teams = _grouped(checks, "submission__team_id")
    team_names = {
        t.pk: t.code + (f" {t.name}" if t.name else "")
        for t in Team.objects.filter(pk__in=[k for k in teams if k is not None])
    }
    by_team = [
        {"team": team_names.get(key, "—") if key is not None else "—", **counts}
        for key, counts in sorted(teams.items(), key=lambda item: team_names.get(item[0], ""))
    ]
    people = _grouped(checks, "submission__submitted_by_id")
    users = {u.pk: u.display_name for u in User.objects.filter(pk__in=list(people))}
    home_team = dict(
        checks.values_list("submission__submitted_by_id", "submission__team__code").distinct()
    )
    ordered = sorted(people.items(), key=lambda item: users.get(item[0], ""))
    rates = enumerator_rates([(key, c["checked"], c["failing"]) for key, c in ordered])
    by_enumerator = [
        {
            "name": users.get(key, "—"),
            "team": home_team.get(key) or "—",
            **counts,
            "rate": rate.rate,
            "pool_rate": rate.pool_rate,
            "z": rate.z,
            "flag": rate.flag,
        }
        for (key, counts), rate in zip(ordered, rates, strict=True)
    ]
    return FailureReport(
        checked=totals["checked"],
        failing=totals["failing"],
        hard=totals["hard"] or 0,
        soft=totals["soft"] or 0,
        by_rule=by_rule,
        by_village=by_village,
        by_team=by_team,
        by_enumerator=by_enumerator,
    )


# ---- per-village figures for the cross-table village rules (VL-03, VL-04) ------------------
def village_figures(
    *, campaign_id: int, village_codes: Iterable[str]
) -> dict[str, dict[str, str | None]]:
    """Context values of each village's cross-table rules, as text (None: not known yet).

    ``roster_households``: the village's survey-roster households without dissolved ones
    (None until its listing is approved); ``household_cultivated_land``: the cultivated
    land of its households' current questionnaires (None before the first arrives).
    """
    from povcensus.listing.models import (
        ROSTER_INTERVIEW,
        ROSTER_NON_INTERVIEW,
        ListingEntry,
        ListingState,
        ListingStatus,
        VillageListing,
    )

    codes = sorted(set(village_codes))
    figures: dict[str, dict[str, str | None]] = {
        code: {"roster_households": None, "household_cultivated_land": None} for code in codes
    }
    approved = set(
        VillageListing.objects.filter(
            campaign_id=campaign_id, village_id__in=codes, state=ListingState.APPROVED
        ).values_list("village_id", flat=True)
    )
    for code in approved:
        figures[code]["roster_households"] = "0"
    roster = (ROSTER_INTERVIEW | ROSTER_NON_INTERVIEW) - {ListingStatus.DISSOLVED}
    for code, count in (
        ListingEntry.objects.filter(
            listing__campaign_id=campaign_id,
            listing__village_id__in=approved,
            listing__state=ListingState.APPROVED,
            status__in=list(roster),
        )
        .values_list("listing__village_id")
        .annotate(n=Count("id"))
    ):
        figures[code]["roster_households"] = str(count)
    land: dict[str, float] = {}
    for code, data in Submission.objects.filter(
        campaign_id=campaign_id,
        is_current=True,
        kind=FormKind.HOUSEHOLD,
        area_code__in=codes,
    ).values_list("area_code", "data"):
        try:
            value = float(data.get("k_cultivated_land") or 0)
        except (TypeError, ValueError):
            value = 0.0
        land[code] = land.get(code, 0.0) + value
    for code, total in land.items():
        figures[code]["household_cultivated_land"] = f"{total:g}"
    return figures
