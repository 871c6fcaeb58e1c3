"""Background jobs with progress: create a Job row, enqueue a task, run it, record the end.

A job's work function receives the job's params and a :class:`~povcensus.core.progress.Progress`
and returns a JSON-able result.  An ``ApplicationError`` ends the job as *failed* with its code
and message; any other exception is also recorded (as ``core.job_crashed``) and re-raised so
the worker logs it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ApplicationError, ErrorCode
from povcensus.core.models import Job, JobStatus
from povcensus.core.progress import JobProgress, Progress

JOB_CRASHED = ErrorCode("core.job_crashed", _("后台任务意外中断：%(reason)s"), 500)

WorkFunction = Callable[[dict[str, Any], Progress], dict[str, Any]]


def job_create(
    *, actor: Any, kind: str, area_code: str = "", params: dict[str, Any] | None = None
) -> Job:
    return Job.objects.create(
        kind=kind,
        created_by=actor if getattr(actor, "pk", None) else None,
        area_code=area_code,
        params=params or {},
    )


def job_execute(job_id: Any, work: WorkFunction) -> dict[str, Any]:
    """Run ``work`` for job ``job_id``, recording its status, progress and outcome."""
    job = Job.objects.get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    progress = JobProgress(job.pk)
    try:
        result = work(job.params, progress)
    except ApplicationError as error:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=error.as_dict(), finished_at=timezone.now()
        )
        return {"error": error.as_dict()}
    except Exception as crash:
        failure = ApplicationError(JOB_CRASHED, reason=type(crash).__name__)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=failure.as_dict(), finished_at=timezone.now()
        )
        raise
    progress.finish()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, result=result, finished_at=timezone.now()
    )
    return result
