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
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction
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
from povcensus.rules.selectors import (
    CENSUS_JOB_KIND,
    campaign_context,
    compiled_rulebook,
    village_figures,
)
from povcensus.rules.services import active_rulebook_for
from povcensus.rules.storage import bulk_replace_frames
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
    metas: pl.DataFrame  # submission_id, area_code, team_id, enumerator_id


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def load_census(*, campaign_id: int, book: RuleBook) -> CensusFrames:
    """The current questionnaires of a campaign as frames (text cells; absent = null)."""
    fields = referenced_fields(book)
    hh_names = sorted(fields[Level.HOUSEHOLD])
    m_names = sorted(fields[Level.MEMBER])
    v_names = sorted(fields[Level.VILLAGE])
    current = Submission.objects.filter(campaign_id=campaign_id, is_current=True)
    metas: dict[str, list[Any]] = {
        "submission_id": [],
        "area_code": [],
        "team_id": [],
        "enumerator_id": [],
    }
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
        for name, value in zip(metas, (pk, area, team, by), strict=True):
            metas[name].append(value)
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
        metas=pl.DataFrame(
            metas,
            schema={
                "submission_id": pl.Int64,
                "area_code": pl.String,
                "team_id": pl.Int64,
                "enumerator_id": pl.Int64,
            },
        ),
    )


def failures_frame(
    failures: pl.DataFrame,
    *,
    metas: pl.DataFrame,
    version: RuleBookVersion,
    fields: dict[str, str],
) -> pl.DataFrame:
    """The engine's failures (``household_id`` = submission id as text) as table rows."""
    return (
        failures.with_columns(pl.col(KEY).cast(pl.Int64).alias("submission_id"))
        .join(metas, on="submission_id", how="left")
        .select(
            "submission_id",
            pl.lit(version.pk, dtype=pl.Int64).alias("rulebook_id"),
            pl.lit(version.campaign_id, dtype=pl.Int64).alias("campaign_id"),
            "rule_id",
            "severity",
            "level",
            MEMBER_INDEX,
            pl.col("message_zh").fill_null(""),
            pl.col("message_en").fill_null(""),
            pl.col("rule_id").replace_strict(fields, return_dtype=pl.String).alias("fields"),
            "area_code",
            "team_id",
            "enumerator_id",
        )
    )


def indicators_frame(
    book: RuleBook, indicators: pl.DataFrame, failures: pl.DataFrame
) -> pl.DataFrame:
    """Per household: the indicators JSON the per-record path stores (``HouseholdCheck.as_dict``).

    ``{"<indicator>": {"status": …, "reasons": [["<rule>", <member or null>], …]}, …}``,
    the reasons in the order of the rules deriving the indicator, then by member.
    """
    ids = [ind.id for ind in book.indicators]
    if not ids:
        return indicators.select(KEY, pl.lit("{}").alias("indicators"))
    ranks = pl.DataFrame(
        [
            {"indicator": ind.id, "rule_id": rule.id, "rank": rank}
            for ind in book.indicators
            for rank, rule in enumerate(book.indicator_rules(ind.id))
        ],
        schema={"indicator": pl.String, "rule_id": pl.String, "rank": pl.Int32},
    )
    reasons = (
        failures.select(KEY, "rule_id", MEMBER_INDEX)
        .join(ranks, on="rule_id", how="inner")
        .sort(KEY, "indicator", "rank", pl.col(MEMBER_INDEX).fill_null(0))
        .group_by(KEY, "indicator", maintain_order=True)
        .agg(
            pl.concat_str(
                pl.lit('["'),
                pl.col("rule_id"),
                pl.lit('",'),
                pl.col(MEMBER_INDEX).cast(pl.String).fill_null("null"),
                pl.lit("]"),
            )
            .str.join(",")
            .alias("reasons")
        )
    )
    return (
        indicators.select(KEY, *ids)
        .unpivot(index=KEY, on=ids, variable_name="indicator", value_name="status")
        .join(reasons, on=[KEY, "indicator"], how="left")
        .with_columns(
            pl.when(pl.col("status") == "not_applicable")
            .then(pl.lit(""))
            .otherwise(pl.col("reasons").fill_null(""))
            .alias("reasons")
        )
        .group_by(KEY, maintain_order=True)
        .agg(
            pl.concat_str(
                pl.lit('"'),
                pl.col("indicator"),
                pl.lit('":{"status":"'),
                pl.col("status"),
                pl.lit('","reasons":['),
                pl.col("reasons"),
                pl.lit("]}"),
            )
            .str.join(",")
            .alias("indicators")
        )
        .select(
            KEY, pl.concat_str(pl.lit("{"), pl.col("indicators"), pl.lit("}")).alias("indicators")
        )
    )


def checks_frame(
    ids: pl.Series,
    failures: pl.DataFrame,
    *,
    indicators: pl.DataFrame | None,
    version: RuleBookVersion,
) -> pl.DataFrame:
    """One row per checked submission (``ids``: submission ids as text)."""
    counts = failures.group_by(KEY).agg(
        (pl.col("severity") == "hard").sum().cast(pl.Int64).alias("hard_failures"),
        (pl.col("severity") == "soft").sum().cast(pl.Int64).alias("soft_failures"),
    )
    frame = pl.DataFrame({KEY: ids.cast(pl.String)}).join(counts, on=KEY, how="left")
    if indicators is not None:
        frame = frame.join(indicators, on=KEY, how="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("indicators"))
    checked_at = str(connection.ops.adapt_datetimefield_value(timezone.now()))
    return frame.select(
        pl.col(KEY).cast(pl.Int64).alias("submission_id"),
        pl.lit(version.pk, dtype=pl.Int64).alias("rulebook_id"),
        pl.lit(version.campaign_id, dtype=pl.Int64).alias("campaign_id"),
        pl.lit(checked_at).alias("checked_at"),
        pl.col("hard_failures").fill_null(0),
        pl.col("soft_failures").fill_null(0),
        pl.col("indicators").fill_null("{}"),
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
    village_frame = frames.villages
    names = [n for n in ("roster_households", "household_cultivated_land") if n in book.context]
    if village_frame.height and names:
        area_of = dict(
            zip(
                frames.metas["submission_id"].cast(pl.String).to_list(),
                frames.metas["area_code"].to_list(),
                strict=True,
            )
        )
        codes = [area_of[key] for key in village_frame[VILLAGE_KEY].to_list()]
        figures = village_figures(campaign_id=campaign.pk, village_codes=codes)
        village_frame = village_frame.with_columns(
            pl.Series(f"_figure_{name}", [figures[c][name] for c in codes], dtype=pl.String)
            for name in names
        )
    else:
        names = []
    villages = check_villages(
        book,
        village_frame,
        context=context,
        context_columns={name: f"_figure_{name}" for name in names},
    )
    fields = {rule.id: json.dumps(list(rule.fields)) for rule in book.rules}
    household_ids = frames.households[KEY]
    village_ids = frames.villages[VILLAGE_KEY]
    progress.start(None, "store")
    checks = pl.concat(
        [
            checks_frame(
                household_ids,
                checked.failures,
                indicators=indicators_frame(book, checked.indicators, checked.failures),
                version=version,
            ),
            checks_frame(village_ids, villages.failures, indicators=None, version=version),
        ]
    )
    failures = pl.concat(
        [
            failures_frame(checked.failures, metas=frames.metas, version=version, fields=fields),
            failures_frame(villages.failures, metas=frames.metas, version=version, fields=fields),
        ]
    )
    with transaction.atomic():
        written_checks, written_failures = bulk_replace_frames(
            rulebook_id=version.pk,
            submission_ids=checks["submission_id"].to_list(),
            checks=checks,
            failures=failures,
        )
        result = {
            "rulebook": version.number,
            "version": version.label,
            "households": household_ids.len(),
            "villages": village_ids.len(),
            "checks": written_checks,
            "failures": written_failures,
            "hard_failures": int((failures["severity"] == "hard").sum()),
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
