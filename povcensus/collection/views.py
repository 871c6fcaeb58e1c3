"""Pages of collection: attachment downloads (scoped) and the Collect settings QR code."""

from __future__ import annotations

import base64
import json
import zlib

import segno
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from povcensus.collection.selectors import access_submission
from povcensus.core.errors import NOT_FOUND, ApplicationError


@login_required
def attachment_download(request: HttpRequest, submission_id: int, name: str) -> FileResponse:
    submission = access_submission(actor=request.user, submission_id=submission_id)
    attachment = submission.attachments.filter(name=name).first()
    if attachment is None:
        raise ApplicationError(NOT_FOUND)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def collect_settings_payload(*, server_url: str, username: str, project: str) -> str:
    """ODK Collect's QR settings: JSON, zlib-compressed, Base64 (tech-notes §1.1)."""
    settings = {
        "general": {
            "server_url": server_url,
            "username": username,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": {"name": project, "icon": "调", "color": "#b4232a"},
    }
    return base64.b64encode(
        zlib.compress(json.dumps(settings, ensure_ascii=False).encode("utf-8"))
    ).decode("ascii")


@login_required
def collect_settings(request: HttpRequest) -> HttpResponse:
    """The QR code an enumerator scans in ODK Collect to set up their account."""
    server_url = request.build_absolute_uri("/").rstrip("/")
    payload = collect_settings_payload(
        server_url=server_url, username=request.user.get_username(), project="脱贫攻坚调查"
    )
    svg = segno.make(payload, error="m").svg_inline(scale=4, dark="#1f2328")
    return render(
        request,
        "collection/collect_settings.html",
        {"qr_svg": svg, "server_url": server_url, "username": request.user.get_username()},
    )
