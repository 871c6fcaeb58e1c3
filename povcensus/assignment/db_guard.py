"""Database triggers that make the cross-township rule (乡级交叉) impossible to break.

The rule: no assignment's team has an enumerator whose home township is the township of
the assigned unit.  Four writes could break it, and each is refused by the database itself
on PostgreSQL (plpgsql) and SQLite (``RAISE(ABORT, …)``), whatever wrote it (a service,
the ORM, the admin, a bulk COPY, raw SQL):

* inserting or updating an assignment row (team, township, village or household);
* adding or changing a team member of a team that has units in the member's home township;
* changing a user's home township to one where their team has units;
* moving a household to another village: the change is carried onto its assignment row,
  which is then checked like any other update.

The same triggers keep each row consistent (:data:`UNIT_MISMATCH_MARKER`): a household
unit names an existing household and that household's own village and campaign, a village
unit an existing village, the team exists and belongs to the unit's campaign, and the
assigning user exists; the township code is that of
the village (a check constraint).  These checks stand in for the foreign-key constraints
of the assignment table, which cost one lookup (and one row lock) per row; they are
stronger (consistency, not only existence) and, on PostgreSQL, set-based.  Deleting a
referenced household, team, campaign or village is refused by Django's ``PROTECT``.
Every refusal message starts with its marker, which the services turn back into coded
errors.

On PostgreSQL the assignment checks are statement-level triggers over the transition
table, so a COPY or a bulk insert of a million rows is checked with a few joins instead of
a million lookups; migration 0002 installs them.  SQLite rebuilds a table to alter it,
which a trigger mentioning that table would break, so on SQLite the triggers are dropped
before every ``migrate`` and installed after it, as every registered guard's are
(``core.db_triggers``); both are idempotent.
"""

from __future__ import annotations

from typing import Any

from povcensus.core.db_triggers import TriggerGuard

CROSS_TOWNSHIP_MARKER = "assignment.cross_township"
UNIT_MISMATCH_MARKER = "assignment.unit_mismatch"
TABLES = (
    "assignment_assignment",
    "team_teammember",
    "team_team",
    "accounts_user",
    "register_household",
    "geography_area",
)

_CROSS_MESSAGE = (
    f"{CROSS_TOWNSHIP_MARKER}: an enumerator may not survey a unit in their own home township"
)
_MISMATCH_MESSAGE = (
    f"{UNIT_MISMATCH_MARKER}: the assignment must name the village and campaign of its unit"
    " and a team of that campaign"
)

# The (team, township) pairs of a statement are few even when its rows are many.
_ASSIGNMENT_CONFLICT_PG = """
    SELECT 1 FROM (SELECT DISTINCT team_id, township_code FROM assignment_new) a
    JOIN team_teammember m ON m.team_id = a.team_id
    JOIN accounts_user u ON u.id = m.user_id
    WHERE u.home_township_id = a.township_code
"""
_ASSIGNMENT_CHECKS_PG = f"""
        IF EXISTS ({_ASSIGNMENT_CONFLICT_PG}) THEN
            RAISE EXCEPTION '{_CROSS_MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (
            SELECT 1 FROM assignment_new a
            LEFT JOIN register_household h ON h.id = a.household_id
            WHERE a.household_id IS NOT NULL
              AND (h.id IS NULL OR h.village_code <> a.village_code
                   OR h.campaign_id <> a.campaign_id)
        ) OR EXISTS (
            SELECT 1 FROM assignment_new a
            WHERE a.household_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM geography_area g WHERE g.code = a.village_code)
        ) OR EXISTS (
            SELECT 1 FROM (SELECT DISTINCT team_id, campaign_id FROM assignment_new) a
            WHERE NOT EXISTS (
                SELECT 1 FROM team_team t WHERE t.id = a.team_id AND t.campaign_id = a.campaign_id
            )
        ) OR EXISTS (
            SELECT 1 FROM (
                SELECT DISTINCT assigned_by_id FROM assignment_new WHERE assigned_by_id IS NOT NULL
            ) a
            WHERE NOT EXISTS (SELECT 1 FROM accounts_user u WHERE u.id = a.assigned_by_id)
        ) THEN
            RAISE EXCEPTION '{_MISMATCH_MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
"""  # noqa: S608 (constant SQL, no input)

_POSTGRES_CREATE = [
    f"""
    CREATE OR REPLACE FUNCTION assignment_check_new_rows() RETURNS trigger AS $$
    BEGIN
{_ASSIGNMENT_CHECKS_PG}        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql SET work_mem = '64MB'
    """,
    # An update that leaves every guarded column alone (a submission marking its unit
    # submitted, an appointment) has nothing to check: one cheap join instead of five.
    f"""
    CREATE OR REPLACE FUNCTION assignment_check_changed_rows() RETURNS trigger AS $$
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM assignment_new n JOIN assignment_old o ON o.id = n.id
            WHERE (n.team_id, n.township_code, n.village_code, n.household_id, n.campaign_id,
                   n.assigned_by_id)
               IS DISTINCT FROM (o.team_id, o.township_code, o.village_code, o.household_id,
                                 o.campaign_id, o.assigned_by_id)
        ) THEN
            RETURN NULL;
        END IF;
{_ASSIGNMENT_CHECKS_PG}        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql SET work_mem = '64MB'
    """,  # noqa: S608 (constant SQL, no input)
    "DROP TRIGGER IF EXISTS assignment_cross_township_insert ON assignment_assignment",
    """CREATE TRIGGER assignment_cross_township_insert AFTER INSERT ON assignment_assignment
       REFERENCING NEW TABLE AS assignment_new
       FOR EACH STATEMENT EXECUTE FUNCTION assignment_check_new_rows()""",
    "DROP TRIGGER IF EXISTS assignment_cross_township_update ON assignment_assignment",
    """CREATE TRIGGER assignment_cross_township_update AFTER UPDATE ON assignment_assignment
       REFERENCING OLD TABLE AS assignment_old NEW TABLE AS assignment_new
       FOR EACH STATEMENT EXECUTE FUNCTION assignment_check_changed_rows()""",
    f"""
    CREATE OR REPLACE FUNCTION assignment_check_team_member() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM assignment_assignment a JOIN accounts_user u ON u.id = NEW.user_id
            WHERE a.team_id = NEW.team_id AND a.township_code = u.home_township_id
        ) THEN
            RAISE EXCEPTION '{_CROSS_MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,  # noqa: S608 (constant SQL, no input)
    "DROP TRIGGER IF EXISTS assignment_cross_township_member ON team_teammember",
    """CREATE TRIGGER assignment_cross_township_member
       BEFORE INSERT OR UPDATE OF user_id, team_id ON team_teammember
       FOR EACH ROW EXECUTE FUNCTION assignment_check_team_member()""",
    f"""
    CREATE OR REPLACE FUNCTION assignment_check_home_township() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM team_teammember m JOIN assignment_assignment a ON a.team_id = m.team_id
            WHERE m.user_id = NEW.id AND a.township_code = NEW.home_township_id
        ) THEN
            RAISE EXCEPTION '{_CROSS_MESSAGE}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,  # noqa: S608 (constant SQL, no input)
    "DROP TRIGGER IF EXISTS assignment_cross_township_home ON accounts_user",
    """CREATE TRIGGER assignment_cross_township_home
       BEFORE UPDATE OF home_township_id ON accounts_user
       FOR EACH ROW WHEN (OLD.home_township_id IS DISTINCT FROM NEW.home_township_id)
       EXECUTE FUNCTION assignment_check_home_township()""",
    """
    CREATE OR REPLACE FUNCTION assignment_follow_household_village() RETURNS trigger AS $$
    BEGIN
        UPDATE assignment_assignment
           SET village_code = NEW.village_code,
               township_code = substr(NEW.village_code, 1, 9) || '000'
         WHERE household_id = NEW.id;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS assignment_follow_household_village ON register_household",
    """CREATE TRIGGER assignment_follow_household_village
       AFTER UPDATE OF village_code ON register_household
       FOR EACH ROW WHEN (OLD.village_code IS DISTINCT FROM NEW.village_code)
       EXECUTE FUNCTION assignment_follow_household_village()""",
]
_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS assignment_cross_township_insert ON assignment_assignment",
    "DROP TRIGGER IF EXISTS assignment_cross_township_update ON assignment_assignment",
    "DROP TRIGGER IF EXISTS assignment_cross_township_member ON team_teammember",
    "DROP TRIGGER IF EXISTS assignment_cross_township_home ON accounts_user",
    "DROP TRIGGER IF EXISTS assignment_follow_household_village ON register_household",
    "DROP FUNCTION IF EXISTS assignment_check_new_rows()",
    "DROP FUNCTION IF EXISTS assignment_check_changed_rows()",
    "DROP FUNCTION IF EXISTS assignment_check_team_member()",
    "DROP FUNCTION IF EXISTS assignment_check_home_township()",
    "DROP FUNCTION IF EXISTS assignment_follow_household_village()",
]

_SQLITE_ASSIGNMENT_BODY = f"""
    BEGIN
        SELECT RAISE(ABORT, '{_CROSS_MESSAGE}') WHERE EXISTS (
            SELECT 1 FROM team_teammember m JOIN accounts_user u ON u.id = m.user_id
            WHERE m.team_id = NEW.team_id AND u.home_township_id = NEW.township_code
        );
        SELECT RAISE(ABORT, '{_MISMATCH_MESSAGE}')
        WHERE (
            NEW.household_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM register_household h
                WHERE h.id = NEW.household_id AND h.village_code = NEW.village_code
                  AND h.campaign_id = NEW.campaign_id
            )
        ) OR (
            NEW.household_id IS NULL AND NOT EXISTS (
                SELECT 1 FROM geography_area g WHERE g.code = NEW.village_code
            )
        ) OR NOT EXISTS (
            SELECT 1 FROM team_team t WHERE t.id = NEW.team_id AND t.campaign_id = NEW.campaign_id
        ) OR (
            NEW.assigned_by_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM accounts_user u WHERE u.id = NEW.assigned_by_id
            )
        );
    END"""  # noqa: S608 (constant SQL, no input)
_SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS assignment_cross_township_insert
        BEFORE INSERT ON assignment_assignment {_SQLITE_ASSIGNMENT_BODY}""",
    f"""CREATE TRIGGER IF NOT EXISTS assignment_cross_township_update
        BEFORE UPDATE OF team_id, township_code, village_code, household_id, campaign_id,
        assigned_by_id ON assignment_assignment {_SQLITE_ASSIGNMENT_BODY}""",
    f"""CREATE TRIGGER IF NOT EXISTS assignment_cross_township_member_insert
        BEFORE INSERT ON team_teammember
        BEGIN
            SELECT RAISE(ABORT, '{_CROSS_MESSAGE}') WHERE EXISTS (
                SELECT 1 FROM assignment_assignment a JOIN accounts_user u ON u.id = NEW.user_id
                WHERE a.team_id = NEW.team_id AND a.township_code = u.home_township_id
            );
        END""",  # noqa: S608 (constant SQL, no input)
    f"""CREATE TRIGGER IF NOT EXISTS assignment_cross_township_member_update
        BEFORE UPDATE OF user_id, team_id ON team_teammember
        BEGIN
            SELECT RAISE(ABORT, '{_CROSS_MESSAGE}') WHERE EXISTS (
                SELECT 1 FROM assignment_assignment a JOIN accounts_user u ON u.id = NEW.user_id
                WHERE a.team_id = NEW.team_id AND a.township_code = u.home_township_id
            );
        END""",  # noqa: S608 (constant SQL, no input)
    f"""CREATE TRIGGER IF NOT EXISTS assignment_cross_township_home
        BEFORE UPDATE OF home_township_id ON accounts_user
        WHEN NEW.home_township_id IS NOT OLD.home_township_id
        BEGIN
            SELECT RAISE(ABORT, '{_CROSS_MESSAGE}') WHERE EXISTS (
                SELECT 1 FROM team_teammember m
                JOIN assignment_assignment a ON a.team_id = m.team_id
                WHERE m.user_id = NEW.id AND a.township_code = NEW.home_township_id
            );
        END""",  # noqa: S608 (constant SQL, no input)
    """CREATE TRIGGER IF NOT EXISTS assignment_follow_household_village
        AFTER UPDATE OF village_code ON register_household
        WHEN NEW.village_code IS NOT OLD.village_code
        BEGIN
            UPDATE assignment_assignment
               SET village_code = NEW.village_code,
                   township_code = substr(NEW.village_code, 1, 9) || '000'
             WHERE household_id = NEW.id;
        END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS assignment_cross_township_insert",
    "DROP TRIGGER IF EXISTS assignment_cross_township_update",
    "DROP TRIGGER IF EXISTS assignment_cross_township_member_insert",
    "DROP TRIGGER IF EXISTS assignment_cross_township_member_update",
    "DROP TRIGGER IF EXISTS assignment_cross_township_home",
    "DROP TRIGGER IF EXISTS assignment_follow_household_village",
]
TRIGGER_NAMES = {
    "postgresql": {
        "assignment_cross_township_insert",
        "assignment_cross_township_update",
        "assignment_cross_township_member",
        "assignment_cross_township_home",
        "assignment_follow_household_village",
    },
    "sqlite": {
        "assignment_cross_township_insert",
        "assignment_cross_township_update",
        "assignment_cross_township_member_insert",
        "assignment_cross_township_member_update",
        "assignment_cross_township_home",
        "assignment_follow_household_village",
    },
}


class _CrossTownshipGuard(TriggerGuard):
    prefix = "assignment"

    def statements(self, vendor: str, *, create: bool) -> list[str]:
        if vendor == "postgresql":
            return _POSTGRES_CREATE if create else _POSTGRES_DROP
        if vendor == "sqlite":
            return _SQLITE_CREATE if create else _SQLITE_DROP
        raise NotImplementedError(f"no cross-township guard for database vendor {vendor!r}")

    def trigger_names(self, vendor: str) -> set[str]:
        return TRIGGER_NAMES[vendor]

    def ready(self, connection: Any) -> bool:
        """Once every table the triggers guard exists."""
        if connection.vendor not in TRIGGER_NAMES:
            return False
        return set(TABLES) <= set(connection.introspection.table_names())


GUARD = _CrossTownshipGuard()
install = GUARD.install
remove = GUARD.remove
installed = GUARD.installed


def is_cross_township_refusal(error: BaseException) -> bool:
    return CROSS_TOWNSHIP_MARKER in str(error)


def is_unit_mismatch_refusal(error: BaseException) -> bool:
    return UNIT_MISMATCH_MARKER in str(error)
