"""OpenRosa 1.0 endpoints as ODK Collect uses them (tech-notes §1).

The server URL an enumerator types into Collect is the site's own address, so
``/formList`` and ``/submission`` answer at the site root.  Every response carries the
OpenRosa headers; every refusal is an OpenRosaResponse whose message Collect shows, in the
user's language, with its error code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from povcensus.collection import errors
from povcensus.collection.openrosa.auth import AuthOutcome, authenticate, challenge_response
from povcensus.collection.openrosa.responses import (
    openrosa_error,
    openrosa_message,
    openrosa_xml,
    with_openrosa_headers,
)
from povcensus.collection.selectors import forms_for, media_for
from povcensus.collection.services import IncomingFile, submission_receive
from povcensus.core.errors import NOT_FOUND, ApplicationError

View = Callable[..., HttpResponse]
_CSRF = CsrfViewMiddleware(lambda request: HttpResponse())


def openrosa_endpoint(view: View) -> View:
    """Authenticate (Digest/Basic/session), speak the user's language, render errors."""

    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            outcome: AuthOutcome = authenticate(request)
        except ApplicationError as error:
            return openrosa_error(error)
        if outcome.user is None:
            return challenge_response(stale=outcome.stale)
        if outcome.via == "session" and request.method not in ("GET", "HEAD"):
            refused = _CSRF.process_view(request, view, (), {})
            if refused is not None:
                return refused
        request.user = outcome.user
        language = getattr(outcome.user, "language", "") or translation.get_language_from_request(
            request
        )
        with translation.override(language or settings.LANGUAGE_CODE):
            try:
                return view(request, *args, **kwargs)
            except ApplicationError as error:
                return openrosa_error(error)

    return wrapper


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


@openrosa_endpoint
def form_list(request: HttpRequest) -> HttpResponse:
    items = []
    for entry in forms_for(actor=request.user, form_id=request.GET.get("formID") or None):
        version = entry.version
        base = f"/openrosa/forms/{version.definition.form_id}/{version.version}"
        manifest = (
            f"<manifestUrl>{escape(_absolute(request, base + '/manifest'))}</manifestUrl>"
            if version.media_files
            else ""
        )
        items.append(
            "<xform>"
            f"<formID>{escape(version.definition.form_id)}</formID>"
            f"<name>{escape(entry.title)}</name>"
            f"<version>{escape(version.version)}</version>"
            f"<hash>md5:{version.md5}</hash>"
            f"<descriptionText>{escape(entry.campaign_name)}</descriptionText>"
            f"<downloadUrl>{escape(_absolute(request, base + '.xml'))}</downloadUrl>"
            f"{manifest}"
            "</xform>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="http://openrosa.org/xforms/xformsList">'
        + "".join(items)
        + "</xforms>"
    )
    return openrosa_xml(body)


def _version_for(request: HttpRequest, form_id: str, version: str) -> Any:
    for entry in forms_for(actor=request.user, form_id=form_id, include_older=True):
        if entry.version.version == version:
            return entry
    raise ApplicationError(NOT_FOUND)


@openrosa_endpoint
def form_download(request: HttpRequest, form_id: str, version: str) -> HttpResponse:
    entry = _version_for(request, form_id, version)
    response = HttpResponse(
        entry.version.xform.encode("utf-8"), content_type="text/xml; charset=utf-8"
    )
    return with_openrosa_headers(response)


@openrosa_endpoint
def manifest(request: HttpRequest, form_id: str, version: str) -> HttpResponse:
    entry = _version_for(request, form_id, version)
    base = f"/openrosa/forms/{form_id}/{version}/media/"
    files = []
    for media in media_for(actor=request.user, entry=entry):
        files.append(
            "<mediaFile>"
            f"<filename>{escape(media.filename)}</filename>"
            f"<hash>md5:{media.md5}</hash>"
            f"<downloadUrl>{escape(_absolute(request, base + media.filename))}</downloadUrl>"
            "</mediaFile>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="http://openrosa.org/xforms/xformsManifest">'
        + "".join(files)
        + "</manifest>"
    )
    return openrosa_xml(body)


@openrosa_endpoint
def media_download(request: HttpRequest, form_id: str, version: str, filename: str) -> HttpResponse:
    entry = _version_for(request, form_id, version)
    for media in media_for(actor=request.user, entry=entry):
        if media.filename == filename:
            response = HttpResponse(media.content, content_type="text/csv; charset=utf-8")
            response["Cache-Control"] = "private, no-store"
            return with_openrosa_headers(response)
    raise ApplicationError(NOT_FOUND)


@openrosa_endpoint
def submission(request: HttpRequest) -> HttpResponse:
    if request.method == "HEAD" or request.method == "GET":
        # Collect probes with HEAD and expects 204 with the size it may send in one POST.
        response = with_openrosa_headers(HttpResponse(status=204))
        response["X-OpenRosa-Accept-Content-Length"] = str(settings.POVCENSUS_OPENROSA_MAX_POST)
        return response
    if request.method != "POST":
        return with_openrosa_headers(HttpResponse(status=405))
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        raise ApplicationError(errors.NOT_MULTIPART)
    xml_part = request.FILES.get("xml_submission_file")
    if xml_part is None:
        raise ApplicationError(errors.NO_XML_PART)
    files = []
    for name in request.FILES:
        if name == "xml_submission_file":
            continue
        upload: Any = request.FILES[name]
        files.append(
            IncomingFile(
                name=upload.name or name, content_type=upload.content_type or "", data=upload.read()
            )
        )
    result = submission_receive(
        actor=request.user,
        xml=xml_part.read(),
        files=files,
        device_id=request.GET.get("deviceID", ""),
        source="browser" if request.headers.get("X-Povcensus-Client") == "browser" else "collect",
        max_attachment_bytes=settings.POVCENSUS_OPENROSA_MAX_ATTACHMENT,
    )
    if result.outcome == "duplicate":
        message = translation.gettext("该问卷已收到，无需重复提交。")
    elif result.outcome == "edited":
        message = translation.gettext("问卷修改已收到。")
    else:
        message = translation.gettext("问卷已成功提交。")
    if request.POST.get("*isIncomplete*") == "yes":
        message += " " + translation.gettext("（附件分批上传中）")
    response = openrosa_message(message, status=201, nature="submit_success")
    response["X-Povcensus-Instance"] = hashlib.sha256(
        result.submission.instance_id.encode()
    ).hexdigest()[:16]
    return response
