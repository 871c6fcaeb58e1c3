"""Assignment pages: the office's 任务分配, the villages' 预约与引导, the teams' 我的任务."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment import errors, selectors
from povcensus.assignment.evidence import MAX_BYTES
from povcensus.assignment.forms import (
    ApplyForm,
    AppointmentForm,
    AssignForm,
    AutoAssignForm,
    GuideForm,
    NonInterviewForm,
    ReassignForm,
    UploadForm,
)
from povcensus.assignment.models import (
    Document,
    NonInterviewEvidence,
    UnitKind,
    UnitStatus,
)
from povcensus.assignment.services import (
    appointment_record,
    appointment_reschedule,
    assignment_reassign,
    assignment_upload,
    auto_assign_apply,
    auto_assign_preview,
    guide_record,
    guide_remove,
    non_interview_record,
    notice_list_export,
    units_assign,
)
from povcensus.campaign.models import Campaign
from povcensus.campaign.selectors import campaign_current
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area

_MAX_UPLOAD = 5 * 1024 * 1024
_PENDING_UPLOAD = "assignment.upload.pending"


def _campaign(request: HttpRequest) -> Campaign:
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    return campaign


def _require(request: HttpRequest, perm: Perm) -> None:
    if not scope_of(request.user).has_perm(perm):
        raise ApplicationError(PERMISSION_DENIED)


def _error_text(error: ApplicationError) -> str:
    return f"[{error.code}] {error.message}"


def _chart(rows: list[Any], value: str, *, low: str = "", high: str = "") -> list[dict[str, Any]]:
    """Bar widths (percent) for a per-team bar chart; the band shows the balance bounds."""
    peak = max(
        [getattr(r, value) for r in rows] + [getattr(r, high) if high else 0 for r in rows] + [1]
    )
    bars = []
    for row in rows:
        bars.append(
            {
                "row": row,
                "label": row.code if hasattr(row, "code") else row.team.code,
                "target": getattr(row, "target", None),
                "value": getattr(row, value),
                "pct": round(100 * getattr(row, value) / peak, 1),
                "low_pct": round(100 * getattr(row, low) / peak, 1) if low else None,
                "band_pct": round(100 * (getattr(row, high) - getattr(row, low)) / peak, 1)
                if low and high
                else None,
            }
        )
    return bars


# --- 任务分配 (offices) --------------------------------------------------------------------


@login_required
def overview_view(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ASSIGNMENT_MANAGE)
    campaign = _campaign(request)
    areas = selectors.assignment_areas(actor=request.user, campaign=campaign)
    if not areas:
        raise ApplicationError(PERMISSION_DENIED)
    codes_allowed = {a.code: a for a in areas}
    wanted = request.GET.get("area", "")
    area = codes_allowed.get(wanted) or next(
        (a for a in areas if a.code == campaign.area_id), areas[-1]
    )
    teams = selectors.teams_for_area(campaign=campaign, area_code=area.code)
    loads = selectors.team_loads(campaign=campaign, team_ids=[t.pk for t in teams])
    mapping = selectors.village_mapping(campaign=campaign, area_code=area.code)
    team_codes = {t.pk: t.code for t in teams}
    names = dict(Area.objects.filter(code__in=list(mapping)).values_list("code", "name"))
    villages = [
        {
            "code": code,
            "name": names.get(code, code),
            "parts": sorted(
                ((team_codes.get(t, str(t)), n) for t, n in parts.items()), key=lambda p: -p[1]
            ),
            "total": sum(parts.values()),
        }
        for code, parts in sorted(mapping.items())
    ]
    return render(
        request,
        "assignment/overview.html",
        {
            "campaign": campaign,
            "areas": areas,
            "area": area,
            "loads": loads,
            "bars": _chart(loads, "households"),
            "villages": villages,
            "unassigned_households": selectors.unassigned_households(
                actor=request.user, campaign=campaign, area_code=area.code
            ).count(),
            "unassigned_villages": len(
                selectors.unassigned_villages(
                    actor=request.user, campaign=campaign, area_code=area.code
                )
            ),
            "form": AutoAssignForm(initial={"area": area.code}),
        },
    )


@login_required
def preview_view(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ASSIGNMENT_MANAGE)
    campaign = _campaign(request)
    form = AutoAssignForm(request.GET)
    if not form.is_valid():
        return redirect("assignment:overview")
    try:
        plan = auto_assign_preview(
            actor=request.user,
            campaign=campaign,
            area_code=form.cleaned_data["area"],
            replan=form.cleaned_data["replan"],
        )
    except ApplicationError as error:
        if error.code == "core.permission_denied":
            raise
        messages.error(request, _error_text(error))
        return redirect(f"{reverse('assignment:overview')}?area={form.cleaned_data['area']}")
    return render(
        request,
        "assignment/preview.html",
        {
            "campaign": campaign,
            "plan": plan,
            "bars": _chart(plan.teams, "after", low="low", high="high"),
            "before_bars": _chart(plan.teams, "before"),
        },
    )


@login_required
@require_POST
def apply_view(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ASSIGNMENT_MANAGE)
    campaign = _campaign(request)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(errors.PLAN_STALE)
    area_code = form.cleaned_data["area"]
    try:
        plan = auto_assign_apply(
            actor=request.user,
            campaign=campaign,
            area_code=area_code,
            replan=form.cleaned_data["replan"],
            fingerprint=form.cleaned_data["fingerprint"],
        )
    except ApplicationError as error:
        if error.code == "core.permission_denied":
            raise
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("已分配 %(new)s 个单位，调整 %(moved)s 个单位。")
            % {"new": plan.new_units, "moved": plan.moved_units},
        )
    return redirect(f"{reverse('assignment:overview')}?area={area_code}")


@login_required
def units_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    status = request.GET.get("status", "")
    team_id = request.GET.get("team", "")
    area = request.GET.get("area", "")
    search = request.GET.get("q", "").strip()
    units = selectors.assignment_list(
        actor=request.user,
        campaign_id=campaign.pk,
        area_code=area if area and codes.is_valid_code(area) else None,
        team_id=int(team_id) if team_id.isdigit() else None,
        status=status or None,
        search=search or None,
    )
    page = Paginator(units, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "assignment/units.html",
        {
            "campaign": campaign,
            "page": page,
            "statuses": UnitStatus.choices,
            "status": status,
            "team": team_id,
            "area": area,
            "q": search,
            "teams": selectors.teams_for_area(campaign=campaign, area_code=campaign.area_id),
        },
    )


@login_required
def unassigned_view(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ASSIGNMENT_MANAGE)
    campaign = _campaign(request)
    areas = {a.code: a for a in selectors.assignment_areas(actor=request.user, campaign=campaign)}
    area = areas.get(request.GET.get("area", "")) or areas.get(campaign.area_id)
    if area is None:
        area = next(iter(areas.values()), None)
    if area is None:
        raise ApplicationError(PERMISSION_DENIED)
    form = AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = units_assign(
                actor=request.user,
                campaign=campaign,
                team_id=form.cleaned_data["team"],
                household_ids=[int(h) for h in request.POST.getlist("household") if h.isdigit()],
                village_codes=request.POST.getlist("village"),
            )
        except ApplicationError as error:
            if error.code == "core.permission_denied":
                raise
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("已分配 %(count)s 个单位。") % {"count": len(done)})
            return redirect(f"{reverse('assignment:unassigned')}?area={area.code}")
    entries = selectors.unassigned_households(
        actor=request.user, campaign=campaign, area_code=area.code
    ).select_related("household__village")[:500]
    return render(
        request,
        "assignment/unassigned.html",
        {
            "campaign": campaign,
            "area": area,
            "areas": list(areas.values()),
            "entries": entries,
            "villages": selectors.unassigned_villages(
                actor=request.user, campaign=campaign, area_code=area.code
            ),
            "teams": selectors.teams_for_area(campaign=campaign, area_code=area.code),
            "form": form,
        },
    )


@login_required
def unit_detail_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    unit = selectors.access_assignment(actor=request.user, assignment_id=assignment_id)
    scope = scope_of(request.user)
    appointment = getattr(unit, "appointment", None)
    non_interview = getattr(unit, "non_interview", None)
    viewer: Any = request.user
    is_member = unit.team.members.filter(user_id=viewer.pk).exists()
    return render(
        request,
        "assignment/unit_detail.html",
        {
            "unit": unit,
            "history": selectors.assignment_history(assignment=unit),
            "appointment": appointment,
            "appointment_changes": list(appointment.changes.select_related("changed_by"))
            if appointment
            else [],
            "non_interview": non_interview,
            "can_reassign": scope.allows(Perm.ASSIGNMENT_MANAGE, unit.village_id),
            "can_book": unit.kind == UnitKind.HOUSEHOLD
            and scope.allows(Perm.APPOINTMENT_MANAGE, unit.village_id),
            "can_record_outcome": is_member
            and unit.kind == UnitKind.HOUSEHOLD
            and unit.status != UnitStatus.SUBMITTED,
            "reassign_form": ReassignForm(),
            "teams": [
                t
                for t in selectors.teams_for_area(
                    campaign=unit.campaign, area_code=unit.township_code
                )
                if t.pk != unit.team_id
            ],
            "documents": Document.choices,
        },
    )


@login_required
@require_POST
def reassign_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    form = ReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _error_text(ApplicationError(errors.REASON_REQUIRED)))
        return redirect("assignment:unit", assignment_id=assignment_id)
    try:
        assignment_reassign(
            actor=request.user,
            assignment_id=assignment_id,
            team_id=form.cleaned_data["team"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as error:
        if error.code in ("core.not_found", "core.permission_denied"):
            raise
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已调整分配。"))
    return redirect("assignment:unit", assignment_id=assignment_id)


@login_required
def upload_view(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ASSIGNMENT_MANAGE)
    campaign = _campaign(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "campaign": campaign}
    if request.method != "POST":
        return render(request, "assignment/upload.html", context)
    if request.POST.get("op") == "commit":
        pending = request.session.get(_PENDING_UPLOAD)
        if not pending:
            messages.error(request, _("请重新上传分配表。"))
            return redirect("assignment:upload")
        try:
            report = assignment_upload(
                actor=request.user,
                campaign=campaign,
                data=base64.b64decode(pending["data"]),
                dry_run=False,
            )
        except ApplicationError as error:
            messages.error(request, _error_text(error))
            return render(
                request,
                "assignment/upload.html",
                {**context, "report": error.details.get("report"), "filename": pending["name"]},
            )
        del request.session[_PENDING_UPLOAD]
        messages.success(request, _("分配表已导入。"))
        return render(
            request, "assignment/upload.html", {**context, "report": report, "done": True}
        )
    if not form.is_valid():
        return render(request, "assignment/upload.html", context)
    upload = form.cleaned_data["file"]
    if upload.size > _MAX_UPLOAD:
        form.add_error("file", ApplicationError(errors.UPLOAD_UNREADABLE, reason="> 5 MB").message)
        return render(request, "assignment/upload.html", context)
    data = upload.read()
    try:
        report = assignment_upload(actor=request.user, campaign=campaign, data=data, dry_run=True)
    except ApplicationError as error:
        form.add_error("file", _error_text(error))
        return render(request, "assignment/upload.html", context)
    if report.error_count == 0:
        request.session[_PENDING_UPLOAD] = {
            "name": upload.name,
            "data": base64.b64encode(data).decode(),
        }
    return render(
        request, "assignment/upload.html", {**context, "report": report, "filename": upload.name}
    )


@login_required
def upload_template_view(request: HttpRequest) -> HttpResponse:
    from povcensus.assignment.exports import upload_template_xlsx

    response = HttpResponse(
        upload_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''assignment-template.xlsx"
    return response


# --- 预约与引导 (village cadres, offices) ------------------------------------------------------


@login_required
def appointments_view(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.APPOINTMENT_MANAGE)
    campaign = _campaign(request)
    villages = selectors.appointment_villages(actor=request.user, campaign=campaign)
    if len(villages) == 1:
        return redirect("assignment:village", village_code=villages[0].code)
    return render(
        request, "assignment/appointments.html", {"campaign": campaign, "villages": villages}
    )


def _default_day(campaign: Campaign) -> date:
    today = timezone.localdate()
    try:
        start, end = selectors.field_period(campaign=campaign)
    except ApplicationError:
        return today
    return min(max(today, start), end)


@login_required
def village_view(request: HttpRequest, village_code: str) -> HttpResponse:
    campaign = _campaign(request)
    board = selectors.village_board(
        actor=request.user, campaign=campaign, village_code=village_code
    )
    village = Area.objects.get(code=village_code)
    guide_form = GuideForm(request.POST or None, initial={"day": _default_day(campaign)})
    if request.method == "POST" and guide_form.is_valid():
        data = guide_form.cleaned_data
        try:
            guide_record(
                actor=request.user,
                campaign=campaign,
                team_id=data["team"],
                village_code=village_code,
                day=data["day"],
                name=data["name"],
                phone=data["phone"],
                user_id=request.user.pk if data["me"] else None,
            )
        except ApplicationError as error:
            if error.code == "core.not_found":
                raise
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("已安排引导人员。"))
            return redirect("assignment:village", village_code=village_code)
    return render(
        request,
        "assignment/village.html",
        {
            "campaign": campaign,
            "village": village,
            "board": board,
            "guide_form": guide_form,
            "default_day": _default_day(campaign),
            "documents": Document.choices,
        },
    )


@login_required
@require_POST
def appointment_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Book or (with a reason) reschedule a visit; htmx gets the row back."""
    form = AppointmentForm(request.POST)
    unit = selectors.access_assignment(actor=request.user, assignment_id=assignment_id)
    error_text = ""
    if not form.is_valid():
        error_text = "；".join(str(e) for errs in form.errors.values() for e in errs)
    else:
        data = form.cleaned_data
        documents = data["documents"] or None
        try:
            if getattr(unit, "appointment", None) is None:
                appointment_record(
                    actor=request.user,
                    assignment_id=assignment_id,
                    day=data["day"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    documents=documents,
                    note=data["note"],
                )
            else:
                appointment_reschedule(
                    actor=request.user,
                    assignment_id=assignment_id,
                    day=data["day"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    reason=data["reason"],
                    documents=documents,
                    note=data["note"],
                )
        except ApplicationError as error:
            if error.code == "core.not_found":
                raise
            error_text = _error_text(error)
    if getattr(request, "htmx", False):
        unit = selectors.access_assignment(actor=request.user, assignment_id=assignment_id)
        response = render(
            request,
            "assignment/_village_row.html",
            {"unit": unit, "row_error": error_text, "documents": Document.choices},
        )
        return response
    if error_text:
        messages.error(request, error_text)
    else:
        messages.success(request, _("预约已保存。"))
    return redirect("assignment:village", village_code=unit.village_id)


@login_required
@require_POST
def guide_remove_view(request: HttpRequest, duty_id: int) -> HttpResponse:
    from povcensus.assignment.models import GuideDuty

    village = GuideDuty.objects.filter(pk=duty_id).values_list("village_id", flat=True).first()
    guide_remove(actor=request.user, duty_id=duty_id)
    messages.success(request, _("已取消引导人员安排。"))
    return redirect("assignment:village", village_code=village)


@login_required
def notice_list_view(request: HttpRequest, village_code: str, fmt: str) -> HttpResponse:
    campaign = _campaign(request)
    body = notice_list_export(
        actor=request.user, campaign=campaign, village_code=village_code, fmt=fmt
    )
    content_type = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''notice-{village_code}.{fmt}"
    response["Cache-Control"] = "no-store"
    return response


# --- 我的任务 (teams) -------------------------------------------------------------------------


def _day_from(request: HttpRequest, campaign: Campaign) -> date:
    raw = request.GET.get("day", "")
    try:
        return date.fromisoformat(raw) if raw else _default_day(campaign)
    except ValueError:
        return _default_day(campaign)


@login_required
def worklist_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    day = _day_from(request, campaign)
    work = selectors.worklist(actor=request.user, day=day, campaign_id=campaign.pk)
    return render(
        request,
        "assignment/worklist.html",
        {"campaign": campaign, "work": work, "day": day, "statuses": dict(UnitStatus.choices)},
    )


@login_required
def daily_plan_view(request: HttpRequest, team_id: int) -> HttpResponse:
    team = selectors.access_team_plan(actor=request.user, team_id=team_id)
    day = _day_from(request, team.campaign)
    return render(
        request,
        "assignment/daily_plan.html",
        {
            "plan": selectors.daily_plan(team=team, day=day),
            "documents": dict(Document.choices),
        },
    )


@login_required
def non_interview_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    unit = selectors.access_assignment(actor=request.user, assignment_id=assignment_id)
    existing = getattr(unit, "non_interview", None)
    initial = {"reason": existing.reason, "explanation": existing.explanation} if existing else {}
    form = NonInterviewForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        files = form.cleaned_data["photos"] or []
        too_big = [f for f in files if f.size > MAX_BYTES]
        try:
            if too_big:
                raise ApplicationError(
                    errors.EVIDENCE_SIZE, name=too_big[0].name, limit=MAX_BYTES // (1024 * 1024)
                )
            non_interview_record(
                actor=request.user,
                assignment_id=assignment_id,
                reason=form.cleaned_data["reason"],
                explanation=form.cleaned_data["explanation"],
                photos=[(f.name, f.read()) for f in files],
            )
        except ApplicationError as error:
            if error.code == "core.not_found":
                raise
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("未访问情况已登记。"))
            return redirect("assignment:unit", assignment_id=assignment_id)
    return render(
        request,
        "assignment/non_interview.html",
        {"unit": unit, "form": form, "existing": existing},
    )


@login_required
def evidence_view(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = (
        NonInterviewEvidence.objects.select_related("non_interview").filter(pk=evidence_id).first()
    )
    if evidence is None:
        raise ApplicationError(NOT_FOUND)
    selectors.access_assignment(
        actor=request.user, assignment_id=evidence.non_interview.assignment_id
    )
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def home_card_context(request: HttpRequest, campaign: Campaign | None) -> dict[str, Any]:
    """The 今日任务 card: today's visits of the user's team(s)."""
    if campaign is None:
        return {"teams": []}
    day = _default_day(campaign)
    work = selectors.worklist(actor=request.user, day=day, campaign_id=campaign.pk)
    return {
        "teams": work.teams,
        "day": day,
        "today": len(work.today),
        "total": len(work.today) + len(work.others),
        "pending": work.status_counts.get(UnitStatus.PENDING, 0),
    }
