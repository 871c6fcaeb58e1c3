"""Reads of questionnaires, the versions campaigns use, and the prefill media of a version.

Form definitions carry no personal data; they are visible to whoever holds ``form.manage``
or ``submission.view`` inside or above the owning area.  Prefill media do carry personal
data: :func:`version_media` writes exactly the households it is given, so callers pass a
set they are entitled to (the preview passes one household read through the register's
scoped selector; the collection app passes the households assigned to a team).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.models import Campaign
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.geography.models import Area
from povcensus.questionnaires.models import (
    FormDefinition,
    FormKind,
    FormVersion,
    LiveForm,
    VersionState,
)
from povcensus.questionnaires.prefill import (
    MediaFile,
    PrefillHousehold,
    PrefillMember,
    build_prefill,
)
from povcensus.register.models import MEMBER_ANSWER_FIELDS, Household, Member

VIEW_PERMS = (Perm.FORM_MANAGE, Perm.SUBMISSION_VIEW)


def can_view_forms(actor: Any) -> bool:
    scope = scope_of(actor)
    return any(scope.has_perm(perm) for perm in VIEW_PERMS)


def _visible(actor: Any, area_code: str) -> bool:
    scope = scope_of(actor)
    return any(scope.overlaps(perm, area_code) for perm in VIEW_PERMS)


def can_manage(actor: Any, definition: FormDefinition) -> bool:
    return scope_of(actor).allows(Perm.FORM_MANAGE, definition.area_id)


def form_definition_list(*, actor: Any) -> list[FormDefinition]:
    """Definitions the actor may see, each with its versions (newest first)."""
    definitions = FormDefinition.objects.select_related("area").prefetch_related(
        Prefetch(
            "versions",
            queryset=FormVersion.objects.defer("xlsx", "xform").order_by("-created_at"),
        )
    )
    return [d for d in definitions if _visible(actor, d.area_id)]


def access_form_definition(*, actor: Any, definition_id: int) -> FormDefinition:
    definition = FormDefinition.objects.select_related("area").filter(pk=definition_id).first()
    if definition is None or not _visible(actor, definition.area_id):
        raise ApplicationError(NOT_FOUND)
    return definition


def access_form_version(*, actor: Any, version_id: int) -> FormVersion:
    version = (
        FormVersion.objects.select_related("definition", "definition__area")
        .filter(pk=version_id)
        .first()
    )
    if version is None or not _visible(actor, version.definition.area_id):
        raise ApplicationError(NOT_FOUND)
    return version


def published_version(*, form_id: str, version: str) -> FormVersion | None:
    """The published version ``form_id`` + ``version`` (what a submission names), if any."""
    return (
        FormVersion.objects.select_related("definition")
        .filter(definition__form_id=form_id, version=version, state=VersionState.PUBLISHED)
        .first()
    )


def live_forms(*, campaign: Campaign) -> dict[str, LiveForm]:
    """The version in use for each kind of form in ``campaign`` (kind → LiveForm)."""
    rows = LiveForm.objects.filter(campaign=campaign).select_related(
        "version", "version__definition", "set_by"
    )
    return {row.kind: row for row in rows}


def live_version_ids(*, campaign: Campaign) -> dict[str, int]:
    """The id of the version in use for each kind of form in ``campaign`` (kind → id)."""
    return dict(LiveForm.objects.filter(campaign=campaign).values_list("kind", "version_id"))


def live_version(*, campaign: Campaign, kind: FormKind) -> FormVersion | None:
    row = (
        LiveForm.objects.filter(campaign=campaign, kind=kind)
        .select_related("version", "version__definition")
        .first()
    )
    return row.version if row else None


HOUSEHOLD_COLUMNS = (
    "pk",
    "number",
    "head_name",
    "village_id",
    "village__name",
    "size_registered",
    "identification_standard",
    "attribute",
    "exit_status",
    "exit_year",
    "main_cause",
    "other_causes",
    "phone",
)
MEMBER_COLUMNS = ("household_id", *MEMBER_ANSWER_FIELDS)


def prefill_households(households: QuerySet[Household]) -> list[PrefillHousehold]:
    """Prefill records of ``households`` (a set the caller is entitled to), two queries.

    Plain rows rather than model instances: a county's prefill holds tens of thousands of
    households and several times as many members.
    """
    members: dict[int, list[PrefillMember]] = {}
    member_rows = (
        Member.objects.filter(household__in=households.values("pk"))
        .order_by("household_id", "seq")
        .values_list(*MEMBER_COLUMNS)
    )
    for household_id, seq, *values in member_rows.iterator(chunk_size=5000):
        name, sex, id_type, id_number, relation, ethnicity, education, student, health = values[:9]
        labour, work, months = values[9:]
        members.setdefault(household_id, []).append(
            PrefillMember(
                seq=seq,
                name=name,
                sex=sex,
                id_type=id_type or "1",
                id_number=id_number,
                relation=relation,
                ethnicity=ethnicity,
                education=education,
                student_status=student,
                health=health,
                labour_skill=labour,
                work_status=work,
                work_months=months,
            )
        )
    result = []
    for row in households.order_by().values_list(*HOUSEHOLD_COLUMNS).iterator(chunk_size=5000):
        pk, number, head, village, village_name, size, standard, attribute, exit_status = row[:9]
        exit_year, main_cause, other_causes, phone = row[9:]
        result.append(
            PrefillHousehold(
                number=number,
                head_name=head,
                village_code=village,
                village_name=village_name,
                size=size,
                identification_standard=standard,
                attribute=attribute,
                exit_status=exit_status,
                exit_year=exit_year,
                main_cause=main_cause,
                other_causes=tuple(other_causes or ()),
                phone=phone,
                members=tuple(members.get(pk, ())),
            )
        )
    return result


def version_media(
    *,
    version: FormVersion,
    campaign: Campaign,
    households: QuerySet[Household],
    villages: Iterable[Area] | None = None,
) -> dict[str, MediaFile]:
    """The media files form version ``version`` needs, for the household set ``households``.

    Only the files the form names (``version.media_files``) are built.  ``villages``
    (default: the villages of ``households``) fills villages.csv, so a team assigned a
    village without households still gets it.  Not scoped: the caller chooses the set.
    """
    prefill = prefill_households(households)
    files = build_prefill(
        prefill,
        campaign_name=campaign.name,
        reference_date=campaign.reference_date,
        income_line=campaign.income_line,
        wanted=version.media_files,
    )
    if villages is not None and "villages.csv" in files:
        from povcensus.questionnaires.prefill import villages_csv

        counts: dict[str, int] = {}
        for h in prefill:
            counts[h.village_code] = counts.get(h.village_code, 0) + 1
        files["villages.csv"] = villages_csv(
            (area.code, area.name, counts.get(area.code, 0)) for area in villages
        )
    return files
