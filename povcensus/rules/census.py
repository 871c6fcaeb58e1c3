"""The whole-census check: a campaign's current submissions, vectorized, stored in bulk.

Runs as a ``core.Job`` (kind ``rules.census_check``) after a rule book is put in force or
on demand (the button on ``/rules/``, ``povcensus rules run``).  The work function reads
the campaign's current household and village questionnaires into Polars frames (only the
fields the rule book reads), runs :func:`~povcensus.rules.vectorized.check_census` and
:func:`~povcensus.rules.vectorized.check_villages`, and replaces the stored results of the
active rule book for those submissions in one transaction (COPY on PostgreSQL,
``executemany`` on SQLite; :mod:`povcensus.rules.storage`).  What it stores is exactly what
:func:`povcensus.rules.services.submission_check` stores for each of them (a test proves it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from povcensus.accounts.models import User
from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.collection.models import Submission, SubmissionMember
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.core.jobs import job_create
from povcensus.core.models import Job, JobStatus
from povcensus.core.progress import NullProgress, Progress
from povcensus.questionnaires.models import FormKind
from povcensus.rules import errors, ir
from povcensus.rules.models import RuleBookVersion
from povcensus.rules.rulebook import RuleBook
from povcensus.rules.schema import Level
from povcensus.rules.selectors import CENSUS_JOB_KIND, campaign_context, compiled_rulebook
from povcensus.rules.services import active_rulebook_for
from povcensus.rules.storage import CheckRow, FailureRow, SubmissionMeta, bulk_replace
from povcensus.rules.vectorized import KEY, MEMBER_INDEX, VILLAGE_KEY, check_census, check_villages

_READ_CHUNK = 5000


def referenced_fields(book: RuleBook) -> dict[Level, set[str]]:
    """The questionnaire fields the rule book reads, by level (what the frames need)."""
    roots: list[ir.Expr] = [spec.expr for spec in book.definitions.values()]
    for rule in book.rules:
        roots += [e for e in (rule.when, rule.expression) if e is not None]
        roots += [p.expr for p in rule.message.placeholders() if p.expr is not None]
    for indicator in book.indicators:
        if indicator.when is not None:
            roots.append(indicator.when)
    found: dict[Level, set[str]] = {level: set() for level in Level}
    for root in roots:
        for node in ir.walk(root):
            if isinstance(node, ir.Field) and node.name in book.schema.by_level[node.level]:
                found[node.level].add(node.name)
    return found


@dataclass
class CensusFrames:
    households: pl.DataFrame  # household_id (submission id as text) + household fields
    members: pl.DataFrame  # household_id, member_index + member fields
    villages: pl.DataFrame  # village_code (submission id as text) + village fields
    metas: dict[int, SubmissionMeta]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def load_census(*, campaign_id: int, book: RuleBook) -> CensusFrames:
    """The current questionnaires of a campaign as frames (text cells; absent = null)."""
    fields = referenced_fields(book)
    hh_names = sorted(fields[Level.HOUSEHOLD])
    m_names = sorted(fields[Level.MEMBER])
    v_names = sorted(fields[Level.VILLAGE])
    current = Submission.objects.filter(campaign_id=campaign_id, is_current=True)
    metas: dict[int, SubmissionMeta] = {}
    columns: dict[str, dict[str, list[str | None]]] = {
        FormKind.HOUSEHOLD: {name: [] for name in [KEY, *hh_names]},
        FormKind.VILLAGE: {name: [] for name in [VILLAGE_KEY, *v_names]},
    }
    for pk, kind, data, area, team, by in (
        current.filter(kind__in=[FormKind.HOUSEHOLD, FormKind.VILLAGE])
        .order_by("pk")
        .values_list("pk", "kind", "data", "area_code", "team_id", "submitted_by_id")
        .iterator(chunk_size=_READ_CHUNK)
    ):
        metas[pk] = SubmissionMeta(pk, area, team, by)
        target = columns[kind]
        names = hh_names if kind == FormKind.HOUSEHOLD else v_names
        target[KEY if kind == FormKind.HOUSEHOLD else VILLAGE_KEY].append(str(pk))
        for name in names:
            target[name].append(_text(data.get(name)))
    member_columns: dict[str, list[Any]] = {name: [] for name in [KEY, MEMBER_INDEX, *m_names]}
    for sid, index, data in (
        SubmissionMember.objects.filter(
            submission__campaign_id=campaign_id,
            submission__is_current=True,
            submission__kind=FormKind.HOUSEHOLD,
        )
        .order_by("submission_id", "index")
        .values_list("submission_id", "index", "data")
        .iterator(chunk_size=_READ_CHUNK)
    ):
        member_columns[KEY].append(str(sid))
        member_columns[MEMBER_INDEX].append(index)
        for name in m_names:
            member_columns[name].append(_text(data.get(name)))

    def frame(values: dict[str, list[Any]], ints: tuple[str, ...] = ()) -> pl.DataFrame:
        schema = {n: (pl.Int32 if n in ints else pl.String) for n in values}
        return pl.DataFrame(values, schema=schema)

    return CensusFrames(
        households=frame(columns[FormKind.HOUSEHOLD]),
        members=frame(member_columns, (MEMBER_INDEX,)),
        villages=frame(columns[FormKind.VILLAGE]),
        metas=metas,
    )


def _failure_rows(
    failures: pl.DataFrame,
    *,
    key: str,
    metas: dict[int, SubmissionMeta],
    version: RuleBookVersion,
    fields: dict[str, str],
) -> Iterator[FailureRow]:
    for sid_text, rule_id, severity, level, index, zh, en in failures.select(
        key, "rule_id", "severity", "level", MEMBER_INDEX, "message_zh", "message_en"
    ).iter_rows():
        meta = metas[int(sid_text)]
        yield (
            meta.submission_id,
            version.pk,
            version.campaign_id,
            rule_id,
            severity,
            level,
            index,
            zh or "",
            en or "",
            fields[rule_id],
            meta.area_code,
            meta.team_id,
            meta.enumerator_id,
        )


def _indicator_json(
    book: RuleBook, indicators: pl.DataFrame, failures: pl.DataFrame
) -> dict[str, str]:
    """Per household (id text): the indicators as stored by the per-record path (JSON text)."""
    derived_rank = {
        ind.id: {rule.id: rank for rank, rule in enumerate(book.indicator_rules(ind.id))}
        for ind in book.indicators
    }
    derived_rules = {rule.id for rule in book.rules if rule.derived}
    reasons: dict[str, list[tuple[str, int | None]]] = {}
    for hid, rule_id, index in (
        failures.filter(pl.col("rule_id").is_in(list(derived_rules)))
        .select(KEY, "rule_id", MEMBER_INDEX)
        .iter_rows()
    ):
        reasons.setdefault(hid, []).append((rule_id, index))
    ids = [ind.id for ind in book.indicators]
    out: dict[str, str] = {}
    for row in indicators.select(KEY, *ids).iter_rows():
        hid = row[0]
        mine = reasons.get(hid, [])
        value: dict[str, Any] = {}
        for ind_id, status in zip(ids, row[1:], strict=True):
            ranks = derived_rank[ind_id]
            found = (
                sorted(
                    (r for r in mine if r[0] in ranks),
                    key=lambda r: (ranks[r[0]], r[1] or 0),
                )
                if status != "not_applicable"
                else []
            )
            value[ind_id] = {"status": status, "reasons": [[r, i] for r, i in found]}
        out[hid] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return out


def _check_rows(
    failures: pl.DataFrame,
    *,
    key: str,
    ids: list[str],
    indicators: dict[str, str],
    version: RuleBookVersion,
) -> Iterator[CheckRow]:
    counts: dict[tuple[str, str], int] = {
        (hid, severity): n
        for hid, severity, n in failures.group_by(key, "severity").len().iter_rows()
    }
    now = timezone.now()
    for hid in ids:
        yield (
            int(hid),
            version.pk,
            version.campaign_id,
            now,
            counts.get((hid, "hard"), 0),
            counts.get((hid, "soft"), 0),
            indicators.get(hid, "{}"),
        )


def census_check(
    *, actor: Any, campaign: Campaign, progress: Progress | None = None
) -> dict[str, Any]:
    """Check every current questionnaire of ``campaign`` and replace the stored results.

    Uses the active rule book (the built-in one is installed when none is stored).  The
    results of the other versions of each case, and under other rule books, are kept.
    Records ``rules.census_checked`` with the counts, in the same transaction as the write.
    """
    progress = progress or NullProgress()
    version = active_rulebook_for(campaign)
    book = compiled_rulebook(version, campaign=campaign)
    context = campaign_context(campaign=campaign)
    frames = load_census(campaign_id=campaign.pk, book=book)
    checked = check_census(
        book, frames.households, frames.members, context=context, progress=progress
    )
    villages = check_villages(book, frames.villages, context=context)
    fields = {rule.id: json.dumps(list(rule.fields)) for rule in book.rules}
    hh_ids = frames.households[KEY].to_list()
    v_ids = frames.villages[VILLAGE_KEY].to_list()
    indicators = _indicator_json(book, checked.indicators, checked.failures)
    progress.start(None, "store")
    with transaction.atomic():
        written_checks, written_failures = bulk_replace(
            rulebook_id=version.pk,
            submission_ids=[int(i) for i in hh_ids + v_ids],
            checks=(
                *_check_rows(
                    checked.failures,
                    key=KEY,
                    ids=hh_ids,
                    indicators=indicators,
                    version=version,
                ),
                *_check_rows(villages.failures, key=KEY, ids=v_ids, indicators={}, version=version),
            ),
            failures=(
                *_failure_rows(
                    checked.failures, key=KEY, metas=frames.metas, version=version, fields=fields
                ),
                *_failure_rows(
                    villages.failures, key=KEY, metas=frames.metas, version=version, fields=fields
                ),
            ),
        )
        result = {
            "rulebook": version.number,
            "version": version.label,
            "households": len(hh_ids),
            "villages": len(v_ids),
            "checks": written_checks,
            "failures": written_failures,
            "hard_failures": int((checked.failures["severity"] == "hard").sum())
            + int((villages.failures["severity"] == "hard").sum()),
        }
        audit_record(
            actor=actor,
            action="rules.census_checked",
            object_type="rule_book",
            object_id=version.pk,
            area_code=campaign.area_id,
            after=result,
        )
    progress.finish()
    return result


# ---- as a background job ------------------------------------------------------------------


def census_job_running(*, campaign: Campaign) -> Job | None:
    return (
        Job.objects.filter(
            kind=CENSUS_JOB_KIND,
            params__campaign_id=campaign.pk,
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
        )
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def census_check_start(*, actor: Any, campaign: Campaign) -> Job:
    """Queue a whole-census check of ``campaign`` as a background job.

    Needs ``rules.manage`` over the campaign's area (``actor=None``: the system, after an
    activation).  Refuses a second run while one is queued or running
    (``rules.run_running``).
    """
    if actor is not None and not scope_of(actor).allows(Perm.RULES_MANAGE, campaign.area_id):
        raise ApplicationError(PERMISSION_DENIED)
    if census_job_running(campaign=campaign) is not None:
        raise ApplicationError(errors.RUN_RUNNING)
    return census_job_queue(actor=actor, campaign=campaign)


def census_job_queue(*, actor: Any, campaign: Campaign) -> Job:
    """Create the job row and enqueue it when the caller's transaction commits.

    No checks: the caller has them (an activation queues one even behind a running one).
    """
    job = job_create(
        actor=actor,
        kind=CENSUS_JOB_KIND,
        area_code=campaign.area_id,
        params={"campaign_id": campaign.pk, "actor_id": getattr(actor, "pk", None)},
    )
    from povcensus.rules.tasks import census_check_task

    transaction.on_commit(lambda: census_check_task.enqueue(job_id=str(job.pk)))
    return job


def run_census_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Work function of a ``rules.census_check`` job (see ``core.jobs``)."""
    actor_id = params.get("actor_id")
    actor = User.objects.filter(pk=int(actor_id)).first() if actor_id is not None else None
    campaign = Campaign.objects.get(pk=params["campaign_id"])
    return census_check(actor=actor, campaign=campaign, progress=progress)


class TeeProgress:
    """Report to several progress sinks at once (the CLI bar and the job's page)."""

    def __init__(self, *sinks: Progress) -> None:
        self.sinks = sinks

    def start(self, total: int | None, description: str = "") -> None:
        for sink in self.sinks:
            sink.start(total, description)

    def advance(self, amount: int = 1) -> None:
        for sink in self.sinks:
            sink.advance(amount)

    def finish(self) -> None:
        for sink in self.sinks:
            sink.finish()
