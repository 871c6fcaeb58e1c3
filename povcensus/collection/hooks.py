"""Follow-up writes of later apps when a submission version is stored.

Collection sits above review in the app order, so it cannot call review; review registers
a hook here (from its AppConfig.ready) instead.  Hooks run inside the submission's
transaction, after the version and its unit's progress are written and before the audit
event, so the submission and everything that follows from it commit or roll back
together.  They run for every submission received (≥ 400 a second, decision 0016): keep
them to a few plain SQL statements, no ORM object churn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredVersion:
    """What a hook learns of a stored submission version (no ORM object)."""

    submission_id: int
    instance_id: str
    version_number: int
    campaign_id: int
    kind: str  # questionnaires.FormKind of the form
    assignment_id: int | None  # the unit, when the submission names an assigned one
    area_code: str  # the unit's village
    team_id: int | None
    submitted_by_id: int
    source: str  # collection.SubmissionSource
    received_at: datetime


VersionStored = Callable[[StoredVersion], None]

_STORED: list[VersionStored] = []


def on_version_stored(hook: VersionStored) -> None:
    if hook not in _STORED:
        _STORED.append(hook)


def version_stored(version: StoredVersion) -> None:
    for hook in _STORED:
        hook(version)
