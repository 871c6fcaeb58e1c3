"""Submissions over the JSON API (django-ninja; OpenAPI at /api/openapi.json).

Only what the caller may read (area scope ``submission.view``, or their own teams'),
paged, with members and attachment links.  Reading personal data through the API is the
same read as on the pages: scoped by the selector, never by the client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from povcensus.collection.selectors import access_submission, submission_list

router = Router(tags=["submissions"])


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    sha256: str
    url: str


class SubmissionSummary(Schema):
    id: int
    instance_id: str
    root_instance_id: str
    version_number: int
    is_current: bool
    form_id: str
    form_version: str
    kind: str
    household_number: str | None
    area_code: str
    team_id: int | None
    submitted_by: str
    source: str
    device_id: str
    received_at: datetime
    attachments_complete: bool


class SubmissionDetail(SubmissionSummary):
    data: dict[str, Any]
    members: list[dict[str, Any]]
    attachments: list[AttachmentOut]
    previous_id: int | None


class SubmissionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[SubmissionSummary]


class ListFilters(Schema):
    campaign_id: int | None = None
    area_code: str | None = None
    household_number: str | None = None
    all_versions: bool = False
    page: int = 1
    page_size: int = 100


def _summary(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "instance_id": s.instance_id,
        "root_instance_id": s.root_instance_id,
        "version_number": s.version_number,
        "is_current": s.is_current,
        "form_id": s.form_version.definition.form_id,
        "form_version": s.form_version.version,
        "kind": s.kind,
        "household_number": s.household.number if s.household_id else None,
        "area_code": s.area_code,
        "team_id": s.team_id,
        "submitted_by": s.submitted_by.username,
        "source": s.source,
        "device_id": s.device_id,
        "received_at": s.received_at,
        "attachments_complete": s.attachments_complete,
    }


@router.get("/submissions", response=SubmissionPage, summary="Submissions in your scope (paged)")
def submissions_read(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    page_size = max(1, min(filters.page_size, 500))
    page = max(1, filters.page)
    qs = submission_list(
        actor=request.user, campaign_id=filters.campaign_id, current_only=not filters.all_versions
    )
    if filters.area_code:
        from povcensus.geography.selectors import within_area_q

        qs = qs.filter(within_area_q("area_code", filters.area_code))
    if filters.household_number:
        qs = qs.filter(household__number=filters.household_number)
    qs = qs.order_by("-received_at", "-id")
    count = qs.count()
    rows = qs[(page - 1) * page_size : page * page_size]
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "results": [_summary(s) for s in rows],
    }


@router.get(
    "/submissions/{submission_id}", response=SubmissionDetail, summary="One submission version"
)
def submission_read(request: HttpRequest, submission_id: int) -> dict[str, Any]:
    s = access_submission(actor=request.user, submission_id=submission_id)
    return {
        **_summary(s),
        "data": s.data,
        "members": [m.data for m in s.members.order_by("index")],
        "attachments": [
            {
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "url": reverse("collection:attachment", args=[s.pk, a.name]),
            }
            for a in s.attachments.all()
        ],
        "previous_id": s.previous_id,
    }
