"""``core.prepared.prepared_cursor``: on PostgreSQL its statements are prepared once per
connection and run again from the prepared plan; on both databases it behaves as Django's
own cursor (same transaction, Django's errors, queries logged)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from config.settings.base import _database_from_url
from povcensus.core.prepared import prepared_cursor
from povcensus.geography.models import Area

pytestmark = pytest.mark.django_db

LOOKUP = "SELECT name FROM geography_area WHERE code = %s"


def _prepared_texts() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_is_prepared_once_and_answers_each_time() -> None:
    Area.objects.create(code="810000000000", name="香港特别行政区", level=1)
    Area.objects.create(code="820000000000", name="澳门特别行政区", level=1)
    answers = []
    for code in ("810000000000", "820000000000", "830000000000"):
        with prepared_cursor() as cursor:
            cursor.execute(LOOKUP, [code])
            answers.append(cursor.fetchone())
    assert answers == [("香港特别行政区",), ("澳门特别行政区",), None]
    if connection.vendor == "postgresql":
        prepared = [text for text in _prepared_texts() if "FROM geography_area" in text]
        # One prepared statement (with a server-side parameter) served all three lookups.
        assert prepared == ["SELECT name FROM geography_area WHERE code = $1"]
    else:
        assert connection.vendor == "sqlite"


def test_it_writes_in_the_callers_transaction() -> None:
    Area.objects.create(code="820000000000", name="澳门特别行政区", level=1)
    rename = "UPDATE geography_area SET name = %s WHERE code = %s"
    with transaction.atomic():
        with prepared_cursor() as cursor:
            cursor.execute(rename, ["澳门", "820000000000"])
            assert cursor.rowcount == 1
        assert Area.objects.get(code="820000000000").name == "澳门"
        transaction.set_rollback(True)
    assert Area.objects.get(code="820000000000").name == "澳门特别行政区"


def test_errors_are_djangos_and_the_connection_stays_usable() -> None:
    Area.objects.create(code="810000000000", name="香港特别行政区", level=1)
    insert = (
        "INSERT INTO geography_area (code, name, level, parent_id, is_current) "
        "VALUES (%s, %s, %s, NULL, %s)"
    )
    with pytest.raises(IntegrityError), transaction.atomic(), prepared_cursor() as cursor:
        cursor.execute(insert, ["810000000000", "重复", 1, True])
    with prepared_cursor() as cursor:
        cursor.execute(LOOKUP, ["810000000000"])
        assert cursor.fetchone() == ("香港特别行政区",)


def test_its_queries_are_logged_as_djangos() -> None:
    with CaptureQueriesContext(connection) as captured, prepared_cursor() as cursor:
        cursor.execute(LOOKUP, ["810000000000"])
    logged = captured.captured_queries[-1]["sql"]
    # SQLite logs the statement with its values in; PostgreSQL (server-side parameters)
    # logs the statement and its parameters.
    assert "SELECT name FROM geography_area WHERE code = " in logged
    assert "810000000000" in logged


@pytest.mark.parametrize(
    ("setting", "threshold"), [(None, 0), ("3", 3), ("none", None), (" None ", None)]
)
def test_the_prepare_threshold_setting(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, threshold: int | None
) -> None:
    if setting is None:
        monkeypatch.delenv("POVCENSUS_DB_PREPARE_THRESHOLD", raising=False)
    else:
        monkeypatch.setenv("POVCENSUS_DB_PREPARE_THRESHOLD", setting)
    config = _database_from_url("postgresql://census@127.0.0.1:5432/census")
    assert config["OPTIONS"]["prepare_threshold"] == threshold
    # SQLite has no prepared-statement option: its own options only.
    assert "prepare_threshold" not in _database_from_url("sqlite:///census.sqlite3")["OPTIONS"]
