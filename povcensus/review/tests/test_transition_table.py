"""The whole transition table, allowed and forbidden, for every role (style anchors §10).

For every (state, action) pair of the chain and every kind of user of the demo town, the
service either makes the move or refuses it with the right code.  The expectations are
written out here by hand from the census work plan, not derived from the table under test.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from povcensus.core.errors import ApplicationError
from povcensus.review.models import Case
from povcensus.review.services import case_transition
from povcensus.review.tests.conftest import household_numbers, submit_household
from povcensus.review.transitions import ORDER, TRANSITIONS, Action, CaseState

pytestmark = pytest.mark.django_db

STATES = [s.value for s in CaseState]
ACTIONS = [a.value for a in Action]

# Who reaches the case at all: the rest get "not found".
USERS = [
    "collector",  # enumerator of the case's team who collected it
    "teammate",  # the team's other enumerator
    "other_enumerator",  # an enumerator of another team
    "supervisor",  # the team's supervisor
    "other_supervisor",  # a supervisor of other teams in the same township
    "jinshan_office",  # township office
    "county_office",  # county office
    "county_reviewer",  # acceptance reviewer, county
    "province_reviewer",  # acceptance reviewer, province
    "admin",  # system administrator, also office at the province
    "analyst",
    "cun01",  # village cadre
]
NOT_FOUND = {"other_enumerator", "analyst", "cun01"}

# The legal moves, by hand: (state, action) → the users who may make it.
TOWNSHIP = {"jinshan_office", "county_office", "admin"}
COUNTY = {"county_office", "county_reviewer", "province_reviewer", "admin"}
PROVINCE = {"province_reviewer", "admin"}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("in_progress", "submit"): {"collector", "teammate"},
    ("submitted", "approve"): {"supervisor"},
    ("submitted", "return"): {"supervisor"},
    ("supervisor_approved", "check"): TOWNSHIP,
    ("supervisor_approved", "return"): TOWNSHIP,
    ("township_checked", "accept_county"): COUNTY,
    ("township_checked", "return"): COUNTY,
    ("county_accepted", "accept_province"): PROVINCE,
    ("county_accepted", "return"): PROVINCE,
    ("province_accepted", "return"): PROVINCE,
}
NEXT = {
    "submit": "submitted",
    "approve": "supervisor_approved",
    "check": "township_checked",
    "accept_county": "county_accepted",
    "accept_province": "province_accepted",
}


def _user(world: Any, who: str, done: Any) -> Any:
    from povcensus.team.models import Team

    team = done.assignment.team
    if who == "collector":
        return done.enumerator
    if who == "teammate":
        return team.members.exclude(user=done.enumerator).get().user
    if who == "other_enumerator":
        other = Team.objects.exclude(pk=team.pk).exclude(supervisor=team.supervisor).first()
        return other.members.get(slot=1).user  # type: ignore[union-attr]
    if who == "supervisor":
        return team.supervisor
    if who == "other_supervisor":
        return Team.objects.exclude(supervisor=team.supervisor).first().supervisor  # type: ignore[union-attr]
    return world.user(who)


def test_the_table_has_exactly_the_moves_of_the_work_plan() -> None:
    assert set(TRANSITIONS) == {(CaseState(s), Action(a)) for s, a in ALLOWED}


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in STATES for a in ACTIONS])
def test_every_role_on_every_pair(world: Any, rules_pass: None, state: str, action: str) -> None:
    """Each user either makes the move (to the expected state) or gets the expected code."""
    done = submit_household(household_numbers()[0])
    Case.objects.filter(pk=done.case.pk).update(state=state, version=7)
    allowed = ALLOWED.get((state, action))
    for who in USERS:
        actor = _user(world, who, done)
        if who in NOT_FOUND:
            expected = "core.not_found"
        elif allowed is None:
            expected = "review.transition_not_allowed"
        elif who in allowed:
            expected = "ok"
        else:
            expected = "review.no_permission"
        sid = transaction.savepoint_create()
        try:
            case = case_transition(
                actor=actor,
                case_id=done.case.pk,
                action=action,
                expected_version=7,
                reason="请核实" if action == "return" else "",
            )
            outcome = "ok"
            below = ORDER[ORDER.index(CaseState(state)) - 1].value if action == "return" else ""
            assert case.state == (below if action == "return" else NEXT[action]), who
            assert case.version == 8
        except ApplicationError as refused:
            outcome = refused.code
        finally:
            transaction.savepoint_rollback(sid)
        assert outcome == expected, f"{who} {action} from {state}"


@pytest.mark.parametrize("state", STATES[1:])
def test_a_return_may_go_to_any_lower_state_and_never_up(
    world: Any, rules_pass: None, state: str
) -> None:
    done = submit_household(household_numbers()[0])
    Case.objects.filter(pk=done.case.pk).update(state=state)
    holder = {
        "submitted": done.assignment.team.supervisor,
        "supervisor_approved": world.user("jinshan_office"),
        "township_checked": world.user("county_reviewer"),
        "county_accepted": world.user("province_reviewer"),
        "province_accepted": world.user("province_reviewer"),
    }[state]
    rank = STATES.index(state)
    for target in STATES:
        sid = transaction.savepoint_create()
        try:
            case = case_transition(
                actor=holder,
                case_id=done.case.pk,
                action="return",
                expected_version=1,
                reason="复核发现问题",
                to_state=target,
            )
            assert case.state == target
            assert case.returned == (target == "in_progress")
            outcome = "ok"
        except ApplicationError as refused:
            outcome = refused.code
        finally:
            transaction.savepoint_rollback(sid)
        assert outcome == ("ok" if STATES.index(target) < rank else "review.bad_target"), target


def test_a_return_needs_a_reason(world: Any, rules_pass: None) -> None:
    done = submit_household(household_numbers()[0])
    with pytest.raises(ApplicationError) as refused:
        case_transition(
            actor=done.assignment.team.supervisor,
            case_id=done.case.pk,
            action="return",
            expected_version=1,
            reason="  ",
        )
    assert refused.value.code == "review.reason_required"
