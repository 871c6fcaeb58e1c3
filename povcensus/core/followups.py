"""Follow-up work after a write, wired in one table (``config/jobs.py``).

A service publishes an event (``collection.submission_received``) with a small payload;
the tasks subscribed to it in ``config.jobs.FOLLOW_UPS`` are queued.  The publisher never
imports the subscribers, so an app can trigger work in an app below it in the dependency
order (collection → rules → review) without importing it.

With the database task backend the task rows are written inside the caller's transaction:
they commit with the write or vanish with it, so an accepted submission is always queued
and a rolled-back one never is.  Other backends (Redis …) are queued on commit.

The database backend's row is written by one plain ``INSERT`` built from django-tasks-db's
own model (its fields prepare the values, so the row is the one ``Task.enqueue`` writes; a
test compares the two and runs the row with the backend's worker): ``enqueue`` goes
through ``QuerySet.create``, which on the submission path cost more CPU than any other
single step (decision 0016).
"""

from __future__ import annotations

from functools import cache, partial
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Model, signals

from povcensus.core.prepared import prepared_cursor


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


@cache
def _insert_statement(model: type[Model], vendor: str) -> tuple[str, tuple[Any, ...]]:
    fields = tuple(model._meta.concrete_fields)
    columns = ", ".join(str(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})", fields  # noqa: S608


def insert_row(row: Model, *, using: str = "default") -> None:
    """INSERT an unsaved model instance whose primary key is already set, in one statement.

    As ``Model.save_base`` does, ``pre_save`` and ``post_save`` are sent and each field
    prepares its own value (defaults, ``auto_now_add``, JSON, UUIDs); a ``save()`` override
    is not run, so use it only for models without one (django-tasks-db's ``DBTaskResult``).
    """
    model = type(row)
    connection = connections[using]
    signals.pre_save.send(sender=model, instance=row, raw=False, using=using, update_fields=None)
    sql, fields = _insert_statement(model, connection.vendor)
    values = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, values)
    row._state.adding = False
    row._state.db = using
    signals.post_save.send(
        sender=model, instance=row, created=True, update_fields=None, raw=False, using=using
    )


def enqueue_in_transaction(task: Any, **kwargs: Any) -> Any:
    """Queue ``task`` on the database backend as part of the current transaction.

    Writes the row ``task.enqueue(**kwargs)`` would write, with one plain INSERT, and sends
    ``task_enqueued`` as the backend does.  Returns the backend's row (``DBTaskResult``).
    """
    from django.tasks import task_backends
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult

    backend: Any = task_backends[task.backend]  # django_tasks_db.DatabaseBackend
    backend.validate_task(task)
    row: Any = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": (), "kwargs": kwargs}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )
    insert_row(row)
    task_enqueued.send(type(backend), task_result=row.task_result)
    return row


def publish(event: str, **payload: Any) -> None:
    for task in _subscribers(event):
        if _transactional_backend(task):
            enqueue_in_transaction(task, **payload)
        else:
            transaction.on_commit(partial(task.enqueue, **payload))
