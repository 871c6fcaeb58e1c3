"""Pages of collection.

Attachment downloads (scoped), the Collect settings QR code, and browser collection: the
enumerator's worklist, the Web Forms pages, the service worker.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zlib
from datetime import date
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment.selectors import field_period
from povcensus.campaign.selectors import campaign_current
from povcensus.collection import errors
from povcensus.collection.models import Submission
from povcensus.collection.selectors import (
    CollectUnit,
    access_collect_unit,
    access_collect_unit_of,
    access_editable_submission,
    access_submission,
    attachment_names,
    collect_worklist,
)
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError


@login_required
def attachment_download(request: HttpRequest, submission_id: int, name: str) -> FileResponse:
    submission = access_submission(actor=request.user, submission_id=submission_id)
    attachment = submission.attachments.filter(name=name).first()
    if attachment is None:
        raise ApplicationError(NOT_FOUND)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def collect_settings_payload(*, server_url: str, username: str, project: str) -> str:
    """ODK Collect's QR settings: JSON, zlib-compressed, Base64 (tech-notes §1.1)."""
    settings = {
        "general": {
            "server_url": server_url,
            "username": username,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": {"name": project, "icon": "调", "color": "#b4232a"},
    }
    return base64.b64encode(
        zlib.compress(json.dumps(settings, ensure_ascii=False).encode("utf-8"))
    ).decode("ascii")


@login_required
def collect_settings(request: HttpRequest) -> HttpResponse:
    """The QR code an enumerator scans in ODK Collect to set up their account."""
    server_url = request.build_absolute_uri("/").rstrip("/")
    payload = collect_settings_payload(
        server_url=server_url, username=request.user.get_username(), project="脱贫攻坚调查"
    )
    svg = segno.make(payload, error="m").svg_inline(scale=4, dark="#1f2328")
    return render(
        request,
        "collection/collect_settings.html",
        {"qr_svg": svg, "server_url": server_url, "username": request.user.get_username()},
    )


# --- browser collection ------------------------------------------------------------------

WEBFORMS_STATIC = "questionnaires/webforms"
_OFFLINE_STATIC = [
    "core/app.css",
    "core/app.js",
    "core/favicon.svg",
    "questionnaires/questionnaires.css",
    "collection/collect.css",
]


def collect_i18n() -> dict[str, str]:
    """The texts of the collection script, in the page's language ({n}, {error}: values)."""
    return {
        "online": _("在线"),
        "offline": _("离线：问卷保存在本机，联网后自动发送"),
        "offline_ready": _("已可离线使用：任务清单和 {n} 个文件已保存在本机。"),
        "offline_partial": _("部分文件未能保存到本机（{n} 个），离线时可能无法打开。"),
        "offline_unsupported": _("此浏览器不支持离线使用，请保持联网。"),
        "waiting": _("等待发送"),
        "sending": _("正在发送"),
        "sent": _("已发送"),
        "refused": _("被拒收"),
        "conflict": _("冲突（409）"),
        "retry": _("重新发送"),
        "remove": _("移除"),
        "edit": _("修改版"),
        "attempts": _("已尝试 {n} 次"),
        "queued": _("问卷已保存到本机的待发送队列，联网后自动发送。"),
        "session": _("登录已过期：请重新登录，问卷仍在队列中。"),
        "network": _("网络不通，稍后自动重试。"),
        "server": _("服务器暂时无法处理（{error}），稍后自动重试。"),
        "load_failed": _("问卷无法打开：{error}"),
        "confirm_remove": _("确定从队列中移除这份问卷吗？移除后无法恢复。"),
        "back": _("返回任务清单"),
    }


def _language(request: HttpRequest) -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh"


def _require_collector(request: HttpRequest) -> None:
    if not scope_of(request.user).has_perm(Perm.SUBMISSION_CREATE):
        raise ApplicationError(PERMISSION_DENIED)


def _collect_day(request: HttpRequest, campaign: Any) -> date:
    """The day asked for, else today kept inside the field period (as 我的任务 does)."""
    raw = request.GET.get("day", "")
    try:
        if raw:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    today = timezone.localdate()
    if campaign is None:
        return today
    try:
        start, end = field_period(campaign=campaign)
    except ApplicationError:
        return today
    return min(max(today, start), end)


def _form_urls(entry: Any) -> dict[str, Any]:
    version = entry.version
    form_id, number = version.definition.form_id, version.version
    return {
        "form_id": form_id,
        "version": number,
        "title": entry.title,
        "xml_url": reverse("collection:form_download", args=[form_id, number]),
        "media_url": reverse("collection:media", args=[form_id, number, "FILE"]),
        "media": [
            reverse("collection:media", args=[form_id, number, name])
            for name in sorted(version.media_files)
        ],
    }


def _static_bundle_urls() -> list[str]:
    """Every asset the collection pages need offline: the engine bundle and the page styles."""
    urls = [static(path) for path in _OFFLINE_STATIC]
    folder = finders.find(WEBFORMS_STATIC)
    if isinstance(folder, str):
        for name in sorted(os.listdir(folder)):
            if name.endswith((".js", ".css", ".woff", ".woff2", ".ttf", ".png", ".svg")):
                urls.append(static(f"{WEBFORMS_STATIC}/{name}"))
    return urls


def _unit_json(unit: CollectUnit) -> dict[str, Any]:
    assignment, household, appointment = unit.assignment, unit.household, unit.appointment
    current = unit.current
    edit_id = unit.edit_submission_id or (current.pk if current is not None else None)
    return {
        "id": assignment.pk,
        "kind": assignment.kind,
        "label": unit.label,
        "household_number": household.number if household else None,
        "head_name": household.head_name if household else None,
        "phone": household.phone if household else None,
        "village_code": assignment.village_id,
        "village_name": assignment.village.name,
        "status": assignment.status,
        "status_label": assignment.get_status_display(),
        "appointment": None
        if appointment is None
        else {
            "day": appointment.day.isoformat(),
            "starts_at": appointment.starts_at.strftime("%H:%M"),
            "ends_at": appointment.ends_at.strftime("%H:%M") if appointment.ends_at else None,
        },
        "today": unit.today,
        "form": _form_urls(unit.form) if unit.form is not None else None,
        "open_url": reverse("collection:collect_unit", args=[assignment.pk]),
        "current_submission": None
        if current is None
        else {
            "id": current.pk,
            "instance_id": current.instance_id,
            "version": current.version_number,
            "received_at": current.received_at.isoformat(),
        },
        "returned": unit.returned,
        "comments": unit.comments,
        "edit_of": unit.edit_of or None,
        "edit_submission_id": edit_id,
        "edit_url": reverse("collection:collect_edit", args=[edit_id]) if edit_id else None,
    }


def _offline_urls(units: list[dict[str, Any]]) -> list[str]:
    urls = [reverse("collection:collect"), reverse("collection:collect_units")]
    edited = {unit["edit_submission_id"]: unit for unit in units if unit["edit_submission_id"]}
    attachments = attachment_names(submission_ids=list(edited))
    for unit in units:
        if unit["form"] is not None:
            urls.append(unit["open_url"])
            urls.append(unit["form"]["xml_url"])
            urls.extend(unit["form"]["media"])
    for submission_id, unit in edited.items():
        urls.append(unit["edit_url"])
        urls.append(reverse("collection:collect_instance", args=[submission_id]))
        for name in attachments.get(submission_id, []):
            urls.append(reverse("collection:attachment", args=[submission_id, name]))
    urls.extend(_static_bundle_urls())
    return list(dict.fromkeys(urls))


@login_required
def collect_view(request: HttpRequest) -> HttpResponse:
    """The enumerator's browser worklist: returned cases, the day's appointments, the rest."""
    _require_collector(request)
    campaign = campaign_current(actor=request.user)
    day = _collect_day(request, campaign)
    work = collect_worklist(actor=request.user, day=day, campaign=campaign)
    return render(
        request,
        "collection/collect.html",
        {
            "work": work,
            "day": day,
            "units_url": reverse("collection:collect_units"),
            "collect_i18n": collect_i18n(),
        },
    )


@login_required
def collect_units_view(request: HttpRequest) -> JsonResponse:
    """The worklist as JSON (the page's offline copy, and what the service worker caches)."""
    _require_collector(request)
    campaign = campaign_current(actor=request.user)
    day = _collect_day(request, campaign)
    work = collect_worklist(actor=request.user, day=day, campaign=campaign)
    units = [_unit_json(unit) for unit in work.units]
    response = JsonResponse(
        {
            "day": day.isoformat(),
            "campaign": None
            if work.campaign is None
            else {"id": work.campaign.pk, "name": work.campaign.name},
            "teams": [team.code for team in work.teams],
            "units": units,
            "offline_urls": _offline_urls(units),
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "private, no-cache"
    return response


def _form_page(
    request: HttpRequest, *, unit: CollectUnit, submission: Submission | None
) -> HttpResponse:
    if unit.form is None:
        raise ApplicationError(errors.NO_LIVE_FORM, kind=unit.assignment.get_kind_display())
    context: dict[str, Any] = {
        "unit": unit,
        "form": _form_urls(unit.form),
        "submission": submission,
        "language": _language(request),
        "collect_i18n": collect_i18n(),
    }
    if submission is not None:
        context["instance_url"] = reverse("collection:collect_instance", args=[submission.pk])
        context["attachment_url"] = reverse("collection:attachment", args=[submission.pk, "FILE"])
        context["attachment_names"] = list(submission.attachments.values_list("name", flat=True))
    response = render(request, "collection/collect_form.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def collect_unit_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """A new questionnaire for one of the team's units, prefilled from the register."""
    _require_collector(request)
    unit = access_collect_unit(actor=request.user, assignment_id=assignment_id)
    return _form_page(request, unit=unit, submission=None)


@login_required
def collect_edit_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The unit's last version opened as an edit (its instanceID becomes the deprecatedID)."""
    _require_collector(request)
    submission = access_editable_submission(actor=request.user, submission_id=submission_id)
    if submission.pk != submission_id:
        return redirect("collection:collect_edit", submission.pk)
    unit = access_collect_unit_of(actor=request.user, submission=submission)
    return _form_page(request, unit=unit, submission=submission)


@login_required
def collect_instance_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The XML of a version being edited (read through the same scope as its page)."""
    _require_collector(request)
    submission = access_editable_submission(actor=request.user, submission_id=submission_id)
    response = HttpResponse(submission.xml.encode("utf-8"), content_type="text/xml; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    return response


def _openrosa_forms_prefix() -> str:
    """``/openrosa/forms/`` under the site's root (form definitions and their media)."""
    xml_url = reverse("collection:form_download", args=["FORM", "VERSION"])
    return xml_url[: xml_url.index("FORM/")]


@login_required
def collect_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that keeps the worklist, forms and assets available offline."""
    # A new bundle (new hashed names) gives a new cache name, so old assets are dropped.
    assets = _static_bundle_urls()
    version = hashlib.sha256("\n".join(assets).encode()).hexdigest()[:12]
    response = render(
        request,
        "collection/sw.js",
        {
            "version": version,
            "assets_json": json.dumps(assets),
            "static_prefix": settings.STATIC_URL,
            "worklist_url": reverse("collection:collect"),
            # Pages and data kept offline: the collection pages and the OpenRosa forms/media.
            "kept_json": json.dumps([reverse("collection:collect"), _openrosa_forms_prefix()]),
        },
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def home_card_context(request: HttpRequest, campaign: Any) -> dict[str, Any]:
    """The 调查采集 card of an enumerator's home page."""
    work = collect_worklist(
        actor=request.user, day=_collect_day(request, campaign), campaign=campaign
    )
    return {
        "teams": work.teams,
        "total": len(work.units),
        "submitted": sum(1 for u in work.units if u.current is not None),
        "to_fill": sum(1 for u in work.units if u.current is None and u.form is not None),
        "returned": sum(1 for u in work.units if u.returned),
    }
