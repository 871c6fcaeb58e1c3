"""The review pages with 1,000,000 cases in PostgreSQL.

    .venv/bin/python bench/run.py review_pages [-- --cases 1000000 --repeat 30]

Same data as ``bench_review`` (the demo town, one checked submission, ``--cases`` units and
cases COPYed over the township's villages, the eight teams and the six review states).
Timed through the Django test client, as a browser would ask (session, middleware,
selectors, template): the supervisor's queue (their team's submitted cases), the township
office's queue (every supervisor-approved case of the town) unfiltered and with the
hard-failure filter, one case view, and the township's acceptance page.  Baseline, same
run: the bare SQL of a queue's first page (``SELECT id … WHERE campaign, state ORDER BY
waiting_since, id LIMIT 50``).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import common
from bench_review import bulk_load, checked_submission, fmt, percentiles
from common import Timer, django_setup, postgres_database, report


class QueryClock:
    """A database execute wrapper that records (milliseconds, SQL) of every query."""

    def __init__(self, spent: list[tuple[float, str]]) -> None:
        self.spent = spent

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.spent.append(((time.perf_counter() - started) * 1000, sql))


def timed(get: object, path: str, repeat: int) -> tuple[dict[str, float], int]:
    """(percentiles of ``repeat`` GETs of ``path``, status of the last)."""
    get(path)  # type: ignore[operator]  # warm: templates, caches, plans
    samples = []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = get(path)  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return percentiles(samples), status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--slowest", type=int, default=0, help="print each page's N slowest queries"
    )
    args = parser.parse_args(argv)

    with postgres_database() as url:
        django_setup(url)
        from django.conf import settings
        from django.db import connection
        from django.test import Client, override_settings

        from povcensus.accounts.models import User
        from povcensus.devtools.demo import DEMO_CAMPAIGN_CODE, demo_build
        from povcensus.review.models import Case

        setup = Timer()
        with setup.measure():
            demo_build(households=64, seed=11)
            enumerator, supervisor, submission_id = checked_submission()
        seconds, candidates = bulk_load(args.cases, submission_id, enumerator.pk)
        total = Case.objects.count()
        campaign_id = Case.objects.values_list("campaign_id", flat=True).first()
        town = Case.objects.values_list("township_code", flat=True).first()

        # The test client's host, and static URLs without a collected manifest.
        overrides = override_settings(
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        )
        overrides.enable()

        def client_of(user: object) -> object:
            client = Client()
            client.force_login(user)  # type: ignore[arg-type]
            return client.get

        as_supervisor = client_of(supervisor)
        as_office = client_of(User.objects.get(username="jinshan_office"))
        rows: list[tuple[str, str]] = [
            ("setup: demo town, one checked submission", f"{setup.seconds:.1f} s"),
            ("bulk load: units + cases (COPY)", f"{seconds:.1f} s ({args.cases:,} each)"),
        ]
        pages = [
            ("supervisor queue (team T01)", as_supervisor, "/review/?level=review.supervisor"),
            ("township queue (whole town)", as_office, "/review/?level=review.township"),
            (
                "township queue, hard failures only",
                as_office,
                "/review/?level=review.township&failures=hard",
            ),
            ("case view", as_supervisor, f"/review/cases/{candidates[0]}/?level=review.supervisor"),
            ("township acceptance page", as_office, f"/review/areas/{town}/"),
        ]
        worst = 0.0
        failed = False
        for label, get, path in pages:
            if args.slowest:
                spent: list[tuple[float, str]] = []
                with connection.execute_wrapper(QueryClock(spent)):
                    get(path)  # type: ignore[operator]
                print(f"-- {label}: {len(spent)} queries, {sum(t for t, _ in spent):.1f} ms")
                for ms, sql in sorted(spent, reverse=True)[: args.slowest]:
                    print(f"   {ms:8.1f} ms  {sql[:220]}")
            figures, status = timed(get, path, args.repeat)
            failed = failed or status != 200
            worst = max(worst, figures["p95"])
            rows.append((label, f"{fmt(figures)}  (HTTP {status})"))
        bare = []
        with connection.cursor() as cursor:
            for _ in range(args.repeat):
                started = time.perf_counter()
                cursor.execute(
                    "SELECT id FROM review_case WHERE campaign_id = %s AND state = %s"
                    " ORDER BY waiting_since, id LIMIT 50",
                    [campaign_id, "supervisor_approved"],
                )
                cursor.fetchall()
                bare.append((time.perf_counter() - started) * 1000)
        b = percentiles(bare)
        rows.append(("baseline: a queue's first page in bare SQL", fmt(b)))
        rows.append(("cases", f"{total:,} ({DEMO_CAMPAIGN_CODE})"))
        rows.append(("slowest page p95", f"{worst:.0f} ms"))
        overrides.disable()
    report(f"review pages with {total:,} cases in PostgreSQL", rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(common.ROOT / "bench"))
    sys.exit(main(sys.argv[1:]))
