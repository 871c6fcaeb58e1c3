"""A user's area scope: which permissions they hold where.

Computed once per user object from their grants and kept on it.  Every selector that
reads personal data filters through :meth:`Scope.q`, and single-object access goes through
``access_*`` helpers that answer "not found" alike for missing and out-of-scope objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from povcensus.accounts.roles import Perm, Role, role_allows
from povcensus.geography import codes


@dataclass(frozen=True)
class Grant:
    role: Role
    area_code: str | None  # None: the whole country
    area_level: codes.Level | None


@dataclass(frozen=True)
class Scope:
    grants: tuple[Grant, ...]

    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}

    def has_role(self, role: Role) -> bool:
        return any(g.role == role for g in self.grants)

    def areas_for(self, perm: Perm) -> list[str | None]:
        """Areas (None: everywhere) where the user holds ``perm``, without nested duplicates."""
        areas = {g.area_code for g in self.grants if role_allows(g.role, perm, g.area_level)}
        if None in areas:
            return [None]
        kept = sorted(areas, key=lambda c: len(codes.prefix_of(c)))  # type: ignore[arg-type]
        result: list[str] = []
        for code in kept:
            if not any(codes.is_within(code, outer) for outer in result):  # type: ignore[arg-type]
                result.append(code)  # type: ignore[arg-type]
        return list(result)

    def has_perm(self, perm: Perm) -> bool:
        return bool(self.areas_for(perm))

    def allows(self, perm: Perm, area_code: str) -> bool:
        """Whether ``perm`` is held over the area ``area_code`` (a grant covers its subtree)."""
        for area in self.areas_for(perm):
            if area is None or codes.is_within(area_code, area):
                return True
        return False

    def q(self, perm: Perm, field: str) -> Q:
        """A filter on ``field`` (an area code column) to the areas where ``perm`` is held."""
        areas = self.areas_for(perm)
        if not areas:
            return Q(pk__in=[])
        if None in areas:
            return Q()
        combined = Q()
        for area in areas:
            low, high = codes.code_range(area)  # type: ignore[arg-type]
            combined |= Q(**{f"{field}__gte": low, f"{field}__lte": high})
        return combined

    def overlaps(self, perm: Perm, area_code: str) -> bool:
        """Whether ``perm`` is held anywhere inside or above ``area_code``."""
        for area in self.areas_for(perm):
            if area is None or codes.is_within(area_code, area) or codes.is_within(area, area_code):
                return True
        return False


EMPTY_SCOPE = Scope(grants=())


def scope_of(user: Any) -> Scope:
    """Return (and cache on the object) the scope of ``user``; anonymous users have none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_povcensus_scope", None)
    if cached is not None:
        return cached
    grants = tuple(
        Grant(
            role=Role(role),
            area_code=area_code,
            area_level=codes.Level(level) if level else None,
        )
        for role, area_code, level in user.grants.values_list("role", "area_id", "area__level")
    )
    scope = Scope(grants=grants)
    user._povcensus_scope = scope
    return scope


def scope_forget(user: Any) -> None:
    if hasattr(user, "_povcensus_scope"):
        del user._povcensus_scope
