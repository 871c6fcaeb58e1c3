"""The listing's sign-off chain, from a table of (state, action, role) → allowed or refused.

Village 金山村 (431202110201) of the demo town; cun01 is its village cadre, cun02 the cadre
of the next village; jinshan_office is the township's census office, county_office the
county's; zdy01 a supervisor, dcy01 an enumerator, analyst sees aggregates only.
"""

from __future__ import annotations

from typing import Any

import pytest

from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.listing.models import ListingEntry, ListingState, ListingStatus, VillageListing
from povcensus.listing.services import (
    listing_entry_update,
    listing_reopen,
    listing_sign_township,
    listing_sign_village,
)

pytestmark = pytest.mark.django_db

VILLAGE = "431202110201"
USERS = ["cun01", "cun02", "jinshan_office", "county_office", "zdy01", "dcy01", "analyst"]
# ok = allowed; otherwise the error code, shortened: locked = listing.locked,
# state = listing.wrong_state, denied = core.permission_denied, missing = core.not_found.
TABLE = """
state           action          cun01   cun02    jinshan_office county_office zdy01   dcy01    analyst
open            edit            ok      missing  ok             ok            denied  missing  missing
open            sign_village    ok      missing  denied         denied        denied  missing  denied
open            sign_township   denied  missing  state          state         denied  missing  denied
open            reopen          denied  missing  state          state         denied  missing  denied
village_signed  edit            locked  missing  locked         locked        denied  missing  missing
village_signed  sign_village    state   missing  denied         denied        denied  missing  denied
village_signed  sign_township   denied  missing  ok             ok            denied  missing  denied
village_signed  reopen          denied  missing  ok             ok            denied  missing  denied
approved        edit            locked  missing  locked         locked        denied  missing  missing
approved        sign_village    state   missing  denied         denied        denied  missing  denied
approved        sign_township   denied  missing  state          state         denied  missing  denied
approved        reopen          denied  missing  ok             ok            denied  missing  denied
"""
CODES = {
    "locked": "listing.locked",
    "state": "listing.wrong_state",
    "denied": "core.permission_denied",
    "missing": "core.not_found",
}


def _cases() -> list[tuple[str, str, str, str]]:
    lines = [line.split() for line in TABLE.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert header[2:] == USERS
    return [
        (state, action, user, outcome)
        for state, action, *outcomes in rows
        for user, outcome in zip(USERS, outcomes, strict=True)
    ]


def put_in_state(listing: VillageListing, state: str, world: Any) -> VillageListing:
    """Move the demo's (approved, complete) listing to ``state`` directly."""
    cadre, office = world.user("cun01"), world.user("jinshan_office")
    listing.state = state
    signed = state != ListingState.OPEN
    listing.village_signed_by = cadre if signed else None
    listing.village_signed_name = cadre.display_name if signed else ""
    approved = state == ListingState.APPROVED
    listing.township_signed_by = office if approved else None
    listing.township_signed_name = office.display_name if approved else ""
    listing.save()
    return listing


def _act(action: str, actor: Any, listing: VillageListing) -> None:
    if action == "edit":
        entry = listing.entries.order_by("pk").first()
        assert entry is not None
        listing_entry_update(
            actor=actor,
            entry_id=entry.pk,
            revision=entry.revision,
            status=ListingStatus.NORMAL,
            verified_member_count=3,
        )
    elif action == "sign_village":
        listing_sign_village(actor=actor, listing_id=listing.pk, version=listing.version)
    elif action == "sign_township":
        listing_sign_township(actor=actor, listing_id=listing.pk, version=listing.version)
    else:
        listing_reopen(
            actor=actor, listing_id=listing.pk, version=listing.version, reason="户状态填错，需更正"
        )


@pytest.mark.parametrize(("state", "action", "user", "outcome"), _cases())
def test_transition_table(world: Any, state: str, action: str, user: str, outcome: str) -> None:
    listing = put_in_state(
        VillageListing.objects.get(campaign=world.campaign, village_id=VILLAGE), state, world
    )
    events = AuditEvent.objects.count()
    if outcome == "ok":
        _act(action, world.user(user), listing)
        assert AuditEvent.objects.count() == events + 1
        return
    with pytest.raises(ApplicationError) as caught:
        _act(action, world.user(user), listing)
    assert caught.value.code == CODES[outcome]
    assert AuditEvent.objects.count() == events
    fresh = VillageListing.objects.get(pk=listing.pk)
    assert (fresh.state, fresh.version) == (state, listing.version)


def test_full_chain_records_named_signatures_and_locks(world: Any) -> None:
    listing = put_in_state(
        VillageListing.objects.get(campaign=world.campaign, village_id=VILLAGE), "open", world
    )
    cadre, office = world.user("cun01"), world.user("jinshan_office")
    listing = listing_sign_village(actor=cadre, listing_id=listing.pk, version=listing.version)
    assert (listing.state, listing.village_signed_name) == ("village_signed", cadre.display_name)
    assert listing.village_signed_at is not None
    listing = listing_sign_township(actor=office, listing_id=listing.pk, version=listing.version)
    assert listing.state == "approved"
    assert listing.township_signed_name == office.display_name
    event = AuditEvent.objects.filter(action="listing.township_signed").last()
    assert event is not None
    assert event.after is not None
    assert event.after["township_signed_by"] == office.display_name


def test_reopen_needs_a_reason_and_clears_both_signatures(world: Any) -> None:
    listing = VillageListing.objects.get(campaign=world.campaign, village_id=VILLAGE)
    office = world.user("jinshan_office")
    with pytest.raises(ApplicationError) as caught:
        listing_reopen(actor=office, listing_id=listing.pk, version=listing.version, reason=" ")
    assert caught.value.code == "listing.reason_required"
    listing = listing_reopen(
        actor=office, listing_id=listing.pk, version=listing.version, reason="两户状态需更正"
    )
    assert listing.state == "open"
    assert (listing.village_signed_by, listing.township_signed_by) == (None, None)
    event = AuditEvent.objects.filter(action="listing.reopened").last()
    assert event is not None
    assert event.after is not None
    assert event.before is not None
    assert event.after["reason"] == "两户状态需更正"
    assert event.before["state"] == "approved"


def test_signing_a_version_the_signer_has_not_seen_is_a_conflict(world: Any) -> None:
    listing = put_in_state(
        VillageListing.objects.get(campaign=world.campaign, village_id=VILLAGE), "open", world
    )
    seen = listing.version
    entry = listing.entries.order_by("pk").first()
    assert entry is not None
    listing_entry_update(
        actor=world.user("jinshan_office"),
        entry_id=entry.pk,
        revision=entry.revision,
        status=ListingStatus.NORMAL,
        verified_member_count=2,
    )
    with pytest.raises(ApplicationError) as caught:
        listing_sign_village(actor=world.user("cun01"), listing_id=listing.pk, version=seen)
    assert caught.value.code == "core.conflict"


def test_village_cannot_sign_while_a_household_is_unchecked(world: Any) -> None:
    listing = put_in_state(
        VillageListing.objects.get(campaign=world.campaign, village_id=VILLAGE), "open", world
    )
    ListingEntry.objects.filter(pk=listing.entries.order_by("pk").first().pk).update(status="")  # type: ignore[union-attr]
    with pytest.raises(ApplicationError) as caught:
        listing_sign_village(
            actor=world.user("cun01"), listing_id=listing.pk, version=listing.version
        )
    assert caught.value.code == "listing.incomplete"
    assert caught.value.details["count"] == 1


def test_entries_are_created_once_and_follow_a_household_to_its_new_village(world: Any) -> None:
    from povcensus.listing.services import listing_entries_ensure
    from povcensus.register.models import Household

    campaign = world.campaign
    household = Household.objects.filter(campaign=campaign, village_id=VILLAGE).first()
    assert household is not None
    own = ListingEntry.objects.get(household=household).listing
    VillageListing.objects.filter(pk=own.pk).update(state=ListingState.OPEN)  # reopened
    other = VillageListing.objects.filter(campaign=campaign).exclude(village_id=VILLAGE).first()
    assert other is not None
    entries = ListingEntry.objects.filter(listing__campaign=campaign).count()
    assert listing_entries_ensure(campaign_id=campaign.pk) == (0, 0)  # nothing missing
    Household.objects.filter(pk=household.pk).update(village_id=other.village_id)
    listing_entries_ensure(campaign_id=campaign.pk)
    entry = ListingEntry.objects.get(household=household)
    assert entry.listing_id == other.pk
    assert ListingEntry.objects.filter(listing__campaign=campaign).count() == entries
    event = AuditEvent.objects.filter(action="listing.entries_created").last()
    assert event is not None
    assert event.after == {"listings": 0, "entries": 0, "moved": 1}
