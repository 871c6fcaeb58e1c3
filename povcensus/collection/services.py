"""Receiving submissions: the one write path for ODK Collect and the browser.

:func:`submission_receive` decides, as ODK Central does, between a new instance, an edit
(``deprecatedID``), a re-send of an instance already stored (identical bytes: success,
attachments merged — split uploads and retries) and a conflict (same instanceID, other
bytes: 409).  Everything — the submission row, its member rows, its attachments, the unit's
progress, the audit event and the queued rule check — is written in one transaction, so a
submission is either stored completely or not at all.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from povcensus.accounts.roles import Perm, Role
from povcensus.accounts.scope import scope_of
from povcensus.assignment.models import Assignment, UnitKind
from povcensus.assignment.services.collection import unit_mark_submitted
from povcensus.audit.services import audit_record
from povcensus.collection import errors
from povcensus.collection.models import (
    Submission,
    SubmissionAttachment,
    SubmissionMember,
    SubmissionSource,
)
from povcensus.collection.openrosa.envelope import (
    Envelope,
    EnvelopeError,
    flatten_instance,
    read_envelope,
)
from povcensus.core.errors import ApplicationError
from povcensus.core.followups import publish
from povcensus.questionnaires.models import FormKind, FormVersion, LiveForm, VersionState
from povcensus.questionnaires.xform_schema import extract_schema
from povcensus.register.models import Household
from povcensus.team.models import Team, TeamMember

_SAFE_NAME = re.compile(r"^[^/\\\x00]{1,255}$")


@dataclass(frozen=True)
class IncomingFile:
    name: str
    content_type: str
    data: bytes


@dataclass
class ReceiveResult:
    submission: Submission
    outcome: str  # "created", "edited", "duplicate"
    attachments_added: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FormShape:
    """What the server needs to know of a published version to store its submissions."""

    version_id: int
    kind: str
    repeats: frozenset[str]
    binary_fields: frozenset[str]
    campaign_ids: tuple[int, ...]


@lru_cache(maxsize=256)
def _form_shape(form_id: str, version: str) -> FormShape | None:
    """Published versions never change (database guard), so their shape is cached."""
    row = (
        FormVersion.objects.filter(
            definition__form_id=form_id, version=version, state=VersionState.PUBLISHED
        )
        .select_related("definition")
        .first()
    )
    if row is None:
        return None
    schema = extract_schema(row.xform)
    campaign_ids = tuple(
        LiveForm.objects.filter(version__definition_id=row.definition_id)
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    return FormShape(
        version_id=row.pk,
        kind=row.definition.kind,
        repeats=frozenset(r.name for r in schema.repeats),
        binary_fields=frozenset(f.name for f in schema.fields if f.type == "binary"),
        campaign_ids=campaign_ids,
    )


def forget_form_shapes() -> None:
    _form_shape.cache_clear()


def _envelope_or_error(xml: bytes, max_bytes: int) -> Envelope:
    try:
        return read_envelope(xml, max_bytes=max_bytes)
    except EnvelopeError as exc:
        code = {
            "too_large": errors.XML_TOO_LARGE,
            "dtd": errors.XML_DTD,
            "malformed": errors.XML_MALFORMED,
            "no_form_id": errors.NO_FORM_ID,
            "no_instance_id": errors.NO_INSTANCE_ID,
        }[exc.reason]
        raise ApplicationError(code, size=len(xml), detail=exc.detail[:200]) from None


@dataclass(frozen=True)
class Unit:
    campaign_id: int
    household_id: int | None
    area_code: str
    assignment_id: int | None
    team_id: int | None


def _resolve_unit(*, actor: Any, shape: FormShape, fields: dict[str, str]) -> Unit:
    """Find the surveyed unit named in the instance and check ``actor`` may submit for it."""
    if shape.kind == FormKind.HOUSEHOLD:
        number = fields.get("hh_number", "")
        household = (
            Household.objects.filter(campaign_id__in=shape.campaign_ids, number=number)
            .values_list("pk", "campaign_id", "village_id")
            .first()
        )
        if household is None:
            raise ApplicationError(errors.UNKNOWN_UNIT, unit=number)
        household_id, campaign_id, area_code = household
        assignment = (
            Assignment.objects.filter(household_id=household_id)
            .values_list("pk", "team_id")
            .first()
        )
        unit_label = number
    elif shape.kind in (FormKind.VILLAGE, FormKind.LISTING):
        area_code = fields.get("village_code", "")
        campaign_id = (
            shape.campaign_ids[0] if len(shape.campaign_ids) == 1 else _campaign_of(actor, shape)
        )
        household_id = None
        assignment = (
            Assignment.objects.filter(
                campaign_id=campaign_id, kind=UnitKind.VILLAGE, village_id=area_code
            )
            .values_list("pk", "team_id")
            .first()
        )
        unit_label = area_code
    else:
        raise ApplicationError(errors.UNKNOWN_UNIT, unit=shape.kind)
    assignment_id, team_id = assignment if assignment else (None, None)
    if not _may_submit(actor=actor, team_id=team_id, area_code=area_code, kind=shape.kind):
        raise ApplicationError(errors.NOT_ASSIGNED, unit=unit_label)
    return Unit(campaign_id, household_id, area_code, assignment_id, team_id)


def _campaign_of(actor: Any, shape: FormShape) -> int:
    teams = Team.objects.filter(
        campaign_id__in=shape.campaign_ids, members__user=actor
    ).values_list("campaign_id", flat=True)
    found = list(teams[:1]) or list(
        Team.objects.filter(campaign_id__in=shape.campaign_ids, supervisor=actor).values_list(
            "campaign_id", flat=True
        )[:1]
    )
    if not found and not shape.campaign_ids:
        raise ApplicationError(errors.NO_CAMPAIGN)
    return found[0] if found else shape.campaign_ids[0]


def _may_submit(*, actor: Any, team_id: int | None, area_code: str, kind: str) -> bool:
    """Enumerators of the unit's team and its supervisor; office staff over the area.

    Enumerators never reach a unit through an area grant (roles.py): only through their
    team's assignment.  The village questionnaire may also be entered by office staff
    (work plan 四(二)2: filled with the village, entered by the supervisor or the office).
    """
    if team_id is not None:
        if TeamMember.objects.filter(team_id=team_id, user_id=actor.pk).exists():
            return True
        if Team.objects.filter(pk=team_id, supervisor_id=actor.pk).exists():
            return True
    scope = scope_of(actor)
    return scope.has_role(Role.OFFICE) and scope.allows(Perm.SUBMISSION_CREATE, area_code)


def _store_attachments(
    submission: Submission, files: list[IncomingFile], *, max_size: int, existing: dict[str, str]
) -> list[str]:
    added = []
    for incoming in files:
        if not _SAFE_NAME.match(incoming.name) or incoming.name in (".", ".."):
            raise ApplicationError(errors.BAD_ATTACHMENT_NAME, name=incoming.name[:80])
        if len(incoming.data) > max_size:
            raise ApplicationError(
                errors.ATTACHMENT_TOO_LARGE,
                name=incoming.name,
                size=len(incoming.data),
                limit=max_size,
            )
        digest = hashlib.sha256(incoming.data).hexdigest()
        if incoming.name in existing:
            if existing[incoming.name] != digest:
                raise ApplicationError(errors.ATTACHMENT_CONFLICT, name=incoming.name)
            continue
        attachment = SubmissionAttachment(
            submission=submission,
            name=incoming.name,
            content_type=incoming.content_type or "application/octet-stream",
            size=len(incoming.data),
            sha256=digest,
        )
        attachment.file.save(incoming.name, ContentFile(incoming.data), save=False)
        attachment.save()
        existing[incoming.name] = digest
        added.append(incoming.name)
    return added


def _expected_attachments(
    shape: FormShape, fields: dict[str, str], rows: dict[str, list[dict[str, str]]]
) -> list[str]:
    names = {v for k, v in fields.items() if k in shape.binary_fields and v}
    for repeat_rows in rows.values():
        for row in repeat_rows:
            names |= {v for k, v in row.items() if k in shape.binary_fields and v}
    return sorted(names)


def _merge_into_existing(
    existing: Submission,
    envelope: Envelope,
    files: list[IncomingFile],
    *,
    actor: Any,
    max_size: int,
) -> ReceiveResult:
    """The same instance again: identical bytes merge attachments; other bytes conflict."""
    if existing.xml_sha256 != envelope.sha256:
        raise ApplicationError(errors.CONFLICT)
    have = dict(existing.attachments.values_list("name", "sha256"))
    added = _store_attachments(existing, files, max_size=max_size, existing=have)
    if added:
        complete = set(existing.attachments_expected) <= set(have)
        if complete != existing.attachments_complete:
            Submission.objects.filter(pk=existing.pk).update(attachments_complete=complete)
            existing.attachments_complete = complete
        audit_record(
            actor=actor,
            action="collection.attachments_received",
            object_type="submission",
            object_id=existing.instance_id,
            area_code=existing.area_code,
            after={"attachments": added, "complete": complete},
        )
    return ReceiveResult(existing, "duplicate", added)


@transaction.atomic
def submission_receive(
    *,
    actor: Any,
    xml: bytes,
    files: list[IncomingFile],
    device_id: str = "",
    source: str = SubmissionSource.COLLECT,
    max_xml_bytes: int = 4 * 1024 * 1024,
    max_attachment_bytes: int = 8 * 1024 * 1024,
) -> ReceiveResult:
    """Store one OpenRosa submission (or one part of a split upload).

    Preconditions: ``actor`` is authenticated.  Writes: ``Submission`` (+ members,
    attachments), the unit's progress, audit ``collection.submission_received`` or
    ``collection.submission_edited`` (``collection.attachments_received`` for later parts),
    and publishes ``collection.submission_received`` (rule check).  Raises
    ``collection.*`` codes (400 malformed, 403 not assigned, 404 unknown form or unit,
    409 conflict, 413 too large); nothing is written then.
    """
    envelope = _envelope_or_error(xml, max_xml_bytes)
    shape = _form_shape(envelope.form_id, envelope.version)
    if shape is None:
        raise ApplicationError(
            errors.UNKNOWN_FORM, form_id=envelope.form_id, version=envelope.version
        )

    existing = Submission.objects.filter(instance_id=envelope.instance_id).first()
    if existing is not None:
        return _merge_into_existing(
            existing, envelope, files, actor=actor, max_size=max_attachment_bytes
        )

    fields, rows = flatten_instance(envelope.root, repeats=shape.repeats)
    unit = _resolve_unit(actor=actor, shape=shape, fields=fields)

    previous = None
    root_instance_id, version_number = envelope.instance_id, 1
    if envelope.deprecated_id:
        previous = (
            Submission.objects.select_for_update()
            .filter(instance_id=envelope.deprecated_id)
            .first()
        )
        if previous is not None:
            if not previous.is_current:
                raise ApplicationError(errors.ALREADY_EDITED)
            root_instance_id, version_number = (
                previous.root_instance_id,
                previous.version_number + 1,
            )
            Submission.objects.filter(pk=previous.pk).update(is_current=False)
        else:
            # The version it edits has not arrived (yet): keep the chain by its id.
            root_instance_id, version_number = envelope.deprecated_id, 2

    expected = _expected_attachments(shape, fields, rows)
    submission = Submission(
        instance_id=envelope.instance_id,
        root_instance_id=root_instance_id,
        deprecated_id=envelope.deprecated_id,
        previous=previous,
        is_current=True,
        version_number=version_number,
        campaign_id=unit.campaign_id,
        form_version_id=shape.version_id,
        kind=shape.kind,
        household_id=unit.household_id,
        area_code=unit.area_code,
        team_id=unit.team_id,
        submitted_by=actor,
        source=source,
        device_id=device_id[:120],
        received_at=timezone.now(),
        xml=xml.decode("utf-8"),
        xml_sha256=envelope.sha256,
        instance_name=envelope.instance_name[:200],
        data=fields,
        attachments_expected=expected,
        attachments_complete=not expected,
    )
    try:
        with transaction.atomic():
            submission.save(force_insert=True)
    except IntegrityError:
        # The same instance arrived concurrently (a retry racing its original).
        existing = Submission.objects.filter(instance_id=envelope.instance_id).first()
        if existing is None:
            raise
        return _merge_into_existing(
            existing, envelope, files, actor=actor, max_size=max_attachment_bytes
        )

    member_rows = rows.get("members", [])
    if member_rows:
        SubmissionMember.objects.bulk_create(
            SubmissionMember(submission=submission, index=i, data=row)
            for i, row in enumerate(member_rows, start=1)
        )
    have: dict[str, str] = {}
    if previous is not None:
        # Attachments carry over by name unless re-sent (ODK Central's rule).
        resent = {f.name for f in files}
        carried = [
            SubmissionAttachment(
                submission=submission,
                name=a.name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                file=a.file.name,
            )
            for a in previous.attachments.all()
            if a.name not in resent
        ]
        SubmissionAttachment.objects.bulk_create(carried)
        have = {a.name: a.sha256 for a in carried}
    added = _store_attachments(submission, files, max_size=max_attachment_bytes, existing=have)
    if expected and set(expected) <= set(have):
        submission.attachments_complete = True
        Submission.objects.filter(pk=submission.pk).update(attachments_complete=True)
    if unit.assignment_id is not None:
        unit_mark_submitted(assignment_id=unit.assignment_id)
    audit_record(
        actor=actor,
        action="collection.submission_edited"
        if version_number > 1
        else "collection.submission_received",
        object_type="submission",
        object_id=envelope.instance_id,
        area_code=unit.area_code,
        after={
            "form": f"{envelope.form_id}@{envelope.version}",
            "unit": fields.get("hh_number") or unit.area_code,
            "version": version_number,
            "deprecated_id": envelope.deprecated_id,
            "device_id": device_id[:120],
            "attachments": added,
            "source": source,
        },
    )
    publish("collection.submission_received", submission_id=submission.pk)
    return ReceiveResult(submission, "edited" if version_number > 1 else "created", added)
