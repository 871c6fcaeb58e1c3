"""The home page: what this user has to do, by role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from povcensus.accounts.roles import ROLE_LABELS, Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.selectors import campaign_current, campaign_phases, phase_current

# Later apps add cards to the home page: (template, permission or None, context function).
HOME_CARDS: list[tuple[str, Perm | None, object]] = []


def register_home_card(template: str, perm: Perm | None, context: object) -> None:
    HOME_CARDS.append((template, perm, context))


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
    grants = [{"role": ROLE_LABELS[g.role], "area": g.area_code} for g in scope.grants]
    return render(
        request,
        "core/home.html",
        {
            "campaign": campaign,
            "phases": phases,
            "current_phase": current,
            "today": today,
            "grants": grants,
            "cards": cards,
        },
    )


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the reverse proxy (no database access)."""
    return HttpResponse("ok", content_type="text/plain")
