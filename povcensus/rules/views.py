"""Rule book pages: the rules in force, stored versions, upload and activation, downloads."""

from __future__ import annotations

from typing import Any

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
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.rules.builtin import builtin_sources
from povcensus.rules.forms import RuleBookUploadForm
from povcensus.rules.models import RuleBookVersion
from povcensus.rules.rulebook import RuleBook, Severity
from povcensus.rules.selectors import (
    access_rulebook,
    compiled_rulebook,
    rulebook_active,
    rulebook_list,
)
from povcensus.rules.services import rulebook_activate, rulebook_create

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
