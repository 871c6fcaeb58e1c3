"""The indexes every submission maintains: each lookup key indexed once (decision 0016).

Every submission row written updates every index of its tables, so the submission tables
carry no index that another one already covers: a foreign key column leads exactly one
index (its own, a composite one or a unique constraint), and a column looked up by equality
only has no ``LIKE`` index beside its unique one.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from povcensus.core.pattern_indexes import drop_pattern_index

pytestmark = pytest.mark.django_db

SUBMISSION_TABLES = (
    "collection_submission",
    "collection_submissionmember",
    "collection_submissionattachment",
)


def _constraints(table: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def _indexes_on(table: str, column: str) -> list[str]:
    """Names of every index of ``table`` whose first column is ``column`` (LIKE ones too)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0] "
                "WHERE x.indrelid = %s::regclass AND a.attname = %s ORDER BY 1",
                [table, column],
            )
            return [row[0] for row in cursor.fetchall()]
    return sorted(
        name
        for name, info in _constraints(table).items()
        if (info["index"] or info["unique"]) and info["columns"][:1] == [column]
    )


@pytest.mark.parametrize("table", SUBMISSION_TABLES)
def test_each_foreign_key_of_the_submission_tables_leads_exactly_one_index(table: str) -> None:
    keys = [info["columns"][0] for info in _constraints(table).values() if info["foreign_key"]]
    assert keys, f"{table} has foreign keys"
    led = {column: _indexes_on(table, column) for column in keys}
    assert {column: len(names) for column, names in led.items()} == dict.fromkeys(keys, 1), led


@pytest.mark.parametrize(
    ("table", "column"),
    [("collection_submission", "instance_id"), ("audit_auditevent", "hash")],
)
def test_equality_keys_have_their_unique_index_only(table: str, column: str) -> None:
    (name,) = _indexes_on(table, column)
    assert _constraints(table)[name]["unique"]


def test_the_member_id_number_column_has_one_plain_index() -> None:
    (name,) = _indexes_on("collection_submissionmember", "id_number")
    assert not _constraints("collection_submissionmember")[name]["unique"]


def _run(function: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.schema_editor(atomic=True) as schema_editor:
            function(apps, schema_editor)
    else:
        # SQLite's schema editor cannot open inside a test's transaction; there the
        # operation reads nothing but the editor's connection.
        function(apps, SimpleNamespace(connection=connection))


def test_the_pattern_index_operation_reverses_and_applies_again() -> None:
    operation = drop_pattern_index("collection", "submission", "instance_id")
    _run(operation.reverse_code)
    restored = _indexes_on("collection_submission", "instance_id")
    _run(operation.code)
    dropped = _indexes_on("collection_submission", "instance_id")
    if connection.vendor == "postgresql":
        assert len(restored) == 2
        assert any(name.endswith("_like") for name in restored)
    else:  # no LIKE indexes on SQLite: both directions leave the unique index alone
        assert len(restored) == 1
    assert len(dropped) == 1
    assert not dropped[0].endswith("_like")
