"""Guards (own case), comments pinned to questions, non-interview cases, corrections with
reasons and the field-by-field diff of versions, bulk approval."""

from __future__ import annotations

from typing import Any

import pytest

from povcensus.assignment.models import Assignment, NonInterviewReason, UnitKind
from povcensus.assignment.services import non_interview_record
from povcensus.audit.models import AuditEvent
from povcensus.collection.models import Submission, SubmissionMember
from povcensus.core.errors import ApplicationError
from povcensus.devtools.listing_demo import demo_evidence_png
from povcensus.review.models import Case, CaseComment, CaseEvent
from povcensus.review.selectors import (
    access_case,
    case_history,
    case_list,
    returned_cases_for,
    version_diff,
)
from povcensus.review.services import case_correct, case_transition, cases_bulk_approve
from povcensus.review.tests.conftest import household_numbers, submit_household

pytestmark = pytest.mark.django_db


def _supervisor_submits(number: str) -> Any:
    """The team's supervisor enters the questionnaire himself (supervisors may collect)."""
    import uuid

    from povcensus.collection.services import submission_receive
    from povcensus.collection.tests.data.make_payloads import household_xml

    assignment = Assignment.objects.select_related("team__supervisor").get(household__number=number)
    supervisor = assignment.team.supervisor
    xml = household_xml(hh=number, instance_id=f"uuid:{uuid.uuid4()}")
    submission_receive(actor=supervisor, xml=xml.encode(), files=[])
    return supervisor, Case.objects.get(assignment=assignment)


def test_nobody_approves_a_case_they_collected(world: Any, rules_pass: None) -> None:
    supervisor, case = _supervisor_submits(household_numbers()[0])
    assert case.collected_by_id == supervisor.pk
    with pytest.raises(ApplicationError) as refused:
        case_transition(actor=supervisor, case_id=case.pk, action="approve", expected_version=1)
    assert refused.value.code == "review.own_case"
    # Returning it is not approving it: allowed.
    case = case_transition(
        actor=supervisor, case_id=case.pk, action="return", expected_version=1, reason="补拍照片"
    )
    assert case.state == "in_progress"


def test_comments_are_pinned_to_fields_and_members_and_reach_the_worklist(
    world: Any, rules_pass: None
) -> None:
    done = submit_household(household_numbers()[0])
    case_transition(
        actor=done.assignment.team.supervisor,
        case_id=done.case.pk,
        action="return",
        expected_version=1,
        reason="请核实家庭成员信息",
        comments=[
            {"field": "m_age", "member_index": 3, "text": "年龄与身份证号不符"},
            {"field": "h_wage_work", "text": "工资性收入请附佐证"},
            {"text": ""},  # blank comments are dropped
        ],
    )
    pinned = list(CaseComment.objects.filter(case=done.case).order_by("id"))
    assert [(c.field, c.member_index, c.text) for c in pinned] == [
        ("m_age", 3, "年龄与身份证号不符"),
        ("h_wage_work", None, "工资性收入请附佐证"),
    ]
    seen = returned_cases_for(actor=done.enumerator, unit_ids=[done.assignment.pk, 999999])
    assert list(seen) == [done.assignment.pk]
    entry = seen[done.assignment.pk]
    assert entry["returned"] is True
    assert entry["edit_of"] == done.submission.instance_id
    assert entry["reason"] == "请核实家庭成员信息"
    assert [(c["field"], c["member_index"], c["text"]) for c in entry["comments"]] == [
        ("m_age", 3, "年龄与身份证号不符"),
        ("h_wage_work", None, "工资性收入请附佐证"),
    ]
    # Another team's enumerator learns nothing about it.
    other = Assignment.objects.exclude(team=done.assignment.team).select_related("team").first()
    assert other is not None
    outsider = other.team.members.get(slot=1).user
    assert returned_cases_for(actor=outsider, unit_ids=[done.assignment.pk]) == {}
    with pytest.raises(ApplicationError) as refused:
        case_transition(
            actor=done.assignment.team.supervisor,
            case_id=done.case.pk,
            action="return",
            expected_version=2,
            reason="x",
            comments=[{"field": "a", "member_index": 0, "text": "bad index"}],
        )
    assert refused.value.code in ("review.bad_comment", "review.transition_not_allowed")


def test_enumerators_see_only_their_teams_cases(world: Any) -> None:
    mine = submit_household(household_numbers("T01")[0])
    theirs = submit_household(household_numbers("T03")[0])
    assert set(case_list(actor=mine.enumerator).values_list("pk", flat=True)) == {mine.case.pk}
    with pytest.raises(ApplicationError) as refused:
        access_case(actor=mine.enumerator, case_id=theirs.case.pk)
    assert refused.value.code == "core.not_found"
    office = set(case_list(actor=world.user("jinshan_office")).values_list("pk", flat=True))
    assert {mine.case.pk, theirs.case.pk} <= office
    assert not case_list(actor=world.user("analyst")).exists()


def test_a_non_interview_outcome_opens_a_case_of_its_own_kind(world: Any) -> None:
    unit = (
        Assignment.objects.filter(team__code="T01", kind=UnitKind.HOUSEHOLD)
        .order_by("-household__number")
        .first()
    )
    assert unit is not None
    enumerator = unit.team.members.get(slot=2).user
    non_interview_record(
        actor=enumerator,
        assignment_id=unit.pk,
        reason=NonInterviewReason.REFUSED,
        explanation="户主明确拒绝接受调查。",
        photos=[("door.png", demo_evidence_png("门前照片"))],
    )
    case = Case.objects.get(assignment=unit)
    assert (case.kind, case.state, case.current_submission_id) == (
        "non_interview",
        "submitted",
        None,
    )
    assert case.collected_by_id == enumerator.pk
    # No rule results to wait for: the supervisor approves it directly.
    case = case_transition(
        actor=unit.team.supervisor, case_id=case.pk, action="approve", expected_version=1
    )
    assert case.state == "supervisor_approved"
    with pytest.raises(ApplicationError) as refused:
        case_correct(
            actor=world.user("jinshan_office"),
            case_id=case.pk,
            expected_version=2,
            changes={"h_wage_work": "1"},
            reason="x",
        )
    assert refused.value.code == "review.not_correctable"


def test_a_correction_makes_a_new_version_with_reason_and_the_diff_shows_it(
    world: Any, rules_pass: None
) -> None:
    done = submit_household(household_numbers()[0])
    case = case_transition(
        actor=done.assignment.team.supervisor,
        case_id=done.case.pk,
        action="approve",
        expected_version=1,
    )
    office = world.user("jinshan_office")
    with pytest.raises(ApplicationError) as refused:
        case_correct(
            actor=office,
            case_id=case.pk,
            expected_version=case.version,
            changes={"h_wage_work": "30000"},
            reason=" ",
        )
    assert refused.value.code == "collection.correction_reason_required"
    with pytest.raises(ApplicationError) as refused:
        case_correct(
            actor=office,
            case_id=case.pk,
            expected_version=case.version,
            changes={"no_such_field": "1"},
            reason="核实",
        )
    assert refused.value.code == "collection.correction_unknown_field"
    case = case_correct(
        actor=office,
        case_id=case.pk,
        expected_version=case.version,
        changes={"h_wage_work": "30000", "h_wage_total": "30000"},
        member_changes={3: {"m_age": "13"}},
        reason="电话核实：工资性收入为3万元，张小明13岁",
    )
    assert case.state == "supervisor_approved"  # a correction does not move the case
    assert case.current_submission_id is not None
    new = Submission.objects.get(pk=case.current_submission_id)
    assert new.source == "correction"
    assert new.version_number == 2
    assert new.deprecated_id == done.submission.instance_id
    assert new.reason == "电话核实：工资性收入为3万元，张小明13岁"
    assert new.data["h_wage_work"] == "30000"
    assert f"<deprecatedID>{done.submission.instance_id}</deprecatedID>" in new.xml
    assert SubmissionMember.objects.get(submission=new, index=3).data["m_age"] == "13"
    old = Submission.objects.get(pk=done.submission.pk)
    assert not old.is_current
    assert old.data["h_wage_work"] == "36000"  # every version is kept
    assert AuditEvent.objects.filter(action="collection.submission_corrected").exists()
    assert AuditEvent.objects.filter(action="review.corrected", object_id=str(case.pk)).exists()

    diff = version_diff(actor=office, case_id=case.pk)
    assert [v.version_number for v in diff] == [1, 2]
    assert diff[0].changes == []
    latest = diff[1]
    assert latest.source == "correction"
    assert latest.submitted_by == office.display_name
    assert latest.reason == "电话核实：工资性收入为3万元，张小明13岁"
    assert {(c.field, c.member_index, c.old, c.new) for c in latest.changes} == {
        ("h_wage_work", None, "36000", "30000"),
        ("h_wage_total", None, "36000", "30000"),
        ("m_age", 3, "12", "13"),
    }
    history = case_history(actor=office, case_id=case.pk)
    assert [h.action for h in history] == ["submit", "approve", "correct"]
    assert history[-1].reason == "电话核实：工资性收入为3万元，张小明13岁"
    assert history[-1].version_number == 2
    # The collector's enumerator may not correct (no permission at this level).
    with pytest.raises(ApplicationError) as refused:
        case_correct(
            actor=done.enumerator,
            case_id=case.pk,
            expected_version=case.version,
            changes={"h_wage_work": "1"},
            reason="x",
        )
    assert refused.value.code == "review.no_permission"


def test_bulk_approval_skips_what_may_not_be_approved_and_says_why(
    world: Any, monkeypatch: Any
) -> None:
    from povcensus.core.errors import NOT_FOUND
    from povcensus.rules import selectors

    numbers = household_numbers("T01", 3)
    clean = submit_household(numbers[0])
    blocked = submit_household(numbers[1])
    supervisor, own = _supervisor_submits(numbers[2])
    # The rule results block the second case only (the rules app's selector decides).
    monkeypatch.setattr(
        selectors,
        "review_blocker",
        lambda sid: ApplicationError(NOT_FOUND) if sid == blocked.submission.pk else None,
        raising=False,
    )
    result = cases_bulk_approve(
        actor=supervisor, case_ids=[clean.case.pk, blocked.case.pk, own.pk, 987654]
    )
    assert result.approved == [clean.case.pk]
    assert result.skipped_codes == {
        blocked.case.pk: "core.not_found",
        own.pk: "review.own_case",
        987654: "core.not_found",
    }
    assert Case.objects.get(pk=clean.case.pk).state == "supervisor_approved"
    assert Case.objects.get(pk=blocked.case.pk).state == "submitted"
    assert CaseEvent.objects.filter(case_id=clean.case.pk, action="approve").count() == 1
    summary = AuditEvent.objects.filter(action="review.bulk_approved").last()
    assert summary is not None
    assert (summary.after or {})["approved"] == [clean.case.pk]


def test_review_annotates_the_browser_worklist_through_the_collection_extension(
    world: Any, rules_pass: None
) -> None:
    from povcensus.collection.extensions import worklist_annotations

    done = submit_household(household_numbers()[0])
    untouched = Assignment.objects.filter(team=done.assignment.team).exclude(pk=done.assignment.pk)
    ids = [done.assignment.pk, *untouched.values_list("pk", flat=True)[:3]]
    assert worklist_annotations(actor=done.enumerator, unit_ids=ids) == {}
    case_transition(
        actor=done.assignment.team.supervisor,
        case_id=done.case.pk,
        action="return",
        expected_version=1,
        reason="请补充",
        comments=[{"field": "z_photo_hukou", "text": "户口本照片不清晰"}],
    )
    notes = worklist_annotations(actor=done.enumerator, unit_ids=ids)
    assert list(notes) == [done.assignment.pk]
    assert notes[done.assignment.pk]["edit_of"] == done.submission.instance_id
    assert notes[done.assignment.pk]["comments"][0]["text"] == "户口本照片不清晰"
