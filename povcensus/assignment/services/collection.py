"""Progress of a unit as collection stores its questionnaire and review returns it.

Called by ``collection.services.submission_receive`` inside the submission's transaction
and by ``review.services.case_transition`` inside a return's; the caller's own audit event
names the unit, so these writes record no event of their own (one audited write per
submission or return, not two).
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from povcensus.assignment.models import UnitStatus
from povcensus.core.prepared import prepared_cursor


def unit_mark_submitted(*, assignment_id: int) -> bool:
    """Mark the unit submitted unless it already is; return whether it changed.

    Plain SQL: it runs for every submission received (decision 0016).
    """
    with prepared_cursor() as cursor:
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


def unit_mark_returned(*, assignment_id: int) -> bool:
    """Put the unit back on its team's worklist: a reviewer returned its case to the enumerator.

    Called by the review app inside the return's transaction (its audit event names the
    case and the unit).  Returns whether the status changed.
    """
    with prepared_cursor() as cursor:
        cursor.execute(
            "UPDATE assignment_assignment SET status = %s, updated_at = %s WHERE id = %s AND status <> %s",
            [
                UnitStatus.RETURNED.value,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                assignment_id,
                UnitStatus.RETURNED.value,
            ],
        )
        return bool(cursor.rowcount)
