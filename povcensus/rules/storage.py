"""Writing check results: one submission's (ORM) or a whole campaign's in bulk.

The bulk path replaces every stored result of a rule book version for the given
submissions in one transaction: delete, then COPY (PostgreSQL) or ``executemany``
(SQLite) straight into the two tables, with no model instances.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from povcensus.rules.models import RuleFailure, SubmissionCheck


@dataclass(frozen=True, slots=True)
class SubmissionMeta:
    """What every stored result copies from its submission (for reports without joins)."""

    submission_id: int
    area_code: str
    team_id: int | None
    enumerator_id: int | None


CHECK_COLUMNS = (
    "submission_id",
    "rulebook_id",
    "campaign_id",
    "checked_at",
    "hard_failures",
    "soft_failures",
    "indicators",
)
FAILURE_COLUMNS = (
    "submission_id",
    "rulebook_id",
    "campaign_id",
    "rule_id",
    "severity",
    "level",
    "member_index",
    "message_zh",
    "message_en",
    "fields",
    "area_code",
    "team_id",
    "enumerator_id",
)

CheckRow = tuple[int, int, int, datetime, int, int, str]
FailureRow = tuple[
    int, int, int, str, str, str, int | None, str, str, str, str, int | None, int | None
]


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` into ``table`` (PostgreSQL), in batches of about 8 MB."""
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.copy(statement) as copy:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_text(v) for v in row))
                buffer.write("\n")
                count += 1
                if buffer.tell() > 8 << 20:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    return count


def _executemany(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    placeholders = ", ".join(["%s"] * len(columns))
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    count = 0
    batch: list[Sequence[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
    return count


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert plain rows: COPY on PostgreSQL, ``executemany`` elsewhere."""
    if connection.vendor == "postgresql":
        return _copy(table, columns, rows)
    return _executemany(table, columns, rows)


def bulk_replace(
    *,
    rulebook_id: int,
    submission_ids: Sequence[int],
    checks: Iterable[CheckRow],
    failures: Iterable[FailureRow],
) -> tuple[int, int]:
    """Replace the stored results of ``rulebook_id`` for ``submission_ids`` (caller's transaction).

    Returns (checks written, failures written).
    """
    check_table = SubmissionCheck._meta.db_table
    failure_table = RuleFailure._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(submission_ids), 20_000):
            part = list(submission_ids[start : start + 20_000])
            marks = ", ".join(["%s"] * len(part))
            for table in (failure_table, check_table):
                cursor.execute(
                    f"DELETE FROM {table} WHERE rulebook_id = %s AND submission_id IN ({marks})",  # noqa: S608
                    [rulebook_id, *part],
                )
    written_checks = insert_rows(check_table, CHECK_COLUMNS, checks)
    written_failures = insert_rows(failure_table, FAILURE_COLUMNS, failures)
    return written_checks, written_failures


def indicators_json(indicators: dict[str, Any]) -> str:
    return json.dumps(indicators, ensure_ascii=False, separators=(",", ":"))
