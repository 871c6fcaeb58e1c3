"""Listing pages as village cadres and offices use them: one household, evidence, sign-off,
printable sheets, scans, progress, the roster and its export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from povcensus.audit.models import AuditEvent
from povcensus.devtools.listing_demo import demo_evidence_png
from povcensus.listing.models import (
    ListingEntry,
    ListingEvidence,
    ListingSheetScan,
    ListingState,
    ListingStatus,
    VillageListing,
)
from povcensus.listing.selectors import roster_entries
from povcensus.listing.tests.test_listing_transitions import put_in_state

pytestmark = pytest.mark.django_db
VILLAGE = "431202110201"


@pytest.fixture
def listing(world: Any) -> VillageListing:
    """金山村's listing, reopened for editing."""
    return put_in_state(
        VillageListing.objects.get(campaign=world.campaign, village_id=VILLAGE), "open", world
    )


def _entry(listing: VillageListing) -> ListingEntry:
    entry = listing.entries.select_related("household").order_by("household__number").first()
    assert entry is not None
    return entry


def _post_entry(client: Any, entry: ListingEntry, **fields: Any) -> Any:
    data = {"revision": entry.revision, "status": "", "verified_member_count": "", **fields}
    return client.post(reverse("listing:entry", args=[entry.pk]), data)


def test_cadre_sees_the_village_table_and_other_villages_are_not_found(
    client_for: Any, listing: VillageListing, world: Any
) -> None:
    client = client_for("cun01")
    page = client.get(reverse("listing:detail", args=[listing.pk]))
    assert page.status_code == 200
    assert _entry(listing).household.head_name in page.content.decode()
    other = VillageListing.objects.get(campaign=world.campaign, village_id="431202110202")
    assert client.get(reverse("listing:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("listing:entry", args=[_entry(other).pk])).status_code == 404


def test_dissolved_household_needs_explanation_and_photo(
    client_for: Any, listing: VillageListing
) -> None:
    client = client_for("cun01")
    entry = _entry(listing)
    ListingEvidence.objects.filter(entry=entry).delete()
    refused = _post_entry(client, entry, status=ListingStatus.DISSOLVED)
    assert refused.status_code == 400
    assert "listing.explanation_required" in refused.content.decode()
    refused = _post_entry(client, entry, status=ListingStatus.DISSOLVED, explanation="户主去世")
    assert "listing.evidence_required" in refused.content.decode()
    fake = io.BytesIO(b"not really a picture")
    fake.name = "photo.png"
    refused = _post_entry(
        client, entry, status=ListingStatus.DISSOLVED, explanation="户主去世", photos=fake
    )
    assert "listing.file_type" in refused.content.decode()
    revision = entry.revision
    photo = io.BytesIO(demo_evidence_png("x"))
    photo.name = "IMG_0001.jpg"  # the name lies; the content decides
    saved = _post_entry(
        client,
        entry,
        status=ListingStatus.DISSOLVED,
        explanation="户主去世，户已注销",
        photos=photo,
    )
    assert saved.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.verified_member_count, entry.revision) == ("4", 0, revision + 1)
    evidence = entry.evidence.get()
    assert (evidence.content_type, len(evidence.sha256)) == ("image/png", 64)
    event = AuditEvent.objects.filter(action="listing.entry_updated").last()
    assert event is not None
    assert event.after is not None
    assert event.after["status"] == "4"
    assert client.get(reverse("listing:evidence", args=[evidence.pk])).status_code == 200


def test_stale_form_is_a_conflict_not_an_overwrite(
    client_for: Any, listing: VillageListing
) -> None:
    entry = _entry(listing)
    first = _post_entry(client_for("cun01"), entry, status="1", verified_member_count="3")
    assert first.status_code == 302
    second = _post_entry(client_for("jinshan_office"), entry, status="2", verified_member_count="3")
    assert second.status_code == 409
    assert "core.conflict" in second.content.decode()
    entry.refresh_from_db()
    assert entry.status == "1"


def test_member_changes_and_merge(client_for: Any, listing: VillageListing, world: Any) -> None:
    client = client_for("cun01")
    entry = _entry(listing)
    member = entry.household.members.order_by("seq").last()
    assert member is not None
    other = listing.entries.exclude(pk=entry.pk).select_related("household").first()
    assert other is not None
    unknown = _post_entry(
        client, entry, status="7", explanation="两户合并", merged_into_number="0000"
    )
    assert "listing.merged_into_unknown" in unknown.content.decode()
    bad_change = _post_entry(
        client, entry, status="1", verified_member_count="3", new_change_0="newborn"
    )
    assert "listing.member_change_invalid" in bad_change.content.decode()
    saved = _post_entry(
        client,
        entry,
        status="7",
        explanation="与同村另一户合并",
        merged_into_number=other.household.number,
        **{
            f"change_{member.pk}": "death",
            f"change_note_{member.pk}": "2023年5月去世",
            "new_change_0": "newborn",
            "new_name_0": "小宝",
        },
    )
    assert saved.status_code == 302
    entry.refresh_from_db()
    assert entry.merged_into_id == other.household_id
    assert sorted(entry.member_changes.values_list("change", "name")) == [
        ("death", member.name),
        ("newborn", "小宝"),
    ]


def test_sign_off_through_the_pages_forms_the_roster(
    client_for: Any, listing: VillageListing, world: Any
) -> None:
    in_roster = roster_entries(campaign_id=world.campaign.pk, area_code=VILLAGE)
    assert in_roster.count() == 0  # reopened: not on the roster
    cadre = client_for("cun01")
    page = cadre.get(reverse("listing:detail", args=[listing.pk])).content.decode()
    assert reverse("listing:sign_village", args=[listing.pk]) in page
    cadre.post(reverse("listing:sign_village", args=[listing.pk]), {"version": listing.version})
    listing.refresh_from_db()
    assert listing.state == ListingState.VILLAGE_SIGNED
    office = client_for("jinshan_office")
    office.post(reverse("listing:sign_township", args=[listing.pk]), {"version": listing.version})
    listing.refresh_from_db()
    assert listing.state == ListingState.APPROVED
    assert in_roster.count() > 0
    page = office.get(reverse("listing:detail", args=[listing.pk])).content.decode()
    assert listing.township_signed_name in page  # the electronic seal
    office.post(
        reverse("listing:reopen", args=[listing.pk]), {"version": listing.version, "reason": ""}
    )
    listing.refresh_from_db()
    assert listing.state == ListingState.APPROVED  # no reason: refused


def test_printable_sheets_are_permission_checked_and_audited(client_for: Any, world: Any) -> None:
    listing = VillageListing.objects.get(campaign=world.campaign, village_id=VILLAGE)
    client = client_for("cun01")
    before = AuditEvent.objects.filter(action="listing.sheet_exported").count()
    xlsx = client.get(reverse("listing:sheet_xlsx", args=[listing.pk]))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join([xlsx.content]))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert _entry(listing).household.head_name in cells
    assert any("村委会（电子签章）" in c for c in cells)
    pdf = client.get(reverse("listing:sheet_pdf", args=[listing.pk]))
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="listing.sheet_exported").count() == before + 2
    assert (
        client_for("zdy01").get(reverse("listing:sheet_pdf", args=[listing.pk])).status_code == 403
    )
    assert (
        client_for("analyst").get(reverse("listing:sheet_pdf", args=[listing.pk])).status_code
        == 404
    )


def test_scanned_paper_sheet_upload(client_for: Any, world: Any) -> None:
    listing = VillageListing.objects.get(campaign=world.campaign, village_id=VILLAGE)
    client = client_for("cun01")
    scan = io.BytesIO(b"%PDF-1.4\n% scanned listing sheet\n")
    scan.name = "金山村清查摸底表.pdf"
    client.post(reverse("listing:scan_upload", args=[listing.pk]), {"scans": scan})
    stored = ListingSheetScan.objects.get(listing=listing)
    assert (stored.content_type, stored.original_name) == (
        "application/pdf",
        "金山村清查摸底表.pdf",
    )
    assert client.get(reverse("listing:scan", args=[stored.pk])).status_code == 200
    text = io.BytesIO(b"hello")
    text.name = "notes.txt"
    client.post(reverse("listing:scan_upload", args=[listing.pk]), {"scans": text})
    assert ListingSheetScan.objects.filter(listing=listing).count() == 1


def test_progress_and_home_card_show_counts_only(client_for: Any, world: Any) -> None:
    analyst = client_for("analyst")
    page = analyst.get(reverse("listing:progress"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "金山镇" in text
    first = (
        ListingEntry.objects.filter(listing__campaign=world.campaign)
        .select_related("household")
        .first()
    )
    assert first is not None
    assert first.household.head_name not in text
    assert analyst.get(reverse("listing:list")).status_code == 200
    home = client_for("jinshan_office").get(reverse("home")).content.decode()
    assert reverse("listing:progress") in home
    assert "16<small> / 16" in home  # all 16 villages of the demo town signed off


def test_roster_export_needs_personal_export_and_is_audited(client_for: Any, world: Any) -> None:
    assert (
        client_for("cun01").get(reverse("listing:roster_export", args=["xlsx"])).status_code == 403
    )
    office = client_for("jinshan_office")
    assert office.get(reverse("listing:roster")).status_code == 200
    response = office.get(reverse("listing:roster_export", args=["xlsx"]))
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert len(rows) - 2 == roster_entries(campaign_id=world.campaign.pk).count()
    csv_response = office.get(reverse("listing:roster_export", args=["csv"]))
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("县代码,乡代码,村代码")
    assert AuditEvent.objects.filter(action="listing.roster_exported").count() == 2
