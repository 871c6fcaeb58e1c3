"""Per-request context (request id, client IP) for audit records and logs.

Set by ``RequestContextMiddleware`` for web requests; commands and tasks may set it with
:func:`request_context`.  Services never take these as arguments: the audit writer reads
them here, so every write made while serving one request carries the same request id.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("povcensus_request_id", default=None)
_client_ip: ContextVar[str | None] = ContextVar("povcensus_client_ip", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def current_client_ip() -> str | None:
    return _client_ip.get()


@contextlib.contextmanager
def request_context(
    *, request_id: str | None = None, client_ip: str | None = None
) -> Iterator[str]:
    rid = request_id or uuid.uuid4().hex
    t1 = _request_id.set(rid)
    t2 = _client_ip.set(client_ip)
    try:
        yield rid
    finally:
        _request_id.reset(t1)
        _client_ip.reset(t2)
