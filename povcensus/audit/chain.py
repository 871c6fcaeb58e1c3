"""The hash chain of the audit log (pure: no ORM).

``hash(row) = SHA-256(prev_hash || canonical JSON of the row's content)``.  The canonical
form sorts keys, keeps non-ASCII text as UTF-8 and writes times in UTC ISO-8601, so the same
row always hashes the same on PostgreSQL and SQLite and after a JSON round trip.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "chain",
    "seq",
    "occurred_at",
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "area_code",
    "before",
    "after",
    "request_id",
    "client_ip",
)


def _default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def canonical(content: dict[str, Any]) -> bytes:
    subset = {name: content.get(name) for name in CONTENT_FIELDS}
    if isinstance(subset["occurred_at"], datetime):
        subset["occurred_at"] = subset["occurred_at"].astimezone(UTC).isoformat()
    return json.dumps(
        subset, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    ).encode("utf-8")


def link_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(content)).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    chain: int
    seq: int
    event_id: int | None  # the row found at (or after) the break, if any
    reason: str  # "gap", "prev_hash", "hash"
    expected: str
    found: str


def first_broken_link(chain: int, rows: Any) -> BrokenLink | None:
    """Walk one chain's ``rows`` (dicts in ``seq`` order); return where it first breaks."""
    expected_seq, prev = 1, GENESIS
    for row in rows:
        if row["seq"] != expected_seq:
            return BrokenLink(
                chain, expected_seq, row["id"], "gap", str(expected_seq), str(row["seq"])
            )
        if row["prev_hash"] != prev:
            return BrokenLink(chain, row["seq"], row["id"], "prev_hash", prev, row["prev_hash"])
        recomputed = link_hash(row["prev_hash"], row)
        if recomputed != row["hash"]:
            return BrokenLink(chain, row["seq"], row["id"], "hash", recomputed, row["hash"])
        expected_seq, prev = row["seq"] + 1, row["hash"]
    return None
