"""Follow-up tasks: the database backend's row written in the caller's transaction is the
row django-tasks-db's own ``enqueue`` writes, and its worker runs it."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult, get_date_max

from povcensus.core.followups import enqueue_in_transaction, publish
from povcensus.rules.tasks import check_submission

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "rules", "imports"],
    }
}
COMPARED = (
    "status",
    "args_kwargs",
    "priority",
    "task_path",
    "worker_ids",
    "queue_name",
    "backend_name",
    "run_after",
    "started_at",
    "finished_at",
    "return_value",
    "exception_class_path",
    "traceback",
)


@override_settings(TASKS=DATABASE_TASKS)
def test_the_row_is_the_one_enqueue_writes() -> None:
    with transaction.atomic():
        ours = enqueue_in_transaction(check_submission, submission_id=7)
    theirs_result = check_submission.enqueue(submission_id=7)
    mine = DBTaskResult.objects.get(pk=ours.pk)
    theirs = DBTaskResult.objects.get(pk=theirs_result.id)
    assert mine.pk != theirs.pk
    assert {f: getattr(mine, f) for f in COMPARED} == {f: getattr(theirs, f) for f in COMPARED}
    assert mine.run_after == get_date_max()
    assert mine.args_kwargs == {"args": [], "kwargs": {"submission_id": 7}}
    assert mine.enqueued_at is not None
    assert mine.status == "READY"
    # The backend reads it back as one of its own.
    result = check_submission.get_result(str(mine.pk))
    assert (result.kwargs, result.status) == ({"submission_id": 7}, "READY")


@override_settings(TASKS=DATABASE_TASKS)
def test_a_rolled_back_write_leaves_no_task() -> None:
    def failing_write() -> None:
        with transaction.atomic():
            publish("collection.submission_received", submission_id=7)
            raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        failing_write()
    assert not DBTaskResult.objects.exists()
