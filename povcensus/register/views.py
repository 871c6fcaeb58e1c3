"""Register pages: the household list and detail, and the import (upload → check → commit)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.campaign.selectors import campaign_current
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.core.models import JobStatus
from povcensus.core.progress import job_progress_read
from povcensus.register import codelists
from povcensus.register.mapping import DEFAULT_MAPPING, load_mapping
from povcensus.register.mapping import describe as describe_mapping
from povcensus.register.parsing import parse_tokens
from povcensus.register.report import ImportReport, describe, describe_tokens
from povcensus.register.selectors import (
    access_household,
    access_import_job,
    household_list,
    household_members,
    import_job_list,
)
from povcensus.register.services.jobs import import_job_commit, import_job_start

MAX_UPLOAD_MB = 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("名册文件（CSV 或 XLSX）"))
    mapping = forms.FileField(label=_("列映射文件（YAML，可不选）"), required=False)


def _campaign(request: HttpRequest) -> Campaign:
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    return campaign


def _label(code_list: codelists.CodeList, code: str) -> str:
    return code_list[code][0] if code in code_list else code


@login_required
def household_list_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    search = (request.GET.get("q") or "").strip() or None
    area = (request.GET.get("area") or "").strip() or None
    households = household_list(
        actor=request.user, campaign_id=campaign.pk, area_code=area, search=search
    )
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "page": page,
        "filters": {"q": search or "", "area": area or ""},
        "can_import": scope_of(request.user).has_perm(Perm.REGISTER_IMPORT),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "register/_household_rows.html", context)
    return render(request, "register/list.html", context)


@login_required
def household_detail_view(request: HttpRequest, household_id: int) -> HttpResponse:
    household = access_household(actor=request.user, household_id=household_id)
    members = [
        {
            "member": m,
            "sex": _label(codelists.SEX, m.sex),
            "relation": _label(codelists.RELATION, m.relation),
            "ethnicity": _label(codelists.ETHNICITY, m.ethnicity),
            "education": _label(codelists.EDUCATION, m.education),
            "student_status": _label(codelists.STUDENT_STATUS, m.student_status),
            "health": _label(codelists.HEALTH, m.health),
            "labour_skill": _label(codelists.LABOUR_SKILL, m.labour_skill),
            "work_status": _label(codelists.WORK_STATUS, m.work_status),
        }
        for m in household_members(household=household)
    ]
    return render(
        request,
        "register/detail.html",
        {
            "household": household,
            "members": members,
            "attribute": _label(codelists.ATTRIBUTE, household.attribute),
            "exit_status": _label(codelists.EXIT_STATUS, household.exit_status),
            "main_cause": _label(codelists.POVERTY_CAUSE, household.main_cause),
        },
    )


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).has_perm(Perm.REGISTER_IMPORT):
        raise ApplicationError(PERMISSION_DENIED)
    campaign = _campaign(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        mapping_file = form.cleaned_data.get("mapping")
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            form.add_error("file", _("文件过大。"))
        else:
            try:
                mapping_text = (
                    mapping_file.read().decode("utf-8", errors="replace") if mapping_file else ""
                )
                job = import_job_start(
                    actor=request.user,
                    campaign=campaign,
                    filename=upload.name or "register",
                    content=upload,
                    mapping_text=mapping_text,
                )
            except ApplicationError as error:
                form.add_error(None, f"[{error.code}] {error.message}")
            else:
                return redirect("register:import_job", job_id=job.pk)
    return render(
        request,
        "register/import.html",
        {
            "campaign": campaign,
            "form": form,
            "jobs": import_job_list(actor=request.user),
            "mapping": describe_mapping(load_mapping()),
        },
    )


def _report_context(job: Any) -> dict[str, Any]:
    if job.status != JobStatus.SUCCEEDED or not job.result:
        return {}
    report = ImportReport.from_dict(job.result)
    rows = [
        {
            **row,
            "errors": describe_tokens(row["problems"]),
            "warnings": describe_tokens(row["notes"]),
        }
        for row in report.problem_rows
    ]
    counts = []
    for code, count in sorted(report.error_counts.items()) + sorted(report.warning_counts.items()):
        example = next(
            (
                describe(problem)["message"]
                for row in report.problem_rows
                for problem in parse_tokens(row["problems"]) + parse_tokens(row["notes"])
                if problem.code == code
            ),
            "",
        )
        counts.append(
            {
                "code": code,
                "count": count,
                "example": example,
                "warning": code in report.warning_counts,
            }
        )
    return {"report": report, "problem_rows": rows, "code_counts": counts}


@login_required
def import_job_view(request: HttpRequest, job_id: str) -> HttpResponse:
    job = access_import_job(actor=request.user, job_id=job_id)
    finished = job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
    context = {
        "job": job,
        "finished": finished,
        "progress": job_progress_read(job.pk) or {},
        "dry_run": job.params.get("dry_run", True),
        "can_export": scope_of(request.user).has_perm(Perm.PERSONAL_EXPORT),
        **_report_context(job),
    }
    if request.htmx and request.GET.get("poll"):  # type: ignore[attr-defined]
        if finished:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "register/_job_progress.html", context)
    return render(request, "register/import_job.html", context)


@login_required
@require_POST
def import_job_commit_view(request: HttpRequest, job_id: str) -> HttpResponse:
    checked = access_import_job(actor=request.user, job_id=job_id)
    try:
        job = import_job_commit(
            actor=request.user, checked=checked, valid_only=request.POST.get("valid_only") == "1"
        )
    except ApplicationError as error:
        from django.contrib import messages

        messages.error(request, f"[{error.code}] {error.message}")
        return redirect("register:import_job", job_id=checked.pk)
    return redirect("register:import_job", job_id=job.pk)


@login_required
def import_job_report_view(request: HttpRequest, job_id: str) -> FileResponse:
    """The XLSX report holds the input rows (personal data): permission-checked, audited."""
    job = access_import_job(actor=request.user, job_id=job_id)
    if not scope_of(request.user).allows(Perm.PERSONAL_EXPORT, job.area_code or ""):
        raise ApplicationError(PERMISSION_DENIED)
    name = (job.result or {}).get("report_file")
    if not name or not default_storage.exists(name):
        raise ApplicationError(NOT_FOUND)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="register.personal_data.exported",
            object_type="import_job",
            object_id=job.pk,
            area_code=job.area_code,
            after={"file": name, "rows": job.result.get("rows")},
        )
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"register-check-{str(job.pk)[:8]}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def mapping_download_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        DEFAULT_MAPPING.read_bytes(), content_type="application/x-yaml; charset=utf-8"
    )
    response["Content-Disposition"] = "attachment; filename=register-mapping.yaml"
    return response
