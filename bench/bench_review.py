"""One review transition with 1,000,000 cases in PostgreSQL.

    .venv/bin/python bench/run.py review [-- --cases 1000000 --transitions 1000]

A fresh PostgreSQL database with the demo town; one real household submission (collected
by an enumerator through ``submission_receive``, checked by the rule engine, its soft
failure explained) so the rule guard passes; then ``--cases`` units and cases bulk-loaded
with COPY (spread over the township's villages, the eight teams and the six review states;
every case points at the checked submission).  Timed: ``--transitions`` approvals by the
team's supervisor through ``review.services.case_transition`` (lock, version check, guards
with the rule-status queries, event, audit record, commit), each on a different
*submitted* case, and as many returns to the enumerator with a comment pinned to a field.
Baseline, same run, same table: one bare ``UPDATE review_case SET version = version + 1
WHERE id = …`` by primary key in autocommit.  Target: p95 of a transition ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

import common
from common import Timer, django_setup, postgres_database, report

CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_id(first17: str) -> str:
    """An ID number with the right GB 11643 check character."""
    total = sum(int(d) * w for d, w in zip(first17, CHECK_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "mean": statistics.fmean(samples)}


def fmt(p: dict[str, float]) -> str:
    return f"p50 {p['p50']:.2f} ms · p95 {p['p95']:.2f} ms · p99 {p['p99']:.2f} ms · mean {p['mean']:.2f} ms"


def checked_submission() -> tuple[object, object, int]:
    """A household submission whose rule results let it pass: (enumerator, supervisor, id)."""
    from django.db import transaction

    from povcensus.assignment.models import Assignment
    from povcensus.collection.services import submission_receive
    from povcensus.collection.tests.data.make_payloads import household_xml
    from povcensus.rules import selectors as rules_selectors
    from povcensus.rules import services as rules_services

    unit = (
        Assignment.objects.select_related("team__supervisor", "household")
        .filter(team__code="T01", kind="household")
        .order_by("household__number")
        .first()
    )
    assert unit is not None
    assert unit.household is not None
    enumerator = unit.team.members.get(slot=1).user
    xml = household_xml(hh=unit.household.number, instance_id=f"uuid:{uuid.uuid4()}")
    for wrong in ("431202197503120019", "431202197708230027", "431202201105150011"):
        xml = xml.replace(wrong, valid_id(wrong[:17]))
    with transaction.atomic():
        submission = submission_receive(actor=enumerator, xml=xml.encode(), files=[]).submission
    rules_services.submission_check(submission_id=submission.pk)
    for failure in rules_selectors.submission_failures(
        actor=enumerator, submission_id=submission.pk
    ):
        if failure.severity == "soft" and failure.explanation is None:
            rules_services.explanation_record(
                actor=enumerator,
                submission_id=submission.pk,
                rule_id=failure.rule_id,
                member_index=failure.member_index,
                text="已核实：户主患慢性病多年，主要致贫原因为因病（基准测试）。",
            )
    blocker = rules_selectors.review_blocker(submission.pk)
    if blocker is not None:
        raise SystemExit(f"the benchmark submission does not pass the rules: {blocker}")
    return enumerator, unit.team.supervisor, submission.pk


def bulk_load(cases: int, submission_id: int, collector_id: int) -> tuple[float, list[int]]:
    """COPY ``cases`` units and their cases; return (seconds, ids of T01's submitted cases)."""
    from bench_assignment import _copy
    from django.db import connection

    from povcensus.assignment.models import Assignment
    from povcensus.campaign.models import Campaign
    from povcensus.devtools.demo import DEMO_CAMPAIGN_CODE
    from povcensus.team.models import Team

    campaign = Campaign.objects.get(code=DEMO_CAMPAIGN_CODE)
    villages = sorted(set(Assignment.objects.values_list("village_id", flat=True)))
    teams = list(
        Team.objects.filter(campaign=campaign).order_by("code").values_list("pk", flat=True)
    )
    states = (
        "in_progress",
        "submitted",
        "supervisor_approved",
        "township_checked",
        "county_accepted",
        "province_accepted",
    )
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM assignment_assignment")
        first_unit = int(cursor.fetchone()[0]) + 1
        cursor.execute("SELECT coalesce(max(id), 0) FROM review_case")
        first_case = int(cursor.fetchone()[0]) + 1
    plan = [
        (i, villages[i % len(villages)], teams[(i // 7) % len(teams)], states[i % len(states)])
        for i in range(cases)
    ]
    load = Timer()
    with load.measure(), connection.cursor() as cursor:
        # Fixture loading only: foreign-key and guard triggers are skipped for the COPY
        # (every value is valid by construction); CHECK and unique constraints still hold.
        cursor.execute("SET session_replication_role = replica")
        _copy(
            cursor.cursor,
            "COPY assignment_assignment (id, campaign_id, kind, household_id, village_code,"
            " township_code, team_id, status, assigned_how, assigned_at, updated_at) FROM STDIN",
            (
                (first_unit + i, campaign.pk, "household", 50_000_000 + i, village,
                 village[:9] + "000", team, "submitted", "auto", now, now)
                for i, village, team, _state in plan
            ),
        )  # fmt: skip
        _copy(
            cursor.cursor,
            "COPY review_case (id, assignment_id, campaign_id, kind, area_code, township_code,"
            " team_id, state, version, current_submission_id, collected_by_id, returned,"
            " waiting_since, created_at, updated_at) FROM STDIN",
            (
                (first_case + i, first_unit + i, campaign.pk, "household", village,
                 village[:9] + "000", team, state, 1, submission_id, collector_id,
                 state == "in_progress", now, now, now)
                for i, village, team, state in plan
            ),
        )  # fmt: skip
        cursor.execute("SET session_replication_role = origin")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('review_case', 'id'), max(id)) FROM review_case"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('assignment_assignment', 'id'), max(id)) FROM assignment_assignment"
        )
        cursor.execute("ANALYZE assignment_assignment")
        cursor.execute("ANALYZE review_case")
    t01 = teams[0]
    picked = [first_case + i for i, _v, team, state in plan if team == t01 and state == "submitted"]
    return load.seconds, picked


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--transitions", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)

    with postgres_database() as url:
        django_setup(url)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from povcensus.accounts.scope import scope_forget
        from povcensus.devtools.demo import demo_build
        from povcensus.review.models import Case
        from povcensus.review.services import case_transition

        setup = Timer()
        with setup.measure():
            demo_build(households=64, seed=11)
            enumerator, supervisor, submission_id = checked_submission()
        seconds, candidates = bulk_load(args.cases, submission_id, enumerator.pk)  # type: ignore[attr-defined]
        total = Case.objects.count()
        needed = args.warmup + 2 * args.transitions
        rng = random.Random(args.seed)
        if len(candidates) < needed + args.transitions:
            print(f"only {len(candidates)} submitted cases of team T01; use more --cases")
            return 2
        rng.shuffle(candidates)
        warm = candidates[: args.warmup]
        approve_ids = candidates[args.warmup : args.warmup + args.transitions]
        return_ids = candidates[args.warmup + args.transitions : needed]
        bare_ids = candidates[needed : needed + args.transitions]

        def approve(case_id: int) -> None:
            scope_forget(supervisor)  # a request computes its user's scope afresh
            case_transition(actor=supervisor, case_id=case_id, action="approve", expected_version=1)

        def send_back(case_id: int) -> None:
            scope_forget(supervisor)
            case_transition(
                actor=supervisor,
                case_id=case_id,
                action="return",
                expected_version=1,
                reason="工资性收入与务工月数不符，请核实",
                comments=[{"field": "h_wage_work", "text": "请核实工资性收入"}],
            )

        for case_id in warm:
            approve(case_id)
        with CaptureQueriesContext(connection) as queries:
            approve(approve_ids[0])
        approve_ms = []
        for case_id in approve_ids[1:]:
            started = time.perf_counter()
            approve(case_id)
            approve_ms.append((time.perf_counter() - started) * 1000)
        return_ms = []
        for case_id in return_ids:
            started = time.perf_counter()
            send_back(case_id)
            return_ms.append((time.perf_counter() - started) * 1000)
        bare_ms = []
        with connection.cursor() as cursor:
            for case_id in bare_ids:
                started = time.perf_counter()
                cursor.execute(
                    "UPDATE review_case SET version = version + 1 WHERE id = %s", [case_id]
                )
                bare_ms.append((time.perf_counter() - started) * 1000)
        approved = Case.objects.filter(pk__in=approve_ids, state="supervisor_approved").count()
        returned = Case.objects.filter(pk__in=return_ids, state="in_progress").count()

    a, r, b = percentiles(approve_ms), percentiles(return_ms), percentiles(bare_ms)
    report(
        f"review transitions with {total:,} cases in PostgreSQL",
        [
            ("setup: demo town, one checked submission", f"{setup.seconds:.1f} s"),
            ("bulk load: units + cases (COPY)", f"{seconds:.1f} s ({args.cases:,} each)"),
            (
                "approve (supervisor, service)",
                f"{fmt(a)}  ({approved}/{len(approve_ids)} approved)",
            ),
            (
                "return with a comment (service)",
                f"{fmt(r)}  ({returned}/{len(return_ids)} returned)",
            ),
            ("baseline: bare UPDATE by id", fmt(b)),
            ("approve p95 / baseline p95", f"{a['p95'] / b['p95']:.1f}×"),
            ("queries per approval", str(len(queries.captured_queries))),
            ("target", f"p95 ≤ 50 ms: {'met' if a['p95'] <= 50 and r['p95'] <= 50 else 'NOT met'}"),
        ],
    )
    return 0 if approved == len(approve_ids) and returned == len(return_ids) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(common.ROOT / "bench"))
    sys.exit(main(sys.argv[1:]))
