"""Progress of a unit as collection stores its questionnaire.

Called by ``collection.services.submission_receive`` inside the submission's transaction;
the submission's own audit event names the unit, so this write records no event of its
own (one audited write per submission, not two).
"""

from __future__ import annotations

from povcensus.assignment.models import Assignment, UnitStatus


def unit_mark_submitted(*, assignment_id: int) -> bool:
    """Mark the unit submitted unless it already is; return whether it changed."""
    changed = (
        Assignment.objects.filter(pk=assignment_id)
        .exclude(status=UnitStatus.SUBMITTED)
        .update(status=UnitStatus.SUBMITTED)
    )
    return bool(changed)
