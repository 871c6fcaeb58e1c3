"""Background tasks of the rules: check a submission on arrival, check a whole campaign."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from povcensus.core.jobs import job_execute
from povcensus.rules.services import submission_check


@task(queue_name="rules")
def check_submission(submission_id: int) -> dict[str, Any]:
    """Subscribed to ``collection.submission_received`` (config/jobs.py)."""
    check = submission_check(submission_id=submission_id)
    return {"hard_failures": check.hard_failures, "soft_failures": check.soft_failures}


@task(queue_name="rules")
def census_check_task(job_id: str) -> dict[str, Any]:
    """A whole-census check queued by ``rules.census.census_check_start``."""
    from povcensus.rules.census import run_census_job

    return job_execute(job_id, run_census_job)
