"""Rule book pages: the rules in force, stored versions, upload and activation, downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.models import Campaign
from povcensus.campaign.selectors import campaign_current
from povcensus.collection.selectors import access_submission
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.core.models import JobStatus
from povcensus.core.progress import job_progress_read
from povcensus.rules.builtin import builtin_sources
from povcensus.rules.census import census_check_start, census_job_running
from povcensus.rules.exports import table_xlsx
from povcensus.rules.forms import RuleBookUploadForm
from povcensus.rules.models import RuleBookVersion
from povcensus.rules.reports import MIN_CHECKED, Z_FLAG, bar_chart_svg
from povcensus.rules.rulebook import RuleBook, Severity
from povcensus.rules.selectors import (
    FailureReport,
    access_census_job,
    access_rulebook,
    census_job_latest,
    compiled_rulebook,
    failure_report,
    may_explain,
    rulebook_active,
    rulebook_list,
    submission_failures,
    submission_indicators,
    submission_rule_statuses,
)
from povcensus.rules.services import (
    explanation_record,
    failures_export,
    rulebook_activate,
    rulebook_create,
)

_MAX_UPLOAD = 1024 * 1024

GROUP_LABELS = {
    "identity": gettext_lazy("身份与证件"),
    "household": gettext_lazy("家庭结构"),
    "education": gettext_lazy("义务教育"),
    "health": gettext_lazy("基本医疗"),
    "labour": gettext_lazy("劳动与就业"),
    "housing": gettext_lazy("住房安全"),
    "water": gettext_lazy("饮水安全"),
    "utilities": gettext_lazy("生活条件"),
    "land": gettext_lazy("土地"),
    "income": gettext_lazy("收入"),
    "assistance": gettext_lazy("帮扶措施"),
    "exit": gettext_lazy("退出标准（两不愁三保障）"),
    "village": gettext_lazy("行政村"),
}
LEVEL_LABELS = {
    "household": gettext_lazy("住户"),
    "member": gettext_lazy("成员"),
    "village": gettext_lazy("村"),
    "cross": gettext_lazy("跨表"),
}


def _campaign_or_404(request: HttpRequest) -> Campaign:
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    return campaign


def _book_context(book: RuleBook, request: HttpRequest) -> dict[str, Any]:
    """Rules grouped for display, filtered by the query string, and the per-group chart."""
    severity = request.GET.get("severity", "")
    level = request.GET.get("level", "")
    query = request.GET.get("q", "").strip().lower()
    language = getattr(request, "LANGUAGE_CODE", "zh-hans")
    groups: dict[str, dict[str, Any]] = {}
    for rule in book.rules:
        group = groups.setdefault(
            rule.group,
            {
                "key": rule.group,
                "label": GROUP_LABELS.get(rule.group, rule.group or "—"),
                "hard": 0,
                "soft": 0,
                "rules": [],
            },
        )
        group["hard" if rule.severity == Severity.HARD else "soft"] += 1
        text = " ".join([rule.id, rule.title.zh, rule.title.en, rule.expression_text]).lower()
        if (severity and rule.severity != severity) or (level and rule.level != level):
            continue
        if query and query not in text:
            continue
        group["rules"].append(
            {
                "rule": rule,
                "title": rule.title.get(language),
                "level_label": LEVEL_LABELS.get(rule.level, rule.level),
                "unit_label": LEVEL_LABELS.get(rule.unit.value, rule.unit.value),
                "indicators": [
                    ind.label.get(language) for ind in book.indicators if ind.id in rule.derived
                ],
                "note": rule.note.get(language) if rule.note else "",
            }
        )
    widest = max((g["hard"] + g["soft"] for g in groups.values()), default=1)
    for group in groups.values():
        group["hard_pct"] = round(100 * group["hard"] / widest, 1)
        group["soft_pct"] = round(100 * group["soft"] / widest, 1)
    counts = book.counts()
    return {
        "book": book,
        "groups": list(groups.values()),
        "shown": sum(len(g["rules"]) for g in groups.values()),
        "counts": counts,
        "indicators": [(ind, ind.label.get(language)) for ind in book.indicators],
        "filters": {"severity": severity, "level": level, "q": request.GET.get("q", "")},
        "level_choices": list(LEVEL_LABELS.items()),
    }


def _render_book(
    request: HttpRequest,
    campaign: Campaign,
    version: RuleBookVersion | None,
    *,
    form: RuleBookUploadForm | None = None,
    problems: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    book = compiled_rulebook(version, campaign=campaign)
    can_manage = scope_of(request.user).allows(Perm.RULES_MANAGE, campaign.area_id)
    context = {
        "campaign": campaign,
        "version": version,
        "active": rulebook_active(campaign=campaign),
        "versions": rulebook_list(actor=request.user, campaign=campaign),
        "can_manage": can_manage,
        "form": form or RuleBookUploadForm(),
        "problems": problems or [],
        "builtin_files": [name for name, _text in builtin_sources()],
        "census_job": census_job_latest(campaign=campaign),
        "can_export": scope_of(request.user).overlaps(Perm.PERSONAL_EXPORT, campaign.area_id),
        **_book_context(book, request),
    }
    return render(request, "rules/book.html", context, status=status)


@login_required
def rulebook_view(request: HttpRequest) -> HttpResponse:
    """The rule book the current campaign checks against (the built-in one until one is stored)."""
    campaign = _campaign_or_404(request)
    return _render_book(request, campaign, rulebook_active(campaign=campaign))


@login_required
def rulebook_version_view(request: HttpRequest, rulebook_id: int) -> HttpResponse:
    version = access_rulebook(actor=request.user, rulebook_id=rulebook_id)
    return _render_book(request, version.campaign, version)


@login_required
@require_POST
def rulebook_upload_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign_or_404(request)
    form = RuleBookUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_book(
            request, campaign, rulebook_active(campaign=campaign), form=form, status=400
        )
    sources = []
    for upload in form.cleaned_data["files"]:
        if upload.size > _MAX_UPLOAD:
            form.add_error("files", _("文件“%(name)s”超过 1 MB。") % {"name": upload.name})
            return _render_book(
                request, campaign, rulebook_active(campaign=campaign), form=form, status=400
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("files", _("文件“%(name)s”不是 UTF-8 文本。") % {"name": upload.name})
            return _render_book(
                request, campaign, rulebook_active(campaign=campaign), form=form, status=400
            )
        sources.append((upload.name, text))
    try:
        version = rulebook_create(
            actor=request.user,
            campaign=campaign,
            sources=sources,
            note=form.cleaned_data["note"],
            activate=form.cleaned_data["activate"],
        )
    except ApplicationError as error:
        problems = error.details.get("errors") or [error.as_dict()]
        messages.error(request, f"[{error.code}] {error.message}")
        return _render_book(
            request,
            campaign,
            rulebook_active(campaign=campaign),
            form=form,
            problems=problems,
            status=error.status,
        )
    messages.success(
        request,
        _("已保存第 %(number)s 版规则库（%(rules)s 条规则）。")
        % {
            "number": version.number,
            "rules": version.rule_count,
        },
    )
    return redirect("rules:version", rulebook_id=version.pk)


@login_required
@require_POST
def rulebook_activate_view(request: HttpRequest, rulebook_id: int) -> HttpResponse:
    version = access_rulebook(actor=request.user, rulebook_id=rulebook_id)
    rulebook_activate(actor=request.user, rulebook=version)
    messages.success(request, _("第 %(number)s 版规则库已生效。") % {"number": version.number})
    return redirect("rules:book")


def _yaml_response(name: str, text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
def rulebook_source_view(request: HttpRequest, rulebook_id: int, name: str) -> HttpResponse:
    version = access_rulebook(actor=request.user, rulebook_id=rulebook_id)
    for source_name, text in version.source_pairs():
        if source_name == name:
            return _yaml_response(name, text)
    raise ApplicationError(NOT_FOUND)


@login_required
def builtin_source_view(request: HttpRequest, name: str) -> HttpResponse:
    for source_name, text in builtin_sources():
        if source_name == name:
            return _yaml_response(name, text)
    raise ApplicationError(NOT_FOUND)


# ---- whole-census runs --------------------------------------------------------------------


@login_required
@require_POST
def census_run_view(request: HttpRequest) -> HttpResponse:
    """Start a whole-census check of the current campaign (``rules.manage``)."""
    campaign = _campaign_or_404(request)
    try:
        job = census_check_start(actor=request.user, campaign=campaign)
    except ApplicationError as error:
        if error.code != "rules.run_running":
            raise
        messages.error(request, f"[{error.code}] {error.message}")
        running = census_job_running(campaign=campaign)
        if running is None:
            return redirect("rules:book")
        return redirect("rules:census_job", job_id=running.pk)
    return redirect("rules:census_job", job_id=job.pk)


@login_required
def census_job_view(request: HttpRequest, job_id: str) -> HttpResponse:
    job = access_census_job(actor=request.user, job_id=job_id)
    finished = job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
    context = {"job": job, "finished": finished, "progress": job_progress_read(job.pk) or {}}
    if request.htmx and request.GET.get("poll"):  # type: ignore[attr-defined]
        if finished:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "rules/_census_progress.html", context)
    return render(request, "rules/census_job.html", context)


# ---- a submission's failures and explanations ---------------------------------------------


def _submission_context(request: HttpRequest, submission_id: int) -> dict[str, Any]:
    failures = submission_failures(actor=request.user, submission_id=submission_id)
    submission = access_submission(actor=request.user, submission_id=submission_id)
    status = submission_rule_statuses([submission.pk])[submission.pk]
    return {
        "submission": submission,
        "failures": failures,
        "indicators": submission_indicators(actor=request.user, submission_id=submission_id),
        "status": status,
        "can_explain": may_explain(actor=request.user, submission=submission),
        "level_labels": LEVEL_LABELS,
    }


@login_required
def submission_failures_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The failed rules of one submission version, the exit test, and explanations."""
    return render(request, "rules/submission.html", _submission_context(request, submission_id))


@login_required
@require_POST
def explanation_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    rule_id = request.POST.get("rule_id", "")
    raw_index = request.POST.get("member_index", "")
    member_index = int(raw_index) if raw_index.isdigit() else None
    error: ApplicationError | None = None
    try:
        explanation_record(
            actor=request.user,
            submission_id=submission_id,
            rule_id=rule_id,
            member_index=member_index,
            text=request.POST.get("text", ""),
        )
    except ApplicationError as refused:
        if refused.code == "core.not_found":
            raise
        error = refused
    if not request.htmx:  # type: ignore[attr-defined]
        if error is not None:
            messages.error(request, f"[{error.code}] {error.message}")
        else:
            messages.success(request, _("已保存核实说明。"))
        return redirect("rules:submission", submission_id=submission_id)
    context = _submission_context(request, submission_id)
    failure = next(
        (f for f in context["failures"] if f.rule_id == rule_id and f.member_index == member_index),
        None,
    )
    if failure is None:
        raise ApplicationError(NOT_FOUND)
    context.update({"failure": failure, "error": error})
    return render(
        request, "rules/_failure_row.html", context, status=error.status if error else 200
    )


@login_required
def failures_export_view(request: HttpRequest) -> HttpResponse:
    """XLSX of failures and explanations (personal data: permission-checked and audited)."""
    campaign = _campaign_or_404(request)
    content = failures_export(actor=request.user, campaign=campaign)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f"attachment; filename=rule-failures-{campaign.code}-{timezone.localdate():%Y%m%d}.xlsx"
    )
    return response


# ---- reports ------------------------------------------------------------------------------


def _report_or_403(request: HttpRequest) -> tuple[Campaign, FailureReport]:
    campaign = _campaign_or_404(request)
    if not scope_of(request.user).has_perm(Perm.AGGREGATE_VIEW):
        raise ApplicationError(PERMISSION_DENIED)
    return campaign, failure_report(actor=request.user, campaign=campaign)


@login_required
def reports_view(request: HttpRequest) -> HttpResponse:
    """Failures by rule, village, team and enumerator; unusual enumerators flagged."""
    campaign, report = _report_or_403(request)
    top = report.by_rule[:20]
    chart = bar_chart_svg(
        [
            (
                r["rule_id"],
                r["failures"] if r["severity"] == "hard" else 0,
                r["failures"] if r["severity"] == "soft" else 0,
            )
            for r in top
        ],
        title=_("未通过次数最多的规则"),
        hard_label=_("硬性"),
        soft_label=_("软性"),
    )
    village_chart = bar_chart_svg(
        [(f"{v['name'] or v['code']}", v["hard"], v["soft"]) for v in report.by_village[:30]],
        title=_("各村未通过的规则数"),
        hard_label=_("硬性"),
        soft_label=_("软性"),
    )
    context = {
        "campaign": campaign,
        "report": report,
        "rule_chart": mark_safe(chart),  # noqa: S308 — built from escaped text
        "village_chart": mark_safe(village_chart),  # noqa: S308 — built from escaped text
        "flagged": [e for e in report.by_enumerator if e["flag"]],
        "z_flag": Z_FLAG,
        "min_checked": MIN_CHECKED,
    }
    return render(request, "rules/reports.html", context)


@login_required
def reports_export_view(request: HttpRequest) -> HttpResponse:
    """The report's tables as XLSX (aggregates: no personal data of households)."""
    campaign, report = _report_or_403(request)
    severity = {"hard": _("硬性"), "soft": _("软性")}
    flags = {"many": _("偏多"), "few": _("偏少"), "": ""}
    content = table_xlsx(
        [
            (
                _("按规则"),
                [
                    _("规则"),
                    _("名称"),
                    _("类别"),
                    _("未通过次数"),
                    _("涉及问卷数"),
                    _("占已审核问卷"),
                ],
                (
                    [
                        r["rule_id"],
                        r["title"],
                        severity.get(r["severity"], r["severity"]),
                        r["failures"],
                        r["households"],
                        round(r["share"], 4),
                    ]
                    for r in report.by_rule
                ),
            ),
            (
                _("按村"),
                [_("村代码"), _("村名"), _("已审核问卷"), _("有错误的问卷"), _("硬性"), _("软性")],
                (
                    [v["code"], v["name"], v["checked"], v["failing"], v["hard"], v["soft"]]
                    for v in report.by_village
                ),
            ),
            (
                _("按调查小组"),
                [_("调查小组"), _("已审核问卷"), _("有错误的问卷"), _("硬性"), _("软性")],
                (
                    [t["team"], t["checked"], t["failing"], t["hard"], t["soft"]]
                    for t in report.by_team
                ),
            ),
            (
                _("按调查员"),
                [
                    _("调查员"),
                    _("调查小组"),
                    _("已审核问卷"),
                    _("有错误的问卷"),
                    _("错误率"),
                    _("其他调查员错误率"),
                    _("z 值"),
                    _("异常"),
                ],
                (
                    [
                        e["name"],
                        e["team"],
                        e["checked"],
                        e["failing"],
                        round(e["rate"], 4),
                        None if e["pool_rate"] is None else round(e["pool_rate"], 4),
                        None if e["z"] is None else round(e["z"], 2),
                        flags[e["flag"]],
                    ]
                    for e in report.by_enumerator
                ),
            ),
        ]
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f"attachment; filename=rule-report-{campaign.code}-{timezone.localdate():%Y%m%d}.xlsx"
    )
    return response
