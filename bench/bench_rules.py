"""The full built-in rule book over a generated census: vectorized, and per record.

``python bench/run.py rules [-- --households 1000000 --sample 20000]``

Generates the census in memory with Polars (``devtools.questionnaire_data``: about 3.3
members per household, rich in edge cases), runs every household and member rule and the
exit test vectorized (``rules.vectorized.check_census``), then runs the per-record path
(``rules.record``, what the on-arrival check does) over a sample of the same households,
checks that both paths agree on that sample, and extrapolates the per-record time to the
whole census. Generation is timed apart from the rules. The engines are pure: no
database is involved in checking.

Then (unless ``--no-store``) it stores the results the way the whole-census job does
(``rules.census``: rows built from the frames with Polars, then ``storage.bulk_replace_frames`` —
CSV written by Polars, COPY on PostgreSQL) into a throwaway PostgreSQL database holding one stored submission per
generated household (created with one ``INSERT … SELECT``, not timed), beside a baseline
measured in the same run: a plain COPY of the same failure rows into an unindexed,
unconstrained temporary table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from typing import Any

import common


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_rules")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--no-store", dest="store", action="store_false")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        if args.store:
            common.django_setup(stack.enter_context(common.postgres_database()))
        else:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
            import django

            django.setup()
        return run(args)


def store_results(households: Any, members: Any, result: Any, book: Any) -> list[tuple[str, str]]:
    """Store the census's results as the whole-census job does; time it against a plain COPY."""
    from django.db import connection, transaction

    from povcensus.campaign.models import Campaign
    from povcensus.collection.models import Submission
    from povcensus.devtools.demo import DEMO_CAMPAIGN_CODE, demo_build
    from povcensus.questionnaires.models import FormKind
    from povcensus.questionnaires.selectors import live_version
    from povcensus.rules import census as census_module
    from povcensus.rules.services import rulebook_install_builtin
    from povcensus.rules.storage import (
        CHECK_COLUMNS,
        FAILURE_COLUMNS,
        bulk_replace_frames,
        insert_frame,
    )

    demo_build(households=64, seed=1)
    campaign = Campaign.objects.get(code=DEMO_CAMPAIGN_CODE)
    version = rulebook_install_builtin(actor=None, campaign=campaign)
    form = live_version(campaign=campaign, kind=FormKind.HOUSEHOLD)
    assert form is not None
    from povcensus.accounts.models import User

    user = User.objects.filter(username="admin").first() or User.objects.first()
    assert user is not None
    template = Submission.objects.create(
        instance_id="uuid:bench-template",
        root_instance_id="uuid:bench-template",
        campaign=campaign,
        form_version=form,
        kind=FormKind.HOUSEHOLD,
        area_code="431202110201",
        submitted_by=user,
        received_at=campaign.reference_date.isoformat() + "T00:00:00Z",
        xml="",
        xml_sha256="",
    )
    n = households.height
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO collection_submission (instance_id, root_instance_id, deprecated_id,"
            " is_current, version_number, campaign_id, form_version_id, kind, area_code,"
            " team_id, submitted_by_id, source, device_id, received_at, xml, xml_sha256,"
            " instance_name, data, attachments_expected, attachments_complete, reason)"
            " SELECT 'uuid:bench-' || g, 'uuid:bench-' || g, '', true, 1, t.campaign_id,"
            " t.form_version_id, t.kind, t.area_code, t.team_id, t.submitted_by_id, t.source,"
            " '', t.received_at, '', '', '', '{}', '[]', true, ''"
            " FROM collection_submission t, generate_series(1, %s) g WHERE t.id = %s",
            [n, template.pk],
        )
        cursor.execute(
            "SELECT id FROM collection_submission WHERE instance_id LIKE 'uuid:bench-%%'"
            " AND id <> %s ORDER BY id",
            [template.pk],
        )
        submission_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("ANALYZE collection_submission")
    # Generated household ids stand for stored submissions, in order.
    import polars as pl

    mapping = dict(
        zip(households["household_id"].to_list(), (str(i) for i in submission_ids), strict=True)
    )
    failures = result.failures.with_columns(
        pl.col("household_id").replace_strict(mapping, return_dtype=pl.String)
    )
    indicators = result.indicators.with_columns(
        pl.col("household_id").replace_strict(mapping, return_dtype=pl.String)
    )
    ids = pl.Series("household_id", [str(i) for i in submission_ids])
    metas = pl.DataFrame(
        {
            "submission_id": submission_ids,
            "area_code": ["431202110201"] * n,
            "team_id": [None] * n,
            "enumerator_id": [user.pk] * n,
        },
        schema={
            "submission_id": pl.Int64,
            "area_code": pl.String,
            "team_id": pl.Int64,
            "enumerator_id": pl.Int64,
        },
    )
    fields = {rule.id: json.dumps(list(rule.fields)) for rule in book.rules}

    def store_once() -> tuple[int, int, dict[str, float]]:
        phases: dict[str, float] = {}
        build, write, commit = common.Timer(), common.Timer(), common.Timer()
        with build.measure():
            checks = census_module.checks_frame(
                ids,
                failures,
                indicators=census_module.indicators_frame(book, indicators, failures),
                version=version,
            )
            rows = census_module.failures_frame(
                failures, metas=metas, version=version, fields=fields
            )
        with commit.measure(), transaction.atomic(), write.measure():
            written = bulk_replace_frames(
                rulebook_id=version.pk,
                submission_ids=submission_ids,
                checks=checks,
                failures=rows,
            )
        phases["build rows (Polars)"] = build.seconds
        phases["delete + COPY"] = write.seconds
        phases["commit"] = commit.seconds - write.seconds
        return written[0], written[1], phases

    store = common.Timer()
    with store.measure():
        checks, written, phases = store_once()
    # Again: a re-run deletes the first run's rows before writing.
    again = common.Timer()
    with again.measure():
        store_once()
    rows = census_module.failures_frame(failures, metas=metas, version=version, fields=fields)
    checks_rows = census_module.checks_frame(
        ids,
        failures,
        indicators=census_module.indicators_frame(book, indicators, failures),
        version=version,
    )
    with connection.cursor() as cursor:
        # Regular (logged) tables of the same columns, without indexes or constraints.
        for plain, table in (
            ("bench_plain_failures", "rules_rulefailure"),
            ("bench_plain_checks", "rules_submissioncheck"),
        ):
            cursor.execute(f"CREATE TABLE {plain} AS SELECT * FROM {table} WITH NO DATA")
    baseline = common.Timer()
    with baseline.measure(), transaction.atomic():
        insert_frame("bench_plain_checks", checks_rows.select(CHECK_COLUMNS))
        insert_frame("bench_plain_failures", rows.select(FAILURE_COLUMNS))
    return [
        (
            "store results (PostgreSQL COPY)",
            f"{store.seconds:.1f} s  ({checks:,} checks + {written:,} failures; "
            + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
            + ")",
        ),
        ("store again (delete + COPY)", f"{again.seconds:.1f} s"),
        (
            "baseline: plain COPY of the same rows",
            f"{baseline.seconds:.1f} s  (into tables without indexes or constraints;"
            f" store is {store.seconds / max(baseline.seconds, 1e-9):.1f}× this)",
        ),
    ]


def run(args: argparse.Namespace) -> int:
    import polars as pl

    from povcensus.devtools.questionnaire_data import census, to_records
    from povcensus.rules.builtin import builtin_rulebook
    from povcensus.rules.record import engine_for
    from povcensus.rules.rulebook import Status
    from povcensus.rules.vectorized import census_key_counts, check_census

    book = builtin_rulebook()
    context = {"reference_date": "2020-12-31", "income_line": "4000"}
    load_before = os.getloadavg()

    generation = common.Timer()
    with generation.measure():
        households, members = census(args.households, seed=args.seed)

    vectorized = common.Timer()
    with vectorized.measure():
        result = check_census(
            book, households, members, context=context, chunk_size=args.chunk_size
        )

    # Per record, over the first ``sample`` households, with the census-wide ID counts.
    sample = households.head(args.sample)
    sample_members = members.join(sample.select("household_id"), on="household_id", how="semi")
    counts = census_key_counts(book, households, members, context=context)
    records = to_records(sample, sample_members)
    engine = engine_for(book)
    per_record = common.Timer()
    with per_record.measure():
        checks = [
            engine.check_household(h, ms, context=context, census_counts=counts)
            for h, ms in records
        ]

    # Both paths agree on the sample.
    sample_ids = set(sample["household_id"].to_list())
    vectorized_rows = {
        (r["household_id"], r["rule_id"], r["member_index"], r["message_zh"])
        for r in result.failures.filter(pl.col("household_id").is_in(list(sample_ids))).iter_rows(
            named=True
        )
    }
    record_rows = {
        (h["household_id"], r.rule_id, r.member_index, r.message_zh)
        for (h, _), check in zip(records, checks, strict=True)
        for r in check.results
        if r.status == Status.FAILED
    }
    agree = vectorized_rows == record_rows

    n = households.height
    per_household = per_record.seconds / max(len(records), 1)
    extrapolated = per_household * n
    speedup = extrapolated / vectorized.seconds if vectorized.seconds else float("inf")
    not_assured = {
        ind.id: int((result.indicators[ind.id] == "not_assured").sum()) for ind in book.indicators
    }
    common.report(
        f"rules: {len(book.rules)} rules, {len(book.indicators)} indicators over {n:,} households",
        [
            ("households / members", f"{n:,} / {members.height:,}"),
            ("generate (Polars, not rules)", f"{generation.seconds:.1f} s"),
            (
                "vectorized (Polars)",
                f"{vectorized.seconds:.1f} s  ({n / vectorized.seconds:,.0f} households/s;"
                " target ≤ 60 s for 1,000,000)",
            ),
            ("failures found", f"{result.failures.height:,}"),
            (
                "not assured (per indicator)",
                ", ".join(f"{k} {v:,}" for k, v in not_assured.items()),
            ),
            (
                f"baseline: per record, {len(records):,} households",
                f"{per_record.seconds:.1f} s  ({per_household * 1000:.2f} ms per household)",
            ),
            ("per record, extrapolated to all", f"{extrapolated:,.0f} s"),
            ("speed-up vectorized / per record", f"{speedup:.1f}×  (target ≥ 20×)"),
            ("paths agree on the sample", "yes" if agree else "NO"),
            *(store_results(households, members, result, book) if args.store else []),
            ("peak RSS", f"{common.peak_rss_mb():,.0f} MB"),
            (
                "load average before / after",
                f"{load_before[0]:.2f} / {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
            ),
        ],
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
