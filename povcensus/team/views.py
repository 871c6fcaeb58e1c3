"""Team pages and the staff sheet import (dry run → commit → passwords shown once)."""

from __future__ import annotations

import base64
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from povcensus.accounts.models import User
from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.campaign.selectors import campaign_current
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.team import errors
from povcensus.team.exports import credentials_xlsx, staff_template_xlsx
from povcensus.team.forms import StaffImportForm, TeamForm
from povcensus.team.selectors import access_team, team_list
from povcensus.team.services import staff_import, team_create

_MAX_STAFF_FILE = 2 * 1024 * 1024
_PENDING = "team.staff_import.pending"
_CREDENTIALS = "team.staff_import.credentials"


def _campaign_or_404(request: HttpRequest) -> Campaign:
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    return campaign


@login_required
def team_list_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign_or_404(request)
    teams = team_list(actor=request.user, campaign_id=campaign.pk)
    can_manage = scope_of(request.user).has_perm(Perm.TEAM_MANAGE)
    return render(
        request, "team/list.html", {"campaign": campaign, "teams": teams, "can_manage": can_manage}
    )


@login_required
def team_detail_view(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_team(actor=request.user, team_id=team_id)
    return render(request, "team/detail.html", {"team": team})


def _user_by_name(username: str) -> User:
    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise ApplicationError(NOT_FOUND)
    return user


@login_required
def team_create_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign_or_404(request)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = team_create(
                actor=request.user,
                campaign=campaign,
                code=data["code"].strip(),
                name=data["name"],
                posted_area_code=data["posted_area_code"].strip(),
                supervisor=_user_by_name(data["supervisor"]),
                enumerators=[
                    _user_by_name(data["enumerator_1"]),
                    _user_by_name(data["enumerator_2"]),
                ],
                daily_capacity=data["daily_capacity"],
            )
        except ApplicationError as error:
            form.add_error(None, f"[{error.code}] {error.message}")
        else:
            messages.success(request, _("调查小组已组建。"))
            return redirect("team:detail", team_id=team.pk)
    return render(request, "team/form.html", {"form": form, "campaign": campaign})


@login_required
def staff_template_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        staff_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''staff-template.xlsx"
    return response


@login_required
def staff_import_view(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).has_perm(Perm.USER_MANAGE):
        raise ApplicationError(PERMISSION_DENIED)
    campaign = _campaign_or_404(request)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "campaign": campaign}
    if request.method != "POST":
        return render(request, "team/staff_import.html", context)

    if request.POST.get("op") == "commit":
        pending = request.session.get(_PENDING)
        if not pending:
            messages.error(request, _("请重新上传账号表。"))
            return redirect("team:staff_import")
        data = base64.b64decode(pending["data"])
        try:
            report = staff_import(actor=request.user, campaign=campaign, data=data, dry_run=False)
        except ApplicationError as error:
            failed_report = error.details.get("report")
            messages.error(request, f"[{error.code}] {error.message}")
            return render(
                request,
                "team/staff_import.html",
                {**context, "report": failed_report, "filename": pending["name"]},
            )
        del request.session[_PENDING]
        batch = uuid.uuid4().hex
        request.session[_CREDENTIALS] = {
            "batch": batch,
            "rows": report.credentials(),
            "campaign": campaign.name,
        }
        return render(
            request, "team/staff_import_done.html", {**context, "report": report, "batch": batch}
        )

    if not form.is_valid():
        return render(request, "team/staff_import.html", context)
    upload = form.cleaned_data["file"]
    if upload.size > _MAX_STAFF_FILE:
        form.add_error(
            "file", ApplicationError(errors.STAFF_FILE_UNREADABLE, reason="> 2 MB").message
        )
        return render(request, "team/staff_import.html", context)
    data = upload.read()
    try:
        report = staff_import(actor=request.user, campaign=campaign, data=data, dry_run=True)
    except ApplicationError as error:
        form.add_error("file", f"[{error.code}] {error.message}")
        return render(request, "team/staff_import.html", context)
    if report.error_count == 0:
        request.session[_PENDING] = {"name": upload.name, "data": base64.b64encode(data).decode()}
    return render(
        request, "team/staff_import.html", {**context, "report": report, "filename": upload.name}
    )


@login_required
def credentials_download_view(request: HttpRequest, batch: str) -> HttpResponse:
    """Hand out the initial passwords of an import exactly once, then forget them."""
    stored = request.session.get(_CREDENTIALS)
    if not stored or stored.get("batch") != batch:
        raise ApplicationError(errors.CREDENTIALS_GONE)
    del request.session[_CREDENTIALS]
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="team.credentials_downloaded",
            object_type="staff_import",
            object_id=batch,
            after={"accounts": [row["username"] for row in stored["rows"]]},
        )
    body = credentials_xlsx(stored["rows"], title=f"{stored['campaign']} 调查人员初始密码")
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''credentials-{batch[:8]}.xlsx"
    response["Cache-Control"] = "no-store"
    return response
