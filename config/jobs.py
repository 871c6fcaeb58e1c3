"""The one table wiring events to the background tasks that follow them.

Read by ``povcensus.core.followups``.  Keys are event names published by services
(the same names as their audit actions); values are dotted paths of Django tasks.
"""

FOLLOW_UPS: dict[str, list[str]] = {
    # Check every arriving submission version against the campaign's active rule book.
    "collection.submission_received": ["povcensus.rules.tasks.check_submission"],
}
