"""Progress reporting for long work, the same for the CLI and for background jobs.

Work functions take a ``progress: Progress`` argument and call ``start``/``advance``;
the CLI passes a rich progress bar, a background job passes :class:`JobProgress`, which
publishes to the cache (visible to other processes even while the work's own transaction
is still open), and tests pass :class:`NullProgress`.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from django.core.cache import cache

_CACHE_TTL = 24 * 3600


class Progress(Protocol):
    def start(self, total: int | None, description: str = "") -> None: ...

    def advance(self, amount: int = 1) -> None: ...

    def finish(self) -> None: ...


class NullProgress:
    def start(self, total: int | None, description: str = "") -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


def job_progress_key(job_id: object) -> str:
    return f"povcensus:job-progress:{job_id}"


def job_progress_read(job_id: object) -> dict[str, Any] | None:
    value = cache.get(job_progress_key(job_id))
    return value if isinstance(value, dict) else None


class JobProgress:
    """Publish progress of job ``job_id`` to the cache, at most every ``interval`` seconds."""

    def __init__(self, job_id: object, *, interval: float = 0.5) -> None:
        self.job_id = job_id
        self.interval = interval
        self.total: int | None = None
        self.done = 0
        self.description = ""
        self._last = 0.0

    def _publish(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            cache.set(
                job_progress_key(self.job_id),
                {"done": self.done, "total": self.total, "description": self.description},
                _CACHE_TTL,
            )

    def start(self, total: int | None, description: str = "") -> None:
        self.total, self.done, self.description = total, 0, description
        self._publish(force=True)

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        self._publish()

    def finish(self) -> None:
        if self.total is not None:
            self.done = self.total
        self._publish(force=True)


class RichProgress:
    """A terminal progress bar for management commands."""

    def __init__(self, stream: Any = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as RichBar

        self._bar = RichBar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream, stderr=stream is None),
            transient=False,
        )
        self._task: Any = None

    def start(self, total: int | None, description: str = "") -> None:
        if self._task is None:
            self._bar.start()
            self._task = self._bar.add_task(description, total=total)
        else:
            self._bar.update(self._task, total=total, completed=0, description=description)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)

    def finish(self) -> None:
        if self._task is not None:
            task = self._bar.tasks[0]
            if task.total is not None:
                self._bar.update(self._task, completed=task.total)
            self._bar.stop()
            self._task = None
