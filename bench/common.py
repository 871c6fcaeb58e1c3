"""Shared plumbing for benchmarks: a throwaway PostgreSQL database, timing, reporting.

A benchmark module ``bench/bench_<name>.py`` defines ``main(argv) -> int`` and prints its
figures with :func:`report`, always beside a baseline measured in the same run (for
example a plain COPY of the same rows), so the ratio means something on any machine.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def postgres_database(prefix: str = "povcensus_bench") -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    import psycopg

    admin_url = os.environ.get("POVCENSUS_BENCH_POSTGRES", DEFAULT_PG)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(database_url: str, *, migrate: bool = True) -> None:
    """Point Django at ``database_url`` (production settings path) and migrate it."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("POVCENSUS_VAR_DIR", str(ROOT / "var" / "bench"))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


@dataclass
class Timer:
    seconds: float = 0.0

    @contextlib.contextmanager
    def measure(self) -> Iterator[Timer]:
        started = time.perf_counter()
        try:
            yield self
        finally:
            self.seconds = time.perf_counter() - started


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    return f"{platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()}"


def report(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"\n== {title} ==  ({machine()})")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
