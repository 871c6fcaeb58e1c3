"""Progress of a unit as collection stores its questionnaire.

Called by ``collection.services.submission_receive`` inside the submission's transaction;
the submission's own audit event names the unit, so this write records no event of its
own (one audited write per submission, not two).
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from povcensus.assignment.models import UnitStatus


def unit_mark_submitted(*, assignment_id: int) -> bool:
    """Mark the unit submitted unless it already is; return whether it changed.

    Plain SQL: it runs for every submission received (decision 0016).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assignment_assignment SET status = %s, updated_at = %s WHERE id = %s AND status <> %s",
            [
                UnitStatus.SUBMITTED.value,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                assignment_id,
                UnitStatus.SUBMITTED.value,
            ],
        )
        return bool(cursor.rowcount)
