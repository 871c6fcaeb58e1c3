"""Results stored per submission version: on arrival over OpenRosa, and through services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from povcensus.assignment.models import Assignment
from povcensus.audit.models import AuditEvent
from povcensus.collection.models import Submission, SubmissionMember
from povcensus.collection.tests.collect_client import CollectClient
from povcensus.core.errors import ApplicationError
from povcensus.core.idnumbers import check_char
from povcensus.devtools.demo import DEMO_PASSWORD
from povcensus.rules.builtin import builtin_sources
from povcensus.rules.models import Explanation, RuleFailure, SubmissionCheck
from povcensus.rules.record import check_household
from povcensus.rules.selectors import (
    campaign_context,
    compiled_rulebook,
    review_blocker,
    rulebook_active,
    submission_failures,
    submission_indicators,
    submission_rule_statuses,
)
from povcensus.rules.services import explanation_record, rulebook_create, submission_check
from povcensus.team.models import TeamMember

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "collection" / "tests" / "data"
FIRST_ID = "uuid:5b1e5c4e-2f0a-4f6e-9c4b-1a2b3c4d5e6f"
EDIT_ID = "uuid:8c9d0e1f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
NUMBER = "4312021102010001"


def team_of(number: str) -> Any:
    return Assignment.objects.select_related("team").get(household__number=number).team


def enumerator_of(number: str) -> Any:
    return team_of(number).members.get(slot=1).user


def post(client: Any, name: str, capture: Any) -> Submission:
    collect = CollectClient(client, enumerator_of(NUMBER).username, DEMO_PASSWORD)
    with capture(execute=True):
        response = collect.post("/submission", (DATA / name).read_bytes())
    assert response.status_code == 201, response.content
    return Submission.objects.filter(household__number=NUMBER, is_current=True).get()


@pytest.fixture
def first(world: Any, client: Any, django_capture_on_commit_callbacks: Any) -> Submission:
    return post(client, "household-first.multipart", django_capture_on_commit_callbacks)


def repair_ids(submission: Submission) -> None:
    """Test set-up: give the members ID numbers with a right check character."""
    for member in SubmissionMember.objects.filter(submission=submission):
        number = member.data["m_id_number"][:17]
        member.data["m_id_number"] = number + check_char(number)
        member.save()


def test_arrival_over_openrosa_stores_the_per_record_results(first: Submission) -> None:
    check = SubmissionCheck.objects.get(submission=first)
    assert check.rulebook == rulebook_active(campaign=first.campaign)
    assert (check.hard_failures, check.soft_failures) == (3, 1)
    # The stored rows are exactly what the per-record engine says about the stored data.
    book = compiled_rulebook(check.rulebook, campaign=first.campaign)
    members = [m.data for m in first.members.order_by("index")]
    expected = check_household(
        book, first.data, members, context=campaign_context(campaign=first.campaign)
    )
    stored = {
        (f.rule_id, f.severity, f.member_index, f.message_zh, f.message_en, tuple(f.fields))
        for f in RuleFailure.objects.filter(submission=first)
    }
    assert stored == {
        (r.rule_id, r.severity.value, r.member_index, r.message_zh, r.message_en, r.fields)
        for r in expected.failures
    }
    assert {f.rule_id for f in RuleFailure.objects.filter(submission=first)} == {"ID-02", "IN-08"}
    failure = RuleFailure.objects.filter(submission=first).first()
    assert failure is not None
    assert (failure.area_code, failure.team_id, failure.enumerator_id) == (
        first.area_code,
        first.team_id,
        first.submitted_by_id,
    )
    assert check.indicators["income"]["status"] == "assured"
    assert submission_rule_statuses([first.pk])[first.pk].hard_open == 3


def test_each_version_keeps_its_own_results_and_explanations_carry_over(
    first: Submission, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    enumerator = enumerator_of(NUMBER)
    explanation_record(
        actor=enumerator,
        submission_id=first.pk,
        rule_id="IN-08",
        member_index=None,
        text="户主2022年患病，已康复；致贫原因按建档时登记。",
    )
    second = post(client, "household-edit.multipart", django_capture_on_commit_callbacks)
    assert second.instance_id == EDIT_ID
    assert SubmissionCheck.objects.filter(submission__root_instance_id=FIRST_ID).count() == 2
    statuses = submission_rule_statuses([first.pk, second.pk])
    assert statuses[second.pk].checked
    assert statuses[second.pk].soft_explained == 1
    assert statuses[second.pk].soft_unexplained == 0
    assert statuses[first.pk].soft_explained == 1
    views = submission_failures(actor=enumerator, submission_id=second.pk)
    in08 = next(v for v in views if v.rule_id == "IN-08")
    assert in08.explanation == "户主2022年患病，已康复；致贫原因按建档时登记。"
    assert in08.explained_by


def test_review_blocker_names_hard_then_soft_then_nothing(first: Submission) -> None:
    blocker = review_blocker(first.pk)
    assert blocker is not None
    assert blocker.code == "rules.hard_failures_open"
    assert "3" in blocker.message
    repair_ids(first)
    submission_check(submission_id=first.pk)
    blocker = review_blocker(first.pk)
    assert blocker is not None
    assert blocker.code == "rules.soft_failures_unexplained"
    assert "1" in blocker.message
    supervisor = team_of(NUMBER).supervisor
    explanation_record(
        actor=supervisor,
        submission_id=first.pk,
        rule_id="IN-08",
        member_index=None,
        text="核实：户主慢性病已治愈。",
    )
    assert review_blocker(first.pk) is None
    event = AuditEvent.objects.get(action="rules.explanation_recorded")
    assert event.actor_id == supervisor.pk
    assert event.area_code == first.area_code


def test_not_checked_until_results_exist_under_the_active_book(first: Submission) -> None:
    SubmissionCheck.objects.filter(submission=first).delete()
    blocker = review_blocker(first.pk)
    assert blocker is not None
    assert blocker.code == "rules.not_checked"
    submission_check(submission_id=first.pk)
    assert review_blocker(first.pk) is not None
    assert submission_rule_statuses([first.pk])[first.pk].checked
    rulebook_create(
        actor=None,
        campaign=first.campaign,
        sources=[
            (name, text.replace('version: "2020.1"', 'version: "2020.2"'))
            for name, text in builtin_sources()
        ],
        activate=True,
    )
    assert not submission_rule_statuses([first.pk])[first.pk].checked
    assert submission_check(submission_id=first.pk).rulebook.label == "2020.2"
    assert submission_rule_statuses([first.pk])[first.pk].checked


def test_check_is_idempotent(first: Submission) -> None:
    before = sorted(RuleFailure.objects.filter(submission=first).values_list("rule_id", flat=True))
    submission_check(submission_id=first.pk)
    submission_check(submission_id=first.pk)
    assert SubmissionCheck.objects.filter(submission=first).count() == 1
    after = sorted(RuleFailure.objects.filter(submission=first).values_list("rule_id", flat=True))
    assert after == before


def test_explanations_are_refused_for_hard_failures_blank_text_and_outsiders(
    first: Submission,
) -> None:
    enumerator = enumerator_of(NUMBER)
    with pytest.raises(ApplicationError) as hard:
        explanation_record(
            actor=enumerator, submission_id=first.pk, rule_id="ID-02", member_index=1, text="x"
        )
    assert hard.value.code == "rules.not_soft_failure"
    with pytest.raises(ApplicationError) as blank:
        explanation_record(
            actor=enumerator, submission_id=first.pk, rule_id="IN-08", member_index=None, text=" "
        )
    assert blank.value.code == "rules.explanation_empty"
    outsider = (
        TeamMember.objects.exclude(team_id=first.team_id or 0).order_by("user__username").first()
    )
    assert outsider is not None
    with pytest.raises(ApplicationError) as hidden:
        explanation_record(
            actor=outsider.user,
            submission_id=first.pk,
            rule_id="IN-08",
            member_index=None,
            text="x",
        )
    assert hidden.value.code == "core.not_found"
    with pytest.raises(ApplicationError) as analyst:
        submission_failures(actor=world_user("analyst"), submission_id=first.pk)
    assert analyst.value.code == "core.not_found"
    assert not Explanation.objects.exists()


def world_user(username: str) -> Any:
    from povcensus.accounts.models import User

    return User.objects.get(username=username)


def test_failures_and_indicators_follow_the_language(first: Submission) -> None:
    office = world_user("jinshan_office")
    with translation.override("en"):
        views = submission_failures(actor=office, submission_id=first.pk)
        indicators = submission_indicators(actor=office, submission_id=first.pk)
    assert [v.severity for v in views] == ["hard", "hard", "hard", "soft"]
    assert views[0].message.startswith("Member 1")
    assert views[0].fields == ["m_id_number"]
    assert {i.indicator for i in indicators} >= {"food", "clothing", "income", "water"}
    assert all(i.status == "assured" for i in indicators)
    with translation.override("zh-hans"):
        zh = submission_failures(actor=office, submission_id=first.pk)
    assert zh[0].message.startswith("成员1")


def test_duplicate_id_across_households_uses_the_stored_census(
    first: Submission, world: Any
) -> None:
    repair_ids(first)
    submission_check(submission_id=first.pk)
    assert not RuleFailure.objects.filter(submission=first, rule_id="ID-05").exists()
    # Another stored household claims the head's ID number.
    twin = Submission.objects.get(pk=first.pk)
    twin.pk = None
    twin.instance_id = twin.root_instance_id = "uuid:twin"
    twin.household = None
    twin.save()
    head = first.members.get(index=1)
    SubmissionMember.objects.create(submission=twin, index=1, data=head.data)
    submission_check(submission_id=first.pk)
    duplicate = RuleFailure.objects.get(submission=first, rule_id="ID-05")
    assert duplicate.member_index == 1
    assert "2" in duplicate.message_zh
