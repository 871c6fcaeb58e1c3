"""Site-wide views that need no domain model, and the home-page card registry."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from povcensus.accounts.roles import Perm

# Later apps add cards to the home page: (template, permission or None, context function).
HOME_CARDS: list[tuple[str, Perm | None, object]] = []


def register_home_card(template: str, perm: Perm | None, context: object) -> None:
    HOME_CARDS.append((template, perm, context))


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the reverse proxy (no database access)."""
    return HttpResponse("ok", content_type="text/plain")
