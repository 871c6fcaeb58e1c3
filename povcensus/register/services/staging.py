"""The database side of a register import: a staging table, cross-row checks, the writes.

Every checked row goes into a temporary staging table (PostgreSQL: COPY, streamed while
the next batch is parsed; SQLite: batched inserts).  Checks that need the whole file run
there as set-based SQL, so memory stays bounded whatever the file size: one head per
household, one village per household, an ID number used once in the file and not by a
household of the register that the file leaves alone.  Writes are ``INSERT … SELECT`` from
the staging table for new households and their members; households already in the
register are compared in chunks and updated field by field, each change kept for the
audit trail.  All of it runs inside the caller's transaction: nothing is half-written,
and a dry run rolls back the staging table with everything else.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import F

from povcensus.register import errors
from povcensus.register.models import (
    MEMBER_ANSWER_FIELDS,
    MEMBER_COPY_COLUMNS,
    Household,
    Member,
)
from povcensus.register.parsing import (
    STAGE_COLUMNS,
    STAGE_INT_COLUMNS,
    STAGE_TEXT_COLUMNS,
    parse_tokens,
    token,
)
from povcensus.register.report import SAMPLE_HOUSEHOLDS, SAMPLE_ROWS

STAGE = "register_import_stage"
GROUPS = "register_import_groups"
FLAGS = "register_import_flags"
TARGETS = "register_import_targets"
CHANGES = "register_import_changes"
TEMP_TABLES = (STAGE, GROUPS, FLAGS, TARGETS, CHANGES)
CHUNK = 500  # existing households compared per round trip

# Household fields compared on re-import: (model attribute, staging column).
HOUSEHOLD_FIELDS = (
    ("village_id", "village_code"),
    ("group_name", "group_name"),
    ("natural_village", "natural_village"),
    ("head_name", "head_name"),
    ("head_id_number", "id_number"),
    ("phone", "phone"),
    ("size_registered", "size_registered"),
    ("identification_standard", "identification_standard"),
    ("attribute", "attribute"),
    ("exit_status", "exit_status"),
    ("identified_year", "identified_year"),
    ("exit_year", "exit_year"),
    ("main_cause", "main_cause"),
    ("other_causes", "other_causes"),
)
MEMBER_FIELDS = MEMBER_ANSWER_FIELDS
_SEQ_OFFSET = 1000  # members renumbered in two steps, past any real seq


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _json(column: str) -> str:
    return f"CAST({column} AS jsonb)" if _pg() else column


def _temp(name: str, body: str) -> str:
    """DDL of a temporary table (dropped at commit on PostgreSQL)."""
    suffix = " ON COMMIT DROP" if _pg() else ""
    if body.lstrip().upper().startswith("AS "):
        return f"CREATE TEMPORARY TABLE {name}{suffix} {body}"
    return f"CREATE TEMPORARY TABLE {name} ({body}){suffix}"


def _bytewise(column: str) -> str:
    """``column`` compared byte by byte (for sorting household numbers).

    For digits this is the database's own order, and PostgreSQL sorts it several times
    faster than through the locale's collation (which also rules out abbreviated sort
    keys); SQLite compares bytes already.
    """
    return f'{column} COLLATE "C"' if _pg() else column


def _append(column: str, addition: str) -> str:
    """SQL that appends a ';'-separated token list to a text column."""
    return (
        f"CASE WHEN {addition} = '' THEN {column} WHEN {column} = '' THEN {addition} "
        f"ELSE {column} || ';' || {addition} END"
    )


@dataclass
class Problems:
    """Cross-row problems found, per row number, before they are written to the stage."""

    errors: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    warnings: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __bool__(self) -> bool:
        return bool(self.errors) or bool(self.warnings)


@dataclass
class Classification:
    new: int = 0
    existing: int = 0
    skipped: int = 0
    members_new: int = 0


@dataclass
class DiffOutcome:
    changed: int = 0
    unchanged: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)


class Stage:
    """The staging tables of one import, on the current connection and transaction."""

    def __init__(self, campaign_id: int) -> None:
        self.campaign_id = campaign_id

    # --- set-up and loading --------------------------------------------------------------

    def create(self) -> None:
        columns = ["row_number bigint NOT NULL"]
        columns += [f"{name} text NOT NULL" for name in STAGE_TEXT_COLUMNS]
        columns += [f"{name} integer" for name in STAGE_INT_COLUMNS]
        with connection.cursor() as cursor:
            for name in TEMP_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(_temp(STAGE, ", ".join(columns)))
            if _pg():
                # Sorting and hashing a million households (3.5 million members) in memory,
                # not on disk; no JIT compilation, which costs seconds per statement here.
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL jit = off")

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for name in TEMP_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")

    @contextmanager
    def loader(self) -> Iterator[Any]:
        """Yield a function that appends a checked batch to the staging table."""
        names = ", ".join(STAGE_COLUMNS)
        with connection.cursor() as cursor:
            if _pg():
                from psycopg.copy import QueuedLibpqWriter

                raw = cursor.cursor
                sql = (
                    f"COPY {STAGE} ({names}) FROM STDIN "
                    f"(FORMAT csv, FORCE_NOT_NULL ({', '.join(STAGE_TEXT_COLUMNS)}))"
                )
                # The queued writer sends data from a thread: the server loads one batch
                # while this process parses the next.
                with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:

                    def write_pg(batch: pl.DataFrame) -> None:
                        buffer = io.BytesIO()
                        batch.select(STAGE_COLUMNS).write_csv(buffer, include_header=False)
                        copy.write(buffer.getvalue())

                    yield write_pg
            else:
                marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
                sql = f"INSERT INTO {STAGE} ({names}) VALUES ({marks})"

                def write_generic(batch: pl.DataFrame) -> None:
                    cursor.executemany(sql, batch.select(STAGE_COLUMNS).rows())

                yield write_generic

    # --- cross-row checks -------------------------------------------------------------------

    def analyse(self) -> None:
        """Run the whole-file checks and write their problems into the staging table."""
        with connection.cursor() as cursor:
            if _pg():
                cursor.execute(f"ANALYZE {STAGE}")
            cursor.execute(
                _temp(
                    GROUPS,
                    f"""AS SELECT number, COUNT(*) AS members,
                        SUM(CASE WHEN relation = '01' THEN 1 ELSE 0 END) AS heads,
                        MIN(CASE WHEN relation = '01' THEN row_number END) AS head_row,
                        MAX(CASE WHEN relation = '01' THEN size_registered END) AS head_size,
                        MIN(village_code) AS village_code,
                        CASE WHEN MIN(village_code) = MAX(village_code) THEN 1 ELSE 2 END
                            AS villages
                    FROM {STAGE} GROUP BY number""",
                )
            )
            if _pg():  # its size guides the plans of the checks and writes that join it
                cursor.execute(f"ANALYZE {GROUPS}")
            found = Problems()
            self._household_problems(cursor, found)
            self._duplicate_ids(cursor, found)
            self._write_problems(cursor, found)
            # Needs the problems above: a household with errors is left out, so an ID
            # number registered there cannot move to another household of the file.
            found = Problems()
            self._ids_elsewhere(cursor, found)
            self._write_problems(cursor, found)

    def _household_problems(self, cursor: Any, found: Problems) -> None:
        cursor.execute(f"SELECT COUNT(*) FROM {GROUPS} WHERE heads <> 1 OR villages > 1")
        if not cursor.fetchone()[0]:
            self._size_warnings(cursor, found)
            return
        cursor.execute(
            f"""SELECT s.row_number, s.number, s.relation, g.heads, g.villages
            FROM {STAGE} s JOIN {GROUPS} g ON g.number = s.number
            WHERE g.heads <> 1 OR g.villages > 1"""
        )
        for row_number, number, relation, heads, villages in cursor.fetchall():
            if heads == 0:
                found.errors[row_number].append(token(errors.NO_HEAD.code, "relation", number))
            elif heads > 1 and relation == "01":
                found.errors[row_number].append(
                    token(errors.SEVERAL_HEADS.code, "relation", number, str(heads))
                )
            if villages > 1:
                found.errors[row_number].append(
                    token(errors.HOUSEHOLD_INCONSISTENT.code, "village_code", number)
                )
        self._size_warnings(cursor, found)

    def _size_warnings(self, cursor: Any, found: Problems) -> None:
        cursor.execute(
            f"""SELECT head_row, head_size, members FROM {GROUPS}
            WHERE heads = 1 AND head_size IS NOT NULL AND head_size <> members"""
        )
        for head_row, head_size, members in cursor.fetchall():
            found.warnings[head_row].append(
                token(errors.SIZE_MISMATCH.code, "size_registered", str(head_size), str(members))
            )

    def _duplicate_ids(self, cursor: Any, found: Problems) -> None:
        cursor.execute(
            f"""SELECT s.id_number, s.row_number, s.number FROM {STAGE} s
            WHERE s.id_valid = 1 AND s.id_number IN (
                SELECT id_number FROM {STAGE} WHERE id_valid = 1
                GROUP BY id_number HAVING COUNT(*) > 1)
            ORDER BY s.id_number, s.row_number"""
        )
        groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for id_number, row_number, number in cursor.fetchall():
            groups[id_number].append((row_number, number))
        for id_number, rows in groups.items():
            all_rows = ",".join(str(r) for r, _ in rows)
            for row_number, number in rows:
                same = [r for r, n in rows if n == number and r != row_number]
                other = [r for r, n in rows if n != number]
                if same:
                    found.errors[row_number].append(
                        token(
                            errors.DUPLICATE_ID_IN_HOUSEHOLD.code,
                            "id_number",
                            id_number,
                            ",".join(str(r) for r, n in rows if n == number),
                        )
                    )
                if other:
                    found.errors[row_number].append(
                        token(
                            errors.DUPLICATE_ID_ACROSS_HOUSEHOLDS.code,
                            "id_number",
                            id_number,
                            all_rows,
                        )
                    )

    def _ids_elsewhere(self, cursor: Any, found: Problems) -> None:
        # ``id_number <> ''`` (a valid ID is never empty) lets the partial unique index on
        # (campaign, id_number) serve: members have no index on the campaign alone.
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM register_member WHERE campaign_id = %s "
            "AND id_number <> '')",
            [self.campaign_id],
        )
        if not cursor.fetchone()[0]:
            return  # a first import: no household can hold the file's IDs yet
        cursor.execute(
            f"""SELECT s.row_number, s.id_number, h.number
            FROM {STAGE} s
            JOIN register_member m
              ON m.campaign_id = %s AND m.id_number = s.id_number AND m.id_number <> ''
            JOIN register_household h ON h.id = m.household_id
            WHERE s.id_valid = 1 AND s.problems = '' AND h.number <> s.number
              AND (h.number NOT IN (SELECT number FROM {GROUPS})
                   OR h.number IN (SELECT number FROM {STAGE} WHERE problems <> ''))""",
            [self.campaign_id],
        )
        for row_number, id_number, other in cursor.fetchall():
            found.errors[row_number].append(
                token(errors.ID_IN_OTHER_HOUSEHOLD.code, "id_number", id_number, other)
            )

    def _write_problems(self, cursor: Any, found: Problems) -> None:
        if not found:
            return
        cursor.execute(f"DROP TABLE IF EXISTS {FLAGS}")
        cursor.execute(
            _temp(
                FLAGS, "row_number bigint PRIMARY KEY, problems text NOT NULL, notes text NOT NULL"
            )
        )
        rows = sorted(set(found.errors) | set(found.warnings))
        cursor.executemany(
            f"INSERT INTO {FLAGS} (row_number, problems, notes) VALUES (%s, %s, %s)",
            [
                (r, ";".join(found.errors.get(r, [])), ";".join(found.warnings.get(r, [])))
                for r in rows
            ],
        )
        cursor.execute(
            f"""UPDATE {STAGE} SET
                problems = {_append(f"{STAGE}.problems", "f.problems")},
                notes = {_append(f"{STAGE}.notes", "f.notes")}
            FROM {FLAGS} AS f WHERE f.row_number = {STAGE}.row_number"""
        )

    # --- reading the outcome ---------------------------------------------------------------

    def households(self) -> int:
        """Households (distinct numbers) in the file."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {GROUPS}")
            return int(cursor.fetchone()[0])

    def problem_rows(self) -> Iterator[tuple[int, str, str, str, str]]:
        """(row, household number, name, problems, notes) of every row with a problem, in order."""
        with connection.chunked_cursor() as cursor:  # server-side on PostgreSQL
            cursor.execute(
                f"""SELECT row_number, number, name, problems, notes FROM {STAGE}
                WHERE problems <> '' OR notes <> '' ORDER BY row_number"""
            )
            while chunk := cursor.fetchmany(2000):
                yield from chunk

    def summarise_problems(
        self,
    ) -> tuple[int, int, dict[str, int], dict[str, int], list[dict[str, Any]]]:
        error_rows = warning_rows = 0
        error_counts: dict[str, int] = defaultdict(int)
        warning_counts: dict[str, int] = defaultdict(int)
        samples: list[dict[str, Any]] = []
        for row_number, number, name, problems, notes in self.problem_rows():
            if problems:
                error_rows += 1
                for problem in parse_tokens(problems):
                    error_counts[problem.code] += 1
            if notes:
                warning_rows += 1
                for problem in parse_tokens(notes):
                    warning_counts[problem.code] += 1
            if len(samples) < SAMPLE_ROWS and (problems or len(samples) < SAMPLE_ROWS // 2):
                samples.append(
                    {
                        "row": row_number,
                        "number": number,
                        "name": name,
                        "problems": problems,
                        "notes": notes,
                    }
                )
        return error_rows, warning_rows, dict(error_counts), dict(warning_counts), samples

    # --- what the import will do ----------------------------------------------------------

    def classify(self) -> Classification:
        """Sort the file's households into new and existing; set aside those with errors."""
        with connection.cursor() as cursor:
            cursor.execute(
                _temp(
                    TARGETS,
                    f"""AS SELECT g.number AS number, g.head_row AS head_row, g.members AS members,
                        h.id AS household_id
                    FROM {GROUPS} g
                    LEFT JOIN register_household h ON h.campaign_id = %s AND h.number = g.number
                    WHERE g.number NOT IN (SELECT number FROM {STAGE} WHERE problems <> '')""",
                ),
                [self.campaign_id],
            )
            if _pg():  # the writes join it with the stage: the planner needs its size
                cursor.execute(f"ANALYZE {TARGETS}")
            cursor.execute(
                f"""SELECT
                    COALESCE(SUM(CASE WHEN household_id IS NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN household_id IS NULL THEN 0 ELSE 1 END), 0),
                    COALESCE(SUM(CASE WHEN household_id IS NULL THEN members ELSE 0 END), 0)
                FROM {TARGETS}"""
            )
            new, existing, members_new = cursor.fetchone()
            cursor.execute(f"SELECT COUNT(*) FROM {GROUPS}")
            households = cursor.fetchone()[0]
        return Classification(
            new=int(new),
            existing=int(existing),
            skipped=households - int(new) - int(existing),
            members_new=int(members_new),
        )

    def missing(self) -> Iterator[tuple[str, str, str]]:
        """Yield (number, village, head name) of households the file leaves out.

        Only households of the townships the file covers count: they are reported, never
        deleted.
        """
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                f"""SELECT h.number, h.village_code, h.head_name FROM register_household h
                WHERE h.campaign_id = %s
                  AND SUBSTR(h.village_code, 1, 9) IN (
                      SELECT DISTINCT SUBSTR(village_code, 1, 9) FROM {GROUPS})
                  AND h.number NOT IN (SELECT number FROM {GROUPS})
                ORDER BY h.village_code, h.number""",
                [self.campaign_id],
            )
            while chunk := cursor.fetchmany(2000):
                yield from chunk

    # --- writes ----------------------------------------------------------------------------------

    def insert_households(self, *, now: datetime) -> None:
        """Write the new households (set-based; their members follow).

        In number order (a number starts with its village's code): the ids, and so every
        index of the households, their members and listing entries, grow in the order
        the rows are written, and each index insert lands on its rightmost page.
        """
        household_columns = (
            "campaign_id, number, village_code, group_name, natural_village, head_name, "
            "head_id_number, phone, size_registered, identification_standard, attribute, "
            "exit_status, identified_year, exit_year, main_cause, other_causes, extra, "
            "created_at, updated_at"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO register_household ({household_columns})
                SELECT %s, s.number, s.village_code, s.group_name, s.natural_village,
                    s.head_name, s.id_number, s.phone, COALESCE(s.size_registered, t.members),
                    s.identification_standard, s.attribute, s.exit_status, s.identified_year,
                    s.exit_year, s.main_cause, {_json("s.other_causes")},
                    {_json("s.household_extra")}, %s, %s
                FROM {STAGE} s JOIN {TARGETS} t ON t.head_row = s.row_number
                WHERE t.household_id IS NULL
                ORDER BY {_bytewise("s.number")}""",
                [self.campaign_id, now, now],
            )

    def insert_members(self) -> None:
        """Write the members of the new households, numbered in file order.

        Sorted by household id, which follows the household number (see
        :meth:`insert_households`): the (household, seq) index grows at its right end, and
        the sort compares integers, not text.
        """
        member_columns = ", ".join(MEMBER_COPY_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO register_member ({member_columns})
                SELECT h.id, %s,
                    ROW_NUMBER() OVER (PARTITION BY h.id ORDER BY s.row_number),
                    s.name, s.sex, s.id_type, s.id_number, s.relation, s.ethnicity,
                    s.education, s.student_status, s.health, s.labour_skill, s.work_status,
                    s.work_months, '', {_json("'{}'")}
                FROM {STAGE} s
                JOIN {TARGETS} t ON t.number = s.number AND t.household_id IS NULL
                JOIN register_household h ON h.campaign_id = %s AND h.number = s.number
                ORDER BY h.id, s.row_number""",
                [self.campaign_id, self.campaign_id],
            )

    def compare_existing(self, *, write: bool, now: datetime) -> DiffOutcome:
        """Compare (and with ``write``, update) the households already in the register.

        Each changed household's changes (field, old, new) are kept in a staging table
        for :meth:`change_entries`; members are matched by ID number, else by name.
        """
        outcome = DiffOutcome()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {TARGETS} WHERE household_id IS NOT NULL")
            if not cursor.fetchone()[0]:
                return outcome
            cursor.execute(f"CREATE INDEX register_import_stage_number ON {STAGE} (number)")
            cursor.execute(_temp(CHANGES, "household_id bigint, village_code text, changes text"))
            moved_out = self._moves(cursor, write=write)
            cursor.execute(
                f"SELECT household_id FROM {TARGETS} WHERE household_id IS NOT NULL "
                "ORDER BY household_id"
            )
            ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), CHUNK):
            self._compare_chunk(ids[start : start + CHUNK], moved_out, outcome, write, now)
        return outcome

    def _moves(self, cursor: Any, *, write: bool) -> dict[int, list[dict[str, Any]]]:
        """Members whose ID number the file lists in another of its households.

        On write they leave their old household first, so that the new one can take
        the ID number (one ID per campaign); the old household's changes say where
        they went.
        """
        cursor.execute(
            f"""SELECT m.id, m.household_id, m.name, m.id_number, s.number
            FROM {STAGE} s
            JOIN register_member m
              ON m.campaign_id = %s AND m.id_number = s.id_number AND m.id_number <> ''
            JOIN register_household h ON h.id = m.household_id
            WHERE s.id_valid = 1 AND h.number <> s.number
              AND s.number IN (SELECT number FROM {TARGETS})
              AND h.number IN (SELECT number FROM {TARGETS})""",
            [self.campaign_id],
        )
        moved: dict[int, list[dict[str, Any]]] = defaultdict(list)
        member_ids = []
        for member_id, household_id, name, id_number, new_number in cursor.fetchall():
            moved[household_id].append(
                {"field": "member", "old": f"{name} {id_number}", "new": f"→ {new_number}"}
            )
            member_ids.append(member_id)
        if write and member_ids:
            Member.objects.filter(id__in=member_ids).delete()
        return moved

    def _staged_rows(self, numbers: list[str]) -> dict[str, list[dict[str, Any]]]:
        marks = ", ".join(["%s"] * len(numbers))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(STAGE_COLUMNS)} FROM {STAGE} WHERE number IN ({marks}) "
                "ORDER BY number, row_number",
                numbers,
            )
            rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for values in cursor.fetchall():
                row = dict(zip(STAGE_COLUMNS, values, strict=True))
                rows[row["number"]].append(row)
        return rows

    def _compare_chunk(
        self,
        ids: list[int],
        moved_out: dict[int, list[dict[str, Any]]],
        outcome: DiffOutcome,
        write: bool,
        now: datetime,
    ) -> None:
        households = {h.pk: h for h in Household.objects.filter(pk__in=ids)}
        members: dict[int, list[Member]] = defaultdict(list)
        for member in Member.objects.filter(household_id__in=ids).order_by("household_id", "seq"):
            members[member.household_id].append(member)
        staged = self._staged_rows([h.number for h in households.values()])
        changed_households: list[Household] = []
        removed: list[int] = []
        kept: list[Member] = []
        added: list[Member] = []
        change_rows = []
        for household_id in ids:
            household = households[household_id]
            rows = staged[household.number]
            head = next(r for r in rows if r["relation"] == "01")
            changes = list(moved_out.get(household_id, []))
            changes += _household_changes(household, head, len(rows))
            member_changes, gone, stay, new = _member_changes(
                household, members[household_id], rows
            )
            changes += member_changes
            if not changes:
                outcome.unchanged += 1
                continue
            outcome.changed += 1
            if len(outcome.samples) < SAMPLE_HOUSEHOLDS:
                outcome.samples.append({"number": household.number, "changes": changes[:20]})
            change_rows.append(
                (household_id, head["village_code"], json.dumps(changes, ensure_ascii=False))
            )
            household.updated_at = now
            changed_households.append(household)
            removed += gone
            kept += stay
            added += new
        if change_rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {CHANGES} (household_id, village_code, changes) VALUES (%s, %s, %s)",
                    change_rows,
                )
        if not write or not changed_households:
            return
        Household.objects.bulk_update(
            changed_households, [name for name, _ in HOUSEHOLD_FIELDS] + ["extra", "updated_at"]
        )
        if removed:
            Member.objects.filter(pk__in=removed).delete()
        if kept:  # renumber in two steps so that (household, seq) stays unique throughout
            Member.objects.filter(pk__in=[m.pk for m in kept]).update(seq=F("seq") + _SEQ_OFFSET)
        if added:
            Member.objects.bulk_create(added, batch_size=1000)
        if kept:
            Member.objects.bulk_update(kept, list(MEMBER_FIELDS), batch_size=1000)

    def change_entries(self) -> Iterator[tuple[int, str, list[dict[str, Any]]]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {TARGETS} WHERE household_id IS NOT NULL")
            if not cursor.fetchone()[0]:
                return
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT household_id, village_code, changes FROM {CHANGES} ORDER BY household_id"
            )
            while chunk := cursor.fetchmany(1000):
                for household_id, village_code, changes in chunk:
                    yield household_id, village_code, json.loads(changes)


def _staged_value(row: dict[str, Any], column: str, members: int) -> Any:
    value = row[column]
    if column == "other_causes":
        return json.loads(value)
    if column == "size_registered" and value is None:
        return members
    return value


def _household_changes(
    household: Household, head: dict[str, Any], members: int
) -> list[dict[str, Any]]:
    changes = []
    for attribute, column in HOUSEHOLD_FIELDS:
        old = getattr(household, attribute)
        new = _staged_value(head, column, members)
        if old != new:
            changes.append({"field": attribute.removesuffix("_id"), "old": old, "new": new})
            setattr(household, attribute, new)
    group_code = json.loads(head["household_extra"]).get("group_code")
    if group_code and household.extra.get("group_code") != group_code:
        changes.append(
            {"field": "group_code", "old": household.extra.get("group_code"), "new": group_code}
        )
        household.extra = {**household.extra, "group_code": group_code}
    return changes


def _member_label(member: Member | dict[str, Any]) -> str:
    if isinstance(member, Member):
        return f"{member.name} {member.id_number}".strip()
    return f"{member['name']} {member['id_number']}".strip()


def _member_changes(
    household: Household, existing: list[Member], rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[int], list[Member], list[Member]]:
    """(changes, removed member ids, kept members updated in place, new members)."""
    by_id = {m.id_number: m for m in existing if m.id_number}
    unmatched = list(existing)
    changes: list[dict[str, Any]] = []
    kept: list[Member] = []
    added: list[Member] = []
    for seq, row in enumerate(rows, start=1):
        match = by_id.get(row["id_number"]) if row["id_number"] else None
        if match is None or match not in unmatched:
            match = next((m for m in unmatched if not m.id_number and m.name == row["name"]), None)
        new_values = {name: (seq if name == "seq" else row[name]) for name in MEMBER_FIELDS}
        if match is None:
            added.append(
                Member(household=household, campaign_id=household.campaign_id, **new_values)
            )
            changes.append({"field": "member", "old": None, "new": _member_label(row)})
            continue
        unmatched.remove(match)
        member_changed = False
        for name in MEMBER_FIELDS:
            old, new = getattr(match, name), new_values[name]
            if old != new:
                member_changed = True
                if name != "seq":
                    changes.append(
                        {"field": f"member[{_member_label(match)}].{name}", "old": old, "new": new}
                    )
                setattr(match, name, new)
        if member_changed:
            kept.append(match)
    for member in unmatched:
        changes.append({"field": "member", "old": _member_label(member), "new": None})
    return changes, [m.pk for m in unmatched], kept, added
