"""Review pages: the queues per level, the case view and its actions, area acceptance.

Views parse the request, call one selector or service with ``actor=request.user`` and
render.  Actions are htmx posts: on success the page moves on to the next case of the same
queue (speed: a reviewer works through a queue from the keyboard); a refusal — a conflict
with another reviewer above all — is shown in the page's message area with its code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from povcensus.accounts.roles import Perm
from povcensus.campaign.models import Campaign
from povcensus.campaign.selectors import campaign_current
from povcensus.core.errors import INVALID_INPUT, NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.review import acceptance, casefile, queues
from povcensus.review.models import STATE_LABELS, Case
from povcensus.review.selectors import access_case
from povcensus.review.transitions import ORDER, Action, CaseState

PAGE_SIZE = 50


def _campaign(request: HttpRequest) -> Campaign:
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    return campaign


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def _filters(request: HttpRequest) -> queues.QueueFilters:
    get = request.GET
    failures = get.get("failures", "")
    return queues.QueueFilters(
        failures=failures if failures in dict(queues.FAILURE_CHOICES) else "",
        comments=get.get("comments") == "1",
        village=(get.get("village") or "").strip(),
        team=_int(get.get("team")),
        enumerator=_int(get.get("enumerator")),
        waiting_days=_int(get.get("waiting")),
    )


def _level(request: HttpRequest, levels: list[queues.Level], key: str | None) -> queues.Level:
    if not levels:
        raise ApplicationError(PERMISSION_DENIED)
    chosen = queues.LEVEL_BY_KEY.get(key or "")
    return chosen if chosen in levels else levels[0]


def _queue_query(level: queues.Level, filters: queues.QueueFilters) -> str:
    return urlencode({"level": level.perm.value, **filters.query()})


def home_card_context(request: HttpRequest, campaign: Campaign | None) -> dict[str, Any]:
    """The 审核 card: cases waiting at each of the user's levels."""
    if campaign is None:
        return {"levels": []}
    levels = queues.levels_of(request.user)
    counts = queues.level_counts(actor=request.user, campaign_id=campaign.pk, levels=levels)
    return {"levels": [(lv, counts[lv.perm.value]) for lv in levels], "cap": queues.COUNT_CAP}


@login_required
def queue_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    levels = queues.levels_of(request.user)
    level = _level(request, levels, request.GET.get("level"))
    filters = _filters(request)
    cases = queues.review_queue(
        actor=request.user, campaign_id=campaign.pk, level=level, filters=filters
    )
    page = queues.CappedPaginator(cases.values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = queues.queue_rows(queues.queue_page(list(page.object_list)))
    returned_comments = (
        queues.open_comments_by_case([r["case"].pk for r in rows])
        if level.perm == Perm.REVIEW_INITIAL
        else {}
    )
    for row in rows:
        row["pinned"] = returned_comments.get(row["case"].pk, [])
        row["own"] = row["case"].collected_by_id == request.user.pk
    counts = queues.state_counts(actor=request.user, campaign_id=campaign.pk)
    return render(
        request,
        "review/queue.html",
        {
            "campaign": campaign,
            "levels": [
                (lv, n)
                for lv, n in zip(
                    levels,
                    queues.level_counts(
                        actor=request.user, campaign_id=campaign.pk, levels=levels
                    ).values(),
                    strict=True,
                )
            ],
            "level": level,
            "bulk": level.perm == Perm.REVIEW_SUPERVISOR,  # cases_bulk_approve approves
            "page": page,
            "rows": rows,
            "filters": filters,
            "query": _queue_query(level, filters),
            "state_counts": [(STATE_LABELS[s], counts.get(s.value, 0), s.value) for s in ORDER],
            "cap": queues.COUNT_CAP,
            "failure_choices": queues.FAILURE_CHOICES,
            "waiting_choices": queues.WAITING_CHOICES,
            "villages": queues.village_choices(
                actor=request.user, campaign_id=campaign.pk, level=level
            ),
            "teams": queues.team_choices(actor=request.user, campaign_id=campaign.pk, level=level),
            "enumerators": queues.enumerator_choices(
                actor=request.user, campaign_id=campaign.pk, level=level
            ),
        },
    )


@login_required
@require_POST
def bulk_approve_view(request: HttpRequest) -> HttpResponse:
    from povcensus.review.services import cases_bulk_approve

    ids = [i for i in (_int(v) for v in request.POST.getlist("case")) if i is not None]
    back = reverse("review:queue") + "?" + request.POST.get("query", "")
    if not ids:
        messages.warning(request, _("请先勾选要通过的案例。"))
        return redirect(back)
    result = cases_bulk_approve(actor=request.user, case_ids=ids)
    messages.success(request, _("已批量通过 %(n)s 个案例。") % {"n": len(result.approved)})
    if result.skipped:
        messages.warning(
            request,
            _("%(n)s 个案例未通过：%(reasons)s")
            % {
                "n": len(result.skipped),
                "reasons": "；".join(sorted(set(result.skipped.values()))),
            },
        )
    return redirect(back)


def _case_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    levels = queues.levels_of(request.user)
    level = _level(request, levels, request.GET.get("level")) if levels else None
    filters = _filters(request)
    prev_id = next_id = None
    query = ""
    if level is not None:
        queue = queues.review_queue(
            actor=request.user, campaign_id=case.campaign_id, level=level, filters=filters
        )
        prev_id, next_id = queues.case_neighbours(
            queue=queue, waiting_since=case.waiting_since, case_id=case.pk
        )
        query = _queue_query(level, filters)
    comments = list(case.comments.select_related("author").order_by("at", "pk"))
    open_comments = [c for c in comments if c.resolved_at is None]
    actions = queues.actions_for(actor=request.user, case=case)
    forward = [t for t in actions if t.action != Action.RETURN]
    back = next((t for t in actions if t.action == Action.RETURN), None)
    failures: list[Any] = []
    indicators: list[Any] = []
    if case.current_submission_id:
        from povcensus.rules.selectors import submission_failures, submission_indicators

        failures = submission_failures(actor=request.user, submission_id=case.current_submission_id)
        indicators = submission_indicators(
            actor=request.user, submission_id=case.current_submission_id
        )
    may_explain = False
    if case.current_submission is not None:
        from povcensus.rules.selectors import may_explain as rules_may_explain

        may_explain = rules_may_explain(actor=request.user, submission=case.current_submission)
    may_correct = case.current_submission_id is not None and any(
        queues.actor_may(request.user, perm, case)
        for perm in (
            Perm.REVIEW_SUPERVISOR,
            Perm.REVIEW_TOWNSHIP,
            Perm.REVIEW_COUNTY,
            Perm.REVIEW_PROVINCE,
        )
    )
    return {
        "case": case,
        "state_label": STATE_LABELS[CaseState(case.state)],
        "file": casefile.case_file(case=case, comments=open_comments),
        "outcome": casefile.non_interview_outcome(case=case)
        if case.kind == "non_interview"
        else None,
        "history": casefile.case_history(actor=request.user, case=case),
        "failures": failures,
        "hard": [f for f in failures if f.severity == "hard"],
        "soft": [f for f in failures if f.severity == "soft"],
        "indicators": indicators,
        "forward": forward,
        "return_to": [(s.value, STATE_LABELS[s]) for s in back.to_states] if back else [],
        "may_return": back is not None,
        "may_correct": may_correct,
        "may_explain": may_explain,
        "own_case": case.collected_by_id == request.user.pk,
        "prev_id": prev_id,
        "next_id": next_id,
        "query": query,
        "open_comments": open_comments,
        "waiting": timezone.now() - case.waiting_since,
    }


@login_required
def case_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = access_case(actor=request.user, case_id=case_id)
    return render(request, "review/case.html", _case_context(request, case))


def _after_action(request: HttpRequest, case: Case, note: str) -> HttpResponse:
    """Move on to the next case of the queue the reviewer came from (or back to the queue)."""
    query = request.POST.get("query", "")
    next_id = _int(request.POST.get("next"))
    messages.success(request, note)
    if next_id:
        url = reverse("review:case", args=[next_id]) + (f"?{query}" if query else "")
    elif request.POST.get("stay"):
        url = reverse("review:case", args=[case.pk]) + (f"?{query}" if query else "")
    else:
        url = reverse("review:queue") + (f"?{query}" if query else "")
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _comments(request: HttpRequest) -> list[dict[str, Any]]:
    """Comments pinned to questions: parallel lists comment_field / comment_member / comment_text."""
    fields = request.POST.getlist("comment_field")
    members = request.POST.getlist("comment_member")
    texts = request.POST.getlist("comment_text")
    result = []
    for index, text in enumerate(texts):
        if not text.strip():
            continue
        name = fields[index] if index < len(fields) else ""
        member = _int(members[index]) if index < len(members) else None
        result.append({"field": name, "member_index": member, "text": text.strip()})
    return result


@login_required
@require_POST
def case_act_view(request: HttpRequest, case_id: int) -> HttpResponse:
    from povcensus.review.services import case_transition

    case = access_case(actor=request.user, case_id=case_id)
    action = request.POST.get("action", "")
    version = _int(request.POST.get("version"))
    if action not in {a.value for a in Action} or version is None:
        raise ApplicationError(INVALID_INPUT, reason=_("操作或版本号缺失"))
    to_state = request.POST.get("to_state") or None
    moved = case_transition(
        actor=request.user,
        case_id=case.pk,
        action=action,
        expected_version=version,
        reason=request.POST.get("reason", "").strip(),
        comments=_comments(request),
        to_state=to_state,
    )
    label = STATE_LABELS[CaseState(moved.state)]
    return _after_action(request, moved, _("已处理：案例现为“%(state)s”。") % {"state": label})


@login_required
@require_POST
def case_correct_view(request: HttpRequest, case_id: int) -> HttpResponse:
    from povcensus.review.services import case_correct

    case = access_case(actor=request.user, case_id=case_id)
    version = _int(request.POST.get("version"))
    name = (request.POST.get("field") or "").strip()
    if version is None or not name:
        raise ApplicationError(INVALID_INPUT, reason=_("请选择要更正的题目"))
    member = _int(request.POST.get("member"))
    value = request.POST.get("value", "").strip()
    changes: dict[str, str] = {}
    member_changes: dict[int, dict[str, str]] = {}
    if member:
        member_changes[member] = {name: value}
    else:
        changes[name] = value
    case_correct(
        actor=request.user,
        case_id=case.pk,
        expected_version=version,
        changes=changes,
        member_changes=member_changes,
        reason=request.POST.get("reason", "").strip(),
    )
    return _after_action(request, case, _("已更正，形成新的问卷版本。"))


@login_required
@require_POST
def case_explain_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Record the explanation of a soft failure (核实性审核关系须说明) of the current version."""
    from povcensus.rules.services import explanation_record

    case = access_case(actor=request.user, case_id=case_id)
    if case.current_submission_id is None:
        raise ApplicationError(NOT_FOUND)
    explanation_record(
        actor=request.user,
        submission_id=case.current_submission_id,
        rule_id=request.POST.get("rule_id", ""),
        member_index=_int(request.POST.get("member_index")),
        text=request.POST.get("text", ""),
    )
    return _after_action(request, case, _("已记录核实说明。"))


# --- area acceptance ------------------------------------------------------------------------


@login_required
def areas_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    areas = acceptance.acceptance_areas(actor=request.user, campaign=campaign)
    return render(request, "review/areas.html", {"campaign": campaign, "areas": areas})


@login_required
def area_view(request: HttpRequest, area_code: str) -> HttpResponse:
    campaign = _campaign(request)
    readiness = acceptance.area_readiness(
        actor=request.user, campaign=campaign, area_code=area_code
    )
    return render(request, "review/area.html", {"campaign": campaign, "readiness": readiness})


@login_required
@require_POST
def area_accept_view(request: HttpRequest, area_code: str) -> HttpResponse:
    campaign = _campaign(request)
    acceptance.area_accept(actor=request.user, campaign_id=campaign.pk, area_code=area_code)
    messages.success(request, _("已验收。"))
    return redirect("review:area", area_code=area_code)


@login_required
def area_report_view(request: HttpRequest, area_code: str, kind: str) -> HttpResponse:
    from povcensus.review import report

    if kind not in ("xlsx", "pdf"):
        raise ApplicationError(NOT_FOUND)
    campaign = _campaign(request)
    data = acceptance.area_report(
        actor=request.user, campaign=campaign, area_code=area_code, kind=kind
    )
    if kind == "xlsx":
        content = report.report_xlsx(data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = report.report_pdf(data)
        content_type = "application/pdf"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''acceptance-{area_code}.{kind}"
    return response
