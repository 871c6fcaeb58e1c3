"""Every built-in rule fails on a household made to break it and passes on one that meets it.

Each case is a copy of one clean household (which passes every rule) with a few answers
changed.  All cases run through both execution paths at once (``run_both`` insists they
agree), then each rule's status is asserted for the member or household it is about.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from povcensus.core.idnumbers import check_char, make_id
from povcensus.rules.builtin import builtin_rulebook
from povcensus.rules.builtin_schema import BUILTIN_SCHEMA, HOUSEHOLD_FIELDS, MEMBER_FIELDS
from povcensus.rules.record import HouseholdCheck, IndicatorStatus
from povcensus.rules.rulebook import Status
from povcensus.rules.schema import Level
from povcensus.rules.tests.helpers import run_both, run_villages_both

DOCS = Path(__file__).resolve().parents[3] / "docs"

HEAD_ID = make_id("431202", date(1975, 5, 1), 11)  # male, 45 on 2020-12-31
SPOUSE_ID = make_id("431202", date(1977, 3, 2), 22)  # female, 43
CHILD_ID = make_id("431202", date(2008, 9, 1), 31)  # male, 12
FATHER_ID = make_id("431202", date(1948, 1, 20), 41)  # male, 72

ADULT = {
    "m_status": "1",
    "m_id_type": "1",
    "m_ethnicity": "01",
    "m_health": "1",
    "m_education": "3",
    "m_student_status": "00",
    "m_labour_skill": "1",
    "m_work_status": "0",
    "m_ins_resident_medical": "1",
    "m_ins_employee_medical": "2",
    "m_ins_critical_illness": "1",
    "m_medical_assistance": "2",
    "m_dibao": "0",
    "m_tekun": "0",
    "m_public_welfare_job": "2",
}


def clean() -> tuple[dict[str, str], list[dict[str, str]]]:
    """A completed interview that passes every built-in rule."""
    household = {
        "z_outcome": "1",
        "a_attribute": "1",
        "a_exit_status": "03",
        "a_main_cause": "07",
        "a_other_causes": "",
        "c_enough_food": "1",
        "c_meat_eggs_soy": "1",
        "c_seasonal_clothing": "1",
        "f_owns_house": "1",
        "f_area": "120",
        "f_grade": "A",
        "f_safety_route": "1",
        "g_source": "1",
        "g_quantity": "1",
        "g_quality": "1",
        "g_convenience": "1",
        "g_guarantee": "1",
        "k_electricity": "1",
        "k_distance_main_road": "1.5",
        "k_cultivated_land": "5",
        "k_forest_land": "10",
        "k_orchard_land": "0",
        "k_pasture_land": "0",
        "k_water_surface": "0",
        "h_wage_work": "30000",
        "h_wage_pwj": "0",
        "h_wage_other": "0",
        "h_wage_total": "30000",
        "h_prod_crops": "3000",
        "h_prod_livestock": "0",
        "h_prod_forestry": "0",
        "h_prod_other": "0",
        "h_prod_total": "3000",
        "h_prop_dividends": "0",
        "h_prop_land_rent": "0",
        "h_prop_other": "0",
        "h_prop_total": "0",
        "h_trans_family_planning": "0",
        "h_trans_dibao": "0",
        "h_trans_tekun": "0",
        "h_trans_pension": "1000",
        "h_trans_eco": "0",
        "h_trans_other": "0",
        "h_trans_total": "1000",
        "h_expenditure": "1000",
        "h_net_income": "33000",
        "h_size": "4",
        "h_per_capita": "8250",
        "i_measures": "industry employment",
        "i_helper_name": "李帮扶",
    }
    head = {
        **ADULT,
        "m_name": "王大山",
        "m_relation": "01",
        "m_sex": "1",
        "m_id_number": HEAD_ID,
        "m_age": "45",
        "m_work_status": "3",
        "m_work_months": "10",
    }
    spouse = {
        **ADULT,
        "m_name": "李秀英",
        "m_relation": "02",
        "m_sex": "2",
        "m_id_number": SPOUSE_ID,
        "m_age": "43",
        "m_education": "2",
    }
    child = {
        **ADULT,
        "m_name": "王小明",
        "m_relation": "03",
        "m_sex": "1",
        "m_id_number": CHILD_ID,
        "m_age": "12",
        "m_student_status": "16",
        "m_labour_skill": "5",
        "m_in_school": "1",
        "m_edu_assistance": "1 2",
    }
    del child["m_education"]
    father = {
        **ADULT,
        "m_name": "王老汉",
        "m_relation": "11",
        "m_sex": "1",
        "m_id_number": FATHER_ID,
        "m_age": "72",
        "m_education": "1",
        "m_health": "2",
        "m_labour_skill": "3",
    }
    return household, [head, spouse, child, father]


Mutation = Callable[[dict[str, Any], list[dict[str, Any]]], None]


def sets(**changes: Any) -> Mutation:
    """Change household answers (None removes the answer: missing)."""

    def apply(household: dict[str, Any], members: list[dict[str, Any]]) -> None:
        for key, value in changes.items():
            if value is None:
                household.pop(key, None)
            else:
                household[key] = value

    return apply


def member(index: int, **changes: Any) -> Mutation:
    """Change answers of member ``index`` (1-based)."""

    def apply(household: dict[str, Any], members: list[dict[str, Any]]) -> None:
        for key, value in changes.items():
            if value is None:
                members[index - 1].pop(key, None)
            else:
                members[index - 1][key] = value

    return apply


def both(*mutations: Mutation) -> Mutation:
    def apply(household: dict[str, Any], members: list[dict[str, Any]]) -> None:
        for mutation in mutations:
            mutation(household, members)

    return apply


def keep(household: dict[str, Any], members: list[dict[str, Any]]) -> None:
    """The clean household as it is."""


def born(day: date, sequence: int = 51) -> str:
    return make_id("431202", day, sequence)


def girl(age_id: str, **changes: Any) -> dict[str, Any]:
    return {**ADULT, "m_relation": "04", "m_sex": "2", "m_id_number": age_id, **changes}


def add_member(**answers: Any) -> Mutation:
    def apply(household: dict[str, Any], members: list[dict[str, Any]]) -> None:
        members.append({**ADULT, "m_relation": "99", "m_name": "新成员", **answers})
        household["h_size"] = str(int(household["h_size"]) + 1)
        household["h_per_capita"] = str(round(33000 / int(household["h_size"]), 2))

    return apply


# rule id → (failing mutation, passing mutation, member index the result is about or None)
CASES: dict[str, tuple[Mutation, Mutation, int | None]] = {
    "ID-01": (member(1, m_id_number=HEAD_ID[:15]), keep, 1),
    "ID-02": (member(1, m_id_number=HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1")), keep, 1),
    "ID-03": (
        member(2, m_id_type="2", m_id_number=SPOUSE_ID[:17] + "X" + "42"),
        member(2, m_id_type="2", m_id_number=SPOUSE_ID + "4201"),
        2,
    ),
    "ID-04": (
        member(1, m_id_number=make_id("431202", date(2021, 3, 1), 11)),
        keep,
        1,
    ),
    "ID-05": (member(2, m_id_number=HEAD_ID), keep, 2),
    "ID-06": (member(1, m_age="46"), keep, 1),
    "ID-07": (member(1, m_sex="2"), keep, 1),
    "HH-01": (member(2, m_relation="01"), keep, None),
    "HH-02": (member(2, m_sex="1"), keep, 2),
    "HH-03": (member(3, m_sex="2"), keep, 3),
    "HH-04": (member(4, m_relation="03"), keep, 4),
    "HH-05": (
        both(*(member(i, m_status="2") for i in (1, 2, 3, 4))),
        keep,
        None,
    ),
    "HH-06": (member(2, m_ethnicity=""), keep, 2),
    "HH-06b": (sets(a_main_cause=""), keep, None),
    "ED-01": (
        member(3, m_in_school="2", m_not_in_school_reason="3"),
        member(3, m_in_school="2", m_not_in_school_reason="1"),
        3,
    ),
    "ED-02": (member(3, m_student_status=""), keep, 3),
    "ED-03": (member(3, m_student_status="31"), keep, 3),
    "ED-04": (member(3, m_student_status="10"), keep, 3),
    "ED-05": (member(2, m_education="7", m_id_number=born(date(2003, 6, 1), 22)), keep, 2),
    "ED-06": (
        member(3, m_in_school="2", m_not_in_school_reason="2"),
        member(3, m_in_school="2", m_not_in_school_reason="2", m_health="4"),
        3,
    ),
    "ED-07": (member(3, m_labour_skill="1"), keep, 3),
    "ED-08": (
        member(3, m_edu_assistance="1 4"),
        member(
            3,
            m_student_status="41",
            m_edu_assistance="4",
            m_id_number=born(date(2004, 2, 2), 31),
            m_age="16",
        ),
        3,
    ),
    "MD-01": (member(2, m_ins_resident_medical="2"), keep, 2),
    "MD-02": (member(2, m_ins_employee_medical="1"), keep, 2),
    "MD-03": (member(2, m_ins_critical_illness=""), keep, 2),
    "MD-04": (
        member(2, m_medical_assistance="1", m_ins_resident_medical="2"),
        member(2, m_medical_assistance="1"),
        2,
    ),
    "MD-05": (
        member(4, m_health="4", m_disability_cert="2"),
        member(4, m_health="4", m_disability_cert="1"),
        4,
    ),
    "LB-01": (member(3, m_labour_skill="2"), keep, 3),
    "LB-02": (member(4, m_labour_skill="1"), keep, 4),
    "LB-03": (
        member(
            4, m_health="4", m_disability_category="4", m_disability_grade="1", m_labour_skill="1"
        ),
        member(
            4, m_health="4", m_disability_category="4", m_disability_grade="1", m_labour_skill="4"
        ),
        4,
    ),
    "LB-04": (member(1, m_tekun="1"), keep, 1),
    "LB-05": (member(1, m_work_months="0"), keep, 1),
    "LB-06": (
        member(4, m_public_welfare_job="1", m_pwj_type="1", m_pwj_months="12"),
        member(2, m_public_welfare_job="1", m_pwj_type="1", m_pwj_months="12"),
        None,
    ),
    "LB-07": (
        member(2, m_tekun="1"),
        member(4, m_tekun="1"),
        None,
    ),
    "HS-01": (sets(f_grade="C"), keep, None),
    "HS-02": (sets(f_area="0"), keep, None),
    "HS-03": (
        sets(f_grade="0", f_safety_route="3", f_moved_in="2"),
        sets(f_grade="0", f_safety_route="3", f_moved_in="1", f_relocation_debt="5000"),
        None,
    ),
    "WT-01": (sets(g_quality="2"), keep, None),
    "WT-02": (sets(g_source=""), keep, None),
    "UT-01": (sets(k_distance_main_road="8"), keep, None),
    "LD-01": (sets(k_cultivated_land="120"), keep, None),
    "IN-01": (sets(h_net_income="34000"), keep, None),
    "IN-02": (sets(h_per_capita="4000"), keep, None),
    "IN-03": (sets(h_per_capita="0"), keep, None),
    "IN-04": (sets(h_expenditure="0", h_net_income="34000", h_per_capita="8500"), keep, None),
    "IN-05": (member(1, m_work_status="0", m_work_months=None), keep, None),
    "IN-06": (sets(a_attribute="2"), keep, None),
    "IN-07": (sets(i_measures="guarantee"), keep, None),
    "IN-08": (sets(a_main_cause="01", a_other_causes="01"), keep, None),
    "IN-09": (sets(a_main_cause="06"), keep, None),
    "IN-10": (sets(i_helper_name="王大山"), keep, None),
    "FD-01": (sets(c_meat_eggs_soy="2"), keep, None),
    "CL-01": (sets(c_seasonal_clothing=""), keep, None),
    "CN-01": (sets(g_quantity="2"), keep, None),
}

# Cases whose subject differs: (rule, failing subject, passing subject).
SUBJECTS = {"LB-06": (4, 2), "LB-07": (2, 4)}

VILLAGE = {
    "v_households_total": "320",
    "v_population_total": "1200",
    "v_clinics": "1",
    "v_licensed_doctors": "1",
    "v_village_doctors": "2",
    "v_culture_rooms": "1",
    "v_dibao_households": "20",
    "v_dibao_persons": "41",
    "v_tekun_persons": "3",
    "v_disabled_persons": "25",
    "v_pension_members": "800",
    "v_households_unsafe_water": "0",
    "v_households_dangerous_house": "2",
    "v_hardened_road_to_township": "1",
    "v_village_type": "1",
    "v_collective_income": "3.5",
    "v_land_cultivated": "1500",
    "v_registered_households": "64",
}
VILLAGE_CONTEXT = {"roster_households": "64", "household_cultivated_land": "1200"}
VILLAGE_CASES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "VL-01": ({"v_clinics": ""}, {}),
    "VL-02": ({"v_households_unsafe_water": "319"}, {}),
    "VL-03": ({"v_collective_income": "0"}, {}),
    "VL-04": ({"v_registered_households": "66"}, {}),
}

CATALOGUE = (
    [f"ID-0{i}" for i in range(1, 8)]
    + [f"HH-0{i}" for i in range(1, 7)]
    + [f"ED-0{i}" for i in range(1, 9)]
    + [f"MD-0{i}" for i in range(1, 6)]
    + [f"LB-0{i}" for i in range(1, 8)]
    + ["HS-01", "HS-02", "HS-03", "WT-01", "WT-02", "UT-01", "LD-01"]
    + [f"IN-{i:02d}" for i in range(1, 11)]
    + ["CN-01"]
    + [f"VL-0{i}" for i in range(1, 5)]
)


def _relocate(id_number: str, prefix: str) -> str:
    """The same ID under another address code, keeping a right check character right and a
    wrong one wrong (cases share one census, so IDs must not repeat between cases)."""
    if len(id_number) < 18 or not id_number.startswith("431202") or not id_number[:17].isdigit():
        return id_number
    body = prefix + id_number[6:17]
    right = check_char(body)
    if check_char(id_number[:17]) == id_number[17]:
        last = right
    else:
        last = id_number[17] if id_number[17] != right else ("0" if right != "0" else "1")
    return body + last + id_number[18:]


def _apply(mutation: Mutation, case: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    household, members = clean()
    household, members = copy.deepcopy(household), copy.deepcopy(members)
    mutation(household, members)
    prefix = f"43{case:04d}"
    for row in members:
        if "m_id_number" in row:
            row["m_id_number"] = _relocate(row["m_id_number"], prefix)
    return household, members


def _status(check: HouseholdCheck, rule_id: str, index: int | None) -> Status:
    found = [r for r in check.results if r.rule_id == rule_id and r.member_index == index]
    assert len(found) == 1, (rule_id, index, found)
    return found[0].status


@pytest.fixture(scope="module")
def checked() -> dict[str, tuple[HouseholdCheck, HouseholdCheck]]:
    book = builtin_rulebook()
    names = sorted(CASES)
    cases = []
    for number, name in enumerate(names):
        failing, passing, _ = CASES[name]
        cases += [_apply(failing, 2 * number + 1), _apply(passing, 2 * number + 2)]
    checks = run_both(book, cases)
    return {name: (checks[2 * i], checks[2 * i + 1]) for i, name in enumerate(names)}


def test_the_clean_household_passes_every_rule() -> None:
    """The base of every case: nothing fails and every exit indicator is assured."""
    (check,) = run_both(builtin_rulebook(), [clean()])
    assert check.failures == []
    assert {i.status for i in check.indicators} == {IndicatorStatus.ASSURED}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fails_and_passes(
    rule_id: str, checked: dict[str, tuple[HouseholdCheck, HouseholdCheck]]
) -> None:
    """The failing case fails the rule, the passing case passes it (not merely not applicable)."""
    failing, passing = checked[rule_id]
    _, _, index = CASES[rule_id]
    fail_index, pass_index = SUBJECTS.get(rule_id, (index, index))
    assert _status(failing, rule_id, fail_index) == Status.FAILED
    assert _status(passing, rule_id, pass_index) == Status.PASSED
    message = next(r for r in failing.failures if r.rule_id == rule_id)
    assert message.message_zh
    assert message.message_en
    assert "{" not in message.message_zh + message.message_en


@pytest.mark.parametrize("rule_id", sorted(VILLAGE_CASES))
def test_village_rule_fails_and_passes(rule_id: str) -> None:
    failing, passing = VILLAGE_CASES[rule_id]
    book = builtin_rulebook()
    fail_results, pass_results = run_villages_both(
        book, [{**VILLAGE, **failing}, {**VILLAGE, **passing}], [VILLAGE_CONTEXT, VILLAGE_CONTEXT]
    )
    assert {r.rule_id: r.status for r in fail_results}[rule_id] == Status.FAILED
    assert {r.rule_id: r.status for r in pass_results}[rule_id] == Status.PASSED


def test_village_cross_rule_needs_the_roster_count() -> None:
    """Without the roster count from the caller VL-04 cannot be decided: not applicable."""
    (results,) = run_villages_both(builtin_rulebook(), [VILLAGE], [{}])
    statuses = {r.rule_id: r.status for r in results}
    assert statuses["VL-04"] == Status.NOT_APPLICABLE
    assert statuses["VL-03"] == Status.PASSED


def test_every_catalogue_rule_is_in_the_builtin_book_and_tested() -> None:
    book = builtin_rulebook()
    ids = {rule.id for rule in book.rules}
    for rule_id in CATALOGUE:
        assert rule_id in ids, rule_id
    assert ids <= set(CASES) | set(VILLAGE_CASES)


def test_exit_indicators_give_the_failing_member_as_reason(
    checked: dict[str, tuple[HouseholdCheck, HouseholdCheck]],
) -> None:
    """Education not assured names member 3 (the child out of school) and the rule."""
    failing, _ = checked["ED-01"]
    education = failing.indicator("education")
    assert education.status == IndicatorStatus.NOT_ASSURED
    assert [(r.rule_id, r.member_index) for r in education.reasons] == [("ED-01", 3)]
    assert "12岁" in education.reasons[0].message_zh
    assert failing.indicator("income").status == IndicatorStatus.ASSURED
    assert _status(failing, "CN-01", None) == Status.FAILED


def test_income_indicator_uses_the_line_from_the_context() -> None:
    """The same household passes a 4,000 line and fails a 9,000 one (8,250 per head)."""
    book = builtin_rulebook()
    (low,) = run_both(
        book, [clean()], context={"reference_date": "2020-12-31", "income_line": "4000"}
    )
    (high,) = run_both(
        book, [clean()], context={"reference_date": "2020-12-31", "income_line": "9000"}
    )
    assert low.indicator("income").status == IndicatorStatus.ASSURED
    assert high.indicator("income").status == IndicatorStatus.NOT_ASSURED
    assert high.indicator("income").reasons[0].message_zh == (
        "收入未达标：人均纯收入8250元，未超过收入标准线9000元。"
    )


def test_a_household_not_interviewed_is_not_applicable() -> None:
    """Outcome 3 (lost contact): no member, no section; no rule fails, indicators n/a."""
    (check,) = run_both(builtin_rulebook(), [({"z_outcome": "3"}, [])])
    assert check.failures == []
    assert {i.status for i in check.indicators} == {IndicatorStatus.NOT_APPLICABLE}


def _dictionary_names(path: Path, column: int, stop: str | None = None) -> set[str]:
    names: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if stop and line.startswith(stop):
            break
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) > column:
                names |= set(re.findall(r"`([a-z][a-z0-9_]*)`", cells[column]))
        elif line.startswith("After the repeat"):  # h_size is defined in prose
            names |= set(re.findall(r"`([a-z][a-z0-9_]*)` =", line))
    return names


def test_builtin_schema_matches_the_field_dictionaries() -> None:
    """builtin_schema.py and docs/questionnaires/*.md name the same fields."""
    household_doc = _dictionary_names(
        DOCS / "questionnaires" / "household-fields.md", 0, stop="## New choice lists"
    )
    village_doc = _dictionary_names(DOCS / "questionnaires" / "village-fields.md", 1)
    assert household_doc == set(HOUSEHOLD_FIELDS) | set(MEMBER_FIELDS)
    assert village_doc == set(BUILTIN_SCHEMA.names(Level.VILLAGE))


def test_every_field_a_builtin_rule_references_exists() -> None:
    book = builtin_rulebook()
    documented = _dictionary_names(
        DOCS / "questionnaires" / "household-fields.md", 0, stop="## New choice lists"
    ) | _dictionary_names(DOCS / "questionnaires" / "village-fields.md", 1)
    for rule in book.rules:
        for name in rule.fields:
            assert name in documented, (rule.id, name)
        for text in (rule.expression_text, rule.when_text):
            for name in re.findall(r"\$\{([a-z_0-9]+)\}", text):
                assert name in documented or name in book.definitions or name in book.context, (
                    rule.id,
                    name,
                )
