"""Navigation entries the current user may see, from their scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from povcensus.accounts.roles import ROLE_LABELS, Perm
from povcensus.accounts.scope import scope_of

# (url name, label, permission needed or None for every signed-in user)
NAVIGATION: list[tuple[str, Any, Perm | None]] = [
    ("home", _("首页"), None),
    ("geography:tree", _("行政区划"), Perm.AREA_VIEW),
    ("campaign:list", _("调查项目"), Perm.AREA_VIEW),
    ("accounts:user_list", _("账号管理"), Perm.USER_MANAGE),
    ("team:list", _("调查小组"), Perm.TEAM_MANAGE),
    ("accounts:audit_log", _("审计日志"), Perm.AUDIT_VIEW),
]
EXTRA_NAVIGATION: list[tuple[str, Any, Perm | tuple[Perm, ...] | None]] = []


def register_navigation(
    url_name: str, label: Any, perm: Perm | tuple[Perm, ...] | None, *, after: str | None = None
) -> None:
    """Let a later app add its page to the menu (e.g. the register, listing, review).

    ``perm`` may be a tuple: the entry shows to whoever holds any of them.
    """
    EXTRA_NAVIGATION.append((url_name, label, perm))


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    scope = scope_of(user)
    items = []
    for url_name, label, perm in [*NAVIGATION, *EXTRA_NAVIGATION]:
        needed = perm if isinstance(perm, tuple) else (perm,) if perm is not None else ()
        if needed and not any(scope.has_perm(p) for p in needed):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "url": url,
                "label": label,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    roles = sorted({str(ROLE_LABELS[g.role]) for g in scope.grants})
    return {"nav_items": items, "user_roles": roles}
