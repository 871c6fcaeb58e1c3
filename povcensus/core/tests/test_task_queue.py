"""The task queue's table keeps fixed autovacuum thresholds on PostgreSQL (core 0002)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

queue_migration = importlib.import_module("povcensus.core.migrations.0002_task_queue_autovacuum")


def _options() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unnest(reloptions) FROM pg_class WHERE relname = %s", [queue_migration.TABLE]
        )
        return dict(row[0].split("=", 1) for row in cursor.fetchall())


class _Recorder:
    def __init__(self) -> None:
        self.connection = connection
        self.statements: list[str] = []

    def execute(self, sql: str, *args: Any) -> None:
        self.statements.append(sql)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(sql)


FIXED = {
    "autovacuum_vacuum_scale_factor": "0",
    "autovacuum_vacuum_threshold": "1000",
    "autovacuum_analyze_scale_factor": "0",
    "autovacuum_analyze_threshold": "1000",
}


def test_the_queue_table_is_vacuumed_and_analysed_every_thousand_changes() -> None:
    editor = _Recorder()
    if connection.vendor != "postgresql":
        queue_migration.forwards(None, editor)
        queue_migration.backwards(None, editor)
        assert editor.statements == []  # SQLite has no autovacuum: nothing to set
        return
    assert _options() == FIXED  # as migrated
    queue_migration.backwards(None, editor)
    assert _options() == {}
    queue_migration.forwards(None, editor)
    assert _options() == FIXED
