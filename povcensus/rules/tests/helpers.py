"""Run both execution paths on the same households and insist they agree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from povcensus.rules.builtin_schema import BUILTIN_SCHEMA
from povcensus.rules.record import HouseholdCheck, RuleResult, census_counts_of, engine_for
from povcensus.rules.rulebook import RuleBook, Status, load_rulebook
from povcensus.rules.vectorized import CensusCheck, check_census, check_villages

Household = tuple[Mapping[str, str | None], Sequence[Mapping[str, str | None]]]
CONTEXT = {"reference_date": "2020-12-31", "income_line": "4000"}


def frames(cases: Sequence[Household]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Households and members frames; a key absent from a dict is a null (missing) cell."""
    hcols = sorted({k for h, _ in cases for k in h} - {"household_id"})
    mcols = sorted({k for _, ms in cases for m in ms for k in m})
    hrows = [
        {"household_id": str(i), **{c: h.get(c) for c in hcols}} for i, (h, _) in enumerate(cases)
    ]
    mrows = [
        {"household_id": str(i), "member_index": j + 1, **{c: m.get(c) for c in mcols}}
        for i, (_, ms) in enumerate(cases)
        for j, m in enumerate(ms)
    ]
    households = pl.DataFrame(
        hrows, schema={"household_id": pl.String, **dict.fromkeys(hcols, pl.String)}
    )
    members = pl.DataFrame(
        mrows,
        schema={
            "household_id": pl.String,
            "member_index": pl.Int32,
            **dict.fromkeys(mcols, pl.String),
        },
    )
    return households, members


def failure_rows(check: HouseholdCheck, key: str) -> set[tuple[Any, ...]]:
    return {(key, r.rule_id, r.member_index, r.message_zh, r.message_en) for r in check.failures}


def run_both(
    book: RuleBook,
    cases: Sequence[Household],
    *,
    context: Mapping[str, Any] | None = None,
    chunk_size: int = 250_000,
) -> list[HouseholdCheck]:
    """Check ``cases`` per record and vectorized; assert identical results; return per-record."""
    context = CONTEXT if context is None else context
    households, members = frames(cases)
    census = check_census(book, households, members, context=context, chunk_size=chunk_size)
    checks = check_records(book, cases, context=context)
    assert_same(book, checks, [str(i) for i in range(len(cases))], census)
    return checks


def check_records(
    book: RuleBook, cases: Sequence[Household], *, context: Mapping[str, Any]
) -> list[HouseholdCheck]:
    """The per-record path over ``cases``, with census counts over all of them."""
    engine = engine_for(book)
    counts = census_counts_of(book, cases, context=context)
    return [engine.check_household(h, ms, context=context, census_counts=counts) for h, ms in cases]


def assert_same(
    book: RuleBook, checks: Sequence[HouseholdCheck], keys: Sequence[str], census: CensusCheck
) -> None:
    """Failures (with messages), indicators and per-rule tallies agree between the paths."""
    expected: set[tuple[Any, ...]] = set()
    for key, check in zip(keys, checks, strict=True):
        expected |= failure_rows(check, key)
    got = {
        (
            row["household_id"],
            row["rule_id"],
            row["member_index"],
            row["message_zh"],
            row["message_en"],
        )
        for row in census.failures.iter_rows(named=True)
    }
    assert got == expected, (sorted(got - expected)[:5], sorted(expected - got)[:5])
    assert census.failures.height == sum(len(c.failures) for c in checks)

    indicator_ids = [ind.id for ind in book.indicators]
    expected_indicators = {
        (key, *[c.indicator(name).status.value for name in indicator_ids])
        for key, c in zip(keys, checks, strict=True)
    }
    got_indicators = set(census.indicators.select(["household_id", *indicator_ids]).iter_rows())
    assert got_indicators == expected_indicators
    tally: dict[str, list[int]] = {}
    for check in checks:
        for result in check.results:
            counted = tally.setdefault(result.rule_id, [0, 0])
            counted[0] += result.status != Status.NOT_APPLICABLE
            counted[1] += result.status == Status.FAILED
    summary = {row[0]: [row[1], row[2]] for row in census.summary.iter_rows()}
    for rule_id, (checked, failed) in summary.items():
        assert tally.get(rule_id, [0, 0]) == [checked, failed], rule_id


def run_villages_both(
    book: RuleBook,
    villages: Sequence[Mapping[str, str | None]],
    contexts: Sequence[Mapping[str, Any]],
) -> list[list[RuleResult]]:
    """Village rules both ways; each village's context values become per-row columns."""
    engine = engine_for(book)
    results = [engine.check_village(v, context=c) for v, c in zip(villages, contexts, strict=True)]
    columns = sorted({k for v in villages for k in v} - {"village_code"})
    context_names = sorted({k for c in contexts for k in c})
    rows = [
        {
            "village_code": str(i),
            **{c: v.get(c) for c in columns},
            **{f"ctx_{n}": (None if c.get(n) is None else str(c[n])) for n in context_names},
        }
        for i, (v, c) in enumerate(zip(villages, contexts, strict=True))
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "village_code": pl.String,
            **dict.fromkeys(columns, pl.String),
            **{f"ctx_{n}": pl.String for n in context_names},
        },
    )
    census = check_villages(book, frame, context_columns={n: f"ctx_{n}" for n in context_names})
    expected = {
        (str(i), r.rule_id, r.message_zh, r.message_en)
        for i, rs in enumerate(results)
        for r in rs
        if r.status == Status.FAILED
    }
    got = {
        (row["household_id"], row["rule_id"], row["message_zh"], row["message_en"])
        for row in census.failures.iter_rows(named=True)
    }
    assert got == expected
    return results


def book_of(yaml_text: str) -> RuleBook:
    return load_rulebook([("test.yaml", yaml_text)], schema=BUILTIN_SCHEMA)
