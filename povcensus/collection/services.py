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
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from povcensus.accounts.roles import Perm, Role
from povcensus.accounts.scope import scope_of
from povcensus.assignment.selectors import submission_unit
from povcensus.assignment.services.collection import unit_mark_submitted
from povcensus.audit.services import audit_record
from povcensus.collection import errors
from povcensus.collection.models import (
    Submission,
    SubmissionAttachment,
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
        label = fields.get("hh_number", "")
        found = submission_unit(
            campaign_ids=shape.campaign_ids, user_id=actor.pk, household_number=label
        )
    elif shape.kind in (FormKind.VILLAGE, FormKind.LISTING):
        label = fields.get("village_code", "")
        found = submission_unit(
            campaign_ids=shape.campaign_ids, user_id=actor.pk, village_code=label
        )
    else:
        raise ApplicationError(errors.UNKNOWN_UNIT, unit=shape.kind)
    if found is None:
        if shape.kind == FormKind.HOUSEHOLD:
            raise ApplicationError(errors.UNKNOWN_UNIT, unit=label)
        # A village without a village unit: office staff may still enter it for their area.
        if not _office_may_submit(actor, label) or not shape.campaign_ids:
            raise ApplicationError(errors.NOT_ASSIGNED, unit=label)
        return Unit(shape.campaign_ids[0], None, label, None, None)
    if not found.on_users_team and not _office_may_submit(actor, found.village_code):
        raise ApplicationError(errors.NOT_ASSIGNED, unit=label)
    return Unit(
        found.campaign_id,
        found.household_id,
        found.village_code,
        found.assignment_id,
        found.team_id,
    )


def _office_may_submit(actor: Any, area_code: str) -> bool:
    """Office staff over the area may enter any unit (village forms, corrections).

    Enumerators never reach a unit through an area grant (roles.py): only through their
    team's assignment (work plan 四(二)2: the village form is entered by the supervisor or
    the office).
    """
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


_SUBMISSION_COLUMNS = (
    "instance_id, root_instance_id, deprecated_id, previous_id, is_current, version_number, campaign_id, "
    "form_version_id, kind, household_id, area_code, team_id, submitted_by_id, source, device_id, received_at, "
    "xml, xml_sha256, instance_name, data, attachments_expected, attachments_complete, reason"
)


def _insert_submission(values: list[Any]) -> int:
    """INSERT the submission row; plain SQL because this runs for every submission (decision 0016)."""
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ["%s"] * len(values)
    marks[19] += json_cast  # data
    marks[20] += json_cast  # attachments_expected
    sql = f"INSERT INTO collection_submission ({_SUBMISSION_COLUMNS}) VALUES ({', '.join(marks)}) RETURNING id"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return int(cursor.fetchone()[0])


def _insert_members(submission_id: int, rows: list[dict[str, str]]) -> None:
    if not rows:
        return
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    values = ", ".join([f"(%s, %s, %s{json_cast})"] * len(rows))
    sql = f'INSERT INTO collection_submissionmember (submission_id, "index", data) VALUES {values}'  # noqa: S608
    params: list[Any] = []
    for index, row in enumerate(rows, start=1):
        params += [submission_id, index, json.dumps(row, ensure_ascii=False)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


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

    Preconditions: ``actor`` is authenticated.  Writes, in one transaction: ``Submission``
    (+ members, attachments), the unit's progress, audit ``collection.submission_received``
    or ``collection.submission_edited`` (``collection.attachments_received`` for later
    parts), and publishes ``collection.submission_received`` (rule check).  Raises
    ``collection.*`` codes (400 malformed, 403 not assigned, 404 unknown form or unit,
    409 conflict, 413 too large); nothing is written then.

    Two copies of one instance arriving at the same moment (a retry racing its original)
    collide on the unique instanceID: the loser's transaction is rolled back and run
    again, and then finds the winner's row (a duplicate, or a conflict).
    """
    arguments = {
        "actor": actor,
        "xml": xml,
        "files": files,
        "device_id": device_id,
        "source": source,
        "max_xml_bytes": max_xml_bytes,
        "max_attachment_bytes": max_attachment_bytes,
    }
    try:
        return _receive_once(**arguments)
    except IntegrityError:
        return _receive_once(**arguments)


@transaction.atomic
def _receive_once(
    *,
    actor: Any,
    xml: bytes,
    files: list[IncomingFile],
    device_id: str,
    source: str,
    max_xml_bytes: int,
    max_attachment_bytes: int,
) -> ReceiveResult:
    envelope = _envelope_or_error(xml, max_xml_bytes)
    shape = _form_shape(envelope.form_id, envelope.version)
    if shape is None:
        raise ApplicationError(
            errors.UNKNOWN_FORM, form_id=envelope.form_id, version=envelope.version
        )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM collection_submission WHERE instance_id = %s", [envelope.instance_id]
        )
        found = cursor.fetchone()
    if found is not None:
        existing = Submission.objects.get(pk=found[0])
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
    received_at = timezone.now()
    text = xml.decode("utf-8")
    submission_id = _insert_submission(
        [
            envelope.instance_id,
            root_instance_id,
            envelope.deprecated_id,
            previous.pk if previous is not None else None,
            True,
            version_number,
            unit.campaign_id,
            shape.version_id,
            shape.kind,
            unit.household_id,
            unit.area_code,
            unit.team_id,
            actor.pk,
            source,
            device_id[:120],
            connection.ops.adapt_datetimefield_value(received_at),
            text,
            envelope.sha256,
            envelope.instance_name[:200],
            json.dumps(fields, ensure_ascii=False),
            json.dumps(expected),
            not expected,
            "",
        ]
    )
    submission = Submission(
        pk=submission_id,
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
        received_at=received_at,
        xml=text,
        xml_sha256=envelope.sha256,
        instance_name=envelope.instance_name[:200],
        data=fields,
        attachments_expected=expected,
        attachments_complete=not expected,
    )
    submission._state.adding = False
    _insert_members(submission_id, rows.get("members", []))

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
    added = (
        _store_attachments(submission, files, max_size=max_attachment_bytes, existing=have)
        if files
        else []
    )
    if expected and set(expected) <= set(have):
        submission.attachments_complete = True
        Submission.objects.filter(pk=submission_id).update(attachments_complete=True)
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
    publish("collection.submission_received", submission_id=submission_id)
    return ReceiveResult(submission, "edited" if version_number > 1 else "created", added)
