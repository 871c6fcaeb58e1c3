"""Demo listings: every village of the demo town listed and signed off.

Statuses follow plausible shares (almost all households resident; a few away, moved,
dissolved, lost or refusing); dissolved and lost households carry an explanation and an
evidence picture (a generated PNG that says it is demo evidence).
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile

from povcensus.accounts.models import User
from povcensus.campaign.models import Campaign
from povcensus.listing.models import (
    EVIDENCE_REQUIRED,
    ListingEntry,
    ListingEvidence,
    ListingStatus,
    VillageListing,
)
from povcensus.listing.services import (
    listing_entries_ensure,
    listing_sign_township,
    listing_sign_village,
)

SHARES = [
    (ListingStatus.NORMAL, 0.93),
    (ListingStatus.AWAY, 0.03),
    (ListingStatus.MOVED, 0.015),
    (ListingStatus.DISSOLVED, 0.01),
    (ListingStatus.LOST_CONTACT, 0.008),
    (ListingStatus.REFUSED, 0.004),
    (ListingStatus.MERGED, 0.002),
    (ListingStatus.DUPLICATE, 0.001),
]
EXPLANATIONS = {
    ListingStatus.DISSOLVED: "户内成员均已去世，经村委会核实，已注销户籍。",
    ListingStatus.LOST_CONTACT: "全家外出多年，电话停机，亲属亦无法联系，经村委会多次查找未果。",
    ListingStatus.REFUSED: "户主明确表示不接受入户调查，经村干部多次劝说无效。",
    ListingStatus.MERGED: "已与同村建档立卡户合并为一户。",
    ListingStatus.DUPLICATE: "与本村另一条记录为同一户，系重复录入。",
}
TZ = ZoneInfo("Asia/Shanghai")


def demo_evidence_png(text_seed: str) -> bytes:
    """A small, valid PNG (a coloured card) standing in for a photo in the demo."""
    digest = hashlib.sha256(text_seed.encode()).digest()
    width, height = 64, 48
    r, g, b = digest[0], digest[1], digest[2]
    rows = b"".join(b"\x00" + bytes((r, g, b)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def build_demo_listings(
    *, campaign: Campaign, seed: int, village_signers: dict[str, User], township_signer: User
) -> int:
    """List every village that has households; sign off those with a signer.

    The listings and their entries are created by the listing's own service (as after a
    register import); the statuses the cadres would record are set in bulk (demo data);
    the sign-off goes through the services, so the seals and the audit trail are real.
    Returns the number of entries.
    """
    listing_entries_ensure(campaign_id=campaign.pk)
    rng = random.Random(seed)
    statuses, weights = zip(*SHARES, strict=True)
    listings = VillageListing.objects.filter(
        campaign=campaign, village_id__in=list(village_signers)
    ).order_by("village_id")
    for listing in listings:
        signer = village_signers[listing.village_id]
        entries = list(listing.entries.select_related("household").order_by("household__number"))
        at = datetime(2023, 9, 2, 10, 0, tzinfo=TZ)
        for index, entry in enumerate(entries):
            status = rng.choices(statuses, weights)[0]
            if status == ListingStatus.MERGED and index == 0:
                status = ListingStatus.NORMAL
            entry.status = status
            entry.verified_member_count = (
                entry.household.size_registered
                if status in (ListingStatus.NORMAL, ListingStatus.AWAY, ListingStatus.MOVED)
                else 0
            )
            entry.merged_into = (
                entries[index - 1].household if status == ListingStatus.MERGED else None
            )
            entry.explanation = EXPLANATIONS.get(status, "")
            entry.updated_by = signer
            entry.updated_at = at
            entry.revision = 1
        ListingEntry.objects.bulk_update(
            entries,
            [
                "status",
                "verified_member_count",
                "merged_into",
                "explanation",
                "updated_by",
                "updated_at",
                "revision",
            ],
            batch_size=2000,
        )
        for entry in entries:
            if entry.status in EVIDENCE_REQUIRED:
                png = demo_evidence_png(entry.household.number)
                evidence = ListingEvidence(
                    entry=entry,
                    original_name=f"{entry.household.number}.png",
                    content_type="image/png",
                    size=len(png),
                    sha256=hashlib.sha256(png).hexdigest(),
                    uploaded_by=signer,
                )
                evidence.file.save(
                    f"{entry.household.number}-demo.png", ContentFile(png), save=False
                )
                evidence.save()
        listing.refresh_from_db()
        listing = listing_sign_village(actor=signer, listing_id=listing.pk, version=listing.version)
        listing_sign_township(actor=township_signer, listing_id=listing.pk, version=listing.version)
    return ListingEntry.objects.filter(listing__campaign=campaign).count()
