"""Reads of accounts, always through the actor's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from povcensus.accounts.models import RoleGrant, User
from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError


def _managed_users_q(actor: Any) -> Q:
    scope = scope_of(actor)
    areas = scope.areas_for(Perm.USER_MANAGE)
    if not areas:
        return Q(pk__in=[])
    if None in areas:
        return Q()
    in_scope_grants = RoleGrant.objects.filter(
        scope.q(Perm.USER_MANAGE, "area_id"), user_id=OuterRef("pk")
    )
    return Q(Exists(in_scope_grants)) | Q(scope.q(Perm.USER_MANAGE, "home_township_id"))


def user_list(
    *, actor: Any, role: str | None = None, area_code: str | None = None, search: str | None = None
) -> QuerySet[User]:
    """Users whose grants (or home township) lie where ``actor`` may manage users."""
    if not scope_of(actor).has_perm(Perm.USER_MANAGE):
        raise ApplicationError(PERMISSION_DENIED)
    qs = User.objects.filter(_managed_users_q(actor)).prefetch_related("grants__area")
    if role:
        qs = qs.filter(grants__role=role)
    if area_code:
        from povcensus.geography.selectors import within_area_q

        qs = qs.filter(within_area_q("grants__area_id", area_code))
    if search:
        qs = qs.filter(
            Q(username__icontains=search)
            | Q(full_name__icontains=search)
            | Q(phone__icontains=search)
        )
    return qs.select_related("home_township").distinct().order_by("username")


def access_user(*, actor: Any, user_id: int) -> User:
    """Return a user ``actor`` may manage, or raise not-found (also when out of scope)."""
    if not scope_of(actor).has_perm(Perm.USER_MANAGE):
        raise ApplicationError(NOT_FOUND)
    user = (
        User.objects.filter(_managed_users_q(actor), pk=user_id)
        .select_related("home_township")
        .first()
    )
    if user is None:
        raise ApplicationError(NOT_FOUND)
    return user
