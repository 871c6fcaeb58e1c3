"""The review pages: queues per level, the case view and its actions, scope and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from povcensus.audit.models import AuditEvent
from povcensus.review.models import Case, CaseComment
from povcensus.review.tests.conftest import household_numbers
from povcensus.review.tests.pages import enumerator_of, submit_clean

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def case(world: Any, django_capture_on_commit_callbacks: Any) -> Case:
    with django_capture_on_commit_callbacks(execute=True):
        return submit_clean(household_numbers()[0])


def other_team_enumerator(case: Case) -> Any:
    from povcensus.team.models import TeamMember

    member = (
        TeamMember.objects.exclude(team_id=case.team_id)
        .filter(team__campaign_id=case.campaign_id)
        .select_related("user")
        .first()
    )
    assert member is not None
    return member.user


def number_of(case: Case) -> str:
    household = case.assignment.household
    assert household is not None
    return household.number


def act(client: Any, case: Case, action: str, **extra: Any) -> Any:
    data = {"action": action, "version": case.version, **extra}
    return client.post(f"/review/cases/{case.pk}/act/", data, **HTMX)


def test_supervisor_queue_shows_the_submitted_case_and_counts(case: Case, client_for: Any) -> None:
    """The team's supervisor finds the case in the second-review queue, rules passed."""
    client = client_for(case.team.supervisor.username)
    page = client.get("/review/?level=review.supervisor")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-case="{case.pk}"' in html
    assert f'name="case" value="{case.pk}"' in html  # clean: offered for bulk approval
    assert 'data-state="submitted">' in html


def test_queue_filters_narrow_the_list(case: Case, client_for: Any) -> None:
    """Failure, comment and waiting filters apply (the clean case is not among hard failures)."""
    client = client_for(case.team.supervisor.username)
    base = "/review/?level=review.supervisor"
    assert f'data-case="{case.pk}"' in client.get(base + "&failures=clean").content.decode()
    assert f'data-case="{case.pk}"' not in client.get(base + "&failures=hard").content.decode()
    assert f'data-case="{case.pk}"' not in client.get(base + "&comments=1").content.decode()
    assert f'data-case="{case.pk}"' not in client.get(base + "&waiting=3").content.decode()
    village = client.get(base + f"&village={case.area_code}").content.decode()
    assert f'data-case="{case.pk}"' in village


def test_queue_page_queries_do_not_grow_with_rows(
    world: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
    django_assert_max_num_queries: Any,
) -> None:
    """Four cases on the page cost no more queries than one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    numbers = household_numbers(count=4)
    with django_capture_on_commit_callbacks(execute=True):
        first = submit_clean(numbers[0])
    client = client_for(first.team.supervisor.username)
    with CaptureQueriesContext(connection) as one:
        client.get("/review/?level=review.supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        for number in numbers[1:]:
            submit_clean(number)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/review/?level=review.supervisor")
    assert page.content.decode().count("data-case=") == 4


def test_case_view_shows_answers_register_rules_photos_gps_and_actions(
    case: Case, client_for: Any
) -> None:
    """Answers beside the register, rule results, photos, the GPS sketch, history, keys."""
    client = client_for(case.team.supervisor.username)
    html = client.get(f"/review/cases/{case.pk}/").content.decode()
    assert number_of(case) in html
    assert 'id="q-a_phone"' in html  # answers with the register column
    assert "没有未通过的规则" in html
    assert 'data-status="assured"' in html  # the exit-test indicators
    assert 'class="gps-sketch"' in html
    assert (
        f"/collect/submissions/{case.current_submission_id}/attachments/hukou-1694226001.jpg"
        in html
    )
    assert 'id="action-approve"' in html
    assert 'id="open-return"' in html
    assert "<kbd>j</kbd>" in html
    assert 'data-action="submit"' in html  # history


def test_out_of_area_case_is_not_found(case: Case, client: Any) -> None:
    """Another team's enumerator gets "not found" for the page and for an action."""
    client.force_login(other_team_enumerator(case))
    assert client.get(f"/review/cases/{case.pk}/").status_code == 404
    response = act(client, case, "approve")
    assert response.status_code == 404
    assert b"core.not_found" in response.content
    assert Case.objects.get(pk=case.pk).state == "submitted"


def test_forbidden_actions_are_hidden_and_refused(case: Case, client_for: Any) -> None:
    """The county reviewer sees a submitted case read-only and cannot approve it."""
    client = client_for("county_reviewer")
    html = client.get(f"/review/cases/{case.pk}/").content.decode()
    assert 'id="action-approve"' not in html
    assert 'id="open-return"' not in html
    assert 'id="no-actions"' in html
    response = act(client, case, "approve")
    assert response.status_code == 403
    assert b"review.no_permission" in response.content
    assert Case.objects.get(pk=case.pk).state == "submitted"


def test_collector_cannot_approve_and_analyst_has_no_queue(case: Case, client_for: Any) -> None:
    """The enumerator who collected the case has no approve button; an analyst no review page."""
    client = client_for(enumerator_of(number_of(case)).username)
    html = client.get(f"/review/cases/{case.pk}/").content.decode()
    assert 'id="action-approve"' not in html
    assert act(client, case, "approve").status_code == 403
    assert client_for("analyst").get("/review/").status_code == 403


def test_return_with_pinned_comment_reaches_the_enumerator(case: Case, client_for: Any) -> None:
    """A return with a reason and a comment on a question shows on the enumerator's queue."""
    client = client_for(case.team.supervisor.username)
    response = act(
        client,
        case,
        "return",
        to_state="in_progress",
        reason="收入需核实",
        comment_field=["h_wage_work", ""],
        comment_member=["", ""],
        comment_text=["务工收入请核实", ""],
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/review/")
    case.refresh_from_db()
    assert (case.state, case.returned) == ("in_progress", True)
    comment = CaseComment.objects.get(case=case)
    assert (comment.field, comment.text) == ("h_wage_work", "务工收入请核实")
    enumerator = client_for(enumerator_of(number_of(case)).username)
    queue = enumerator.get("/review/").content.decode()
    assert f'data-case="{case.pk}"' in queue
    assert "务工收入请核实" in queue


def test_return_without_reason_is_refused(case: Case, client_for: Any) -> None:
    client = client_for(case.team.supervisor.username)
    response = act(client, case, "return", to_state="in_progress", reason="")
    assert response.status_code == 400
    assert b"review.reason_required" in response.content


def test_second_reviewer_on_a_stale_version_gets_the_conflict(case: Case, client_for: Any) -> None:
    """Two approvals of the same version: the second is a 409 shown in the message area."""
    client = client_for(case.team.supervisor.username)
    stale = Case.objects.get(pk=case.pk)
    assert act(client, case, "approve").status_code == 204
    response = act(client, stale, "approve")
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#messages"
    html = response.content.decode()
    assert "review.conflict" in html
    assert "已被他人处理" in html


def test_bulk_approval_passes_clean_cases_and_skips_the_rest(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Checked clean cases are approved at once; one with hard failures is skipped and named."""
    numbers = household_numbers(count=3)
    with django_capture_on_commit_callbacks(execute=True):
        clean = [submit_clean(n) for n in numbers[:2]]
        dirty = submit_clean(numbers[2], clean=False)
    client = client_for(clean[0].team.supervisor.username)
    queue = client.get("/review/?level=review.supervisor").content.decode()
    assert f'name="case" value="{dirty.pk}"' not in queue  # not offered
    response = client.post(
        "/review/bulk-approve/",
        {"case": [c.pk for c in [*clean, dirty]], "query": "level=review.supervisor"},
        follow=True,
    )
    assert response.status_code == 200
    states = dict(
        Case.objects.filter(pk__in=[c.pk for c in [*clean, dirty]]).values_list("pk", "state")
    )
    assert [states[c.pk] for c in clean] == ["supervisor_approved", "supervisor_approved"]
    assert states[dirty.pk] == "submitted"
    html = response.content.decode()
    assert "已批量通过 2 个案例" in html
    assert "1 个案例未通过" in html
    # Bulk approval is the supervisor's second review only: the township queue has none.
    township = client_for("jinshan_office").get("/review/?level=review.township")
    assert f'data-case="{clean[0].pk}"' in township.content.decode()
    assert 'id="bulk-approve"' not in township.content.decode()


def test_correction_needs_a_reason_and_shows_as_a_diff(case: Case, client_for: Any) -> None:
    """A reviewer's correction makes version 2 with the reason; the history shows the change."""
    client = client_for(case.team.supervisor.username)
    url = f"/review/cases/{case.pk}/correct/"
    refused = client.post(
        url, {"version": case.version, "field": "a_phone", "value": "13900001111"}, **HTMX
    )
    assert refused.status_code == 400
    done = client.post(
        url,
        {
            "version": case.version,
            "field": "a_phone",
            "value": "13900001111",
            "reason": "电话号码已电话核实",
            "stay": "1",
        },
        **HTMX,
    )
    assert done.status_code == 204
    case.refresh_from_db()
    current = case.current_submission
    assert current is not None
    assert current.version_number == 2
    assert current.data["a_phone"] == "13900001111"
    html = client.get(f"/review/cases/{case.pk}/").content.decode()
    assert 'data-action="correct"' in html
    assert 'data-field="a_phone"' in html
    assert "电话号码已电话核实" in html
    assert AuditEvent.objects.filter(action="review.corrected", object_id=str(case.pk)).exists()


def test_navigation_and_home_card_for_reviewers(case: Case, client_for: Any) -> None:
    """Reviewers get the menu entry and the home card with their waiting count."""
    client = client_for(case.team.supervisor.username)
    html = client.get("/").content.decode()
    assert 'href="/review/"' in html
    assert "?level=review.supervisor" in html
    assert 'href="/review/"' not in client_for("analyst").get("/").content.decode()


def test_soft_failure_explained_on_the_page_lets_the_case_pass(
    world: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """An unexplained soft failure blocks approval; the supervisor explains it, then approves."""
    import uuid

    from povcensus.collection.services import submission_receive
    from povcensus.review.tests.pages import soft_only_household_xml

    number = household_numbers()[0]
    with django_capture_on_commit_callbacks(execute=True):
        submission_receive(
            actor=enumerator_of(number),
            xml=soft_only_household_xml(number, instance_id=f"uuid:{uuid.uuid4()}"),
            files=[],
        )
    case = Case.objects.select_related("team__supervisor").get(assignment__household__number=number)
    client = client_for(case.team.supervisor.username)
    html = client.get(f"/review/cases/{case.pk}/").content.decode()
    assert 'data-explain="IN-08"' in html
    soft_queue = "/review/?level=review.supervisor&failures=soft"
    assert f'data-case="{case.pk}"' in client.get(soft_queue).content.decode()
    refused = act(client, case, "approve")
    assert refused.status_code in (400, 409)
    assert b"rules.soft_failures_unexplained" in refused.content
    explained = client.post(
        f"/review/cases/{case.pk}/explain/",
        {
            "rule_id": "IN-08",
            "member_index": "",
            "text": "户主患慢性病，未在体检中登记",
            "stay": "1",
        },
        **HTMX,
    )
    assert explained.status_code == 204
    assert "户主患慢性病" in client.get(f"/review/cases/{case.pk}/").content.decode()
    # explained: no longer among the cases with open soft failures
    assert f'data-case="{case.pk}"' not in client.get(soft_queue).content.decode()
    assert act(client, case, "approve").status_code == 204
    assert Case.objects.get(pk=case.pk).state == "supervisor_approved"


def test_non_interview_case_shows_the_outcome_and_its_evidence(world: Any, client_for: Any) -> None:
    """A non-interview case has no answers: the page shows the reason, account and photos."""
    from povcensus.assignment.models import Assignment, NonInterviewReason, UnitKind
    from povcensus.assignment.services import non_interview_record
    from povcensus.devtools.listing_demo import demo_evidence_png

    unit = (
        Assignment.objects.filter(team__code="T01", kind=UnitKind.HOUSEHOLD)
        .order_by("-household__number")
        .first()
    )
    assert unit is not None
    non_interview_record(
        actor=unit.team.members.get(slot=2).user,
        assignment_id=unit.pk,
        reason=NonInterviewReason.REFUSED,
        explanation="户主明确拒绝接受调查。",
        photos=[("door.png", demo_evidence_png("门前照片"))],
    )
    case = Case.objects.get(assignment=unit)
    html = client_for(unit.team.supervisor.username).get(f"/review/cases/{case.pk}/")
    text = html.content.decode()
    assert 'id="outcome"' in text
    assert "户主明确拒绝接受调查。" in text
    assert "/assignment/evidence/" in text
    assert 'id="action-approve"' in text
