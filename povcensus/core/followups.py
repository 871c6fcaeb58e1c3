"""Follow-up work after a write, wired in one table (``config/jobs.py``).

A service publishes an event (``collection.submission_received``) with a small payload;
the tasks subscribed to it in ``config.jobs.FOLLOW_UPS`` are queued.  The publisher never
imports the subscribers, so an app can trigger work in an app below it in the dependency
order (collection → rules → review) without importing it.

With the database task backend the task rows are written inside the caller's transaction:
they commit with the write or vanish with it, so an accepted submission is always queued
and a rolled-back one never is.  Other backends (Redis …) are queued on commit.
"""

from __future__ import annotations

from functools import cache, partial
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction


@cache
def _subscribers(event: str) -> tuple[Any, ...]:
    table = import_module(getattr(settings, "POVCENSUS_JOBS_MODULE", "config.jobs")).FOLLOW_UPS
    tasks = []
    for dotted in table.get(event, ()):
        module, name = dotted.rsplit(".", 1)
        tasks.append(getattr(import_module(module), name))
    return tuple(tasks)


def _transactional_backend(task: Any) -> bool:
    from django.tasks import task_backends

    backend = task_backends[task.backend]
    return type(backend).__module__.startswith("django_tasks_db")


def publish(event: str, **payload: Any) -> None:
    for task in _subscribers(event):
        if _transactional_backend(task):
            task.enqueue(**payload)
        else:
            transaction.on_commit(partial(task.enqueue, **payload))
