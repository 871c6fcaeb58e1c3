"""The demo town: valid IDs, the cross-township rule, the merged villages, the logins."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from povcensus.core.idnumbers import age_on, checksum_ok, sex_code
from povcensus.devtools import generator
from povcensus.geography.models import Area
from povcensus.register.models import Member
from povcensus.team.models import TeamMember

pytestmark = pytest.mark.django_db


def test_every_demo_id_passes_gb11643_and_matches_sex(world: Any) -> None:
    members = list(Member.objects.filter(campaign=world.campaign).values_list("id_number", "sex"))
    assert members
    assert all(checksum_ok(id_number) for id_number, _ in members)
    assert all(sex_code(id_number) == sex for id_number, sex in members)
    assert len({i for i, _ in members}) == len(members)


def test_no_enumerator_is_posted_in_their_own_township(world: Any) -> None:
    memberships = TeamMember.objects.filter(campaign=world.campaign).select_related("team", "user")
    assert memberships.count() == 16  # 8 teams of two
    for m in memberships:
        assert m.user.home_township_id is not None
        assert m.user.home_township_id != m.team.posted_area_id
    assert world.campaign.teams.values("supervisor").distinct().count() == 4


def test_sixteen_former_villages_map_to_fewer_merged_ones(world: Any) -> None:
    former = Area.objects.filter(parent_id=generator.DEMO_TOWNSHIP[0], level=5, is_current=False)
    assert former.count() == 16
    assert all(v.successor_id for v in former)
    assert former.values("successor").distinct().count() == 6


def test_generator_is_deterministic_and_scales_with_realistic_households() -> None:
    reference = date(2023, 9, 8)
    first = [h.number for h in generator.households(count=300, seed=5, reference=reference)]
    again = [h.number for h in generator.households(count=300, seed=5, reference=reference)]
    assert first == again
    sample = list(
        generator.households(count=2000, seed=3, reference=reference, sizes=generator.SIZES_DENSE)
    )
    members = [m for h in sample for m in h.members]
    assert 3.2 < len(members) / len(sample) < 3.8
    assert all(h.members[0].relation == "01" for h in sample)
    assert all(age_on(m.id_number, reference) == m.age for m in members)
    geography = generator.geography_for(1_000_000)
    assert len(geography.census_villages) == 10_000


def test_demo_command_is_idempotent_and_prints_logins(capsys: Any) -> None:
    call_command("demo")
    out = capsys.readouterr().out
    assert "already present" in out
    assert "jinshan_office" in out
    assert "Jinshan2023" in out


def test_demo_listings_are_approved_with_evidence_where_required(world: Any) -> None:
    from povcensus.listing.models import EVIDENCE_REQUIRED, ListingState, VillageListing
    from povcensus.listing.selectors import roster_entries

    listings = VillageListing.objects.filter(campaign=world.campaign)
    assert listings.count() == 16
    assert set(listings.values_list("state", flat=True)) == {ListingState.APPROVED}
    roster = roster_entries(campaign_id=world.campaign.pk)
    assert (
        0
        < roster.count()
        <= Member.objects.filter(campaign=world.campaign).values("household").distinct().count()
    )
    for listing in listings:
        for entry in listing.entries.filter(status__in=list(EVIDENCE_REQUIRED)):
            assert entry.explanation
            assert entry.evidence.exists()
