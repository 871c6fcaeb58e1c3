"""Load generated households into the register tables, in batches (bounded memory).

PostgreSQL gets COPY, SQLite batched inserts; both inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice

from django.db import connection
from django.utils import timezone

from povcensus.core.progress import NullProgress, Progress
from povcensus.devtools.generator import HouseholdRecord
from povcensus.register.models import (
    HOUSEHOLD_COPY_COLUMNS,
    MEMBER_COPY_COLUMNS,
    Household,
    Member,
)

BATCH = 5000


def _batches(records: Iterable[HouseholdRecord], size: int) -> Iterator[list[HouseholdRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _household_row(pk: int, campaign_id: int, h: HouseholdRecord, now: object) -> tuple:
    return (
        pk,
        campaign_id,
        h.number,
        h.village_code,
        h.group_name,
        h.natural_village,
        h.head.name,
        h.head.id_number,
        h.phone,
        len(h.members),
        h.identification_standard,
        h.attribute,
        h.exit_status,
        h.identified_year,
        h.exit_year,
        h.main_cause,
        json.dumps(h.other_causes),
        "{}",
        now,
        now,
    )


def _member_rows(pk: int, campaign_id: int, h: HouseholdRecord) -> Iterator[tuple]:
    for m in h.members:
        yield (
            pk,
            campaign_id,
            m.seq,
            m.name,
            m.sex,
            "1",
            m.id_number,
            m.relation,
            m.ethnicity,
            m.education,
            m.student_status,
            m.health,
            m.labour_skill,
            m.work_status,
            m.work_months,
            "",
            "{}",
        )


def load_households(
    *,
    campaign_id: int,
    records: Iterable[HouseholdRecord],
    total: int | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Insert ``records``; return (households, members) written."""
    progress = progress or NullProgress()
    progress.start(total, "households")
    if connection.vendor == "postgresql":
        return _load_postgresql(campaign_id, records, progress)
    return _load_generic(campaign_id, records, progress)


def _load_postgresql(
    campaign_id: int, records: Iterable[HouseholdRecord], progress: Progress
) -> tuple[int, int]:
    households = members = 0
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM register_household")
        next_id = cursor.fetchone()[0] + 1
        raw = cursor.cursor
        for batch in _batches(records, BATCH):
            with raw.copy(
                f"COPY register_household ({', '.join(HOUSEHOLD_COPY_COLUMNS)}) FROM STDIN"
            ) as copy:
                for offset, h in enumerate(batch):
                    copy.write_row(_household_row(next_id + offset, campaign_id, h, now))
            with raw.copy(
                f"COPY register_member ({', '.join(MEMBER_COPY_COLUMNS)}) FROM STDIN"
            ) as copy:
                for offset, h in enumerate(batch):
                    for row in _member_rows(next_id + offset, campaign_id, h):
                        copy.write_row(row)
                        members += 1
            next_id += len(batch)
            households += len(batch)
            progress.advance(len(batch))
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('register_household', 'id'), GREATEST(%s, 1))",
            [next_id - 1],
        )
    return households, members


def _load_generic(
    campaign_id: int, records: Iterable[HouseholdRecord], progress: Progress
) -> tuple[int, int]:
    households = members = 0
    for batch in _batches(records, 1000):
        created = Household.objects.bulk_create(
            Household(
                campaign_id=campaign_id,
                number=h.number,
                village_id=h.village_code,
                group_name=h.group_name,
                natural_village=h.natural_village,
                head_name=h.head.name,
                head_id_number=h.head.id_number,
                phone=h.phone,
                size_registered=len(h.members),
                identification_standard=h.identification_standard,
                attribute=h.attribute,
                exit_status=h.exit_status,
                identified_year=h.identified_year,
                exit_year=h.exit_year,
                main_cause=h.main_cause,
                other_causes=h.other_causes,
            )
            for h in batch
        )
        rows = [
            Member(
                household_id=obj.pk,
                **{**dict(zip(MEMBER_COPY_COLUMNS[1:], row[1:], strict=True)), "extra": {}},
            )
            for obj, h in zip(created, batch, strict=True)
            for row in _member_rows(obj.pk, campaign_id, h)
        ]
        Member.objects.bulk_create(rows, batch_size=2000)
        households += len(batch)
        members += len(rows)
        progress.advance(len(batch))
    return households, members
