"""Hooks for later apps: follow-up writes when a submission version is stored, device media.

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
from typing import Any


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


# Device media a later app fills in for one user's device: ``fn(*, actor, campaign_id,
# wanted)`` returns {file name: questionnaires.prefill.MediaFile} for the names in
# ``wanted`` it knows (review: returns.csv, the team's returned households).
DeviceMedia = Callable[..., dict[str, Any]]

_MEDIA: list[DeviceMedia] = []


def on_device_media(provider: DeviceMedia) -> None:
    if provider not in _MEDIA:
        _MEDIA.append(provider)


def device_media(*, actor: Any, campaign_id: int, wanted: set[str]) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for provider in _MEDIA:
        files.update(provider(actor=actor, campaign_id=campaign_id, wanted=set(wanted)))
    return {name: media for name, media in files.items() if name in wanted}
