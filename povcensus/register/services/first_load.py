"""The first import into an empty register, written once (decision 0022).

The staged path (:mod:`.staging`) writes every row twice: into a staging table, where the
whole-file checks run as SQL, then into the register tables.  When the campaign's register
is still empty (the first load, province-wide, and the largest), nothing in the file can
clash with the register, and the whole-file checks can run as the rows stream past:

* a register export lists a household's members together, so each household is one run of
  rows with the same number; a completed run must have exactly one head and one village
  (its registered size is compared with its rows, a warning);
* household ids are reserved from the table's own sequence, so members name their
  household without reading it back;
* each batch goes straight into the households and members tables (PostgreSQL: COPY, sent
  by a writer thread while this thread reads and checks the next batch); the database's own
  indexes refuse a household number or an ID number used twice.

The load is optimistic: it expects a clean file, as a commit that follows a clean dry run
is.  Any problem abandons it (:class:`FirstLoadAbandonedError`): a row with an error, a
household with no or several heads, across villages or not in one run, or any refusal by
the database.  The caller rolls back to its savepoint and runs the staged path from the
start, which finds and reports the problem as always.  Rows with warnings do not abandon it: they are kept in the
staging table, which then holds only them, for the report.

When the register tables hold no row at all (a new installation's first import), the
secondary indexes of both tables are dropped for the load and built again after it, in the
same transaction (:class:`DeferredIndexes`): a B-tree built from sorted keys costs a
fraction of a million random inserts into it (the ID numbers arrive in no order).  A
duplicate is then refused when its unique index is built, and the load is abandoned as
for any refusal.
"""

from __future__ import annotations

import contextlib
import io
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import polars as pl
from django.db import DatabaseError, connection, connections, transaction

from povcensus.register import errors
from povcensus.register.models import HOUSEHOLD_COPY_COLUMNS, MEMBER_COPY_COLUMNS, Household
from povcensus.register.parsing import STAGE_COLUMNS, STAGE_TEXT_COLUMNS
from povcensus.register.services.staging import STAGE, Stage

# Numeric columns are written as CSV numbers; every other column is text, never NULL.
HOUSEHOLD_NUMBERS = ("id", "campaign_id", "size_registered", "identified_year", "exit_year")
HOUSEHOLD_TEXT = tuple(c for c in HOUSEHOLD_COPY_COLUMNS if c not in HOUSEHOLD_NUMBERS)
MEMBER_NUMBERS = ("household_id", "campaign_id", "seq", "work_months")
MEMBER_TEXT = tuple(c for c in MEMBER_COPY_COLUMNS if c not in MEMBER_NUMBERS)
HEAD = "01"
REGISTER_TABLES = ("register_household", "register_member")
# Memory for building each deferred index (with PostgreSQL's default of 64 MB, 3.5 million
# ID numbers are sorted on disk); only ever raised, for this transaction.
INDEX_BUILD_MEMORY = "256MB"

logger = logging.getLogger(__name__)


class FirstLoadAbandonedError(Exception):
    """The file cannot be written in one pass; the staged path must take it (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def first_load_applies(campaign_id: int) -> bool:
    """True while the campaign's register holds no household."""
    return not Household.objects.filter(campaign_id=campaign_id).exists()


class NotesStage(Stage):
    """The staging table of a first load: only the rows with warnings, for the report.

    Nothing of an empty register can be missing from the file or changed by it.
    """

    def missing(self) -> Iterator[tuple[str, str, str]]:
        return iter(())

    def change_entries(self) -> Iterator[tuple[int, str, list[dict[str, Any]]]]:
        return iter(())


class _IdBlocks:
    """Household ids reserved from the table's sequence, a contiguous block per batch."""

    def __init__(self) -> None:
        self._sequences: Any = None  # PostgreSQL: a connection of its own (see _reserve)

    def take(self, count: int) -> range:
        if connection.vendor != "postgresql":
            # SQLite: the import's transaction holds the write lock (IMMEDIATE), so the ids
            # past the largest ever used are free until it commits.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT MAX(n) FROM (SELECT MAX(id) AS n FROM register_household UNION ALL "
                    "SELECT seq FROM sqlite_sequence WHERE name = 'register_household')"
                )
                start = (cursor.fetchone()[0] or 0) + 1
            return range(start, start + count)
        return self._reserve(count)

    def _reserve(self, count: int) -> range:
        """``count`` consecutive values of the households' id sequence.

        ``ALTER SEQUENCE`` (a change to nothing) locks the sequence against every other
        ``nextval`` until this short transaction ends, so the block taken by ``nextval`` and
        ``setval`` is this import's alone: one round trip, not ``count`` calls of
        ``nextval`` (about 7 s for a million).  It runs on a connection of its own: the
        import's connection is busy with the previous batch's COPY, and a sequence is not
        transactional anyway (the ids are used up whether the import commits or not).
        """
        if self._sequences is None:
            wrapper = connections[connection.alias]
            self._sequences = type(wrapper)(
                wrapper.settings_dict, alias=f"{wrapper.alias}-register-ids"
            )
            self._sequences.ensure_connection()
        raw = self._sequences.connection
        # Django's errors, as on the import's connection: a role that does not own the
        # sequence is refused the ALTER, and the one pass is abandoned for the staged path.
        with self._sequences.wrap_database_errors, raw.transaction():
            sequence = raw.execute(
                "SELECT pg_get_serial_sequence('register_household', 'id')"
            ).fetchone()[0]
            raw.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
            first = raw.execute("SELECT nextval(%s)", [sequence]).fetchone()[0]
            raw.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        return range(first, first + count)

    def close(self) -> None:
        if self._sequences is not None:
            self._sequences.close()
            self._sequences = None


class DeferredIndexes:
    """The secondary indexes of the empty register tables, dropped for a load and rebuilt.

    PostgreSQL only, and only while both tables hold no row at all: rebuilding an index
    costs in proportion to the whole table, so a register that already holds another
    campaign keeps its indexes.  Primary keys stay (their keys arrive in order); unique
    constraints are dropped and added again as constraints, other indexes from their own
    definition, so the schema after the load is the schema before it.  Everything happens in
    the import's transaction: a rolled-back load leaves the indexes as they were.

    Dropping an index locks its table (``ACCESS EXCLUSIVE``) until the import commits:
    readers of the empty register wait for the first load instead of seeing it empty.
    """

    def __init__(self) -> None:
        # (table, name, constraint definition or "", index definition)
        self.dropped: list[tuple[str, str, str, str]] = []

    @staticmethod
    def applies() -> bool:
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM register_household)"
                " AND NOT EXISTS (SELECT 1 FROM register_member)"
            )
            return bool(cursor.fetchone()[0])

    def drop(self) -> None:
        """Drop the secondary indexes (in a savepoint: if refused, the load keeps them)."""
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT t.relname, x.relname, COALESCE(pg_get_constraintdef(c.oid), ''),
                          pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                JOIN pg_class t ON t.oid = i.indrelid
                JOIN pg_class x ON x.oid = i.indexrelid
                LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = t.oid
                WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
                ORDER BY t.relname, x.relname""",
                [list(REGISTER_TABLES)],
            )
            indexes = cursor.fetchall()
            try:
                with transaction.atomic():
                    for table, name, constraint, _definition in indexes:
                        cursor.execute(
                            f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'
                            if constraint
                            else f'DROP INDEX "{name}"'
                        )
            except DatabaseError as exc:  # e.g. a role that does not own the tables
                logger.info("first load: the register's indexes are kept (%s)", exc)
                return
        self.dropped = indexes
        logger.info("first load: %d register indexes deferred", len(indexes))

    def rebuild(self) -> None:
        """Build the dropped indexes again; a duplicate key raises ``IntegrityError``."""
        if not self.dropped:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('maintenance_work_mem', %s, true) "
                "WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes(%s)",
                [INDEX_BUILD_MEMORY, INDEX_BUILD_MEMORY],
            )
            for table, name, constraint, definition in self.dropped:
                cursor.execute(
                    f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {constraint}'
                    if constraint
                    else definition
                )
        self.dropped = []


class _CopyWriter:
    """Sends each batch's COPY statements from a thread, in order, on this connection.

    The reading thread does not use the connection meanwhile (household ids come from a
    connection of their own).  The first error stops the writer; it is raised to the
    reading thread by :meth:`put` or :meth:`close`.
    """

    def __init__(self) -> None:
        self._raw = connection.connection
        self._queue: queue.Queue[list[tuple[str, bytes]] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="register-first-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (statements := self._queue.get()) is not None:
            if self.error is not None:
                continue  # drain after a failure
            try:
                with self._raw.cursor() as cursor:
                    for sql, data in statements:
                        with cursor.copy(sql) as copy:
                            copy.write(data)
            except BaseException as exc:  # reported to the reading thread
                self.error = exc

    def put(self, statements: list[tuple[str, bytes]]) -> None:
        if self.error is not None:
            raise FirstLoadAbandonedError(f"database: {self.error}")
        self._queue.put(statements)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise FirstLoadAbandonedError(f"database: {self.error}")


def _csv(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False)
    return buffer.getvalue()


def _copy_sql(table: str, columns: tuple[str, ...], text: tuple[str, ...]) -> str:
    return (
        f"COPY {table} ({', '.join(columns)}) FROM STDIN "
        f"(FORMAT csv, FORCE_NOT_NULL ({', '.join(text)}))"
    )


class FirstLoad:
    """One pass over a clean file into an empty register (see the module's docstring)."""

    def __init__(self, campaign_id: int, *, now: datetime) -> None:
        self.campaign_id = campaign_id
        self.stage = NotesStage(campaign_id)
        self.households = 0
        self.members = 0
        self._ids = _IdBlocks()
        self._indexes = DeferredIndexes()
        self._stamp = str(connection.ops.adapt_datetimefield_value(now))  # as CSV text

    def load(self, batches: Iterator[pl.DataFrame], advance: Callable[[int], None]) -> None:
        """Write every checked batch; raise :class:`FirstLoadAbandonedError` at the first problem."""
        self.stage.create()
        if DeferredIndexes.applies():
            self._indexes.drop()
        writer = _CopyWriter() if connection.vendor == "postgresql" else None
        try:
            carry: pl.DataFrame | None = None
            for batch in batches:
                if batch["problems"].str.len_bytes().max():
                    raise FirstLoadAbandonedError("a row has an error")
                frame = batch if carry is None else pl.concat([carry, batch])
                frame, carry = self._split_last_run(frame)
                if frame.height:
                    self._write(frame, writer)
                advance(batch.height)
            if carry is not None and carry.height:
                self._write(carry, writer)
            if writer is not None:
                writer.close()
                writer = None
        except DatabaseError as exc:
            raise FirstLoadAbandonedError(f"database: {exc}") from exc
        finally:
            self._ids.close()
            if writer is not None:
                with contextlib.suppress(FirstLoadAbandonedError):
                    writer.close()
        if self.members == 0:
            raise FirstLoadAbandonedError("no rows")

    def build_indexes(self) -> None:
        """Build the indexes deferred by :meth:`load` (a duplicate key abandons the load)."""
        try:
            self._indexes.rebuild()
        except DatabaseError as exc:
            raise FirstLoadAbandonedError(f"database: {exc}") from exc

    @staticmethod
    def _split_last_run(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(complete households, the last household's rows, which may go on in the next batch)."""
        number = frame["number"]
        others = (number != number[-1]).arg_true()  # rows of other households
        tail = frame.height if others.len() == 0 else frame.height - 1 - others[-1]
        return frame.head(frame.height - tail), frame.tail(tail)

    def _write(self, frame: pl.DataFrame, writer: _CopyWriter | None) -> None:
        col = pl.col
        run = (col("number") != col("number").shift(1)).fill_null(True).cum_sum() - 1
        frame = frame.with_columns(_run=run)
        groups = frame.group_by("_run", maintain_order=True).agg(
            number=col("number").first(),
            members=pl.len(),
            heads=(col("relation") == HEAD).sum(),
            villages=col("village_code").n_unique(),
        )
        if groups["number"].is_duplicated().any():
            raise FirstLoadAbandonedError("a household's rows are not together")
        if (groups["heads"] == 0).any():
            raise FirstLoadAbandonedError("a household has no head")
        if (groups["heads"] > 1).any():
            raise FirstLoadAbandonedError("a household has several heads")
        if (groups["villages"] > 1).any():
            raise FirstLoadAbandonedError("a household spans several villages")
        first_id = self._ids.take(groups.height).start  # runs are numbered from 0
        frame = frame.with_columns(
            household_id=col("_run").cast(pl.Int64) + first_id,
            members=groups["members"].gather(frame["_run"]),
            seq=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("_run"),
        )
        heads = frame.filter(col("relation") == HEAD)
        mismatch = col("size_registered").is_not_null() & (col("size_registered") != col("members"))
        size_token = pl.format(
            "{}|size_registered|{}|{}",
            pl.lit(errors.SIZE_MISMATCH.code),
            col("size_registered"),
            col("members"),
        )
        frame = frame.with_columns(
            notes=pl.when(mismatch & (col("relation") == HEAD))
            .then(
                pl.when(col("notes") == "")
                .then(size_token)
                .otherwise(pl.concat_str([col("notes"), size_token], separator=";"))
            )
            .otherwise(col("notes"))
        )
        campaign = pl.lit(self.campaign_id).alias("campaign_id")
        households = heads.with_columns(
            campaign,
            id=col("household_id"),
            head_id_number=col("id_number"),
            size_registered=pl.coalesce(col("size_registered"), col("members")),
            extra=col("household_extra"),
            created_at=pl.lit(self._stamp),
            updated_at=pl.lit(self._stamp),
        ).select(HOUSEHOLD_COPY_COLUMNS)
        members = frame.with_columns(campaign, phone=pl.lit(""), extra=pl.lit("{}")).select(
            MEMBER_COPY_COLUMNS
        )
        noted = frame.filter(col("notes") != "").select(STAGE_COLUMNS)
        self.households += households.height
        self.members += members.height
        tables = (
            ("register_household", HOUSEHOLD_COPY_COLUMNS, HOUSEHOLD_TEXT, households),
            ("register_member", MEMBER_COPY_COLUMNS, MEMBER_TEXT, members),
            (STAGE, STAGE_COLUMNS, STAGE_TEXT_COLUMNS, noted),
        )
        if writer is not None:
            writer.put(
                [
                    (_copy_sql(table, columns, text), _csv(rows))
                    for table, columns, text, rows in tables
                    if rows.height
                ]
            )
            return
        with connection.cursor() as cursor:
            for table, columns, _text, rows in tables:
                if rows.height:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 (constant names)
                        rows.rows(),
                    )
