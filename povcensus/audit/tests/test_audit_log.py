"""The audit log is append-only in the database and tamper-evident by its hash chain."""

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from povcensus.audit import db_guard
from povcensus.audit.models import AuditEvent
from povcensus.audit.selectors import audit_chain_verify
from povcensus.audit.services import audit_record
from povcensus.core.context import request_context

pytestmark = pytest.mark.django_db


def _record(n: int = 1) -> list[AuditEvent]:
    rows = []
    with transaction.atomic(), request_context(request_id="req-12345678", client_ip="10.0.0.9"):
        for i in range(n):
            rows.append(
                audit_record(
                    actor=None,
                    action="audit.verified",
                    object_type="test",
                    object_id=i,
                    area_code="431202110000",
                    before={"v": i},
                    after={"v": i + 1, "名称": "金山镇"},
                )
            )
    return rows


def test_events_form_a_gapless_chain_carrying_request_context() -> None:
    rows = _record(3)
    assert len({r.chain for r in rows}) == 1  # one transaction, one chain
    assert [r.seq for r in rows] == list(range(rows[0].seq, rows[0].seq + 3))
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    assert rows[0].request_id == "req-12345678"
    assert rows[0].client_ip == "10.0.0.9"
    count, broken = audit_chain_verify()
    assert broken is None
    assert count == AuditEvent.objects.count()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the write's transaction"):
        audit_record(actor=None, action="audit.verified")


def test_unregistered_action_is_refused() -> None:
    with transaction.atomic(), pytest.raises(ValueError, match="unregistered"):
        audit_record(actor=None, action="no.such.action")


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"]
)
def test_database_refuses_update_and_delete(statement: str) -> None:
    _record(2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)


def test_orm_update_is_refused_too() -> None:
    (row,) = _record(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(after={"forged": True})


def _tamper(sql: str, params: list) -> None:
    with transaction.atomic(), db_guard.suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_command_passes_on_intact_chain(capsys) -> None:
    _record(3)
    call_command("audit", "verify")
    assert "intact" in capsys.readouterr().out


def test_verify_command_reports_first_edited_row() -> None:
    rows = _record(4)
    victim = rows[2]
    _tamper("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"v": 999}', victim.id])
    with pytest.raises(
        CommandError, match=rf"position {victim.seq} \(event #{victim.id}\): .*edited"
    ) as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 1


def test_verify_command_reports_deleted_row() -> None:
    rows = _record(4)
    victim = rows[1]
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [victim.id])
    with pytest.raises(CommandError, match=rf"position {victim.seq} .*event missing"):
        call_command("audit", "verify")


def test_verify_command_reports_a_forged_hash() -> None:
    rows = _record(3)
    # Forging the content *and* its own hash still breaks the next row's link.
    _tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["f" * 64, rows[1].id])
    with pytest.raises(CommandError, match=rf"position {rows[1].seq} \(event #{rows[1].id}\)"):
        call_command("audit", "verify")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chains", [1, 8])
def test_concurrent_writers_leave_every_chain_intact(chains: int, settings: Any) -> None:
    """Writers on several connections (threads on PostgreSQL; SQLite has one writer and one chain).

    With one chain every writer waits for the same lock and must then read the tail its
    predecessor committed (a stale tail would repeat a sequence number and fail).
    """
    import threading

    settings.POVCENSUS_AUDIT_CHAINS = chains
    from django.db import connections

    from povcensus.audit.services import chain_count

    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for _ in range(n):
                _record(2)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    last_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    writers = 6 if connection.vendor == "postgresql" else 1
    threads = [threading.Thread(target=writer, args=(60 // writers,)) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    written = AuditEvent.objects.filter(id__gt=last_before)
    assert written.count() == 120
    assert set(written.values_list("chain", flat=True)) <= set(range(chain_count()))
    count, broken = audit_chain_verify()
    assert broken is None
    assert count == AuditEvent.objects.count()
