"""Cases open when questionnaires arrive and move along the review chain through the service."""

from __future__ import annotations

from typing import Any

import pytest

from povcensus.assignment.models import UnitStatus
from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.review.models import CaseEvent
from povcensus.review.services import case_transition
from povcensus.review.tests.conftest import household_numbers, submit_household

pytestmark = pytest.mark.django_db


def test_a_submission_opens_a_submitted_case_with_its_event(world: Any) -> None:
    """The first version opens the case (submitted, version 1) and records the submit step."""
    done = submit_household(household_numbers()[0])
    case = done.case
    assert case.state == "submitted"
    assert case.version == 1
    assert case.kind == "household"
    assert case.current_submission_id == done.submission.pk
    assert case.collected_by_id == done.enumerator.pk
    assert case.team_id == done.assignment.team_id
    assert case.area_code == done.assignment.village_id
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.from_state, event.to_state) == ("submit", "", "submitted")
    assert event.version_number == 1


def test_supervisor_approves_then_township_county_province(world: Any, rules_pass: None) -> None:
    """The whole chain, each level by its own reviewer, every step audited."""
    done = submit_household(household_numbers()[0])
    supervisor = done.assignment.team.supervisor
    steps = [
        (supervisor, "approve", "supervisor_approved"),
        (world.user("jinshan_office"), "check", "township_checked"),
        (world.user("county_reviewer"), "accept_county", "county_accepted"),
        (world.user("province_reviewer"), "accept_province", "province_accepted"),
    ]
    case = done.case
    for actor, action, state in steps:
        case = case_transition(
            actor=actor, case_id=case.pk, action=action, expected_version=case.version
        )
        assert case.state == state
    assert case.version == 5
    assert list(
        CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True)
    ) == ["submit", "approve", "check", "accept_county", "accept_province"]
    assert AuditEvent.objects.filter(object_type="case", object_id=str(case.pk)).count() == 4


def test_return_to_the_enumerator_puts_the_unit_back_and_resubmission_reopens(
    world: Any, rules_pass: None
) -> None:
    done = submit_household(household_numbers()[0])
    supervisor = done.assignment.team.supervisor
    case = case_transition(
        actor=supervisor,
        case_id=done.case.pk,
        action="return",
        expected_version=1,
        reason="收入与支出不符，请核实",
        comments=[{"field": "h_wage_work", "text": "工资性收入偏高"}],
    )
    assert case.state == "in_progress"
    assert case.returned
    done.assignment.refresh_from_db()
    assert done.assignment.status == UnitStatus.RETURNED
    household = done.assignment.household
    assert household is not None
    again = submit_household(
        household.number, deprecated_id=done.submission.instance_id, wage="30000"
    )
    assert again.case.pk == case.pk
    assert again.case.state == "submitted"
    assert not again.case.returned
    assert again.case.current_submission_id == again.submission.pk
    assert again.case.comments.count() == 1  # comments are kept
    again.assignment.refresh_from_db()
    assert again.assignment.status == UnitStatus.SUBMITTED
    approved = case_transition(
        actor=supervisor, case_id=case.pk, action="approve", expected_version=again.case.version
    )
    assert approved.comments.get().resolved_at is not None  # settled once passed on


def test_stale_version_is_a_conflict(world: Any, rules_pass: None) -> None:
    done = submit_household(household_numbers()[0])
    supervisor = done.assignment.team.supervisor
    case_transition(actor=supervisor, case_id=done.case.pk, action="approve", expected_version=1)
    with pytest.raises(ApplicationError) as refused:
        case_transition(
            actor=supervisor, case_id=done.case.pk, action="return", expected_version=1, reason="x"
        )
    assert refused.value.code == "review.conflict"
    assert refused.value.status == 409


def test_a_village_questionnaire_opens_a_village_case(world: Any) -> None:
    import uuid

    from povcensus.assignment.models import Assignment
    from povcensus.collection.services import submission_receive
    from povcensus.review.models import Case

    unit = Assignment.objects.select_related("team").filter(kind="village").first()
    assert unit is not None
    enumerator = unit.team.members.get(slot=1).user
    xml = (
        '<?xml version="1.0"?><data id="village" version="2023090101">'
        f"<village_code>{unit.village_id}</village_code>"
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
    )
    submission_receive(actor=enumerator, xml=xml.encode(), files=[])
    case = Case.objects.get(assignment=unit)
    assert (case.kind, case.state, case.area_code) == ("village", "submitted", unit.village_id)
