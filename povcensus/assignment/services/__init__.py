"""Every write of the assignment app (one module per concern, re-exported here)."""

from povcensus.assignment.services.appointments import (
    appointment_record,
    appointment_reschedule,
    guide_record,
    guide_remove,
    notice_list_export,
)
from povcensus.assignment.services.assigning import (
    AutoPlan,
    assignment_reassign,
    assignment_status_set,
    auto_assign_apply,
    auto_assign_preview,
    units_assign,
)
from povcensus.assignment.services.collection import unit_mark_returned, unit_mark_submitted
from povcensus.assignment.services.common import check_cross_township
from povcensus.assignment.services.outcomes import non_interview_record
from povcensus.assignment.services.upload import UploadReport, assignment_upload

__all__ = [
    "AutoPlan",
    "UploadReport",
    "appointment_record",
    "appointment_reschedule",
    "assignment_reassign",
    "assignment_status_set",
    "assignment_upload",
    "auto_assign_apply",
    "auto_assign_preview",
    "check_cross_township",
    "guide_record",
    "guide_remove",
    "non_interview_record",
    "notice_list_export",
    "unit_mark_returned",
    "unit_mark_submitted",
    "units_assign",
]
