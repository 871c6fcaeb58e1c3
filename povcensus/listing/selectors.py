"""Reads of the listing and the survey roster.

The roster (调查底册) is the set of entries of *approved* village listings whose status
puts them on it: :func:`roster_entries` is the one definition every later app (assignment,
collection, review) uses.
"""

from __future__ import annotations

from django.db.models import QuerySet

from povcensus.geography.selectors import within_area_q
from povcensus.listing.models import (
    ROSTER_INTERVIEW,
    ROSTER_NON_INTERVIEW,
    ListingEntry,
    ListingState,
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
