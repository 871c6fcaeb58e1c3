"""Non-interview outcomes (户消亡、整户失联、拒访、无法面访) with explanation and evidence photos.

Work plan 七6: when a household cannot be interviewed face to face, the team documents
why (说明佐证).  The record is reviewed like an interview later (review app).
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from povcensus.assignment import errors, hooks
from povcensus.assignment.evidence import MAX_BYTES, MAX_FILES, PhotoRejectedError, check_photo
from povcensus.assignment.models import (
    Assignment,
    NonInterview,
    NonInterviewEvidence,
    NonInterviewReason,
    UnitKind,
    UnitStatus,
)
from povcensus.assignment.selectors import teams_of
from povcensus.audit.services import audit_record
from povcensus.core.errors import INVALID_INPUT, NOT_FOUND, ApplicationError
from povcensus.team.models import TeamMember


@transaction.atomic
def non_interview_record(
    *,
    actor: Any,
    assignment_id: int,
    reason: str,
    explanation: str,
    photos: list[tuple[str, bytes]] | None = None,
) -> NonInterview:
    """Record (or revise) why an assigned household could not be interviewed.

    Only an enumerator of the unit's current team may record it; there must be at least
    one evidence photo in all (JPEG, PNG or WebP, ≤ 10 MB each, ≤ 6 per household).
    Writes ``NonInterview``, its ``NonInterviewEvidence`` files (default storage, type and
    size checked, SHA-256 kept) and sets the unit's status; audit
    ``assignment.non_interview_recorded``; runs the ``hooks.on_non_interview_recorded``
    hooks in the same transaction (review opens a case).  Raises ``assignment.not_your_unit``,
    ``assignment.unit_already_submitted``, ``assignment.not_household_unit``,
    ``assignment.explanation_required``, ``assignment.evidence_required``,
    ``assignment.evidence_type``, ``assignment.evidence_size``,
    ``assignment.evidence_count``, ``core.invalid_input``, ``core.not_found``.
    """
    visible_teams = set(teams_of(actor=actor).values_list("pk", flat=True))
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("team", "household")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or assignment.team_id not in visible_teams:
        raise ApplicationError(NOT_FOUND)
    if not TeamMember.objects.filter(team_id=assignment.team_id, user=actor).exists():
        raise ApplicationError(errors.NOT_YOUR_UNIT)
    if assignment.kind != UnitKind.HOUSEHOLD:
        raise ApplicationError(errors.NOT_HOUSEHOLD_UNIT)
    if assignment.status == UnitStatus.SUBMITTED:
        raise ApplicationError(errors.UNIT_ALREADY_DONE)
    if reason not in NonInterviewReason.values:
        raise ApplicationError(INVALID_INPUT, reason=reason)
    explanation = (explanation or "").strip()
    if not explanation:
        raise ApplicationError(errors.EXPLANATION_REQUIRED)
    checked = []
    for name, data in photos or []:
        try:
            checked.append(check_photo(name, data))
        except PhotoRejectedError as rejected:
            if rejected.problem == "size":
                raise ApplicationError(
                    errors.EVIDENCE_SIZE, name=name, limit=MAX_BYTES // (1024 * 1024)
                ) from None
            raise ApplicationError(errors.EVIDENCE_TYPE, name=name) from None

    record = NonInterview.objects.filter(assignment=assignment).first()
    before = None
    if record is not None:
        before = {"reason": record.reason, "explanation": record.explanation}
    existing = record.evidence.count() if record is not None else 0
    if existing + len(checked) == 0:
        raise ApplicationError(errors.EVIDENCE_REQUIRED)
    if existing + len(checked) > MAX_FILES:
        raise ApplicationError(errors.EVIDENCE_COUNT, limit=MAX_FILES)
    if record is None:
        record = NonInterview(assignment=assignment)
    record.team_id = assignment.team_id
    record.reason = reason
    record.explanation = explanation
    record.recorded_by = actor
    record.save()
    for photo in checked:
        evidence = NonInterviewEvidence(
            non_interview=record,
            content_type=photo.content_type,
            size=len(photo.data),
            sha256=photo.sha256,
            uploaded_by=actor,
        )
        evidence.file.save(
            f"{assignment.household.number}-{photo.sha256[:12]}.{photo.extension}",  # type: ignore[union-attr]
            ContentFile(photo.data),
            save=False,
        )
        evidence.save()
    previous_status = assignment.status
    assignment.status = UnitStatus.NON_INTERVIEW
    assignment.save(update_fields=["status", "updated_at"])
    hooks.non_interview_recorded(
        hooks.RecordedNonInterview(
            non_interview_id=record.pk,
            assignment_id=assignment.pk,
            campaign_id=assignment.campaign_id,
            area_code=assignment.village_id,
            team_id=assignment.team_id,
            recorded_by_id=actor.pk,
        )
    )
    audit_record(
        actor=actor,
        action="assignment.non_interview_recorded",
        object_type="household",
        object_id=assignment.household_id,
        area_code=assignment.village_id,
        before=before,
        after={
            "reason": reason,
            "explanation": explanation,
            "evidence": [p.sha256 for p in checked],
            "status_before": previous_status,
            "team": assignment.team.code,
        },
    )
    return record
