"""Reading and verifying the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet

from povcensus.audit.chain import CONTENT_FIELDS, BrokenLink, first_broken_link
from povcensus.audit.models import AuditEvent

_FIELDS = ("id", *CONTENT_FIELDS, "prev_hash", "hash")


def _chain_rows(chain: int, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(chain=chain, seq__gt=last)
            .order_by("seq")
            .values(*_FIELDS)[:chunk]
        )
        if not batch:
            return
        yield from batch
        last = batch[-1]["seq"]


def audit_chain_verify() -> tuple[int, BrokenLink | None]:
    """Walk every chain; return how many rows were read and the first broken link found."""
    count = 0

    def counted(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    chains = sorted(set(AuditEvent.objects.values_list("chain", flat=True).distinct()))
    for chain in chains:
        broken = first_broken_link(chain, counted(_chain_rows(chain)))
        if broken is not None:
            return count, broken
    return count, None


def audit_events_for_object(*, object_type: str, object_id: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)))


def audit_event_list(
    *,
    area_filter: Q,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    username: str | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching ``area_filter`` (the caller's scope on ``area_code``), newest first."""
    qs = AuditEvent.objects.filter(area_filter)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if username:
        qs = qs.filter(actor_username=username)
    return qs.order_by("-id")
