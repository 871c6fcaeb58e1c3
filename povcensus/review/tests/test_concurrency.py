"""Two reviewers act on one case at the same moment: exactly one succeeds.

The threaded test runs on both databases, each thread on its own connection: on
PostgreSQL the second reviewer waits on the row lock (``SELECT … FOR UPDATE``) and then
finds the version moved on; on SQLite the IMMEDIATE transactions serialise the two writers
the same way.  The version check in the UPDATE's WHERE clause (the guard where no row lock
is taken) is tested on its own by making another writer move the version between the
read and the write.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.db.models import F

from povcensus.core.errors import ApplicationError
from povcensus.review import services
from povcensus.review.models import Case, CaseEvent
from povcensus.review.services import case_transition
from povcensus.review.tests.conftest import household_numbers, submit_household


def _approve_or_return(actor: Any, case_id: int, action: str) -> Any:
    return case_transition(
        actor=actor,
        case_id=case_id,
        action=action,
        expected_version=1,
        reason="请核实" if action == "return" else "",
    )


@pytest.fixture
def fresh_form_shapes() -> Any:
    """Published form shapes are cached by id; a committed test may see the demo rebuilt."""
    from povcensus.collection.services import forget_form_shapes

    forget_form_shapes()
    yield
    forget_form_shapes()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_the_same_moment_one_wins_the_other_gets_the_conflict(
    fresh_form_shapes: None, demo_world: Any, monkeypatch: Any
) -> None:
    from povcensus.rules import selectors

    monkeypatch.setattr(selectors, "review_blocker", lambda submission_id: None, raising=False)
    done = submit_household(household_numbers()[0])
    supervisor = done.assignment.team.supervisor
    barrier = threading.Barrier(2)
    outcomes: dict[str, Any] = {}

    def reviewer(action: str) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[action] = _approve_or_return(supervisor, done.case.pk, action)
        except ApplicationError as refused:
            outcomes[action] = refused
        except BaseException as crashed:  # pragma: no cover - reported by the assertion
            outcomes[action] = crashed
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reviewer, args=(a,)) for a in ("approve", "return")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    won = [a for a, o in outcomes.items() if isinstance(o, Case)]
    lost = [o for o in outcomes.values() if isinstance(o, ApplicationError)]
    assert len(won) == 1, outcomes
    assert len(lost) == 1, outcomes
    assert lost[0].code == "review.conflict"
    assert lost[0].status == 409
    assert "已被他人处理" in str(lost[0].error.message)
    case = Case.objects.get(pk=done.case.pk)
    assert case.version == 2
    assert case.state == ("supervisor_approved" if won == ["approve"] else "in_progress")
    assert CaseEvent.objects.filter(case=case).exclude(action="submit").count() == 1


@pytest.mark.django_db
def test_the_update_checks_the_version_when_another_writer_slipped_in(
    world: Any, monkeypatch: Any
) -> None:
    """A write between the read and the UPDATE (no row lock) is caught by the WHERE clause."""
    from povcensus.rules import selectors

    monkeypatch.setattr(selectors, "review_blocker", lambda submission_id: None, raising=False)
    done = submit_household(household_numbers()[0])
    real_check = services._check

    def check_while_someone_else_writes(actor: Any, case: Case, action: str) -> Any:
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, state="in_progress")
        return real_check(actor, case, action)

    monkeypatch.setattr(services, "_check", check_while_someone_else_writes)
    with pytest.raises(ApplicationError) as refused:
        _approve_or_return(done.assignment.team.supervisor, done.case.pk, "approve")
    assert refused.value.code == "review.conflict"
    assert "退回调查员" in refused.value.message  # names the state the other writer left
    assert not CaseEvent.objects.filter(case=done.case).exclude(action="submit").exists()
