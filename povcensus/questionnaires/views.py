"""Questionnaire pages: list, upload, version detail, downloads, live setting, preview."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.models import Campaign
from povcensus.campaign.selectors import campaign_current
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.questionnaires import errors
from povcensus.questionnaires.models import FormKind, FormVersion, VersionState
from povcensus.questionnaires.preview import SubmissionUnreadable, income_check, read_submission
from povcensus.questionnaires.selectors import (
    access_form_version,
    can_manage,
    can_view_forms,
    form_definition_list,
    live_forms,
    published_version,
    version_media,
)
from povcensus.questionnaires.services import (
    form_live_set,
    form_upload,
    form_version_discard,
    form_version_publish,
)
from povcensus.questionnaires.xform_schema import FormSchema, extract_schema
from povcensus.register.models import Household
from povcensus.register.selectors import access_household, household_list, household_members

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_HOUSEHOLD_CHOICES = 200
# Register fields the household form prefills, as (submission field, register attribute).
HOUSEHOLD_PREFILL = [
    ("reg_head_name", "head_name"),
    ("reg_village_code", "village_id"),
    ("reg_size", "size_registered"),
    ("reg_attribute", "attribute"),
    ("reg_exit_status", "exit_status"),
    ("reg_main_cause", "main_cause"),
    ("reg_phone", "phone"),
    ("a_attribute", "attribute"),
    ("a_exit_status", "exit_status"),
    ("a_main_cause", "main_cause"),
    ("a_identification_standard", "identification_standard"),
]
MEMBER_PREFILL = [
    ("m_reg_name", "name"),
    ("m_reg_id_number", "id_number"),
    ("m_reg_relation", "relation"),
    ("m_reg_sex", "sex"),
    ("m_name", "name"),
    ("m_id_number", "id_number"),
    ("m_relation", "relation"),
    ("m_sex", "sex"),
]


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("XLSForm 文件（.xlsx）"))
    kind = forms.ChoiceField(label=gettext_lazy("表单类别"), choices=FormKind.choices)


def _require_view(request: HttpRequest) -> None:
    if not can_view_forms(request.user):
        raise ApplicationError(PERMISSION_DENIED)


def _upload_area(request: HttpRequest, campaign: Campaign | None) -> str | None:
    """The area a new form belongs to: the current campaign's, else the actor's widest."""
    scope = scope_of(request.user)
    if campaign is not None and scope.allows(Perm.FORM_MANAGE, campaign.area_id):
        return campaign.area_id
    areas = [a for a in scope.areas_for(Perm.FORM_MANAGE) if a]
    return areas[0] if areas else None


@login_required
def form_list_view(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    campaign = campaign_current(actor=request.user)
    live = live_forms(campaign=campaign) if campaign else {}
    live_ids = {row.version_id for row in live.values()}
    area = _upload_area(request, campaign)
    form = UploadForm(request.POST or None, request.FILES or None)
    upload_messages: list[dict[str, Any]] = []
    if request.method == "POST":
        if area is None:
            raise ApplicationError(PERMISSION_DENIED)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = form_upload(
                    actor=request.user,
                    data=upload.read(),
                    filename=upload.name,
                    kind=FormKind(form.cleaned_data["kind"]),
                    area_code=area,
                )
            except ApplicationError as error:
                form.add_error(None, f"[{error.code}] {error.message}")
                upload_messages = error.details.get("messages", [])
            else:
                messages.success(
                    request,
                    _("已保存草稿：%(form_id)s 版本 %(version)s。请预览无误后发布。")
                    % {"form_id": version.definition.form_id, "version": version.version},
                )
                return redirect("questionnaires:version", version_id=version.pk)
    definitions = form_definition_list(actor=request.user)
    rows = [
        {
            "definition": d,
            "versions": list(d.versions.all()),
            "can_manage": can_manage(request.user, d),
        }
        for d in definitions
    ]
    return render(
        request,
        "questionnaires/list.html",
        {
            "campaign": campaign,
            "live": [live[k] for k in FormKind.values if k in live],
            "live_ids": live_ids,
            "rows": rows,
            "form": form if area else None,
            "upload_messages": upload_messages,
        },
        status=400 if request.method == "POST" else 200,  # a valid upload redirected
    )


def _sections(schema: FormSchema, language: str | None) -> list[dict[str, Any]]:
    """Questions per top-level section, for the bar chart of a version's composition."""
    root_depth = 2  # "/data/<section>"
    counts: dict[str, dict[str, Any]] = {}
    for f in schema.fields:
        if f.kind in ("group", "repeat", "meta", "calculate", "note", "hidden"):
            continue
        parts = f.path.split("/")
        key = parts[root_depth] if len(parts) > root_depth + 1 else ""
        if key not in counts:
            label = ""
            if key:
                try:
                    label = schema.by_path("/".join(parts[: root_depth + 1])).label(language)
                except KeyError:
                    label = key
            counts[key] = {"name": key, "label": label or _("（未分组）"), "count": 0}
        counts[key]["count"] += 1
    top = max((c["count"] for c in counts.values()), default=1)
    return [{**c, "pct": round(100 * c["count"] / top)} for c in counts.values()]


@login_required
def version_detail_view(request: HttpRequest, version_id: int) -> HttpResponse:
    version = access_form_version(actor=request.user, version_id=version_id)
    campaign = campaign_current(actor=request.user)
    schema = extract_schema(version.xform)
    language = request.GET.get("lang") or schema.default_language
    fields = [
        {"field": f, "label": f.label(language) if f.labels else ""}
        for f in schema.fields
        if f.kind != "meta"
    ]
    live = live_forms(campaign=campaign) if campaign else {}
    current_live = live.get(version.definition.kind)
    return render(
        request,
        "questionnaires/version.html",
        {
            "version": version,
            "definition": version.definition,
            "schema": schema,
            "fields": fields,
            "sections": _sections(schema, language),
            "language": language,
            "campaign": campaign,
            "is_live": current_live is not None and current_live.version_id == version.pk,
            "current_live": current_live,
            "can_manage": can_manage(request.user, version.definition),
            "can_set_live": campaign is not None
            and scope_of(request.user).allows(Perm.FORM_MANAGE, campaign.area_id),
            "other_versions": version.definition.versions.exclude(pk=version.pk)
            .defer("xlsx", "xform")
            .order_by("-created_at"),
        },
    )


@login_required
@require_POST
def version_publish_view(request: HttpRequest, version_id: int) -> HttpResponse:
    version = access_form_version(actor=request.user, version_id=version_id)
    try:
        form_version_publish(actor=request.user, version=version)
    except ApplicationError as error:
        messages.error(request, f"[{error.code}] {error.message}")
    else:
        messages.success(request, _("版本已发布，今后不能再修改。"))
    return redirect("questionnaires:version", version_id=version.pk)


@login_required
@require_POST
def version_discard_view(request: HttpRequest, version_id: int) -> HttpResponse:
    version = access_form_version(actor=request.user, version_id=version_id)
    try:
        form_version_discard(actor=request.user, version=version)
    except ApplicationError as error:
        messages.error(request, f"[{error.code}] {error.message}")
        return redirect("questionnaires:version", version_id=version.pk)
    messages.success(request, _("草稿已删除。"))
    return redirect("questionnaires:list")


@login_required
@require_POST
def version_live_view(request: HttpRequest, version_id: int) -> HttpResponse:
    version = access_form_version(actor=request.user, version_id=version_id)
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    try:
        form_live_set(actor=request.user, campaign=campaign, version=version)
    except ApplicationError as error:
        messages.error(request, f"[{error.code}] {error.message}")
    else:
        messages.success(
            request,
            _("“%(campaign)s”今后使用此版本。") % {"campaign": campaign.name},
        )
    return redirect("questionnaires:version", version_id=version.pk)


def _download(version: FormVersion, what: str) -> HttpResponse:
    name = f"{version.definition.form_id}-{version.version}"
    if what == "xlsx":
        response = HttpResponse(bytes(version.xlsx), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}.xlsx"
    else:
        response = HttpResponse(version.xform, content_type="text/xml; charset=utf-8")
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{name}.xml"
        response["X-Content-MD5"] = version.md5
    return response


@login_required
def version_download_view(request: HttpRequest, version_id: int, what: str) -> HttpResponse:
    return _download(access_form_version(actor=request.user, version_id=version_id), what)


@login_required
def published_download_view(
    request: HttpRequest, form_id: str, version: str, what: str
) -> HttpResponse:
    """A published version by form id + version (what submissions and devices refer to)."""
    _require_view(request)
    found = published_version(form_id=form_id, version=version)
    if found is None:
        raise ApplicationError(NOT_FOUND)
    access_form_version(actor=request.user, version_id=found.pk)
    return _download(found, what)


def _preview_household(request: HttpRequest, campaign: Campaign | None) -> Household | None:
    raw = request.GET.get("household", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise ApplicationError(NOT_FOUND)
    household = access_household(actor=request.user, household_id=int(raw))
    if campaign is not None and household.campaign_id != campaign.pk:
        raise ApplicationError(NOT_FOUND)
    return household


@login_required
def preview_view(request: HttpRequest, version_id: int) -> HttpResponse:
    """The version rendered by the browser engine (Web Forms), in Chinese or English."""
    _require_view(request)
    version = access_form_version(actor=request.user, version_id=version_id)
    campaign = campaign_current(actor=request.user)
    household = _preview_household(request, campaign)
    needs_household = "households.csv" in version.media_files
    choices = []
    if campaign is not None and needs_household:
        choices = list(
            household_list(actor=request.user, campaign_id=campaign.pk).only(
                "id", "number", "head_name", "village__name"
            )[:PREVIEW_HOUSEHOLD_CHOICES]
        )
        if household is None and choices and version.definition.kind == FormKind.HOUSEHOLD:
            household = choices[0]
    language = "en" if request.GET.get("lang") == "en" else "zh"
    return render(
        request,
        "questionnaires/preview.html",
        {
            "version": version,
            "definition": version.definition,
            "campaign": campaign,
            "household": household,
            "choices": choices,
            "needs_household": needs_household,
            "language": language,
        },
    )


@login_required
def preview_form_view(request: HttpRequest, version_id: int) -> HttpResponse:
    _require_view(request)
    version = access_form_version(actor=request.user, version_id=version_id)
    return HttpResponse(version.xform, content_type="text/xml; charset=utf-8")


@login_required
def preview_media_view(request: HttpRequest, version_id: int, filename: str) -> HttpResponse:
    """Prefill files for the preview: only the chosen household, read through its scope.

    Without a chosen household the household lists are empty; villages.csv then lists
    the villages of the households the actor may see.
    """
    _require_view(request)
    version = access_form_version(actor=request.user, version_id=version_id)
    if filename not in version.media_files:
        raise ApplicationError(errors.UNKNOWN_MEDIA, filename=filename)
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    household = _preview_household(request, campaign)
    if household is not None:
        households = Household.objects.filter(pk=household.pk)
    elif version.definition.kind in (FormKind.HOUSEHOLD,):
        households = Household.objects.none()
    else:
        households = household_list(actor=request.user, campaign_id=campaign.pk)[
            :PREVIEW_HOUSEHOLD_CHOICES
        ]
        households = Household.objects.filter(pk__in=[h.pk for h in households])
    files = version_media(version=version, campaign=campaign, households=households)
    media = files.get(filename)
    if media is None:
        raise ApplicationError(errors.UNKNOWN_MEDIA, filename=filename)
    response = HttpResponse(media.content, content_type=f"{media.content_type}; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def preview_check_view(request: HttpRequest, version_id: int) -> HttpResponse:
    """Read what the engine would submit and show it beside the register; store nothing."""
    _require_view(request)
    version = access_form_version(actor=request.user, version_id=version_id)
    upload = request.FILES.get("xml_submission_file")
    if upload is None:
        raise ApplicationError(errors.SUBMISSION_UNREADABLE, reason="xml_submission_file")
    schema = extract_schema(version.xform)
    try:
        submission = read_submission(upload.read(), schema)
    except SubmissionUnreadable as error:
        raise ApplicationError(errors.SUBMISSION_UNREADABLE, reason=str(error)) from error
    campaign = campaign_current(actor=request.user)
    household = _preview_household(request, campaign)
    prefill_rows: list[dict[str, Any]] = []
    member_rows: list[dict[str, Any]] = []
    if household is not None and submission.get("hh_number") == household.number:
        for field_name, attribute in HOUSEHOLD_PREFILL:
            expected = str(getattr(household, attribute) or "")
            got = submission.get(field_name)
            prefill_rows.append(
                {"field": field_name, "register": expected, "submitted": got, "ok": got == expected}
            )
        members = list(household_members(household=household))
        submitted_members = submission.repeats.get("members", [])
        for index, member in enumerate(members):
            row = submitted_members[index] if index < len(submitted_members) else {}
            for field_name, attribute in MEMBER_PREFILL:
                expected = str(getattr(member, attribute) or "")
                got = row.get(field_name)
                member_rows.append(
                    {
                        "member": index + 1,
                        "field": field_name,
                        "register": expected,
                        "submitted": got,
                        "ok": got == expected,
                    }
                )
    income = income_check(submission) if "members" in submission.repeats else None
    answered = sum(1 for value in submission.values.values() if value) + sum(
        1 for rows in submission.repeats.values() for row in rows for value in row.values() if value
    )
    attachments = sorted(name for name in request.FILES if name != "xml_submission_file")
    return render(
        request,
        "questionnaires/_preview_result.html",
        {
            "submission": submission,
            "household": household,
            "prefill_rows": prefill_rows,
            "member_rows": member_rows,
            "prefill_ok": all(r["ok"] for r in prefill_rows + member_rows),
            "income": income,
            "answered": answered,
            "attachments": attachments,
            "state_published": version.state == VersionState.PUBLISHED,
        },
    )
