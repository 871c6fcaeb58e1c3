"""Questionnaires over the JSON API: versions, the versions a campaign uses, a form's schema."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from povcensus.campaign.selectors import access_campaign
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.questionnaires.selectors import (
    access_form_version,
    can_view_forms,
    form_definition_list,
    live_forms,
)
from povcensus.questionnaires.xform_schema import extract_schema

router = Router(tags=["questionnaires"])


class VersionOut(Schema):
    id: int
    form_id: str
    kind: str
    version: str
    state: str
    title: str
    md5: str
    media_files: list[str]
    validated: bool
    field_count: int


class LiveOut(Schema):
    kind: str
    version: VersionOut


class ChoiceOut(Schema):
    value: str
    labels: dict[str, str]


class FieldOut(Schema):
    name: str
    path: str
    kind: str
    type: str
    repeat: str | None
    labels: dict[str, str]
    choice_list: str | None
    select_multiple: bool
    relevant: str | None
    constraint: str | None
    required: str | None
    calculate: str | None


class SchemaOut(Schema):
    form_id: str
    version: str
    languages: list[str]
    default_language: str | None
    fields: list[FieldOut]
    repeats: list[str]
    choice_lists: dict[str, list[ChoiceOut]]


def _version_out(version: Any) -> VersionOut:
    return VersionOut(
        id=version.pk,
        form_id=version.definition.form_id,
        kind=version.definition.kind,
        version=version.version,
        state=version.state,
        title=version.title,
        md5=version.md5,
        media_files=list(version.media_files),
        validated=version.validated,
        field_count=version.field_count,
    )


def _require_view(request: HttpRequest) -> None:
    if not can_view_forms(request.user):
        raise ApplicationError(PERMISSION_DENIED)


@router.get("/versions", response=list[VersionOut], summary="Form versions the user may see")
def versions_read(request: HttpRequest) -> list[VersionOut]:
    _require_view(request)
    return [
        _version_out(v) for d in form_definition_list(actor=request.user) for v in d.versions.all()
    ]


@router.get(
    "/campaigns/{campaign_id}/live",
    response=list[LiveOut],
    summary="The version a campaign uses for each kind of form",
)
def live_read(request: HttpRequest, campaign_id: int) -> list[LiveOut]:
    _require_view(request)
    campaign = access_campaign(actor=request.user, campaign_id=campaign_id)
    return [
        LiveOut(kind=kind, version=_version_out(row.version))
        for kind, row in sorted(live_forms(campaign=campaign).items())
    ]


@router.get("/versions/{version_id}/schema", response=SchemaOut, summary="Fields of a version")
def schema_read(request: HttpRequest, version_id: int) -> SchemaOut:
    _require_view(request)
    version = access_form_version(actor=request.user, version_id=version_id)
    schema = extract_schema(version.xform)
    return SchemaOut(
        form_id=schema.form_id,
        version=schema.version,
        languages=list(schema.languages),
        default_language=schema.default_language,
        fields=[
            FieldOut(
                name=f.name,
                path=f.path,
                kind=f.kind,
                type=f.type,
                repeat=f.repeat,
                labels=f.labels,
                choice_list=f.choice_list,
                select_multiple=f.select_multiple,
                relevant=f.relevant,
                constraint=f.constraint,
                required=f.required,
                calculate=f.calculate,
            )
            for f in schema.fields
        ],
        repeats=[r.path for r in schema.repeats],
        choice_lists={
            name: [ChoiceOut(value=c.value, labels=c.labels) for c in choices]
            for name, choices in schema.choice_lists.items()
        },
    )
