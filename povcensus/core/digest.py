"""HTTP Digest authentication (RFC 7616, MD5, qop="auth") as ODK Collect speaks it (pure).

It lives in core because the HA1 is kept in step with the password by accounts.User.

Collect always offers Digest and Basic only over HTTPS (tech-notes §1.6).  Nonces are
stateless: ``<unix time>:<HMAC-SHA256(secret, unix time)>``, so any web process can check
any nonce; a nonce older than its lifetime is answered with ``stale=true`` and Collect
retries with a fresh one without asking the user again.  The server stores
``HA1 = MD5(username:realm:password)`` per user (password-equivalent; decision 0008).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def ha1_for(username: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()  # noqa: S324 (RFC 7616 MD5)


def make_nonce(secret: bytes, now: int) -> str:
    mac = hmac.new(secret, str(now).encode(), hashlib.sha256).hexdigest()[:32]
    return base64.b64encode(f"{now}:{mac}".encode()).decode()


def nonce_issued_at(secret: bytes, nonce: str) -> int | None:
    """The time a nonce was issued, or None if it was not issued by us."""
    try:
        issued, mac = base64.b64decode(nonce.encode(), validate=True).decode().split(":", 1)
        when = int(issued)
    except (ValueError, UnicodeDecodeError):
        return None
    expected = hmac.new(secret, str(when).encode(), hashlib.sha256).hexdigest()[:32]
    return when if hmac.compare_digest(mac, expected) else None


@dataclass(frozen=True)
class DigestCredentials:
    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    qop: str
    nc: str
    cnonce: str
    algorithm: str


def parse_authorization(header: str) -> DigestCredentials | None:
    if header[:7].lower() != "digest ":
        return None
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
        for m in _PARAM.finditer(header[7:])
    }
    try:
        return DigestCredentials(
            username=params["username"],
            realm=params["realm"],
            nonce=params["nonce"],
            uri=params["uri"],
            response=params["response"].lower(),
            qop=params.get("qop", ""),
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
            algorithm=params.get("algorithm", "MD5"),
        )
    except KeyError:
        return None


def expected_response(credentials: DigestCredentials, *, ha1: str, method: str) -> str:
    ha2 = hashlib.md5(f"{method}:{credentials.uri}".encode()).hexdigest()  # noqa: S324
    if credentials.qop:
        material = f"{ha1}:{credentials.nonce}:{credentials.nc}:{credentials.cnonce}:{credentials.qop}:{ha2}"
    else:
        material = f"{ha1}:{credentials.nonce}:{ha2}"
    return hashlib.md5(material.encode()).hexdigest()  # noqa: S324


def response_matches(credentials: DigestCredentials, *, ha1: str, method: str) -> bool:
    return hmac.compare_digest(
        expected_response(credentials, ha1=ha1, method=method), credentials.response
    )


def challenge(realm: str, nonce: str, *, stale: bool = False) -> str:
    header = f'Digest realm="{realm}", qop="auth", nonce="{nonce}", algorithm=MD5'
    return header + (", stale=true" if stale else "")
