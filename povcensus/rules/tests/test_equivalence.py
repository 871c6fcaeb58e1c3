"""Per-record and vectorized results are identical: generated households rich in edge cases.

A property test (hypothesis) draws households field by field from pools of valid codes,
blanks, whitespace, junk, boundary numbers and absent (missing) answers, with ID numbers
of every broken shape; a deterministic run checks 10,000 households from the synthetic
census generator, in several chunks.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from povcensus.devtools.questionnaire_data import census, to_records
from povcensus.rules import ir
from povcensus.rules.builtin import builtin_rulebook
from povcensus.rules.record import IndicatorStatus
from povcensus.rules.schema import Level, ValueType
from povcensus.rules.tests.helpers import CONTEXT, assert_same, check_records, run_both
from povcensus.rules.vectorized import check_census

BOOK = builtin_rulebook()


def _referenced_fields() -> dict[str, tuple[Level, ValueType]]:
    found: dict[str, tuple[Level, ValueType]] = {}
    roots: list[ir.Expr] = [spec.expr for spec in BOOK.definitions.values()]
    for rule in BOOK.rules:
        roots += [e for e in (rule.when, rule.expression) if e is not None]
        roots += [p.expr for p in rule.message.placeholders() if p.expr is not None]
    for root in roots:
        for node in ir.walk(root):
            if isinstance(node, ir.Field) and node.level != Level.VILLAGE:
                found[node.name] = (node.level, node.type)
    return found


FIELDS = _referenced_fields()
BLANKS = ["", "  ", "\t"]
NUMBERS = [
    "0",
    "1",
    "2",
    "5",
    "6",
    "12",
    "15",
    "16",
    "-3",
    "0.5",
    "12.50",
    " 7 ",
    "100000",
    "4000",
    "4000.01",
    "30000",
    "1e3",
    "abc",
    "3,5",
    "+2",
    ".5",
    "7.",
]
CODES = [
    "1",
    "2",
    "3",
    "4",
    "5",
    "0",
    "9",
    "00",
    "01",
    "02",
    "03",
    "04",
    "06",
    "07",
    "08",
    "10",
    "11",
    "16",
    "21",
    "31",
    "41",
    "53",
    "60",
    "A",
    "B",
    "C",
    "D",
    "x",
    " 1",
]
TOKENS = [
    "industry",
    "employment",
    "pwj",
    "guarantee",
    "health",
    "water",
    "education",
    "housing",
    "relocation",
    "1",
    "2",
    "4",
    "01",
    "07",
]
NAMES = ["王大山", "李秀英", "李帮扶", "王小明"]


def _id_numbers() -> st.SearchStrategy[str]:
    """Valid IDs, bad check characters, X, lower-case x, wrong lengths, impossible dates."""
    from povcensus.core.idnumbers import check_char

    def build(parts: tuple[str, str, int, str, str]) -> str:
        address, born, sequence, shape, suffix = parts
        body = f"{address}{born}{sequence:03d}"
        right = check_char(body) if body.isdigit() else "0"
        if shape == "valid":
            return body + right
        if shape == "bad":
            return body + ("1" if right != "1" else "2")
        if shape == "lower":
            return body + right.lower()
        if shape == "short":
            return (body + right)[:15]
        return body + right + suffix  # 19–22 characters

    return st.tuples(
        st.sampled_from(["431202", "431203"]),
        st.sampled_from(
            [
                "20141231",
                "20150101",
                "20050101",
                "20041231",
                "19750501",
                "20000229",
                "20190230",
                "20210101",
                "18991231",
                "19AB0101",
            ]
        ),
        st.integers(0, 12),
        st.sampled_from(["valid", "valid", "bad", "lower", "short", "long"]),
        st.sampled_from(["4", "42", "421", "4201"]),
    ).map(build)


def _value(name: str, value_type: ValueType) -> st.SearchStrategy[str]:
    if name in ("m_id_number",):
        return st.one_of(_id_numbers(), st.sampled_from([*BLANKS, "E12345678"]))
    if name in ("m_name", "i_helper_name"):
        return st.sampled_from(NAMES + BLANKS)
    if value_type == ValueType.NUMBER:
        return st.one_of(st.sampled_from(NUMBERS + BLANKS), st.integers(-5, 40000).map(str))
    if value_type == ValueType.MULTI:
        return st.lists(st.sampled_from(TOKENS), max_size=3).map(" ".join)
    if value_type == ValueType.DATE:
        return st.sampled_from(["2020-12-31", "2020-02-30", "2021-06-30", *BLANKS, "x"])
    return st.sampled_from(CODES + BLANKS)


def _record(level: Level) -> st.SearchStrategy[dict[str, str]]:
    optional = {
        name: _value(name, value_type)
        for name, (field_level, value_type) in FIELDS.items()
        if field_level == level
    }
    required: dict[str, Any] = {}
    if level == Level.HOUSEHOLD:
        required["z_outcome"] = st.sampled_from(["1", "1", "1", "2", ""])
    else:
        required["m_status"] = st.sampled_from(["1", "1", "4", "2", ""])
        optional.pop("m_status", None)
    optional.pop("z_outcome", None)
    return st.fixed_dictionaries(required, optional=optional)


HOUSEHOLDS = st.lists(
    st.tuples(_record(Level.HOUSEHOLD), st.lists(_record(Level.MEMBER), max_size=6)),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(households=HOUSEHOLDS, income_line=st.sampled_from(["4000", "2952", "8000.5"]))
def test_both_paths_agree_on_generated_households(
    households: list[tuple[dict[str, str], list[dict[str, str]]]], income_line: str
) -> None:
    run_both(
        BOOK,
        households,
        context={"reference_date": "2020-12-31", "income_line": income_line},
    )


def test_both_paths_agree_on_ten_thousand_households() -> None:
    """10,000 synthetic households (about 33,000 members), vectorized in four chunks."""
    households, members = census(10_000, seed=7)
    result = check_census(BOOK, households, members, context=CONTEXT, chunk_size=2_500)
    records = to_records(households, members)
    checks = check_records(BOOK, records, context=CONTEXT)
    keys = [str(h["household_id"]) for h, _ in records]
    assert_same(BOOK, checks, keys, result)
    # The data really is rich in edge cases: every household rule and every member rule
    # fails somewhere, and every indicator is both assured and not assured somewhere.
    failed = set(result.failures["rule_id"].unique())
    assert {r.id for r in BOOK.rules if r.unit != Level.VILLAGE} <= failed
    for indicator in BOOK.indicators:
        seen = set(result.indicators[indicator.id].unique())
        assert {IndicatorStatus.ASSURED.value, IndicatorStatus.NOT_ASSURED.value} <= seen
