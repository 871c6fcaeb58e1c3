"""Reads of the division tree (public reference data: no personal data, no scope needed)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area


def within_area_q(field: str, area_code: str) -> Q:
    """Return a filter for rows whose ``field`` (an area code) lies in ``area_code``'s subtree."""
    low, high = codes.code_range(area_code)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def area_get(*, code: str) -> Area:
    area = Area.objects.select_related("parent", "successor").filter(code=code).first()
    if area is None:
        raise ApplicationError(NOT_FOUND)
    return area


def area_children(*, code: str | None) -> QuerySet[Area]:
    qs = Area.objects.filter(parent_id=code) if code else Area.objects.filter(parent__isnull=True)
    return (
        qs.annotate(child_count=Count("children"))
        .select_related("successor")
        .order_by("-is_current", "code")
    )


def area_ancestors(area: Area) -> list[Area]:
    chain = []
    node = area.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def area_villages(*, area_code: str, census_units: bool = True) -> QuerySet[Area]:
    """Villages under ``area_code``; census units are the villages of the register.

    With ``census_units``, a former village replaces the merged village it became part of
    (the survey is organised by villages as they stood before the merger); a current
    village with no predecessors is a census unit itself.
    """
    qs = Area.objects.filter(within_area_q("code", area_code), level=codes.Level.VILLAGE)
    if census_units:
        qs = qs.filter(Q(is_current=False) | Q(predecessors__isnull=True)).distinct()
    return qs.order_by("code")
