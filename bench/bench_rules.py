"""The full built-in rule book over a generated census: vectorized, and per record.

``python bench/run.py rules [-- --households 1000000 --sample 20000]``

Generates the census in memory with Polars (``devtools.questionnaire_data``: about 3.3
members per household, rich in edge cases), runs every household and member rule and the
exit test vectorized (``rules.vectorized.check_census``), then runs the per-record path
(``rules.record``, what the on-arrival check does) over a sample of the same households,
checks that both paths agree on that sample, and extrapolates the per-record time to the
whole census. Generation is timed apart from the rules. No database is involved: the
engine is pure.
"""

from __future__ import annotations

import argparse
import os
import sys

import common


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench_rules")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
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
