"""The audit log page: events in the viewer's area, newest first, filterable.

It lives here, not in the audit app, because only accounts knows the viewer's scope;
the audit app stays generic and knows no domain model.  Events without an area
(system-wide changes) are shown to national-scope viewers only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.registry import ACTIONS
from povcensus.audit.selectors import audit_event_list
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.has_perm(Perm.AUDIT_VIEW):
        raise ApplicationError(PERMISSION_DENIED)
    events = audit_event_list(
        area_filter=scope.q(Perm.AUDIT_VIEW, "area_code"),
        action=request.GET.get("action") or None,
        object_type=request.GET.get("object_type") or None,
        object_id=request.GET.get("object_id") or None,
        username=request.GET.get("user") or None,
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    actions = sorted((name, str(label)) for name, label in ACTIONS.items())
    template = "accounts/_audit_rows.html" if request.htmx else "accounts/audit_log.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "actions": actions, "filters": request.GET})
