"""Listing pages.

Villages, one village's table (phone-friendly), one household, the sign-off chain,
printable sheets, scans, progress and the roster export.
"""

from __future__ import annotations

import io
import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.campaign.selectors import campaign_current
from povcensus.core.errors import NOT_FOUND, PERMISSION_DENIED, ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area
from povcensus.listing import sheets
from povcensus.listing.models import (
    EVIDENCE_REQUIRED,
    EXPLANATION_REQUIRED,
    MEMBER_REMOVALS,
    ROSTER_INTERVIEW,
    ROSTER_NON_INTERVIEW,
    ListingState,
    ListingStatus,
    MemberChange,
    VillageListing,
)
from povcensus.listing.selectors import (
    access_entry,
    access_evidence,
    access_listing,
    access_scan,
    listing_entries,
    listing_list,
    listing_overview,
    listing_progress,
    roster_export_rows,
)
from povcensus.listing.services import (
    MemberChangeSpec,
    Upload,
    incomplete_entries_q,
    listing_entry_update,
    listing_evidence_remove,
    listing_reopen,
    listing_scan_add,
    listing_sign_township,
    listing_sign_village,
)
from povcensus.register import codelists
from povcensus.register.selectors import household_members

NEW_MEMBER_ROWS = 3
ADDITIONS = [c for c in MemberChange if c not in MEMBER_REMOVALS]
REMOVALS = [c for c in MemberChange if c in MEMBER_REMOVALS]


def _campaign(request: HttpRequest) -> Campaign:
    campaign = campaign_current(actor=request.user)
    if campaign is None:
        raise ApplicationError(NOT_FOUND)
    return campaign


def _upload(file: Any) -> Upload:
    return Upload(name=file.name or "upload", content=file.read())


def _int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return -1  # the service refuses it with listing.member_count_invalid


def home_card_context(request: HttpRequest, campaign: Campaign | None) -> dict[str, Any]:
    if campaign is None:
        return {}
    return {"progress": listing_overview(actor=request.user, campaign_id=campaign.pk)}


@login_required
def listing_list_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    state = request.GET.get("state") or None
    area = (request.GET.get("area") or "").strip() or None
    listings = listing_list(
        actor=request.user, campaign_id=campaign.pk, area_code=area, state=state
    )
    page = Paginator(listings, 50).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    return render(
        request,
        "listing/list.html",
        {
            "campaign": campaign,
            "page": page,
            "states": ListingState.choices,
            "filters": {"state": state or "", "area": area or ""},
            "can_read": scope.has_perm(Perm.REGISTER_VIEW),
            "can_export": scope.has_perm(Perm.PERSONAL_EXPORT),
        },
    )


def _listing_context(request: HttpRequest, listing: VillageListing) -> dict[str, Any]:
    scope = scope_of(request.user)
    village = listing.village_id
    incomplete = listing.entries.filter(incomplete_entries_q()).distinct().count()
    return {
        "listing": listing,
        "township": listing.village.parent,
        "can_edit": scope.allows(Perm.LISTING_EDIT, village) and listing.state == ListingState.OPEN,
        "can_sign_village": scope.allows(Perm.LISTING_SIGN_VILLAGE, village)
        and listing.state == ListingState.OPEN,
        "can_sign_township": scope.allows(Perm.LISTING_SIGN_TOWNSHIP, village)
        and listing.state == ListingState.VILLAGE_SIGNED,
        "can_reopen": scope.allows(Perm.LISTING_REOPEN, village)
        and listing.state != ListingState.OPEN,
        "can_print": scope.allows(Perm.LISTING_EDIT, village)
        or scope.allows(Perm.PERSONAL_EXPORT, village),
        "can_scan": scope.allows(Perm.LISTING_EDIT, village),
        "incomplete": incomplete,
        "statuses": ListingStatus.choices,
        "scans": listing.scans.select_related("uploaded_by").order_by("-uploaded_at"),
    }


@login_required
def listing_detail_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = access_listing(actor=request.user, listing_id=listing_id)
    status = request.GET.get("status") or None
    search = (request.GET.get("q") or "").strip() or None
    entries = listing_entries(listing=listing, status=status, search=search)
    context = {
        **_listing_context(request, listing),
        "entries": entries,
        "filters": {"status": status or "", "q": search or ""},
        "evidence_required": EVIDENCE_REQUIRED,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "listing/_entries.html", context)
    return render(request, "listing/detail.html", context)


def _entry_form_context(entry: Any, posted: Any = None) -> dict[str, Any]:
    members = list(household_members(household=entry.household))
    changes = {c.member_id: c for c in entry.member_changes.all() if c.member_id}
    additions = [c for c in entry.member_changes.all() if not c.member_id]
    member_rows = []
    for member in members:
        change = changes.get(member.pk)
        member_rows.append(
            {
                "member": member,
                "relation": codelists.RELATION.get(member.relation, (member.relation, ""))[0],
                "change": posted.get(f"change_{member.pk}", "")
                if posted
                else (change.change if change else ""),
                "note": posted.get(f"change_note_{member.pk}", "")
                if posted
                else (change.note if change else ""),
            }
        )
    new_rows = []
    for index in range(NEW_MEMBER_ROWS):
        existing = additions[index] if index < len(additions) else None
        new_rows.append(
            {
                "index": index,
                "change": posted.get(f"new_change_{index}", "")
                if posted
                else (existing.change if existing else ""),
                "name": posted.get(f"new_name_{index}", "")
                if posted
                else (existing.name if existing else ""),
                "id_number": posted.get(f"new_id_{index}", "")
                if posted
                else (existing.id_number if existing else ""),
                "note": posted.get(f"new_note_{index}", "")
                if posted
                else (existing.note if existing else ""),
            }
        )
    values = {
        "status": posted.get("status", "") if posted else entry.status,
        "verified_member_count": posted.get("verified_member_count", "")
        if posted
        else ("" if entry.verified_member_count is None else entry.verified_member_count),
        "merged_into_number": posted.get("merged_into_number", "")
        if posted
        else (entry.merged_into.number if entry.merged_into_id else ""),
        "explanation": posted.get("explanation", "") if posted else entry.explanation,
        "note": posted.get("note", "") if posted else entry.note,
    }
    return {
        "entry": entry,
        "household": entry.household,
        "listing": entry.listing,
        "member_rows": member_rows,
        "new_rows": new_rows,
        "values": values,
        "statuses": ListingStatus.choices,
        "additions": ADDITIONS,
        "removals": REMOVALS,
        "evidence_required": [str(s) for s in EVIDENCE_REQUIRED],
        "explanation_required": [str(s) for s in EXPLANATION_REQUIRED],
        "interview_statuses": [str(s) for s in ROSTER_INTERVIEW],
    }


def _posted_changes(post: Any, member_ids: list[int]) -> list[MemberChangeSpec]:
    specs = []
    for member_id in member_ids:
        change = post.get(f"change_{member_id}", "")
        if change:
            specs.append(
                MemberChangeSpec(
                    change=change,
                    member_id=member_id,
                    note=post.get(f"change_note_{member_id}", ""),
                )
            )
    for index in range(NEW_MEMBER_ROWS):
        change = post.get(f"new_change_{index}", "")
        name = post.get(f"new_name_{index}", "").strip()
        if change or name:
            specs.append(
                MemberChangeSpec(
                    change=change,
                    name=name,
                    id_number=post.get(f"new_id_{index}", ""),
                    note=post.get(f"new_note_{index}", ""),
                )
            )
    return specs


@login_required
def entry_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = access_entry(actor=request.user, entry_id=entry_id)
    scope = scope_of(request.user)
    can_edit = (
        scope.allows(Perm.LISTING_EDIT, entry.listing.village_id)
        and entry.listing.state == ListingState.OPEN
    )
    if request.method == "POST":
        if not can_edit:
            raise ApplicationError(PERMISSION_DENIED)
        member_ids = list(entry.household.members.values_list("pk", flat=True))
        try:
            listing_entry_update(
                actor=request.user,
                entry_id=entry.pk,
                revision=_int_or_none(request.POST.get("revision")) or 0,
                status=request.POST.get("status", ""),
                verified_member_count=_int_or_none(request.POST.get("verified_member_count")),
                merged_into_number=request.POST.get("merged_into_number", ""),
                explanation=request.POST.get("explanation", ""),
                note=request.POST.get("note", ""),
                member_changes=_posted_changes(request.POST, member_ids),
                photos=[_upload(f) for f in request.FILES.getlist("photos")],
            )
        except ApplicationError as error:
            context = _entry_form_context(entry, request.POST)
            return render(
                request,
                "listing/entry.html",
                {**context, "can_edit": True, "error": error},
                status=error.status,
            )
        messages.success(
            request,
            _("已保存：%(number)s %(name)s")
            % {"number": entry.household.number, "name": entry.household.head_name},
        )
        if request.POST.get("next") == "unchecked":
            following = (
                entry.listing.entries.filter(status="").order_by("household__number").first()
            )
            if following is not None:
                return redirect("listing:entry", entry_id=following.pk)
        return redirect(f"{entry.listing.get_absolute_url()}#e{entry.pk}")
    return render(
        request, "listing/entry.html", {**_entry_form_context(entry), "can_edit": can_edit}
    )


@login_required
def evidence_view(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = access_evidence(actor=request.user, evidence_id=evidence_id)
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_remove_view(request: HttpRequest, evidence_id: int) -> HttpResponse:
    evidence = access_evidence(actor=request.user, evidence_id=evidence_id)
    entry_id = evidence.entry_id
    try:
        listing_evidence_remove(actor=request.user, evidence_id=evidence_id)
    except ApplicationError as error:
        messages.error(request, f"[{error.code}] {error.message}")
    else:
        messages.success(request, _("佐证材料已删除。"))
    return redirect("listing:entry", entry_id=entry_id)


def _sign_action(request: HttpRequest, listing_id: int, action: str) -> HttpResponse:
    listing = access_listing(actor=request.user, listing_id=listing_id)
    version = _int_or_none(request.POST.get("version")) or 0
    try:
        if action == "village":
            listing_sign_village(actor=request.user, listing_id=listing.pk, version=version)
            messages.success(request, _("村委会审核已签章。"))
        elif action == "township":
            listing_sign_township(actor=request.user, listing_id=listing.pk, version=version)
            messages.success(request, _("镇人民政府审核已签章，本村调查底册已形成。"))
        else:
            listing_reopen(
                actor=request.user,
                listing_id=listing.pk,
                version=version,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("清查摸底表已重新打开。"))
    except ApplicationError as error:
        messages.error(request, f"[{error.code}] {error.message}")
    return redirect("listing:detail", listing_id=listing.pk)


@login_required
@require_POST
def sign_village_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _sign_action(request, listing_id, "village")


@login_required
@require_POST
def sign_township_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _sign_action(request, listing_id, "township")


@login_required
@require_POST
def reopen_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _sign_action(request, listing_id, "reopen")


@login_required
@require_POST
def scan_upload_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = access_listing(actor=request.user, listing_id=listing_id)
    files = request.FILES.getlist("scans")
    if not files:
        messages.error(request, _("请选择扫描件。"))
    for file in files:
        try:
            listing_scan_add(actor=request.user, listing_id=listing.pk, upload=_upload(file))
        except ApplicationError as error:
            messages.error(request, f"[{error.code}] {error.message}")
        else:
            messages.success(request, _("已上传：%(name)s") % {"name": file.name})
    return redirect(f"{listing.get_absolute_url()}#scans")


@login_required
def scan_view(request: HttpRequest, scan_id: int) -> FileResponse:
    scan = access_scan(actor=request.user, scan_id=scan_id)
    response = FileResponse(
        scan.file.open("rb"), content_type=scan.content_type, filename=scan.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _sheet_data(listing: VillageListing) -> sheets.SheetData:
    village = listing.village
    township = village.parent
    county = Area.objects.filter(code=codes.county_of(village.code)).first()
    rows = []
    counts: dict[str, int] = {}
    for entry in (
        listing.entries.select_related("household", "merged_into")
        .prefetch_related("member_changes")
        .order_by("household__number")
    ):
        label = entry.get_status_display() if entry.status else ""
        counts[label or _("未核查")] = counts.get(label or _("未核查"), 0) + 1
        changes = "；".join(
            f"{c.name}（{c.get_change_display()}{'：' + c.note if c.note else ''}）"
            for c in entry.member_changes.all()
        )
        explanation = entry.explanation
        if entry.merged_into_id:
            explanation = f"并入 {entry.merged_into.number}。{explanation}"  # type: ignore[union-attr]
        rows.append(
            sheets.SheetRow(
                number=entry.household.number,
                head_name=entry.household.head_name,
                group_name=entry.household.group_name,
                size_registered=entry.household.size_registered,
                status=label,
                verified_member_count=entry.verified_member_count,
                member_changes=changes,
                explanation=explanation,
                note=entry.note,
            )
        )
    tz = timezone.get_current_timezone()
    return sheets.SheetData(
        campaign=listing.campaign.name,
        county=county.name if county else "",
        township=township.name if township else "",
        village=village.name,
        village_code=village.code,
        state=listing.get_state_display(),
        printed_at=timezone.localtime(timezone.now(), tz),
        rows=rows,
        seals=[
            sheets.Seal(
                "村委会",
                listing.village_signed_name,
                timezone.localtime(listing.village_signed_at, tz)
                if listing.village_signed_at
                else None,
            ),
            sheets.Seal(
                "镇人民政府",
                listing.township_signed_name,
                timezone.localtime(listing.township_signed_at, tz)
                if listing.township_signed_at
                else None,
            ),
        ],
        counts=sorted(counts.items()),
    )


def _sheet(request: HttpRequest, listing_id: int, kind: str) -> HttpResponse:
    listing = access_listing(actor=request.user, listing_id=listing_id)
    scope = scope_of(request.user)
    if not (
        scope.allows(Perm.LISTING_EDIT, listing.village_id)
        or scope.allows(Perm.PERSONAL_EXPORT, listing.village_id)
    ):
        raise ApplicationError(PERMISSION_DENIED)
    data = _sheet_data(listing)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="listing.sheet_exported",
            object_type="village_listing",
            object_id=listing.pk,
            area_code=listing.village_id,
            after={"format": kind, "households": len(data.rows), "state": listing.state},
        )
    if kind == "pdf":
        body, content_type = sheets.sheet_pdf(data), "application/pdf"
    else:
        body = sheets.sheet_xlsx(data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''listing-{listing.village_id}.{kind}"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def sheet_xlsx_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _sheet(request, listing_id, "xlsx")


@login_required
def sheet_pdf_view(request: HttpRequest, listing_id: int) -> HttpResponse:
    return _sheet(request, listing_id, "pdf")


@login_required
def progress_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    area = (request.GET.get("area") or "").strip() or None
    progress = listing_progress(actor=request.user, campaign_id=campaign.pk, area_code=area)
    legend = [{"value": s.value, "label": s.label, "css": f"s{s.value}"} for s in ListingStatus]
    return render(
        request,
        "listing/progress.html",
        {
            "campaign": campaign,
            "progress": progress,
            "blocks": [(t, progress.villages.get(t.code, [])) for t in progress.townships],
            "legend": legend,
            "area": area or "",
            "states": ListingState.choices,
        },
    )


@login_required
def roster_view(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    progress = listing_progress(actor=request.user, campaign_id=campaign.pk)
    interview = [s.value for s in ROSTER_INTERVIEW]
    non_interview = [s.value for s in ROSTER_NON_INTERVIEW]
    rows = []
    for township in progress.townships:
        approved = [
            v for v in progress.villages.get(township.code, []) if v.state == ListingState.APPROVED
        ]
        rows.append(
            {
                "township": township,
                "approved": len(approved),
                "interview": sum(v.statuses[s] for v in approved for s in interview),
                "non_interview": sum(v.statuses[s] for v in approved for s in non_interview),
            }
        )
    return render(
        request,
        "listing/roster.html",
        {
            "campaign": campaign,
            "rows": rows,
            "totals": {
                "approved": sum(r["approved"] for r in rows),
                "interview": sum(r["interview"] for r in rows),
                "non_interview": sum(r["non_interview"] for r in rows),
            },
            "can_export": scope_of(request.user).has_perm(Perm.PERSONAL_EXPORT),
        },
    )


def _roster_values(entries: Any) -> Any:
    for entry in entries.iterator(chunk_size=2000):
        household = entry.household
        listing = entry.listing
        yield [
            codes.county_of(listing.village_id),
            codes.township_of(listing.village_id),
            listing.village_id,
            listing.village.name,
            household.number,
            household.head_name,
            household.head_id_number,
            household.phone,
            household.size_registered,
            entry.get_status_display(),
            "是" if entry.status in ROSTER_INTERVIEW else "否",
            "" if entry.verified_member_count is None else entry.verified_member_count,
            entry.explanation,
            entry.evidence_count,
            f"{listing.village_signed_name} {timezone.localtime(listing.village_signed_at):%Y-%m-%d}"
            if listing.village_signed_at
            else "",
            f"{listing.township_signed_name} {timezone.localtime(listing.township_signed_at):%Y-%m-%d}"
            if listing.township_signed_at
            else "",
        ]


@login_required
def roster_export_view(request: HttpRequest, kind: str) -> FileResponse:
    campaign = _campaign(request)
    area = (request.GET.get("area") or "").strip() or None
    entries = roster_export_rows(actor=request.user, campaign_id=campaign.pk, area_code=area)
    count = entries.count()
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="listing.roster_exported",
            object_type="campaign",
            object_id=campaign.pk,
            area_code=area or campaign.area_id,
            after={"format": kind, "households": count, "area": area},
        )
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    if kind == "csv":
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        sheets.roster_csv(_roster_values(entries), text)
        text.flush()
        text.detach()
        content_type = "text/csv; charset=utf-8"
    else:
        sheets.roster_xlsx(_roster_values(entries), handle, title=f"{campaign.name} 调查底册")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    handle.seek(0)
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=True,
        filename=f"roster-{campaign.code}.{kind}",
    )
    response["Cache-Control"] = "no-store"
    return response
