"""The rule guard with the real rule engine: hard failures block, a correction clears them,
an unexplained soft failure blocks until the enumerator explains it."""

from __future__ import annotations

from typing import Any

import pytest

from povcensus.core.errors import ApplicationError
from povcensus.review.services import case_correct, case_transition
from povcensus.review.tests.conftest import household_numbers, submit_household

pytestmark = pytest.mark.django_db
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_id(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def test_rule_results_guard_every_passing_step(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from povcensus.rules.services import explanation_record

    with django_capture_on_commit_callbacks(execute=True):
        done = submit_household(household_numbers()[0])  # the rule check follows on commit
    supervisor = done.assignment.team.supervisor
    with pytest.raises(ApplicationError) as refused:
        case_transition(
            actor=supervisor, case_id=done.case.pk, action="approve", expected_version=1
        )
    assert refused.value.code == "rules.hard_failures_open"  # three ID numbers fail GB 11643

    ids = ["431202197503120019", "431202197708230027", "431202201105150011"]
    with django_capture_on_commit_callbacks(execute=True):
        case = case_correct(
            actor=supervisor,
            case_id=done.case.pk,
            expected_version=1,
            changes={},
            member_changes={i: {"m_id_number": valid_id(n[:17])} for i, n in enumerate(ids, 1)},
            reason="对照户口本核实身份证号码",
        )
    with pytest.raises(ApplicationError) as refused:
        case_transition(
            actor=supervisor, case_id=case.pk, action="approve", expected_version=case.version
        )
    assert refused.value.code == "rules.soft_failures_unexplained"

    assert case.current_submission_id is not None
    explanation_record(
        actor=done.enumerator,
        submission_id=case.current_submission_id,
        rule_id="IN-08",
        member_index=None,
        text="户主患慢性病，主要致贫原因为因病，已核实。",
    )
    case = case_transition(
        actor=supervisor, case_id=case.pk, action="approve", expected_version=case.version
    )
    assert case.state == "supervisor_approved"
