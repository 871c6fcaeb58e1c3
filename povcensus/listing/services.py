"""Writes to the listing (清查摸底): entries, evidence, the sign-off chain, scans.

The chain (work plan 七3; census-domain.md §2):

    open ──village committee signs──▶ village_signed ──township signs──▶ approved (locked)
      ▲                                     │                               │
      └──────────── township office reopens with a reason (audited) ◀───────┘

Entries are edited only while the village's listing is open.  Every write bumps the
listing's ``version``; a signature names the version the signer saw, so nobody signs
edits they have not seen.  Each entry has its own ``revision``: two cadres editing
different households of one village do not disturb each other, two editing the same
household get ``core.conflict`` instead of silently overwriting.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.core.errors import CONFLICT, NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.core.idnumbers import birth_date, checksum_ok, is_disability_number, repair_id
from povcensus.listing import errors
from povcensus.listing.models import (
    EVIDENCE_REQUIRED,
    EXPLANATION_REQUIRED,
    MEMBER_REMOVALS,
    ROSTER_INTERVIEW,
    ListingEntry,
    ListingEvidence,
    ListingMemberChange,
    ListingSheetScan,
    ListingState,
    ListingStatus,
    MemberChange,
    VillageListing,
)
from povcensus.register.models import Household, Member

MAX_MEMBERS = 50
PHOTO_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
SCAN_TYPES = {**PHOTO_TYPES, "application/pdf": "PDF"}
MAX_PHOTO_MB = 10
MAX_SCAN_MB = 20


# --- creation from the register ------------------------------------------------------------


def listing_entries_ensure(*, campaign_id: int, actor: Any = None) -> tuple[int, int]:
    """Give every household of the campaign a listing entry in its village's listing.

    Creates the missing village listings (state open) and entries (status not yet
    checked), set-based, so a million imported households cost two statements.  An
    entry whose household moved to another village follows it while its old listing is
    still open.  Runs inside the caller's transaction (the register import's); records
    ``listing.entries_created`` (by ``actor``: the importer, or None for the system).
    Returns (listings created, entries created).
    """
    with connection.cursor() as cursor:
        # A campaign without entries yet (its first import) needs neither the per-household
        # look for an existing entry (a million index probes) nor the search for entries
        # left behind by a move.
        cursor.execute(
            """SELECT EXISTS (SELECT 1 FROM listing_listingentry e
            JOIN listing_villagelisting l ON l.id = e.listing_id WHERE l.campaign_id = %s)""",
            [campaign_id],
        )
        had_entries = bool(cursor.fetchone()[0])
        cursor.execute(
            """INSERT INTO listing_villagelisting
                (campaign_id, village_code, state, version, village_signed_name,
                 township_signed_name)
            SELECT DISTINCT h.campaign_id, h.village_code, 'open', 1, '', ''
            FROM register_household h
            WHERE h.campaign_id = %s AND NOT EXISTS (
                SELECT 1 FROM listing_villagelisting l
                WHERE l.campaign_id = h.campaign_id AND l.village_code = h.village_code)""",
            [campaign_id],
        )
        listings = cursor.rowcount
        only_without_entry = (
            " AND NOT EXISTS (SELECT 1 FROM listing_listingentry e WHERE e.household_id = h.id)"
            if had_entries
            else ""
        )
        cursor.execute(
            """INSERT INTO listing_listingentry
                (listing_id, household_id, status, explanation, note, revision)
            SELECT l.id, h.id, '', '', '', 0
            FROM register_household h
            JOIN listing_villagelisting l
              ON l.campaign_id = h.campaign_id AND l.village_code = h.village_code
            WHERE h.campaign_id = %s"""  # noqa: S608 (constant SQL)
            + only_without_entry,
            [campaign_id],
        )
        entries = cursor.rowcount
    moved = 0
    stale = ListingEntry.objects.filter(
        listing__campaign_id=campaign_id, listing__state=ListingState.OPEN
    ).exclude(listing__village_id=F("household__village_id"))
    for entry in stale.select_related("household") if had_entries else []:
        target = VillageListing.objects.get(
            campaign_id=campaign_id, village_id=entry.household.village_id
        )
        entry.listing = target
        entry.save(update_fields=["listing"])
        moved += 1
    if listings or entries or moved:
        audit_record(
            actor=actor,
            action="listing.entries_created",
            object_type="campaign",
            object_id=campaign_id,
            after={"listings": listings, "entries": entries, "moved": moved},
        )
    return listings, entries


def on_register_imported(campaign_id: int, actor: Any) -> None:
    """Hook for the register import (``register.hooks``)."""
    listing_entries_ensure(campaign_id=campaign_id, actor=actor)


# --- one household's entry ------------------------------------------------------------------


@dataclass(frozen=True)
class MemberChangeSpec:
    change: str
    member_id: int | None = None  # a registered member (removals and corrections)
    name: str = ""  # a new member (additions)
    id_number: str = ""
    note: str = ""


@dataclass(frozen=True)
class Upload:
    """A file as received: its name, the type the client claimed, its bytes."""

    name: str
    content: bytes


def _lock_listing(listing_id: int) -> VillageListing:
    return VillageListing.objects.select_for_update().get(pk=listing_id)


def _check_perm(actor: Any, perm: Perm, listing: VillageListing) -> None:
    if not scope_of(actor).allows(perm, listing.village_id):
        raise ApplicationError(PERMISSION_DENIED)


def _require_open(listing: VillageListing) -> None:
    if listing.state != ListingState.OPEN:
        raise ApplicationError(errors.LOCKED, state=listing.get_state_display())


def _bump(listing: VillageListing) -> None:
    VillageListing.objects.filter(pk=listing.pk).update(version=F("version") + 1)
    listing.version += 1


def sniff_type(content: bytes) -> str | None:
    """The real type of an uploaded file from its first bytes (the client's claim is ignored)."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _checked_upload(upload: Upload, accepted: dict[str, str], max_mb: int) -> str:
    if len(upload.content) > max_mb * 1024 * 1024:
        raise ApplicationError(errors.FILE_TOO_LARGE, name=upload.name, max=max_mb)
    kind = sniff_type(upload.content)
    if kind not in accepted:
        raise ApplicationError(
            errors.FILE_TYPE, name=upload.name, accepted="、".join(accepted.values())
        )
    return kind


def _entry_snapshot(entry: ListingEntry) -> dict[str, Any]:
    return {
        "status": entry.status,
        "verified_member_count": entry.verified_member_count,
        "merged_into": entry.merged_into.number if entry.merged_into_id else None,  # type: ignore[union-attr]
        "explanation": entry.explanation,
        "note": entry.note,
        "member_changes": [
            {"change": c.change, "name": c.name, "id_number": c.id_number, "note": c.note}
            for c in entry.member_changes.all()
        ],
        "evidence": entry.evidence.count(),
    }


def _member_change_rows(
    entry: ListingEntry, specs: list[MemberChangeSpec]
) -> list[ListingMemberChange]:
    members = {m.pk: m for m in Member.objects.filter(household_id=entry.household_id)}
    rows = []
    for spec in specs:
        if spec.change not in MemberChange.values:
            raise ApplicationError(errors.MEMBER_CHANGE_INVALID, reason=spec.change)
        member = members.get(spec.member_id) if spec.member_id else None
        if spec.member_id and member is None:
            raise ApplicationError(errors.MEMBER_CHANGE_INVALID, reason=str(spec.member_id))
        if spec.change in MEMBER_REMOVALS and member is None:
            raise ApplicationError(
                errors.MEMBER_CHANGE_INVALID, reason=str(MemberChange(spec.change).label)
            )
        name = member.name if member else spec.name.strip()
        if not name:
            raise ApplicationError(
                errors.MEMBER_CHANGE_INVALID, reason=str(MemberChange(spec.change).label)
            )
        id_number = member.id_number if member else repair_id(spec.id_number).value
        if id_number and not member:
            valid = (checksum_ok(id_number) or is_disability_number(id_number)) and birth_date(
                id_number
            )
            if not valid:
                raise ApplicationError(errors.MEMBER_CHANGE_INVALID, reason=id_number)
        rows.append(
            ListingMemberChange(
                entry=entry,
                member=member,
                change=spec.change,
                name=name[:50],
                id_number=id_number[:22],
                note=spec.note.strip()[:200],
            )
        )
    return rows


@transaction.atomic
def listing_entry_update(
    *,
    actor: Any,
    entry_id: int,
    revision: int,
    status: str,
    verified_member_count: int | None = None,
    merged_into_number: str = "",
    explanation: str = "",
    note: str = "",
    member_changes: list[MemberChangeSpec] | None = None,
    photos: list[Upload] | None = None,
) -> ListingEntry:
    """Record one household's listing status (清查摸底一户).

    Needs ``listing.edit`` over the village and an open listing.  ``revision`` is the
    entry's revision the form was built from (someone else saved since: ``core.conflict``).
    Replaces the entry's member changes; ``photos`` are added as evidence.  Dissolved and
    lost-contact households need an explanation and at least one evidence photo (说明佐证);
    refusals, merges and duplicates an explanation.  Writes the entry, bumps the
    listing's version, records ``listing.entry_updated`` (before/after).

    Raises ``core.not_found``, ``core.permission_denied``, ``core.conflict``,
    ``listing.locked``, ``listing.status_required``, ``listing.explanation_required``,
    ``listing.evidence_required``, ``listing.member_count_required``,
    ``listing.member_count_invalid``, ``listing.merged_into_required``,
    ``listing.merged_into_unknown``, ``listing.member_change_invalid``,
    ``listing.file_type``, ``listing.file_too_large``.
    """
    entry = (
        ListingEntry.objects.select_related("household", "listing", "merged_into")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not scope_of(actor).allows(Perm.REGISTER_VIEW, entry.listing.village_id):
        raise ApplicationError(NOT_FOUND)
    listing = _lock_listing(entry.listing_id)
    _check_perm(actor, Perm.LISTING_EDIT, listing)
    _require_open(listing)
    entry.refresh_from_db(fields=["revision"])
    if entry.revision != revision:
        raise ApplicationError(CONFLICT)
    if status not in ListingStatus.values:
        raise ApplicationError(errors.STATUS_REQUIRED)
    label = ListingStatus(status).label
    if verified_member_count is not None and not 0 <= verified_member_count <= MAX_MEMBERS:
        raise ApplicationError(errors.MEMBER_COUNT_INVALID, max=MAX_MEMBERS)
    if status in ROSTER_INTERVIEW and verified_member_count is None:
        raise ApplicationError(errors.MEMBER_COUNT_REQUIRED, status=label)
    explanation, note = explanation.strip(), note.strip()[:200]
    if status in EXPLANATION_REQUIRED and not explanation:
        raise ApplicationError(errors.EXPLANATION_REQUIRED, status=label)
    merged_into = None
    if status == ListingStatus.MERGED:
        if not merged_into_number.strip():
            raise ApplicationError(errors.MERGED_INTO_REQUIRED)
        merged_into = Household.objects.filter(
            campaign_id=listing.campaign_id, number=merged_into_number.strip()
        ).first()
        if merged_into is None or merged_into.pk == entry.household_id:
            raise ApplicationError(errors.MERGED_INTO_UNKNOWN, number=merged_into_number.strip())
    photos = photos or []
    kinds = [_checked_upload(photo, PHOTO_TYPES, MAX_PHOTO_MB) for photo in photos]
    if status in EVIDENCE_REQUIRED and not photos and not entry.evidence.exists():
        raise ApplicationError(errors.EVIDENCE_REQUIRED, status=label)
    changes = _member_change_rows(entry, member_changes or [])

    before = _entry_snapshot(entry)
    entry.status = status
    entry.verified_member_count = (
        0
        if status == ListingStatus.DISSOLVED and verified_member_count is None
        else verified_member_count
    )
    entry.merged_into = merged_into
    entry.explanation = explanation
    entry.note = note
    entry.updated_by = actor
    entry.updated_at = timezone.now()
    entry.revision += 1
    entry.save()
    entry.member_changes.all().delete()
    ListingMemberChange.objects.bulk_create(changes)
    for photo, kind in zip(photos, kinds, strict=True):
        _store_evidence(actor, entry, photo, kind)
    _bump(listing)
    audit_record(
        actor=actor,
        action="listing.entry_updated",
        object_type="listing_entry",
        object_id=entry.pk,
        area_code=listing.village_id,
        before=before,
        after=_entry_snapshot(entry),
    )
    return entry


def _store_evidence(actor: Any, entry: ListingEntry, photo: Upload, kind: str) -> ListingEvidence:
    evidence = ListingEvidence(
        entry=entry,
        original_name=photo.name[:200],
        content_type=kind,
        size=len(photo.content),
        sha256=hashlib.sha256(photo.content).hexdigest(),
        uploaded_by=actor,
    )
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[kind]
    evidence.file.save(
        f"{entry.household.number}.{extension}", ContentFile(photo.content), save=False
    )
    evidence.save()
    return evidence


@transaction.atomic
def listing_evidence_add(*, actor: Any, entry_id: int, photo: Upload) -> ListingEvidence:
    """Add an evidence photo to an entry of an open listing (``listing.evidence_added``)."""
    entry = ListingEntry.objects.select_related("household", "listing").filter(pk=entry_id).first()
    if entry is None or not scope_of(actor).allows(Perm.REGISTER_VIEW, entry.listing.village_id):
        raise ApplicationError(NOT_FOUND)
    listing = _lock_listing(entry.listing_id)
    _check_perm(actor, Perm.LISTING_EDIT, listing)
    _require_open(listing)
    kind = _checked_upload(photo, PHOTO_TYPES, MAX_PHOTO_MB)
    evidence = _store_evidence(actor, entry, photo, kind)
    _bump(listing)
    audit_record(
        actor=actor,
        action="listing.evidence_added",
        object_type="listing_entry",
        object_id=entry.pk,
        area_code=listing.village_id,
        after={"evidence": evidence.pk, "sha256": evidence.sha256, "size": evidence.size},
    )
    return evidence


@transaction.atomic
def listing_evidence_remove(*, actor: Any, evidence_id: int) -> None:
    """Remove an evidence photo from an open listing (``listing.evidence_removed``).

    The stored file is kept (the audit trail names its hash); only the link goes.
    """
    evidence = (
        ListingEvidence.objects.select_related("entry__listing").filter(pk=evidence_id).first()
    )
    if evidence is None or not scope_of(actor).allows(
        Perm.REGISTER_VIEW, evidence.entry.listing.village_id
    ):
        raise ApplicationError(NOT_FOUND)
    listing = _lock_listing(evidence.entry.listing_id)
    _check_perm(actor, Perm.LISTING_EDIT, listing)
    _require_open(listing)
    entry = evidence.entry
    if entry.status in EVIDENCE_REQUIRED and entry.evidence.count() == 1:
        raise ApplicationError(errors.EVIDENCE_REQUIRED, status=entry.get_status_display())
    snapshot = {"evidence": evidence.pk, "sha256": evidence.sha256, "file": evidence.file.name}
    evidence.delete()
    _bump(listing)
    audit_record(
        actor=actor,
        action="listing.evidence_removed",
        object_type="listing_entry",
        object_id=entry.pk,
        area_code=listing.village_id,
        before=snapshot,
    )


# --- the sign-off chain ---------------------------------------------------------------------


def incomplete_entries_q() -> Q:
    """Entries that cannot be signed: no status, or a status missing its 说明佐证."""
    return (
        Q(status="")
        | Q(status__in=list(EXPLANATION_REQUIRED), explanation="")
        | Q(status__in=list(EVIDENCE_REQUIRED), evidence__isnull=True)
    )


def _check_complete(listing: VillageListing) -> None:
    missing = listing.entries.filter(incomplete_entries_q()).distinct().count()
    if missing:
        raise ApplicationError(errors.INCOMPLETE, count=missing)


def _signing(actor: Any, listing_id: int, version: int, perm: Perm, state: str) -> VillageListing:
    listing = VillageListing.objects.filter(pk=listing_id).first()
    if listing is None or not scope_of(actor).allows(Perm.AGGREGATE_VIEW, listing.village_id):
        raise ApplicationError(NOT_FOUND)
    listing = _lock_listing(listing_id)
    _check_perm(actor, perm, listing)
    if listing.state != state:
        raise ApplicationError(errors.WRONG_STATE, state=listing.get_state_display())
    if listing.version != version:
        raise ApplicationError(CONFLICT)
    return listing


def _signatures(listing: VillageListing) -> dict[str, Any]:
    return {
        "state": listing.state,
        "version": listing.version,
        "village_signed_by": listing.village_signed_name,
        "village_signed_at": listing.village_signed_at,
        "township_signed_by": listing.township_signed_name,
        "township_signed_at": listing.township_signed_at,
    }


def _seal(
    listing: VillageListing, actor: Any, *, signer: str, to_state: ListingState
) -> VillageListing:
    """Put ``signer``'s electronic seal on a complete listing.

    Records who signed, the name as signed and when, moves the listing to ``to_state`` and
    audits ``listing.village_signed`` or ``listing.township_signed``.
    """
    _check_complete(listing)
    before = _signatures(listing)
    listing.state = to_state
    setattr(listing, f"{signer}_signed_by", actor)
    setattr(listing, f"{signer}_signed_name", actor.display_name[:50])
    setattr(listing, f"{signer}_signed_at", timezone.now())
    listing.version += 1
    listing.save()
    audit_record(
        actor=actor,
        action=f"listing.{signer}_signed",
        object_type="village_listing",
        object_id=listing.pk,
        area_code=listing.village_id,
        before=before,
        after=_signatures(listing),
    )
    return listing


@transaction.atomic
def listing_sign_village(*, actor: Any, listing_id: int, version: int) -> VillageListing:
    """The village committee signs its listing (村委会审核): open → village_signed.

    Needs ``listing.sign_village`` over the village, the listing at ``version`` (what the
    signer saw) and every household checked with its 说明佐证.  Records the signer's name
    and the time (the electronic seal) and ``listing.village_signed``.

    Raises ``core.not_found``, ``core.permission_denied``, ``listing.wrong_state``,
    ``core.conflict``, ``listing.incomplete``.
    """
    listing = _signing(actor, listing_id, version, Perm.LISTING_SIGN_VILLAGE, ListingState.OPEN)
    return _seal(listing, actor, signer="village", to_state=ListingState.VILLAGE_SIGNED)


@transaction.atomic
def listing_sign_township(*, actor: Any, listing_id: int, version: int) -> VillageListing:
    """The township government signs (镇人民政府审核): village_signed → approved, locked.

    The approved listing's households to interview and its non-interview cases form the
    survey roster (``listing.selectors.roster_entries``).  Needs
    ``listing.sign_township`` over the village; records ``listing.township_signed``.

    Raises ``core.not_found``, ``core.permission_denied``, ``listing.wrong_state``,
    ``core.conflict``, ``listing.incomplete``.
    """
    listing = _signing(
        actor, listing_id, version, Perm.LISTING_SIGN_TOWNSHIP, ListingState.VILLAGE_SIGNED
    )
    return _seal(listing, actor, signer="township", to_state=ListingState.APPROVED)


@transaction.atomic
def listing_reopen(*, actor: Any, listing_id: int, version: int, reason: str) -> VillageListing:
    """Reopen a signed listing for corrections (township office staff, with a reason).

    village_signed or approved → open; both signatures are cleared (the chain starts
    again).  Needs ``listing.reopen`` over the village; records ``listing.reopened`` with
    the reason and the signatures it cleared.

    Raises ``core.not_found``, ``core.permission_denied``, ``listing.wrong_state``,
    ``core.conflict``, ``listing.reason_required``.
    """
    listing = VillageListing.objects.filter(pk=listing_id).first()
    if listing is None or not scope_of(actor).allows(Perm.AGGREGATE_VIEW, listing.village_id):
        raise ApplicationError(NOT_FOUND)
    listing = _lock_listing(listing_id)
    _check_perm(actor, Perm.LISTING_REOPEN, listing)
    if listing.state == ListingState.OPEN:
        raise ApplicationError(errors.WRONG_STATE, state=listing.get_state_display())
    if listing.version != version:
        raise ApplicationError(CONFLICT)
    reason = reason.strip()
    if len(reason) < 2:
        raise ApplicationError(errors.REASON_REQUIRED)
    before = _signatures(listing)
    listing.state = ListingState.OPEN
    listing.village_signed_by = listing.township_signed_by = None
    listing.village_signed_at = listing.township_signed_at = None
    listing.village_signed_name = listing.township_signed_name = ""
    listing.version += 1
    listing.save()
    audit_record(
        actor=actor,
        action="listing.reopened",
        object_type="village_listing",
        object_id=listing.pk,
        area_code=listing.village_id,
        before=before,
        after={**_signatures(listing), "reason": reason[:500]},
    )
    return listing


@transaction.atomic
def listing_scan_add(*, actor: Any, listing_id: int, upload: Upload) -> ListingSheetScan:
    """Keep a scan of the signed paper listing sheet (for the district's archive).

    Needs ``listing.edit`` over the village; accepted in any state (scans usually come
    after the signatures).  Records ``listing.scan_added``.

    Raises ``core.not_found``, ``core.permission_denied``, ``listing.file_type``,
    ``listing.file_too_large``.
    """
    listing = VillageListing.objects.filter(pk=listing_id).first()
    if listing is None or not scope_of(actor).allows(Perm.AGGREGATE_VIEW, listing.village_id):
        raise ApplicationError(NOT_FOUND)
    _check_perm(actor, Perm.LISTING_EDIT, listing)
    kind = _checked_upload(upload, SCAN_TYPES, MAX_SCAN_MB)
    scan = ListingSheetScan(
        listing=listing,
        original_name=upload.name[:200],
        content_type=kind,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        uploaded_by=actor,
    )
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(kind, "pdf")
    scan.file.save(f"{listing.village_id}.{extension}", ContentFile(upload.content), save=False)
    scan.save()
    audit_record(
        actor=actor,
        action="listing.scan_added",
        object_type="village_listing",
        object_id=listing.pk,
        area_code=listing.village_id,
        after={"scan": scan.pk, "sha256": scan.sha256, "size": scan.size},
    )
    return scan
