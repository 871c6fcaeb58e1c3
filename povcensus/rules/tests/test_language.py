"""The expression language and the rule book format: errors at load time, values at run time.

Every run-time case goes through both execution paths (``run_both``), so each semantic
rule below is also a test that the paths agree.
"""

from __future__ import annotations

from typing import Any

import pytest

from povcensus.core.errors import ApplicationError
from povcensus.rules.rulebook import Status
from povcensus.rules.tests.helpers import book_of, run_both

HEADER = """
version: "t1"
context:
  reference_date: date
  income_line: {type: number, default: 4000}
definitions:
  current: ${m_status} in ('1', '4')
"""


def rule_yaml(expression: str, *, level: str = "household", when: str = "", extra: str = "") -> str:
    when_line = f"    when: |-\n      {when}\n" if when else ""
    return (
        HEADER
        + f"""
rules:
  - id: T-01
    level: {level}
    severity: hard
{when_line}    expression: |-
      {expression}
    message: {{zh: "失败", en: "failed"}}
{extra}"""
    )


def load_error(text: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        book_of(text)
    return caught.value


# ---- load-time errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "code", "column"),
    [
        ("${z_outcome} = '1' and", "rules.syntax", 23),
        ("${z_outcome} = = '1'", "rules.syntax", 16),
        ("(${z_outcome} = '1'", "rules.syntax", 20),
        ("${z_outcome = '1'", "rules.syntax", 1),
        ("${z_outcome} = 'unclosed", "rules.syntax", 16),
        ("${z_outcome} # '1'", "rules.syntax", 14),
        ("1 < ${h_size} < 5", "rules.syntax", 15),
        ("${no_such_field} = '1'", "rules.unknown_field", 1),
        ("frobnicate(${z_outcome})", "rules.unknown_function", 1),
        ("${z_outcome} = 1", "rules.type", 14),
        ("${h_size} + 'a' > 1", "rules.type", 13),
        ("${h_size}", "rules.type", 1),
        ("${z_outcome} in ('1', 2)", "rules.type", 23),
        ("if(${h_size}, 1, 2) = 1", "rules.type", 4),
        ("regex(${a_phone}, '(?=1)')", "rules.syntax", 19),
        ("${m_age} > 3", "rules.level", 1),
        ("count(members, count(members) > 1) > 0", "rules.level", 16),
        ("count(${m_age}) > 0", "rules.type", 7),
        ("assured('nothing')", "rules.type", 9),
        ("is_empty(${h_size} + 1)", "rules.type", 10),
        ("${h_size} + 1 = 'a'", "rules.type", 15),
        ("${v_clinics} > 1", "rules.level", 1),
    ],
)
def test_bad_expressions_are_refused_with_code_and_position(
    expression: str, code: str, column: int
) -> None:
    error = load_error(rule_yaml(expression))
    assert error.code == code
    assert error.details["owner"] == "T-01"
    assert error.details["part"] == "expression"
    assert (error.details["line"], error.details["column"]) == (1, column)
    assert "T-01" in error.message


def test_position_counts_lines_inside_a_multiline_expression() -> None:
    error = load_error(rule_yaml("${z_outcome} = '1'\n      and ${nope} = '2'"))
    assert error.code == "rules.unknown_field"
    assert (error.details["line"], error.details["column"]) == (2, 5)
    assert error.details["field"] == "nope"


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = rule_yaml("${nope} = '1'") + (
        "  - id: T-02\n    level: member\n    severity: soft\n"
        "    expression: frob()\n    message: {zh: a, en: b}\n"
    )
    error = load_error(text)
    codes = [problem["code"] for problem in error.details["errors"]]
    assert codes == ["rules.unknown_field", "rules.unknown_function"]
    assert error.details["count"] == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("version: 1\nrules: [", "rules.yaml"),
        ("- just a list", "rules.format"),
        ("rules: []", "rules.format"),  # no version
        (rule_yaml("true()").replace("severity: hard", "severity: fatal"), "rules.format"),
        (rule_yaml("true()").replace("level: household", "level: county"), "rules.format"),
        (rule_yaml("true()").replace("message: {zh", "mesage: {zh"), "rules.format"),
        (
            rule_yaml("true()")
            .replace('failed"}', 'failed", de: x}')
            .replace('en: "failed", ', ""),
            "rules.format",
        ),
        (
            rule_yaml("true()")
            + "  - id: T-01\n    level: household\n    severity: hard\n    expression: true()\n    message: {zh: a, en: b}\n",
            "rules.duplicate",
        ),
        (rule_yaml("true()").replace('{zh: "失败"', '{zh: "失败{nope}"'), "rules.unknown_field"),
        (rule_yaml("true()").replace('{zh: "失败"', '{zh: "成员{member}"'), "rules.level"),
        (rule_yaml("true()", extra="    derived: nothing\n"), "rules.format"),
        (rule_yaml("true()", level="cross"), "rules.format"),  # cross needs a unit
        (
            rule_yaml("true()").replace(
                "  current: ${m_status} in ('1', '4')",
                "  a: ${b} + 1\n  b: ${a} + 1",
            ),
            "rules.format",
        ),
        (rule_yaml("true()").replace("  current:", "  h_size:"), "rules.duplicate"),
    ],
)
def test_bad_rule_books_are_refused(text: str, code: str) -> None:
    assert load_error(text).code == code


def test_files_of_one_book_must_share_the_version() -> None:
    from povcensus.rules.builtin_schema import BUILTIN_SCHEMA
    from povcensus.rules.rulebook import load_rulebook

    with pytest.raises(ApplicationError) as caught:
        load_rulebook(
            [("a.yaml", "version: 1\nrules: []\n"), ("b.yaml", "version: 2\nrules: []\n")],
            schema=BUILTIN_SCHEMA,
        )
    assert caught.value.code == "rules.version_mismatch"


def test_assured_is_refused_in_a_rule_that_derives_an_indicator() -> None:
    text = rule_yaml("assured('food')", extra="    derived: food\n").replace(
        "rules:",
        "indicators:\n  - id: food\n    label: {zh: 不愁吃, en: Food}\nrules:",
    )
    assert load_error(text).code == "rules.level"


# ---- values at run time ------------------------------------------------------------------------


def status_of(
    expression: str,
    household: dict[str, Any],
    members: list[dict[str, Any]] | None = None,
    *,
    level: str = "household",
    when: str = "",
    extra: str = "",
    context: dict[str, Any] | None = None,
) -> list[Status]:
    """The statuses of one rule (per member for member rules), both paths agreeing."""
    book = book_of(rule_yaml(expression, level=level, when=when, extra=extra))
    (check,) = run_both(
        book, [(household, members or [])], context=context or {"reference_date": "2020-12-31"}
    )
    return [r.status for r in check.results if r.rule_id == "T-01"]


P, F, NA = Status.PASSED, Status.FAILED, Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("expression", "household", "expected"),
    [
        # missing and blank both have no value: comparisons are not applicable
        ("${h_size} > 2", {"h_size": "3"}, P),
        ("${h_size} > 2", {"h_size": "2"}, F),
        ("${h_size} > 2", {}, NA),
        ("${h_size} > 2", {"h_size": ""}, NA),
        ("${h_size} > 2", {"h_size": "  "}, NA),
        ("${h_size} > 2", {"h_size": "three"}, NA),
        ("${h_size} > 2", {"h_size": " 3 "}, P),
        ("${h_size} > 2", {"h_size": "3.0"}, P),
        ("${h_size} > 2", {"h_size": "1e3"}, NA),
        ("not (${h_size} > 2)", {}, NA),
        # is_empty tells blank from missing
        ("is_empty(${a_phone})", {"a_phone": ""}, P),
        ("is_empty(${a_phone})", {"a_phone": " \t"}, P),
        ("is_empty(${a_phone})", {}, F),
        ("is_missing(${a_phone})", {}, P),
        ("is_missing(${a_phone})", {"a_phone": ""}, F),
        # three-valued logic
        ("${h_size} > 2 or ${z_outcome} = '1'", {"z_outcome": "1"}, P),
        ("${h_size} > 2 and ${z_outcome} = '1'", {"z_outcome": "2"}, F),
        ("${h_size} > 2 and ${z_outcome} = '1'", {"z_outcome": "1"}, NA),
        # arithmetic: division and mod by zero have no value; mod takes the divisor's sign
        ("${h_net_income} / ${h_size} = 2.5", {"h_net_income": "5", "h_size": "2"}, P),
        ("${h_net_income} div ${h_size} > 0", {"h_net_income": "5", "h_size": "0"}, NA),
        ("${h_net_income} mod ${h_size} = 2", {"h_net_income": "-7", "h_size": "3"}, P),
        ("${h_net_income} mod ${h_size} > 0", {"h_net_income": "7", "h_size": "0"}, NA),
        ("-${h_size} × 2 ÷ 4 − 1 = -2", {"h_size": "2"}, P),
        ("abs(${h_net_income}) = 5", {"h_net_income": "-5"}, P),
        # membership, if, coalesce
        ("${z_outcome} in ('1', '2')", {"z_outcome": "2"}, P),
        ("${z_outcome} not in ('1', '2')", {"z_outcome": "2"}, F),
        ("${z_outcome} in ('1', '2')", {}, NA),
        ("${h_size} in (1, 2, 3)", {"h_size": "3"}, P),
        ("if(${h_size} > 2, 'big', 'small') = 'small'", {}, P),
        ("coalesce(${h_size}, 0) = 0", {"h_size": "x"}, P),
        ("coalesce(${h_size}, ${reg_size}, 7) = 4", {"reg_size": "4"}, P),
        ("number(${z_note}) = 12.5", {"z_note": "12.5"}, P),
        ("len(${z_note}) = 3", {"z_note": "甲乙丙"}, P),
        ("${z_note} ≠ 'a' and ${h_size} ≥ 1 and ${h_size} ≤ 1", {"z_note": "b", "h_size": "1"}, P),
        # select_multiple
        ("selected(${i_measures}, 'water')", {"i_measures": "industry water"}, P),
        ("selected(${i_measures}, 'wat')", {"i_measures": "industry water"}, F),
        ("selected(${i_measures}, 'water')", {"i_measures": ""}, NA),
        ("count_selected(${i_measures}) = 2", {"i_measures": "a  b"}, P),
        ("regex(${a_phone}, '^1[0-9]{10}$')", {"a_phone": "13800000000"}, P),
        ("regex(${a_phone}, '^1[0-9]{10}$')", {"a_phone": "1380000000"}, F),
        # context values, defaults and dates
        ("${h_per_capita} > ${income_line}", {"h_per_capita": "4000.01"}, P),
        ("${h_per_capita} > ${income_line}", {"h_per_capita": "4000"}, F),
        ("${reference_date} = date('2020-12-31')", {}, P),
        ("true() and not false()", {}, P),
    ],
)
def test_values_and_operators(expression: str, household: dict[str, Any], expected: Status) -> None:
    assert status_of(expression, household) == [expected]


def test_on_null_decides_a_check_without_value() -> None:
    assert status_of("${h_size} > 2", {}, extra="    on_null: failed\n") == [F]
    assert status_of("${h_size} > 2", {}, extra="    on_null: passed\n") == [P]


def test_when_that_is_not_true_makes_the_rule_not_applicable() -> None:
    assert status_of("false()", {"z_outcome": "2"}, when="${z_outcome} = '1'") == [NA]
    assert status_of("false()", {}, when="${z_outcome} = '1'") == [NA]
    assert status_of("false()", {"z_outcome": "1"}, when="${z_outcome} = '1'") == [F]


ID_2014 = "431202201401010017"  # born 2014-01-01; check character 7


@pytest.mark.parametrize(
    ("id_number", "age"),
    [
        ("431202201412310014", 6),  # sixth birthday on the reference date
        ("431202201501010010", 5),  # sixth birthday the day after
        ("431202200501010011", 15),
        ("431202200412310017", 16),
        ("43120220001229006X", 20),  # X check character
        ("431202200002290012", 20),  # 29 February
        ("431202202101010011", None),  # born after the reference date
        ("431202201902300012", None),  # 30 February
        ("431202189912310011", None),  # before 1900
        ("4312022014", None),
        ("43120219AB01010017", None),
    ],
)
def test_age_from_id_at_the_reference_date(id_number: str, age: int | None) -> None:
    expected = [NA] if age is None else [P]
    expression = f"age_from_id(${{m_id_number}}) = {age if age is not None else 0}"
    assert status_of(expression, {}, [{"m_id_number": id_number}], level="member") == expected


@pytest.mark.parametrize(
    ("id_number", "ok"),
    [
        ("43120220001229006X", True),  # X check character
        ("431202200012290019", True),
        ("43120220001229006x", False),  # lower-case x is not a check character
        ("431202200012290060", False),
        ("43120220001229006X42", True),  # disability number: the first 18 count
        ("43120220001229006X4201", True),
        ("43120220001229006", False),
        ("4312022000122900AX", False),
    ],
)
def test_id_checksum(id_number: str, ok: bool) -> None:
    result = status_of(
        "id_checksum_ok(${m_id_number})", {}, [{"m_id_number": id_number}], level="member"
    )
    assert result == [P if ok else F]


def test_id_helpers() -> None:
    member = {"m_id_number": " 43120220001229006X42 ", "m_sex": "1"}
    assert status_of("id_length(${m_id_number}) = 20", {}, [member], level="member") == [P]
    assert status_of("len(${m_id_number}) = 22", {}, [member], level="member") == [P]
    assert status_of(
        "sex_from_id(${m_id_number}) = '1'",
        {},
        [{"m_id_number": "43120220001229001X"}],
        level="member",
    ) == [P]
    assert status_of(
        "sex_from_id(${m_id_number}) = '2'",
        {},
        [{"m_id_number": "43120220001229002X"}],
        level="member",
    ) == [P]
    assert status_of(
        "birth_date_valid(${m_id_number})",
        {},
        [{"m_id_number": "431202202101010011"}],
        level="member",
    ) == [F]
    assert status_of(
        "birth_date_valid(${m_id_number}, date('2021-06-30'))",
        {},
        [{"m_id_number": "431202202101010011"}],
        level="member",
    ) == [P]


MEMBERS = [
    {"m_status": "1", "m_age": "40", "m_work_months": "10", "m_sex": "1"},
    {"m_status": "1", "m_age": "12", "m_work_months": "", "m_sex": "2"},
    {"m_status": "2", "m_age": "80", "m_work_months": "3"},
    {"m_status": "4", "m_work_months": "2.5", "m_sex": "2"},
]


@pytest.mark.parametrize(
    ("expression", "members", "expected"),
    [
        ("count(members) = 4", MEMBERS, P),
        ("count(current) = 3", MEMBERS, P),
        ("count(current, ${m_age} < 18) = 1", MEMBERS, P),
        ("sum(current, ${m_work_months}) = 12.5", MEMBERS, P),
        ("sum(members, ${m_work_months}) = 15.5", MEMBERS, P),
        ("min(current, ${m_age}) = 12 and max(current, ${m_age}) = 40", MEMBERS, P),
        ("max(current, ${m_sex}) = '2'", MEMBERS, P),
        ("any(current, ${m_age} > 70)", MEMBERS, F),
        ("any(members, ${m_age} > 70)", MEMBERS, P),
        ("all(current, ${m_age} < 50)", MEMBERS, P),  # the member without an age is not a "false"
        ("all(members, ${m_age} < 50)", MEMBERS, F),
        # a household without members
        ("count(members) = 0 and sum(members, ${m_age}) = 0", [], P),
        ("max(members, ${m_age}) > 0", [], NA),
        ("not any(members, true()) and all(members, false())", [], P),
    ],
)
def test_member_aggregates(
    expression: str, members: list[dict[str, Any]], expected: Status
) -> None:
    assert status_of(expression, {}, members) == [expected]


def test_member_rules_run_per_member_with_household_values_and_aggregates() -> None:
    statuses = status_of(
        "${m_age} < max(current, ${m_age}) or ${z_outcome} = '9'",
        {"z_outcome": "1"},
        MEMBERS,
        level="member",
        when="${current}",
    )
    assert statuses == [F, P, NA, NA]


def test_census_count_counts_across_households() -> None:
    book = book_of(
        rule_yaml(
            "census_count(current, ${m_id_number}) <= 1",
            level="cross",
            extra="    unit: member\n",
        )
    )
    same = "43120220001229006X"
    households: list[tuple[dict[str, str], list[dict[str, str]]]] = [
        ({}, [{"m_status": "1", "m_id_number": same}]),
        ({}, [{"m_status": "1", "m_id_number": same}, {"m_status": "2", "m_id_number": same}]),
        ({}, [{"m_status": "1", "m_id_number": ""}]),
    ]
    checks = run_both(book, households)
    statuses = [[r.status for r in c.results] for c in checks]
    assert statuses == [[F], [F, F], [NA]]


def test_messages_show_values_as_given() -> None:
    text = (
        rule_yaml("false()", level="member")
        .replace(
            'message: {zh: "失败", en: "failed"}',
            'message: {zh: "成员{member}：年龄${m_age}，户{h_size}，线{income_line}，比{ratio}，{flag}", '
            'en: "member {member}: {m_age} {h_size} {ratio} {flag}"}',
        )
        .replace(
            "definitions:\n",
            "definitions:\n  ratio: ${h_net_income} / 3\n  flag: ${h_size} > 1\n",
        )
    )
    (check,) = run_both(
        book_of(text),
        [({"h_net_income": "10", "h_size": ""}, [{"m_age": "007"}, {}])],
        context={"reference_date": "2020-12-31"},
    )
    first, second = check.failures
    assert first.message_zh == "成员1：年龄007，户（空），线4000，比3.33，—"
    assert second.message_en == "member 2: — (blank) 3.33 —"
