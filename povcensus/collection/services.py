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
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from lxml import etree

from povcensus.accounts.roles import Perm, Role
from povcensus.accounts.scope import scope_of
from povcensus.assignment.selectors import submission_unit
from povcensus.assignment.services.collection import unit_mark_submitted
from povcensus.audit.services import audit_record
from povcensus.collection import errors
from povcensus.collection.hooks import StoredVersion, version_stored
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
from povcensus.core.prepared import prepared_cursor
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
    "instance_id", "root_instance_id", "deprecated_id", "previous_id", "is_current",
    "version_number", "campaign_id", "form_version_id", "kind", "household_id", "area_code",
    "team_id", "submitted_by_id", "source", "device_id", "received_at", "xml", "xml_sha256",
    "instance_name", "data", "attachments_expected", "attachments_complete", "reason",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"data", "attachments_expected"})


class _InstanceStoredError(Exception):
    """The instanceID is already stored: answer from the stored row (a duplicate or conflict)."""


def _insert_submission(submission: Submission, members: list[dict[str, str]]) -> None:
    """INSERT the (unsaved) submission row and its member rows; give the object its id.

    Plain SQL because this runs for every submission (decision 0016); on PostgreSQL one
    statement (the members in a data-modifying CTE), on SQLite two.  The insert is also the
    duplicate check: ``ON CONFLICT (instance_id) DO NOTHING`` returns no row (and writes no
    member) when the instance is stored already (or was committed meanwhile by a racing
    copy), and then :class:`_InstanceStoredError` is raised.
    """
    postgres = connection.vendor == "postgresql"
    json_cast = "::jsonb" if postgres else ""
    marks, values = [], []
    for column in _SUBMISSION_COLUMNS:
        value = getattr(submission, column)
        if column in _JSON_COLUMNS:
            marks.append("%s" + json_cast)
            value = json.dumps(value, ensure_ascii=False)
        else:
            marks.append("%s")
            if column == "received_at":
                value = connection.ops.adapt_datetimefield_value(value)
        values.append(value)
    insert = f"INSERT INTO collection_submission ({', '.join(_SUBMISSION_COLUMNS)}) VALUES ({', '.join(marks)}) ON CONFLICT (instance_id) DO NOTHING RETURNING id"  # noqa: S608
    member_data = [json.dumps(row, ensure_ascii=False) for row in members]
    with prepared_cursor() as cursor:
        if postgres and members:
            rows = ", ".join(["(%s, %s)"] * len(members))
            cursor.execute(
                f"WITH s AS ({insert}), m AS ("  # noqa: S608
                'INSERT INTO collection_submissionmember (submission_id, "index", data) '
                f"SELECT s.id, v.i, v.d::jsonb FROM s CROSS JOIN (VALUES {rows}) AS v(i, d)"
                ") SELECT id FROM s",
                [*values, *(p for i, d in enumerate(member_data, start=1) for p in (i, d))],
            )
            row = cursor.fetchone()
        else:
            cursor.execute(insert, values)
            row = cursor.fetchone()
            if row is not None and members:
                cursor.execute(
                    'INSERT INTO collection_submissionmember (submission_id, "index", data) '  # noqa: S608
                    f"VALUES {', '.join(['(%s, %s, %s)'] * len(members))}",
                    [p for i, d in enumerate(member_data, start=1) for p in (row[0], i, d)],
                )
    if row is None:
        raise _InstanceStoredError
    submission.pk = int(row[0])
    submission._state.adding = False


def _carry_attachments(
    previous: Submission, submission: Submission, *, resent: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Copy the previous version's attachments to the new one, except those sent again.

    ODK Central's rule; returns name → SHA-256 of what was carried.
    """
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
    return {a.name: a.sha256 for a in carried}


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
    (+ members, attachments), the unit's progress, what the ``hooks.on_version_stored``
    hooks write (review: the unit's case), audit ``collection.submission_received``
    or ``collection.submission_edited`` (``collection.attachments_received`` for later
    parts), and publishes ``collection.submission_received`` (rule check).  Raises
    ``collection.*`` codes (400 malformed, 403 not assigned, 404 unknown form or unit,
    409 conflict, 413 too large); nothing is written then.

    The common case (a new instance) costs no duplicate lookup: the insert itself finds a
    stored instanceID, and then the transaction is rolled back and run again looking the
    instance up first.  A refused submission is looked up too, so that a stored instance
    is still answered as before (a resend after its household moved to another team is a
    duplicate, not a 403).  Two copies of one instance arriving at the same moment (a
    retry racing its original) end the same way: the loser waits for the winner's commit,
    then answers from its row (a duplicate, or a conflict).
    """
    envelope = _envelope_or_error(xml, max_xml_bytes)
    arguments = {
        "actor": actor,
        "envelope": envelope,
        "xml": xml,
        "files": files,
        "device_id": device_id,
        "source": source,
        "max_attachment_bytes": max_attachment_bytes,
    }
    try:
        return _receive_once(**arguments, look_up_first=False)
    except ApplicationError:
        if not Submission.objects.filter(instance_id=envelope.instance_id).exists():
            raise
    except (_InstanceStoredError, IntegrityError):
        pass
    return _receive_once(**arguments, look_up_first=True)


@transaction.atomic
def _receive_once(
    *,
    look_up_first: bool,
    actor: Any,
    envelope: Envelope,
    xml: bytes,
    files: list[IncomingFile],
    device_id: str,
    source: str,
    max_attachment_bytes: int,
) -> ReceiveResult:
    shape = _form_shape(envelope.form_id, envelope.version)
    if shape is None:
        raise ApplicationError(
            errors.UNKNOWN_FORM, form_id=envelope.form_id, version=envelope.version
        )

    if look_up_first:
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
    received_at = timezone.now()
    text = xml.decode("utf-8")
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
        received_at=received_at,
        xml=text,
        xml_sha256=envelope.sha256,
        instance_name=envelope.instance_name[:200],
        data=fields,
        attachments_expected=expected,
        attachments_complete=not expected,
    )
    _insert_submission(submission, rows.get("members", []))
    submission_id = submission.pk

    have: dict[str, str] = {}
    if previous is not None:
        have = _carry_attachments(previous, submission, resent=frozenset(f.name for f in files))
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
    version_stored(
        StoredVersion(
            submission_id=submission_id,
            instance_id=envelope.instance_id,
            version_number=version_number,
            campaign_id=unit.campaign_id,
            kind=shape.kind,
            assignment_id=unit.assignment_id,
            area_code=unit.area_code,
            team_id=unit.team_id,
            submitted_by_id=actor.pk,
            source=source,
            received_at=received_at,
        )
    )
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


def _leaves(element: Any, repeats: frozenset[str]) -> dict[str, Any]:
    """Leaf elements by name below ``element``, not descending into repeats or meta."""
    found: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name in repeats or name == "meta":
            continue
        if len(child):
            found.update(_leaves(child, repeats))
        else:
            found[name] = child
    return found


def _repeat_rows(element: Any, name: str) -> list[Any]:
    return [
        e for e in element.iter() if isinstance(e.tag, str) and etree.QName(e).localname == name
    ]


def _set_meta(root: Any, *, instance_id: str, deprecated_id: str) -> None:
    meta = next(
        (c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "meta"), None
    )
    if meta is None:
        meta = etree.SubElement(root, "meta")
    namespace = etree.QName(meta).namespace
    for name, value in (("instanceID", instance_id), ("deprecatedID", deprecated_id)):
        tag = f"{{{namespace}}}{name}" if namespace else name
        node = meta.find(tag)
        if node is None:
            node = etree.SubElement(meta, tag)
            if name == "deprecatedID":  # Collect writes it right after instanceID
                meta.remove(node)
                meta.insert(1, node)
        node.text = value


@transaction.atomic
def _set_leaves(
    leaves: dict[str, Any], values: dict[str, str], *, member_index: int | None
) -> list[dict[str, Any]]:
    """Set named leaves of an instance to new values; the changes made (old → new)."""
    changed: list[dict[str, Any]] = []
    for name, value in values.items():
        node = leaves.get(name)
        if node is None:
            raise ApplicationError(errors.CORRECTION_UNKNOWN_FIELD, field=name)
        old = (node.text or "").strip()
        if old != str(value):
            node.text = str(value)
            changed.append(
                {"field": name, "member_index": member_index, "old": old, "new": str(value)}
            )
    return changed


def submission_correct(
    *,
    actor: Any,
    submission_id: int,
    changes: dict[str, str],
    member_changes: dict[int, dict[str, str]] | None = None,
    reason: str,
) -> Submission:
    """Store a reviewer's correction of a submission as its next version.

    Preconditions: ``actor`` may read the submission (``core.not_found`` otherwise; the
    caller — ``review.services.case_correct`` — checks the review permission) and it is the
    current version (``collection.already_edited``).  ``changes`` sets household-level (or
    village-level) fields by name, ``member_changes`` member fields by member index (1-based);
    every named field must be in the instance (``collection.correction_unknown_field``,
    ``collection.correction_unknown_member``), something must change
    (``collection.correction_no_changes``) and ``reason`` is mandatory
    (``collection.correction_reason_required``).

    Writes a new ``Submission`` (source "correction", new instanceID, ``deprecatedID`` =
    the corrected version, ``reason``; its XML is the old one with the new values), its
    member rows, its attachments (carried over), the old version no longer current; audit
    ``collection.submission_corrected``; publishes ``collection.submission_received``.
    """
    from povcensus.collection.selectors import access_submission

    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(errors.CORRECTION_REASON_REQUIRED)
    access_submission(actor=actor, submission_id=submission_id)
    previous = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("form_version__definition")
        .get(pk=submission_id)
    )
    if not previous.is_current:
        raise ApplicationError(errors.ALREADY_EDITED)
    schema = extract_schema(previous.form_version.xform)
    repeats = frozenset(r.name for r in schema.repeats)
    envelope = read_envelope(previous.xml.encode("utf-8"), max_bytes=64 * 1024 * 1024)
    root = envelope.root
    leaves = _leaves(root, repeats)
    changed = _set_leaves(leaves, changes, member_index=None)
    member_rows = _repeat_rows(root, "members") if "members" in repeats else []
    for index, fields in sorted((member_changes or {}).items()):
        if index < 1 or index > len(member_rows):
            raise ApplicationError(errors.CORRECTION_UNKNOWN_MEMBER, index=index)
        row_leaves = _leaves(member_rows[index - 1], repeats - {"members"})
        changed += _set_leaves(row_leaves, fields, member_index=index)
    if not changed:
        raise ApplicationError(errors.CORRECTION_NO_CHANGES)

    instance_id = f"uuid:{uuid.uuid4()}"
    _set_meta(root, instance_id=instance_id, deprecated_id=previous.instance_id)
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    fields, rows = flatten_instance(root, repeats=repeats)
    Submission.objects.filter(pk=previous.pk).update(is_current=False)
    received_at = timezone.now()
    text = xml.decode("utf-8")
    sha = hashlib.sha256(xml).hexdigest()
    submission = Submission(
        instance_id=instance_id,
        root_instance_id=previous.root_instance_id,
        deprecated_id=previous.instance_id,
        previous=previous,
        is_current=True,
        version_number=previous.version_number + 1,
        campaign_id=previous.campaign_id,
        form_version_id=previous.form_version_id,
        kind=previous.kind,
        household_id=previous.household_id,
        area_code=previous.area_code,
        team_id=previous.team_id,
        submitted_by=actor,
        source=SubmissionSource.CORRECTION,
        received_at=received_at,
        xml=text,
        xml_sha256=sha,
        instance_name=previous.instance_name,
        data=fields,
        attachments_expected=previous.attachments_expected,
        attachments_complete=previous.attachments_complete,
        reason=reason[:500],
    )
    _insert_submission(submission, rows.get("members", []))
    _carry_attachments(previous, submission)
    audit_record(
        actor=actor,
        action="collection.submission_corrected",
        object_type="submission",
        object_id=instance_id,
        area_code=previous.area_code,
        before={"instance_id": previous.instance_id, "version": previous.version_number},
        after={"version": submission.version_number, "reason": reason, "changes": changed},
    )
    publish("collection.submission_received", submission_id=submission.pk)
    return submission
