"""Follow-up writes of later apps when a non-interview outcome is recorded.

The assignment app sits above review in the app order, so it cannot call review; review
registers a hook here (from its AppConfig.ready) and opens a case for the outcome.  Hooks
run inside the recording service's transaction, before its audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RecordedNonInterview:
    non_interview_id: int
    assignment_id: int
    campaign_id: int
    area_code: str  # the household's village
    team_id: int
    recorded_by_id: int


NonInterviewRecorded = Callable[[RecordedNonInterview], None]

_RECORDED: list[NonInterviewRecorded] = []


def on_non_interview_recorded(hook: NonInterviewRecorded) -> None:
    if hook not in _RECORDED:
        _RECORDED.append(hook)


def non_interview_recorded(outcome: RecordedNonInterview) -> None:
    for hook in _RECORDED:
        hook(outcome)
