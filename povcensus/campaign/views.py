"""Campaign pages: the home page, the list, the timetable, creation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from povcensus.accounts.roles import ROLE_LABELS, Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.forms import CampaignForm, PhaseForm
from povcensus.campaign.models import PhaseKind
from povcensus.campaign.selectors import (
    access_campaign,
    campaign_current,
    campaign_list,
    campaign_phases,
    phase_current,
)
from povcensus.campaign.services import PhaseSpec, campaign_create, phase_set
from povcensus.campaign.timeline import timeline_rows
from povcensus.core.errors import ApplicationError
from povcensus.core.views import HOME_CARDS
from povcensus.geography.models import Area


@login_required
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    can_create = scope_of(request.user).has_perm(Perm.CAMPAIGN_MANAGE)
    return render(
        request,
        "campaign/list.html",
        {"campaigns": campaign_list(actor=request.user), "can_create": can_create},
    )


@login_required
def campaign_detail_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(actor=request.user, campaign_id=campaign_id)
    can_manage = scope_of(request.user).allows(Perm.CAMPAIGN_MANAGE, campaign.area_id)
    form = PhaseForm(request.POST or None)
    if request.method == "POST" and can_manage and form.is_valid():
        try:
            phase_set(
                actor=request.user,
                campaign=campaign,
                spec=PhaseSpec(
                    kind=PhaseKind(form.cleaned_data["kind"]),
                    starts_on=form.cleaned_data["starts_on"],
                    deadline=form.cleaned_data["deadline"],
                ),
            )
        except ApplicationError as error:
            messages.error(request, f"[{error.code}] {error.message}")
        else:
            messages.success(request, _("工作阶段已更新。"))
            return redirect("campaign:detail", campaign_id=campaign.pk)
    phases = list(campaign_phases(campaign=campaign))
    today = timezone.localdate()
    return render(
        request,
        "campaign/detail.html",
        {
            "campaign": campaign,
            "phases": phases,
            "timeline": timeline_rows(phases, today=today),
            "today": today,
            "form": form,
            "can_manage": can_manage,
        },
    )


@login_required
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                area_code=data["area_code"].strip(),
                year=data["year"],
                reference_date=data["reference_date"],
                income_line=data["income_line"],
                phases=[],
            )
        except ApplicationError as error:
            form.add_error(None, f"[{error.code}] {error.message}")
        else:
            messages.success(request, _("调查项目已创建，请设置各工作阶段的截止日期。"))
            return redirect("campaign:detail", campaign_id=campaign.pk)
    return render(request, "campaign/form.html", {"form": form})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    campaign = campaign_current(actor=request.user)
    today = timezone.localdate()
    phases = list(campaign_phases(campaign=campaign)) if campaign else []
    current = phase_current(campaign=campaign, today=today) if campaign else None
    cards = []
    for template, perm, context in HOME_CARDS:
        if perm is None or scope.has_perm(perm):
            cards.append(
                {
                    "template": template,
                    "context": context(request, campaign) if callable(context) else {},
                }
            )
    names = dict(
        Area.objects.filter(
            code__in=[g.area_code for g in scope.grants if g.area_code]
        ).values_list("code", "name")
    )
    grants = [
        {
            "role": ROLE_LABELS[g.role],
            "area": g.area_code,
            "area_name": names.get(g.area_code or "", ""),
        }
        for g in scope.grants
    ]
    return render(
        request,
        "campaign/home.html",
        {
            "campaign": campaign,
            "phases": phases,
            "current_phase": current,
            "today": today,
            "grants": grants,
            "cards": cards,
        },
    )
