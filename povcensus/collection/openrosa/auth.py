"""Who is calling an OpenRosa endpoint: Digest (always), Basic (HTTPS only), or a session.

ODK Collect registers Digest always and Basic only for https URLs (tech-notes §1.6), and
caches credentials so later requests carry them up front.  The browser collection app
posts to the same endpoints with its signed-in session (same origin, CSRF-protected).

Digest users are cached for a short time per process (the HA1 and the active flag), so
an enumerator's hundreds of requests cost no database query each; a password change
reaches every process within ``_CACHE_SECONDS``.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse

from povcensus.collection import errors
from povcensus.collection.openrosa.responses import openrosa_error
from povcensus.core import digest
from povcensus.core.errors import ApplicationError

NONCE_LIFETIME = 600  # seconds; older nonces get "stale=true" and Collect retries
_CACHE_SECONDS = 30
_user_cache: dict[str, tuple[float, Any]] = {}


def _secret() -> bytes:
    return settings.SECRET_KEY.encode()


def _digest_user(username: str) -> Any | None:
    now = time.monotonic()
    cached = _user_cache.get(username)
    if cached and now - cached[0] < _CACHE_SECONDS:
        return cached[1]
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    _user_cache[username] = (now, user)
    if len(_user_cache) > 10_000:
        _user_cache.clear()
    return user


def forget_cached_users() -> None:
    _user_cache.clear()


@dataclass(frozen=True)
class AuthOutcome:
    user: Any | None
    stale: bool = False
    via: str = ""  # "digest", "basic", "session"


def authenticate(request: HttpRequest) -> AuthOutcome:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "digest ":
        credentials = digest.parse_authorization(header)
        if credentials is None or credentials.realm != settings.POVCENSUS_OPENROSA_REALM:
            return AuthOutcome(None)
        issued = digest.nonce_issued_at(_secret(), credentials.nonce)
        if issued is None:
            return AuthOutcome(None)
        user = _digest_user(credentials.username)
        if user is None or not user.openrosa_ha1:
            return AuthOutcome(None)
        if not digest.response_matches(
            credentials, ha1=user.openrosa_ha1, method=request.method or "GET"
        ):
            return AuthOutcome(None)
        if time.time() - issued > NONCE_LIFETIME:
            return AuthOutcome(None, stale=True)
        return AuthOutcome(user, via="digest")
    if header[:6].lower() == "basic ":
        if not request.is_secure():
            raise ApplicationError(errors.BASIC_NEEDS_HTTPS)
        try:
            username, password = base64.b64decode(header[6:]).decode().split(":", 1)
        except (ValueError, UnicodeDecodeError):
            return AuthOutcome(None)
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not user.check_password(password):
            return AuthOutcome(None)
        return AuthOutcome(user, via="basic")
    session_user = getattr(request, "user", None)
    if session_user is not None and session_user.is_authenticated:
        return AuthOutcome(session_user, via="session")
    return AuthOutcome(None)


def challenge_response(*, stale: bool = False) -> HttpResponse:
    """401 with a Digest challenge (and Basic too when the request came over HTTPS)."""
    response = openrosa_error(ApplicationError(errors.AUTH_REQUIRED))
    nonce = digest.make_nonce(_secret(), int(time.time()))
    response["WWW-Authenticate"] = digest.challenge(
        settings.POVCENSUS_OPENROSA_REALM, nonce, stale=stale
    )
    return response
