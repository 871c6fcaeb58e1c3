"""The JSON API (django-ninja, OpenAPI at /api/openapi.json).

Apps add their routers from their AppConfig.ready (``api.add_router``), so this module
never imports a later app.  One handler renders every ApplicationError as
``{"error": {"code", "message", "details"}}`` with the error's status.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from povcensus.core.errors import ApplicationError, ErrorCode

NOT_AUTHENTICATED = ErrorCode("core.not_authenticated", _("请先登录。"), 401)

api = NinjaAPI(
    title="povcensus API",
    version="1",
    description="脱贫攻坚调查平台 JSON API. Every error carries a stable code.",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    return api.create_response(request, {"error": error.as_dict()}, status=error.status)


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, error: Exception) -> HttpResponse:
    failure = ApplicationError(NOT_AUTHENTICATED)
    return api.create_response(request, {"error": failure.as_dict()}, status=401)
