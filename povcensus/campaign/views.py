"""Campaign pages: list, timetable, creation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.forms import CampaignForm, PhaseForm
from povcensus.campaign.models import PhaseKind
from povcensus.campaign.selectors import access_campaign, campaign_list, campaign_phases
from povcensus.campaign.services import PhaseSpec, campaign_create, phase_set
from povcensus.campaign.timeline import timeline_rows
from povcensus.core.errors import ApplicationError


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
