"""Browsing the division tree."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from povcensus.geography.selectors import area_ancestors, area_children, area_get


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "geography/tree.html",
        {"area": None, "ancestors": [], "children": area_children(code=None)},
    )


@login_required
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = area_get(code=code)
    children = area_children(code=code)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "geography/_children.html", {"children": children})
    return render(
        request,
        "geography/tree.html",
        {
            "area": area,
            "ancestors": area_ancestors(area),
            "children": children,
            "predecessors": area.predecessors.order_by("code"),
        },
    )
