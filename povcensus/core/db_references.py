"""Referential integrity of bulk-written tables, checked per statement instead of per row.

A PostgreSQL foreign key checks each inserted row with its own query (and row lock) when
the transaction commits: for a register import of millions of members, households and
listing entries that is millions of single-row queries, more than the writes themselves
(decision 0021).  For the references declared here the foreign key carries no database
constraint (``db_constraint=False``); triggers keep the same guarantee on every write path
(ORM, raw SQL, COPY), on PostgreSQL and SQLite:

* a child row inserted or updated must name an existing parent row (NULL is allowed where
  the column allows it);
* deleting parent rows deletes their children (``cascade``) or is refused while children
  name them (``protect``), as ``on_delete`` says; Django's collector has already done the
  same before its own deletes, so the triggers only act on other paths;
* changing a referenced parent key, or truncating a parent table whose children are not
  truncated with it, is refused.

PostgreSQL checks the children in statement-level ``AFTER`` triggers over the transition
table (``REFERENCING NEW TABLE``): one anti-join of the statement's rows with the parent,
whatever their number.  The planner knows the transition table's row count (not its
distinct keys): a few rows are probed through the parent's key index, millions are
hash-joined with it.  Parent deletes are statement-level too; key changes
are row triggers whose ``WHEN`` clause only fires on an actual change.  SQLite has no
statement-level triggers; its row triggers are cheap (an index probe per row).

The checks run when the statement ends, not at commit: a child must be written after its
parent within a transaction (as every writer of these tables does).  Every refusal is an
``IntegrityError`` whose message starts with :data:`REFERENCE_MARKER`.

On SQLite the triggers are lifted before ``migrate`` and ``flush`` and installed after
``migrate``, as every registered guard's are (``core.db_triggers``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from povcensus.core.db_triggers import TriggerGuard

REFERENCE_MARKER = "core.reference"


@dataclass(frozen=True)
class Reference:
    """``child.column`` names ``parent.key``; ``on_delete`` of the parent's rows."""

    child: str
    column: str
    parent: str
    key: str = "id"
    on_delete: Literal["cascade", "protect"] = "protect"

    @property
    def missing_message(self) -> str:
        return f"{REFERENCE_MARKER}: {self.child}.{self.column} names no {self.parent} row"

    @property
    def referenced_message(self) -> str:
        return (
            f"{REFERENCE_MARKER}: {self.parent} rows are still named by {self.child}.{self.column}"
        )


def _unique(items: Iterator[str] | list[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass(frozen=True)
class ReferenceGuard(TriggerGuard):
    """The triggers enforcing a set of references (one app's), named after ``prefix``.

    ``migration`` (app label, name) is the first migration that drops foreign-key
    constraints for triggers (PostgreSQL's migrations install them); SQLite gets the
    current triggers after ``migrate`` while it is applied (where a later migration is
    not, a reference may then be checked by both its constraint and a trigger).  Installed,
    lifted and listed by ``core.db_triggers``.
    """

    prefix: str
    references: tuple[Reference, ...]
    migration: tuple[str, str]

    def _children(self) -> list[str]:
        return _unique(r.child for r in self.references)

    def _parents(self) -> list[str]:
        return _unique(r.parent for r in self.references)

    def _of_child(self, child: str) -> list[Reference]:
        return [r for r in self.references if r.child == child]

    def _of_parent(self, parent: str) -> list[Reference]:
        return [r for r in self.references if r.parent == parent]

    # --- PostgreSQL -----------------------------------------------------------------------

    def _pg_names(self) -> list[tuple[str, str]]:
        """(trigger, table) pairs."""
        names = []
        for child in self._children():
            names += [(f"{self.prefix}_{child}_ins", child), (f"{self.prefix}_{child}_upd", child)]
        for parent in self._parents():
            names += [
                (f"{self.prefix}_{parent}_del", parent),
                (f"{self.prefix}_{parent}_key", parent),
                (f"{self.prefix}_{parent}_trunc", parent),
            ]
        return names

    def _pg_create(self) -> list[str]:
        statements = []
        for child in self._children():
            numbered = list(enumerate(self._of_child(child)))
            checks = "".join(
                f"""
        SELECT MIN(n.{r.column}), MAX(n.{r.column}) INTO low_{i}, high_{i} FROM refs_new n;
        IF low_{i} IS NOT NULL THEN
            SELECT COUNT(*) INTO missing FROM refs_new n
            WHERE n.{r.column} IS NOT NULL
              AND NOT EXISTS (
                  SELECT 1 FROM {r.parent} p
                  WHERE p.{r.key} = n.{r.column} AND p.{r.key} BETWEEN low_{i} AND high_{i});
            IF missing > 0 THEN
                RAISE EXCEPTION '{r.missing_message}' USING ERRCODE = 'foreign_key_violation';
            END IF;
        END IF;"""  # noqa: S608 (identifiers declared in code)
                for i, r in numbered
            )
            bounds = "".join(
                f"""
        low_{i} {r.parent}.{r.key}%TYPE;
        high_{i} {r.parent}.{r.key}%TYPE;"""
                for i, r in numbered
            )
            function = f"{self.prefix}_{child}_check"
            statements += [
                # COUNT, not EXISTS: EXISTS plans for a first orphan found fast (a probe
                # per row); a count is planned for the whole statement (a hash join when
                # it is large), and a correct statement has no orphan to stop at.  The
                # parent's rows are bounded by the statement's own range of keys (the
                # same answer, since each key lies in it): a statement of a few thousand
                # new children hashes their few parents through the key index, not the
                # whole parent table (a batched import would rescan it per batch).
                f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
    DECLARE
        missing bigint;{bounds}
    BEGIN{checks}
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql""",
                f"DROP TRIGGER IF EXISTS {self.prefix}_{child}_ins ON {child}",
                f"""CREATE TRIGGER {self.prefix}_{child}_ins AFTER INSERT ON {child}
    REFERENCING NEW TABLE AS refs_new
    FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
                f"DROP TRIGGER IF EXISTS {self.prefix}_{child}_upd ON {child}",
                f"""CREATE TRIGGER {self.prefix}_{child}_upd AFTER UPDATE ON {child}
    REFERENCING NEW TABLE AS refs_new
    FOR EACH STATEMENT EXECUTE FUNCTION {function}()""",
            ]
        for parent in self._parents():
            references = self._of_parent(parent)
            key = references[0].key
            refusals = "".join(
                f"""
        IF EXISTS (
            SELECT 1 FROM {r.child} c WHERE c.{r.column} IN (SELECT {r.key} FROM refs_old)
        ) THEN
            RAISE EXCEPTION '{r.referenced_message}' USING ERRCODE = 'foreign_key_violation';
        END IF;"""  # noqa: S608 (identifiers declared in code)
                for r in references
                if r.on_delete == "protect"
            )
            cascades = "".join(
                f"""
        DELETE FROM {r.child} WHERE {r.column} IN (SELECT {r.key} FROM refs_old);"""  # noqa: S608 (identifiers declared in code)
                for r in references
                if r.on_delete == "cascade"
            )
            rekeyed = "".join(
                f"""
        IF EXISTS (SELECT 1 FROM {r.child} c WHERE c.{r.column} = OLD.{r.key}) THEN
            RAISE EXCEPTION '{r.referenced_message}' USING ERRCODE = 'foreign_key_violation';
        END IF;"""  # noqa: S608 (identifiers declared in code)
                for r in references
            )
            truncated = "".join(
                f"""
        IF EXISTS (SELECT 1 FROM {r.child}) THEN
            RAISE EXCEPTION '{r.referenced_message}' USING ERRCODE = 'foreign_key_violation';
        END IF;"""  # noqa: S608 (identifiers declared in code)
                for r in references
            )
            base = f"{self.prefix}_{parent}"
            statements += [
                f"""CREATE OR REPLACE FUNCTION {base}_deleted() RETURNS trigger AS $$
    BEGIN{refusals}{cascades}
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql""",
                f"""CREATE OR REPLACE FUNCTION {base}_rekeyed() RETURNS trigger AS $$
    BEGIN{rekeyed}
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql""",
                f"""CREATE OR REPLACE FUNCTION {base}_truncated() RETURNS trigger AS $$
    BEGIN{truncated}
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql""",
                f"DROP TRIGGER IF EXISTS {base}_del ON {parent}",
                f"""CREATE TRIGGER {base}_del AFTER DELETE ON {parent}
    REFERENCING OLD TABLE AS refs_old
    FOR EACH STATEMENT EXECUTE FUNCTION {base}_deleted()""",
                f"DROP TRIGGER IF EXISTS {base}_key ON {parent}",
                f"""CREATE TRIGGER {base}_key BEFORE UPDATE OF {key} ON {parent}
    FOR EACH ROW WHEN (OLD.{key} IS DISTINCT FROM NEW.{key})
    EXECUTE FUNCTION {base}_rekeyed()""",
                f"DROP TRIGGER IF EXISTS {base}_trunc ON {parent}",
                # After the whole TRUNCATE statement: children truncated with their
                # parents (Django's flush truncates every table at once) pass.
                f"""CREATE TRIGGER {base}_trunc AFTER TRUNCATE ON {parent}
    FOR EACH STATEMENT EXECUTE FUNCTION {base}_truncated()""",
            ]
        return statements

    def _pg_drop(self) -> list[str]:
        statements = [
            f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in self._pg_names()
        ]
        statements += [
            f"DROP FUNCTION IF EXISTS {self.prefix}_{c}_check()" for c in self._children()
        ]
        for parent in self._parents():
            statements += [
                f"DROP FUNCTION IF EXISTS {self.prefix}_{parent}_{suffix}()"
                for suffix in ("deleted", "rekeyed", "truncated")
            ]
        return statements

    # --- SQLite ---------------------------------------------------------------------------

    def _sqlite_triggers(self) -> list[tuple[str, str]]:
        """(name, body) of every SQLite trigger (one per reference and event)."""
        triggers = []
        for r in self.references:
            base = f"{self.prefix}_{r.child}_{r.column}"
            missing = f"""BEGIN
        SELECT RAISE(ABORT, '{r.missing_message}')
        WHERE NOT EXISTS (SELECT 1 FROM {r.parent} WHERE {r.key} = NEW.{r.column});
    END"""  # noqa: S608 (identifiers declared in code)
            triggers += [
                (
                    f"{base}_ins",
                    f"BEFORE INSERT ON {r.child} WHEN NEW.{r.column} IS NOT NULL {missing}",
                ),
                (
                    f"{base}_upd",
                    f"""BEFORE UPDATE OF {r.column} ON {r.child}
    WHEN NEW.{r.column} IS NOT NULL AND NEW.{r.column} IS NOT OLD.{r.column} {missing}""",
                ),
            ]
            if r.on_delete == "cascade":
                deleted = f"""AFTER DELETE ON {r.parent} BEGIN
        DELETE FROM {r.child} WHERE {r.column} = OLD.{r.key};
    END"""  # noqa: S608 (identifiers declared in code)
            else:
                deleted = f"""BEFORE DELETE ON {r.parent} BEGIN
        SELECT RAISE(ABORT, '{r.referenced_message}')
        WHERE EXISTS (SELECT 1 FROM {r.child} WHERE {r.column} = OLD.{r.key});
    END"""  # noqa: S608 (identifiers declared in code)
            triggers += [
                (f"{base}_del", deleted),
                (
                    f"{base}_key",
                    f"""BEFORE UPDATE OF {r.key} ON {r.parent}
    WHEN OLD.{r.key} IS NOT NEW.{r.key} BEGIN
        SELECT RAISE(ABORT, '{r.referenced_message}')
        WHERE EXISTS (SELECT 1 FROM {r.child} WHERE {r.column} = OLD.{r.key});
    END""",  # noqa: S608 (identifiers declared in code)
                ),
            ]
        return triggers

    # --- both -----------------------------------------------------------------------------

    def trigger_names(self, vendor: str) -> set[str]:
        if vendor == "postgresql":
            return {name for name, _ in self._pg_names()}
        if vendor == "sqlite":
            return {name for name, _ in self._sqlite_triggers()}
        raise NotImplementedError(f"no reference guard for database vendor {vendor!r}")

    def statements(self, vendor: str, *, create: bool) -> list[str]:
        if vendor == "postgresql":
            return self._pg_create() if create else self._pg_drop()
        if vendor == "sqlite":
            if create:
                return [
                    f"CREATE TRIGGER IF NOT EXISTS {name} {body}"
                    for name, body in self._sqlite_triggers()
                ]
            return [f"DROP TRIGGER IF EXISTS {name}" for name, _ in self._sqlite_triggers()]
        raise NotImplementedError(f"no reference guard for database vendor {vendor!r}")

    def ready(self, connection: Any) -> bool:
        """On SQLite, once the guard's migration is applied.

        PostgreSQL's migrations install the triggers themselves.
        """
        if connection.vendor != "sqlite":
            return False
        from django.db.migrations.recorder import MigrationRecorder

        return (
            MigrationRecorder(connection)
            .migration_qs.filter(app=self.migration[0], name=self.migration[1])
            .exists()
        )


def migration_operation(before: ReferenceGuard | None, after: ReferenceGuard | None) -> Any:
    """The ``RunPython`` of a migration that replaces ``before``'s triggers by ``after``'s.

    On PostgreSQL the migration installs them; on SQLite they are installed after every
    ``migrate`` (``core.db_triggers``), since a later migration that rebuilds one of the
    tables they mention would fail with them in place.  Reversed, ``after``'s triggers are
    dropped and ``before``'s reinstalled (PostgreSQL).
    """
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if connection.vendor == "sqlite":
            return
        if before is not None:
            before.remove(connection)
        if after is not None:
            after.install(connection)

    def backward(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        if after is not None:
            after.remove(connection)
        if before is not None and connection.vendor != "sqlite":
            before.install(connection)

    return migrations.RunPython(forward, backward)


def migration_refresh(guard: ReferenceGuard) -> Any:
    """The ``RunPython`` of a migration that reinstalls ``guard``'s triggers as generated now.

    For a change of the generated checks, not of the references: on PostgreSQL the trigger
    functions are replaced (SQLite's are installed after every ``migrate`` anyway).
    Reversed it does nothing: the functions it leaves enforce the same references.
    """
    from django.db import migrations

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "sqlite":
            guard.install(schema_editor.connection)

    return migrations.RunPython(forward, migrations.RunPython.noop)
