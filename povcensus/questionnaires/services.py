"""Writes to questionnaires: upload a draft, publish it, discard it, set the live version.

A published version is never written again: no service updates or deletes one, so its
XLSForm bytes, XForm and md5 stay what they were when it was published, and everything
collected on it keeps pointing at the same form.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.questionnaires import errors
from povcensus.questionnaires.models import (
    FormDefinition,
    FormKind,
    FormVersion,
    LiveForm,
    VersionState,
)
from povcensus.questionnaires.xform_schema import extract_schema
from povcensus.questionnaires.xlsform import XLSFormInvalid, compile_xlsform

MAX_XLSFORM_BYTES = 10 * 1024 * 1024


def _check_manage(actor: Any, area_code: str) -> None:
    if not scope_of(actor).allows(Perm.FORM_MANAGE, area_code):
        raise ApplicationError(PERMISSION_DENIED)


def xform_md5(xform: str) -> str:
    """The hash ODK Collect compares (``md5:<hex>`` of the served XForm bytes)."""
    return hashlib.md5(xform.encode("utf-8"), usedforsecurity=False).hexdigest()


@transaction.atomic
def form_upload(
    *,
    actor: Any,
    data: bytes,
    filename: str,
    kind: FormKind,
    area_code: str,
    builtin: bool = False,
) -> FormVersion:
    """Compile and check an XLSForm, then store it as a draft version.

    The form id and version come from the workbook's settings sheet.  A new form id makes
    a new definition owned by ``area_code``; an existing one must be manageable by the
    actor.  Uploading the version string of an existing draft replaces that draft (drafts
    are edited this way); the version string of a published version is refused.
    Writes ``questionnaires.version_uploaded``.  Raises ``questionnaires.xlsform_invalid``
    (``details["messages"]``: every located message; nothing is written),
    ``questionnaires.version_missing``, ``questionnaires.version_published``,
    ``questionnaires.kind_mismatch``, ``questionnaires.form_too_large``,
    ``core.permission_denied``.
    """
    if len(data) > MAX_XLSFORM_BYTES:
        raise ApplicationError(errors.FORM_TOO_LARGE, limit=MAX_XLSFORM_BYTES // (1024 * 1024))
    try:
        compiled = compile_xlsform(data)
    except XLSFormInvalid as invalid:
        raise ApplicationError(
            errors.XLSFORM_INVALID,
            count=len(invalid.messages),
            messages=[m.as_dict() for m in invalid.messages],
        ) from invalid
    if not compiled.version:
        raise ApplicationError(errors.VERSION_MISSING)
    definition = FormDefinition.objects.filter(form_id=compiled.form_id).first()
    if definition is None:
        _check_manage(actor, area_code)
        definition = FormDefinition.objects.create(
            form_id=compiled.form_id,
            title=compiled.title,
            kind=kind,
            area_id=area_code,
            builtin=builtin,
        )
    else:
        _check_manage(actor, definition.area_id)
        if definition.kind != kind:
            raise ApplicationError(
                errors.KIND_MISMATCH,
                form_id=definition.form_id,
                kind=definition.get_kind_display(),
                requested=FormKind(kind).label,
            )
    version = (
        FormVersion.objects.select_for_update()
        .filter(definition=definition, version=compiled.version)
        .first()
    )
    if version is not None and version.is_published:
        raise ApplicationError(
            errors.VERSION_PUBLISHED, form_id=definition.form_id, version=compiled.version
        )
    schema = extract_schema(compiled.xform)
    replaced = version is not None
    if version is None:
        version = FormVersion(definition=definition, version=compiled.version, created_by=actor)
    version.title = compiled.title
    version.filename = filename[:200]
    version.xlsx = data
    version.xlsx_sha256 = hashlib.sha256(data).hexdigest()
    version.xform = compiled.xform
    version.md5 = xform_md5(compiled.xform)
    version.media_files = list(compiled.media_files)
    version.warnings = [w.as_dict() for w in compiled.warnings]
    version.field_count = len(schema.data_fields())
    version.validated = compiled.validated
    version.validator_note = compiled.validator_note
    version.full_clean(exclude=["created_by", "xlsx"])
    version.save()
    if definition.title != compiled.title:
        definition.title = compiled.title
        definition.save(update_fields=["title", "updated_at"])
    audit_record(
        actor=actor,
        action="questionnaires.version_uploaded",
        object_type="form_version",
        object_id=version.pk,
        area_code=definition.area_id,
        after={
            "form_id": definition.form_id,
            "version": version.version,
            "filename": version.filename,
            "xlsx_sha256": version.xlsx_sha256,
            "md5": version.md5,
            "replaced_draft": replaced,
            "validated": version.validated,
        },
    )
    return version


@transaction.atomic
def form_version_publish(*, actor: Any, version: FormVersion) -> FormVersion:
    """Freeze a draft: from now on its bytes, XForm and md5 never change.

    Writes ``questionnaires.version_published``.  Raises ``questionnaires.not_draft``,
    ``core.permission_denied``.
    """
    version = (
        FormVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    )
    _check_manage(actor, version.definition.area_id)
    if version.is_published:
        raise ApplicationError(errors.NOT_DRAFT, version=version.version)
    version.state = VersionState.PUBLISHED
    version.published_by = actor
    version.published_at = timezone.now()
    version.save(update_fields=["state", "published_by", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="questionnaires.version_published",
        object_type="form_version",
        object_id=version.pk,
        area_code=version.definition.area_id,
        after={
            "form_id": version.definition.form_id,
            "version": version.version,
            "md5": version.md5,
            "xlsx_sha256": version.xlsx_sha256,
        },
    )
    return version


@transaction.atomic
def form_version_discard(*, actor: Any, version: FormVersion) -> None:
    """Delete a draft.  Writes ``questionnaires.version_discarded``.

    Raises ``questionnaires.not_draft``, ``core.permission_denied``.
    """
    version = (
        FormVersion.objects.select_for_update().select_related("definition").get(pk=version.pk)
    )
    _check_manage(actor, version.definition.area_id)
    if version.is_published:
        raise ApplicationError(errors.NOT_DRAFT, version=version.version)
    snapshot = {"form_id": version.definition.form_id, "version": version.version}
    pk = version.pk
    version.delete()
    audit_record(
        actor=actor,
        action="questionnaires.version_discarded",
        object_type="form_version",
        object_id=pk,
        area_code=version.definition.area_id,
        before=snapshot,
    )


@transaction.atomic
def form_live_set(*, actor: Any, campaign: Campaign, version: FormVersion) -> LiveForm:
    """Make ``version`` the one ``campaign`` uses for its kind of form.

    Needs ``form.manage`` over the campaign's area.  Writes ``questionnaires.live_set``
    (before: the previous version, if any).  Raises ``questionnaires.not_published``,
    ``core.permission_denied``.
    """
    _check_manage(actor, campaign.area_id)
    version = FormVersion.objects.select_related("definition").get(pk=version.pk)
    if not version.is_published:
        raise ApplicationError(errors.NOT_PUBLISHED, version=version.version)
    kind = version.definition.kind
    current = (
        LiveForm.objects.select_for_update()
        .select_related("version", "version__definition")
        .filter(campaign=campaign, kind=kind)
        .first()
    )
    before = (
        {
            "form_id": current.version.definition.form_id,
            "version": current.version.version,
            "version_id": current.version_id,
        }
        if current
        else None
    )
    live, _ = LiveForm.objects.update_or_create(
        campaign=campaign,
        kind=kind,
        defaults={"version": version, "set_by": actor, "set_at": timezone.now()},
    )
    audit_record(
        actor=actor,
        action="questionnaires.live_set",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=campaign.area_id,
        before=before,
        after={
            "kind": kind,
            "form_id": version.definition.form_id,
            "version": version.version,
            "version_id": version.pk,
        },
    )
    return live


def builtin_install(*, actor: Any, campaign: Campaign) -> list[LiveForm]:
    """Publish the built-in forms (if not yet there) and set them live for ``campaign``.

    Idempotent: a built-in version already published is reused.  Each step is its own
    audited service call.
    """
    from povcensus.questionnaires.builtin import builtin_forms

    result = []
    for builtin in builtin_forms():
        data = builtin.path.read_bytes()
        source = builtin.build()
        version = published_builtin(builtin.form_id, source.version)
        if version is None:
            version = form_upload(
                actor=actor,
                data=data,
                filename=builtin.path.name,
                kind=FormKind(builtin.kind),
                area_code=campaign.area_id,
                builtin=True,
            )
            version = form_version_publish(actor=actor, version=version)
        result.append(form_live_set(actor=actor, campaign=campaign, version=version))
    return result


def published_builtin(form_id: str, version: str) -> FormVersion | None:
    return FormVersion.objects.filter(
        definition__form_id=form_id, version=version, state=VersionState.PUBLISHED
    ).first()
