"""Writing to the audit log: one event, or many at once for bulk work.

Callers must already be inside the transaction of the write they record
(``transaction.atomic``); the event then commits or rolls back with it.

The log is ``POVCENSUS_AUDIT_CHAINS`` parallel chains (decision 0003).  A database
connection always appends to the same chain (its backend process id modulo the number of
chains), so one transaction never holds two chains' locks and cannot deadlock on them,
while several connections commit in parallel.  Appending takes the chain's write lock (an
advisory lock on PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers)
until the transaction ends, so record the event as the *last* step of a service.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from povcensus.audit.chain import GENESIS, link_hash
from povcensus.audit.models import AuditEvent
from povcensus.audit.registry import ACTIONS
from povcensus.core.context import current_client_ip, current_request_id
from povcensus.core.prepared import prepared_cursor

# Any constant works; it only has to be the same for every writer of the chain.
_CHAIN_LOCK_KEY = 0x706F7663  # "povc"


@dataclass
class AuditEntry:
    action: str
    object_type: str = ""
    object_id: str = ""
    area_code: str = ""
    before: Any = None
    after: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _json_text_and_native(value: Any) -> tuple[str | None, Any]:
    """Return (JSON text to store, the value as it will read back) — the hash uses the latter."""
    if value is None:
        return None, None
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text, json.loads(text)


def chain_count() -> int:
    if connection.vendor != "postgresql":
        return 1
    return max(1, int(getattr(settings, "POVCENSUS_AUDIT_CHAINS", 8)))


def _chain_of_this_connection() -> int:
    chains = chain_count()
    if chains == 1:
        return 0
    connection.ensure_connection()
    return int(connection.connection.info.backend_pid) % chains


_TAIL = "SELECT seq, hash FROM audit_auditevent WHERE chain = %s ORDER BY seq DESC LIMIT 1"


def _lock_chain_and_read_tail(chain: int) -> tuple[int, str]:
    # Plain SQL: this runs inside every audited write (a submission, say), where the ORM's
    # query compilation alone cost several times the database's own work (decision 0003).
    with prepared_cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two statements: the second takes its own snapshot after the lock is granted,
            # so it sees the previous holder's row.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_CHAIN_LOCK_KEY, chain])
        cursor.execute(_TAIL, [chain])
        tail = cursor.fetchone()
    return (int(tail[0]), str(tail[1])) if tail else (0, GENESIS)


_INSERT_COLUMNS = (
    "chain, seq, occurred_at, actor_id, actor_username, action, object_type, object_id, "
    "area_code, before, after, request_id, client_ip, prev_hash, hash"
)


def _insert_rows(rows: list[tuple[Any, ...]]) -> list[int]:
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    one = f"(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s{json_cast}, %s{json_cast}, %s, %s, %s, %s)"
    ids: list[int] = []
    with prepared_cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            sql = (
                f"INSERT INTO audit_auditevent ({_INSERT_COLUMNS}) VALUES "  # noqa: S608 (constant SQL)
                + ", ".join([one] * len(chunk))
                + " RETURNING id"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
            ids.extend(int(r[0]) for r in cursor.fetchall())
    return ids


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "pk", None):
        return None, ""
    return actor.pk, getattr(actor, "username", "")


def audit_record_many(*, actor: Any, entries: Iterable[AuditEntry]) -> list[AuditEvent]:
    """Append ``entries`` to the chain in the current transaction and return the rows.

    Raises ``RuntimeError`` outside a transaction and ``ValueError`` for an unregistered
    action: both are programming errors, not user errors.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit events must be recorded inside the write's transaction")
    entries = list(entries)
    for entry in entries:
        if entry.action not in ACTIONS:
            raise ValueError(f"unregistered audit action {entry.action!r}")
    if not entries:
        return []
    actor_id, actor_username = _actor_fields(actor)
    request_id, client_ip = current_request_id() or "", current_client_ip() or ""
    now = timezone.now()
    stored_now = connection.ops.adapt_datetimefield_value(now)
    chain = _chain_of_this_connection()
    last_seq, prev = _lock_chain_and_read_tail(chain)
    events: list[AuditEvent] = []
    values: list[tuple[Any, ...]] = []
    for offset, entry in enumerate(entries, start=1):
        after = entry.after
        if entry.extra:
            after = {**(after or {}), **entry.extra}
        before_text, before_native = _json_text_and_native(entry.before)
        after_text, after_native = _json_text_and_native(after)
        content = {
            "chain": chain,
            "seq": last_seq + offset,
            "occurred_at": now,
            "actor_id": actor_id,
            "actor_username": actor_username,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": str(entry.object_id),
            "area_code": entry.area_code,
            "before": before_native,
            "after": after_native,
            "request_id": request_id,
            "client_ip": client_ip,
        }
        digest = link_hash(prev, content)
        events.append(AuditEvent(**content, prev_hash=prev, hash=digest))
        values.append(
            (
                chain,
                content["seq"],
                stored_now,
                actor_id,
                actor_username,
                entry.action,
                entry.object_type,
                content["object_id"],
                entry.area_code,
                before_text,
                after_text,
                request_id,
                client_ip,
                prev,
                digest,
            )
        )
        prev = digest
    for event, pk in zip(events, _insert_rows(values), strict=True):
        event.pk = pk
        event._state.adding = False
    return events


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str = "",
    object_id: object = "",
    area_code: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event; see :func:`audit_record_many` for the preconditions."""
    (row,) = audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                area_code=area_code,
                before=before,
                after=after,
            )
        ],
    )
    return row


@transaction.atomic
def audit_record_standalone(**kwargs: Any) -> AuditEvent:
    """Record an event that has no write of its own (e.g. a personal-data export)."""
    return audit_record(**kwargs)
