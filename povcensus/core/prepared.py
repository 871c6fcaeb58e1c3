"""Prepared statements for the statements run on every request of a hot path.

Django's PostgreSQL backend binds parameters on the client (psycopg's ``ClientCursor``): each
statement travels as new SQL text with its values quoted in, and PostgreSQL parses and plans
it again every time.  For the few statements a submission runs (the unit lookup, the
submission insert, the unit's progress, the review case, the audit row, the task row) that
parsing and planning cost more than executing them, and quoting the values cost the web
process about a millisecond (decision 0016, fourth round).

:func:`prepared_cursor` gives, on PostgreSQL, a cursor binding its parameters on the server
(psycopg's ``Cursor``, extended query protocol): the connection prepares each statement
text once (psycopg's per-connection cache; ``prepare_threshold`` in the database options,
``POVCENSUS_DB_PREPARE_THRESHOLD``) and runs the plan again for the next request.  The
cursor is wrapped as Django wraps its own (database errors translated, queries logged when
Django logs them), on the connection's current transaction.  On SQLite it is Django's
plain cursor.

A statement given to this cursor must be one statement (prepared statements cannot hold
two) whose parameters PostgreSQL can type: ``%s`` where a column or an explicit cast gives
the type (``%s::jsonb``).  Behind a connection pooler in transaction mode this needs
PgBouncer 1.21 or later (``max_prepared_statements``), or the threshold set to ``none``.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Any:
    """A cursor whose statements are prepared once per connection (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    return wrapper(raw, connection)
