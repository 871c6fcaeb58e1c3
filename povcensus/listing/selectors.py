"""Reads of the listing and the survey roster.

The roster (调查底册) is the set of entries of *approved* village listings whose status
puts them on it: :func:`roster_entries` is the one definition every later app (assignment,
collection, review) uses.  The other reads apply the actor's area scope: counts need
``aggregate.view``, anything naming people ``register.view`` over the village.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area
from povcensus.geography.selectors import within_area_q
from povcensus.listing.models import (
    ROSTER_INTERVIEW,
    ROSTER_NON_INTERVIEW,
    ListingEntry,
    ListingEvidence,
    ListingSheetScan,
    ListingState,
    ListingStatus,
    VillageListing,
)


def roster_entries(
    *, campaign_id: int, area_code: str | None = None, interview_only: bool = False
) -> QuerySet[ListingEntry]:
    """Entries on the survey roster of ``campaign_id`` (approved villages only).

    Not scoped by actor: callers filter by their own access rules (assignment uses
    teams, pages use the actor's scope).
    """
    statuses = ROSTER_INTERVIEW if interview_only else ROSTER_INTERVIEW | ROSTER_NON_INTERVIEW
    qs = ListingEntry.objects.filter(
        listing__campaign_id=campaign_id,
        listing__state=ListingState.APPROVED,
        status__in=list(statuses),
    )
    if area_code:
        qs = qs.filter(within_area_q("listing__village_id", area_code))
    return qs.select_related("household", "listing")


def _status_counts() -> dict[str, Any]:
    counts: dict[str, Any] = {
        "total": Count("entries"),
        "unchecked": Count("entries", filter=Q(entries__status="")),
        "checked": Count("entries", filter=~Q(entries__status="")),
    }
    for status in ListingStatus:
        counts[f"s{status.value}"] = Count("entries", filter=Q(entries__status=status.value))
    return counts


def listing_list(
    *, actor: Any, campaign_id: int, area_code: str | None = None, state: str | None = None
) -> QuerySet[VillageListing]:
    """Village listings the actor may see (``aggregate.view``), with entry counts."""
    qs = VillageListing.objects.filter(
        scope_of(actor).q(Perm.AGGREGATE_VIEW, "village_id"), campaign_id=campaign_id
    )
    if area_code:
        qs = qs.filter(within_area_q("village_id", area_code))
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("village").annotate(**_status_counts()).order_by("village_id")


def access_listing(*, actor: Any, listing_id: int) -> VillageListing:
    """A village listing whose households the actor may read (``register.view``)."""
    listing = (
        VillageListing.objects.filter(
            scope_of(actor).q(Perm.REGISTER_VIEW, "village_id"), pk=listing_id
        )
        .select_related("village", "village__parent", "campaign")
        .annotate(**_status_counts())
        .first()
    )
    if listing is None:
        raise ApplicationError(NOT_FOUND)
    return listing


def listing_entries(
    *, listing: VillageListing, status: str | None = None, search: str | None = None
) -> QuerySet[ListingEntry]:
    """Entries of a listing obtained through :func:`access_listing`, households in order."""
    qs = listing.entries.select_related("household", "merged_into").annotate(
        evidence_count=Count("evidence", distinct=True),
        change_count=Count("member_changes", distinct=True),
    )
    if status == "unchecked":
        qs = qs.filter(status="")
    elif status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(
            Q(household__number__contains=search) | Q(household__head_name__contains=search)
        )
    return qs.order_by("household__number")


def access_entry(*, actor: Any, entry_id: int) -> ListingEntry:
    entry = (
        ListingEntry.objects.filter(pk=entry_id)
        .select_related("household", "listing", "listing__village", "merged_into", "updated_by")
        .prefetch_related(
            "member_changes",
            Prefetch("evidence", queryset=ListingEvidence.objects.order_by("uploaded_at")),
        )
        .first()
    )
    if entry is None or not scope_of(actor).allows(Perm.REGISTER_VIEW, entry.listing.village_id):
        raise ApplicationError(NOT_FOUND)
    return entry


def access_evidence(*, actor: Any, evidence_id: int) -> ListingEvidence:
    evidence = (
        ListingEvidence.objects.filter(pk=evidence_id).select_related("entry__listing").first()
    )
    if evidence is None or not scope_of(actor).allows(
        Perm.REGISTER_VIEW, evidence.entry.listing.village_id
    ):
        raise ApplicationError(NOT_FOUND)
    return evidence


def access_scan(*, actor: Any, scan_id: int) -> ListingSheetScan:
    scan = ListingSheetScan.objects.filter(pk=scan_id).select_related("listing").first()
    if scan is None or not scope_of(actor).allows(Perm.REGISTER_VIEW, scan.listing.village_id):
        raise ApplicationError(NOT_FOUND)
    return scan


# --- progress ---------------------------------------------------------------------------------


@dataclass
class ProgressRow:
    code: str
    name: str
    villages: int = 0
    states: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ListingState.values, 0))
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ListingStatus.values, 0))
    total: int = 0
    unchecked: int = 0
    listing_id: int | None = None
    state: str = ""

    @property
    def checked(self) -> int:
        return self.total - self.unchecked

    @property
    def checked_percent(self) -> int:
        return round(100 * self.checked / self.total) if self.total else 0

    @property
    def approved_percent(self) -> int:
        return round(100 * self.states["approved"] / self.villages) if self.villages else 0

    def add(self, listing: VillageListing) -> None:
        self.villages += 1
        self.states[listing.state] += 1
        self.total += listing.total  # type: ignore[attr-defined]
        self.unchecked += listing.unchecked  # type: ignore[attr-defined]
        for status in ListingStatus.values:
            self.statuses[status] += getattr(listing, f"s{status}")


@dataclass
class ListingProgress:
    overall: ProgressRow
    townships: list[ProgressRow]
    villages: dict[str, list[ProgressRow]]  # township code -> its villages


def listing_progress(
    *, actor: Any, campaign_id: int, area_code: str | None = None
) -> ListingProgress:
    """Listing progress by township and village: states and household statuses (counts only).

    Needs ``aggregate.view``; counts only cover the actor's area.
    """
    if not scope_of(actor).has_perm(Perm.AGGREGATE_VIEW):
        raise ApplicationError(PERMISSION_DENIED)
    listings = list(listing_list(actor=actor, campaign_id=campaign_id, area_code=area_code))
    township_codes = sorted({codes.township_of(item.village_id) for item in listings})
    names = dict(Area.objects.filter(code__in=township_codes).values_list("code", "name"))
    overall = ProgressRow(code=area_code or "", name="")
    townships: dict[str, ProgressRow] = {
        code: ProgressRow(code=code, name=names.get(code, code)) for code in township_codes
    }
    villages: dict[str, list[ProgressRow]] = defaultdict(list)
    for item in listings:
        township = codes.township_of(item.village_id)
        row = ProgressRow(
            code=item.village_id, name=item.village.name, listing_id=item.pk, state=item.state
        )
        row.add(item)
        villages[township].append(row)
        townships[township].add(item)
        overall.add(item)
    return ListingProgress(
        overall=overall, townships=list(townships.values()), villages=dict(villages)
    )


def listing_overview(*, actor: Any, campaign_id: int) -> ProgressRow:
    """Overall counts for the home page: two aggregate queries, no per-village rows."""
    scope = scope_of(actor)
    row = ProgressRow(code="", name="")
    listings = VillageListing.objects.filter(
        scope.q(Perm.AGGREGATE_VIEW, "village_id"), campaign_id=campaign_id
    )
    for state, count in listings.values_list("state").annotate(n=Count("id")).order_by():
        row.states[state] = count
        row.villages += count
    entries = ListingEntry.objects.filter(
        scope.q(Perm.AGGREGATE_VIEW, "listing__village_id"), listing__campaign_id=campaign_id
    ).aggregate(total=Count("id"), unchecked=Count("id", filter=Q(status="")))
    row.total, row.unchecked = entries["total"], entries["unchecked"]
    return row


# --- the roster for export -------------------------------------------------------------------


def roster_export_rows(
    *, actor: Any, campaign_id: int, area_code: str | None = None
) -> QuerySet[ListingEntry]:
    """The roster as exported: needs ``personal.export`` and ``register.view`` (scoped)."""
    scope = scope_of(actor)
    if not scope.has_perm(Perm.PERSONAL_EXPORT):
        raise ApplicationError(PERMISSION_DENIED)
    return (
        roster_entries(campaign_id=campaign_id, area_code=area_code)
        .filter(
            scope.q(Perm.PERSONAL_EXPORT, "listing__village_id"),
            scope.q(Perm.REGISTER_VIEW, "listing__village_id"),
        )
        .select_related("listing__village", "merged_into")
        .annotate(evidence_count=Count("evidence"))
        .order_by("listing__village_id", "household__number")
    )
