"""Request context and the page renderer for ApplicationError."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from povcensus.core.context import request_context
from povcensus.core.errors import ApplicationError

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip_of(request: HttpRequest) -> str:
    """Return the client address; trust X-Forwarded-For only behind a configured proxy."""
    from django.conf import settings

    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


class RequestContextMiddleware:
    """Give every request an id (or keep a sane X-Request-ID) and remember the client IP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _REQUEST_ID_OK.match(incoming) else None
        with request_context(request_id=rid, client_ip=client_ip_of(request)) as request_id:
            request.request_id = request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            return response


class ApplicationErrorMiddleware:
    """Render an ApplicationError raised by a page view as a page (or JSON for htmx/XHR)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ApplicationError):
            return None
        return render_error_page(request, exception)


def render_error_page(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"error": error.as_dict()}, status=error.status)
    template = "core/error_fragment.html" if getattr(request, "htmx", False) else "core/error.html"
    response = render(request, template, {"error": error}, status=error.status)
    if getattr(request, "htmx", False):
        # Show the message in the page's message area whatever element asked.
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
    return response
