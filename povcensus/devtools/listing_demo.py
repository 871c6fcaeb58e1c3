"""Demo listings: every village of the demo town listed and signed off, as on 3 September.

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
    ListingState,
    ListingStatus,
    VillageListing,
)
from povcensus.register.models import Household

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
    """Create and approve the listing of every village that has households; return entries."""
    rng = random.Random(seed)
    statuses, weights = zip(*SHARES, strict=True)
    created = 0
    village_codes = (
        Household.objects.filter(campaign=campaign).values_list("village_id", flat=True).distinct()
    )
    for village_code in sorted(set(village_codes)):
        signer = village_signers.get(village_code)
        listing = VillageListing.objects.create(
            campaign=campaign,
            village_id=village_code,
            state=ListingState.APPROVED if signer else ListingState.OPEN,
            village_signed_by=signer,
            village_signed_at=datetime(2023, 9, 2, 17, 30, tzinfo=TZ) if signer else None,
            township_signed_by=township_signer if signer else None,
            township_signed_at=datetime(2023, 9, 3, 11, 0, tzinfo=TZ) if signer else None,
        )
        households = list(
            Household.objects.filter(campaign=campaign, village_id=village_code).order_by("number")
        )
        entries = []
        for index, household in enumerate(households):
            status = rng.choices(statuses, weights)[0] if signer else ListingStatus.NORMAL
            if status == ListingStatus.MERGED and index == 0:
                status = ListingStatus.NORMAL
            entries.append(
                ListingEntry(
                    listing=listing,
                    household=household,
                    status=status if signer else "",
                    verified_member_count=household.size_registered
                    if status in (ListingStatus.NORMAL, ListingStatus.AWAY, ListingStatus.MOVED)
                    else 0,
                    merged_into=households[index - 1] if status == ListingStatus.MERGED else None,
                    explanation=EXPLANATIONS.get(status, ""),
                    updated_by=signer,
                    updated_at=datetime(2023, 9, 2, 10, 0, tzinfo=TZ) if signer else None,
                )
            )
        ListingEntry.objects.bulk_create(entries, batch_size=2000)
        created += len(entries)
        for entry in entries:
            if entry.status in EVIDENCE_REQUIRED and signer:
                png = demo_evidence_png(entry.household.number)
                evidence = ListingEvidence(
                    entry=entry,
                    content_type="image/png",
                    sha256=hashlib.sha256(png).hexdigest(),
                    uploaded_by=signer,
                )
                evidence.file.save(
                    f"{entry.household.number}-demo.png", ContentFile(png), save=False
                )
                evidence.save()
    return created
