"""Shared set-up of the review tests: submissions made the way devices make them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from povcensus.assignment.models import Assignment
from povcensus.collection.services import submission_receive
from povcensus.collection.tests.data.make_payloads import household_xml
from povcensus.review.models import Case


@dataclass
class Submitted:
    case: Case
    submission: Any
    enumerator: Any
    assignment: Assignment


def household_numbers(team_code: str = "T01", count: int = 4) -> list[str]:
    return list(
        Assignment.objects.filter(team__code=team_code, kind="household")
        .order_by("household__number")
        .values_list("household__number", flat=True)[:count]
    )


def submit_household(
    number: str, *, deprecated_id: str = "", wage: str = "36000", by_slot: int = 1
) -> Submitted:
    """Submit the built-in household form for ``number`` as its team's enumerator."""
    assignment = Assignment.objects.select_related("team").get(household__number=number)
    enumerator = assignment.team.members.get(slot=by_slot).user
    xml = household_xml(
        hh=number, instance_id=f"uuid:{uuid.uuid4()}", deprecated_id=deprecated_id, wage=wage
    )
    result = submission_receive(actor=enumerator, xml=xml.encode(), files=[])
    return Submitted(
        case=Case.objects.get(assignment=assignment),
        submission=result.submission,
        enumerator=enumerator,
        assignment=assignment,
    )


@pytest.fixture
def rules_pass(monkeypatch: Any) -> None:
    """Rule results that let every case pass (the rules app's selector answers None)."""
    from povcensus.rules import selectors

    monkeypatch.setattr(selectors, "review_blocker", lambda submission_id: None, raising=False)
