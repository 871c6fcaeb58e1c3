"""The life cycle of the trigger sets that guard tables below the ORM.

Several apps keep a rule in database triggers, so that it holds on every write path
(ORM, raw SQL, COPY): the cross-township rule (``assignment.db_guard``) and the set-based
references (``core.db_references``, ``register.db_guard``, ``listing.db_guard``).  A
:class:`TriggerGuard` says which statements create and drop its triggers and when its
tables are ready for them; this module installs, removes and lists them, and keeps them
out of SQLite's way:

* SQLite rebuilds a table to alter it (create, copy, drop, rename), and renaming re-parses
  every trigger of the schema: a trigger that mentions the table being rebuilt makes the
  rename fail.  So every registered guard is lifted before ``migrate`` (``pre_migrate``)
  and installed again after it (``post_migrate``) where its tables are ready.
* SQLite's ``flush`` deletes tables one by one in no particular order:
  :func:`lifted_for_flush` lifts the guards for it.

PostgreSQL keeps its triggers through migrations (the guards' migrations install them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class TriggerGuard:
    """A set of triggers whose names all start with ``prefix`` and an underscore."""

    prefix: str

    def statements(self, vendor: str, *, create: bool) -> list[str]:
        """The statements that create (or drop) the triggers on ``vendor``."""
        raise NotImplementedError

    def trigger_names(self, vendor: str) -> set[str]:
        raise NotImplementedError

    def ready(self, connection: Any) -> bool:
        """Whether :meth:`ensure_installed` should install the triggers on ``connection``."""
        raise NotImplementedError

    def install(self, connection: Any) -> None:
        with connection.cursor() as cursor:
            for sql in self.statements(connection.vendor, create=True):
                cursor.execute(sql)

    def remove(self, connection: Any) -> None:
        with connection.cursor() as cursor:
            for sql in self.statements(connection.vendor, create=False):
                cursor.execute(sql)

    def installed(self, connection: Any) -> set[str]:
        """Names of this guard's triggers present in the database."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                    [f"{self.prefix}\\_%"],
                )
            else:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
                    "ESCAPE '\\'",
                    [f"{self.prefix}\\_%"],
                )
            return {row[0] for row in cursor.fetchall()}

    def ensure_installed(self, connection: Any) -> None:
        """Install the triggers if the guard is ready and one of them is missing."""
        if self.ready(connection) and self.installed(connection) != self.trigger_names(
            connection.vendor
        ):
            self.install(connection)


_GUARDS: dict[str, TriggerGuard] = {}


def register_guard(guard: TriggerGuard) -> None:
    """Make ``guard`` known to ``migrate`` (SQLite lift and reinstall) and ``flush``."""
    _GUARDS[guard.prefix] = guard


def guards() -> list[TriggerGuard]:
    return list(_GUARDS.values())


def lift_for_migrate(using: str = "default", **_kwargs: Any) -> None:
    """Drop the SQLite triggers of every guard before migrations run (``pre_migrate``)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        for guard in guards():
            guard.remove(connection)


def ensure_installed(using: str = "default", **_kwargs: Any) -> None:
    """Install every ready guard whose triggers are missing (``post_migrate``)."""
    from django.db import connections

    connection = connections[using]
    for guard in guards():
        guard.ensure_installed(connection)


@contextmanager
def lifted_for_flush(connection: Any) -> Iterator[None]:
    """Lift the SQLite triggers of every guard for the block (``flush``).

    PostgreSQL's flush truncates every table in one statement, which the guards accept:
    nothing to lift there.
    """
    if connection.vendor != "sqlite":
        yield
        return
    lifted = [guard for guard in guards() if guard.installed(connection)]
    for guard in lifted:
        guard.remove(connection)
    try:
        yield
    finally:
        for guard in lifted:
            guard.install(connection)
