"""Automatic assignment at province scale: 1,000,000 households to 20,000 teams.

Units are generated in memory: villages of ~100 households (80–120), townships of 16
villages, counties of 15 townships; teams are posted to counties, and one of each team's
two enumerators lives in a township of that county (the cross-township rule bites), the
other elsewhere.  Each team can survey 8 households a day for 20 days.

Figures: the pure planner's compute time, balance (max deviation from the mean, %),
villages kept whole; then the plan written to PostgreSQL with COPY (the assignments, through
the cross-township and consistency triggers, constraints and indexes; a first plan has
no history rows, which record later moves).  Baselines in the same run: a round-robin
assignment of the same units (compute) and a COPY of the same rows into a plain temporary
table with no constraints, indexes or triggers (write).  Audit events (one per unit in the
service) are not part of this benchmark.

    .venv/bin/python bench/run.py assignment [-- --households 1000000 --teams 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from datetime import UTC, datetime

import common
from common import Timer, django_setup, peak_rss_mb, postgres_database, report

VILLAGES_PER_TOWNSHIP = 16
TOWNSHIPS_PER_COUNTY = 15
DAILY_CAPACITY, FIELD_DAYS = 8, 20


def build_units(households: int, teams: int, seed: int) -> tuple[list, list, dict]:
    from povcensus.assignment.planner import TeamSpec, VillageSpec

    rng = random.Random(seed)
    villages: list = []
    next_id = 1
    serial = 0
    while next_id <= households:
        size = min(rng.randint(80, 120), households - next_id + 1)
        county_index, township = divmod(serial // VILLAGES_PER_TOWNSHIP, TOWNSHIPS_PER_COUNTY)
        township_code = f"43{county_index + 1:04d}{township + 101:03d}000"
        code = f"{township_code[:9]}{serial % VILLAGES_PER_TOWNSHIP + 201:03d}"
        villages.append(
            VillageSpec(
                code=code,
                township=township_code,
                units=range(next_id, next_id + size),
                needs_village_unit=True,
            )
        )
        next_id += size
        serial += 1
    by_county: dict[str, list[str]] = {}
    load: Counter[str] = Counter()
    for village in villages:
        county = village.township[:6]
        townships = by_county.setdefault(county, [])
        if village.township not in townships:
            townships.append(village.township)
        load[county] += len(village.units)
    counties = sorted(by_county)
    # Teams per county in proportion to its households (largest remainder).
    shares = {c: teams * load[c] / households for c in counties}
    counts = {c: int(shares[c]) for c in counties}
    for c in sorted(counties, key=lambda c: counts[c] - shares[c])[: teams - sum(counts.values())]:
        counts[c] += 1
    team_specs: list[TeamSpec] = []
    homes: dict[int, tuple[str, str]] = {}
    for county in counties:
        for _ in range(counts[county]):
            team_id = len(team_specs) + 1
            home = rng.choice(by_county[county])
            elsewhere = rng.choice(by_county[rng.choice(counties)])
            if elsewhere[:6] == county:
                elsewhere = home
            homes[team_id] = (home, elsewhere)
            team_specs.append(
                TeamSpec(
                    id=team_id,
                    posted_prefix=county,
                    forbidden=frozenset({home, elsewhere}),
                    capacity=DAILY_CAPACITY * FIELD_DAYS,
                )
            )
    return villages, team_specs, homes


def _copy(cursor: object, sql: str, rows: object) -> None:
    """COPY ``rows`` in PostgreSQL's text format, in large chunks (values need no escaping here)."""

    def text(value: object) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)

    with cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        chunk: list[str] = []
        for row in rows:  # type: ignore[attr-defined]
            chunk.append("\t".join(map(text, row)) + "\n")
            if len(chunk) >= 50_000:
                copy.write("".join(chunk))
                chunk.clear()
        copy.write("".join(chunk))


def write_setup(villages: list, teams: list, homes: dict) -> int:
    """Create the areas, campaign, staff, teams and households the plan refers to."""
    from django.db import connection

    from povcensus.campaign.models import Campaign, CampaignPhase, PhaseKind
    from povcensus.geography.models import Area

    now = datetime.now(UTC)
    counties = sorted({v.township[:6] for v in villages})
    townships = sorted(
        {v.township for v in villages} | {h for pair in homes.values() for h in pair}
    )
    Area.objects.bulk_create(
        [Area(code="430000000000", name="省", level=1), Area(code="430100000000", name="市", level=2, parent_id="430000000000")]
        + [Area(code=f"{c}000000", name=f"县{c}", level=3, parent_id="430100000000") for c in counties]
    )  # fmt: skip
    Area.objects.bulk_create(
        [Area(code=t, name=f"乡{t[:9]}", level=4, parent_id=f"{t[:6]}000000") for t in townships]
    )
    Area.objects.bulk_create(
        [Area(code=v.code, name=f"村{v.code}", level=5, parent_id=v.township) for v in villages],
        batch_size=5000,
    )
    campaign = Campaign.objects.create(
        code="bench", name="bench", area_id="430000000000", year=2023,
        reference_date=now.date(), income_line=4000,
    )  # fmt: skip
    CampaignPhase.objects.create(
        campaign=campaign,
        kind=PhaseKind.FIELD_REGISTRATION,
        starts_on=now.date(),
        deadline=now.date(),
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        supervisors = max(1, len(teams) // 10)
        users = [
            (i, "!", False, f"u{i}", "", "", "", False, True, now, f"用户{i}", "", home, False, "")
            for i, home in _staff(teams, homes, supervisors)
        ]
        _copy(
            raw,
            "COPY accounts_user (id, password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined, full_name, phone, home_township_id,"
            " must_change_password, language) FROM STDIN",
            users,
        )
        _copy(
            raw,
            "COPY team_team (id, campaign_id, code, name, posted_area_id, supervisor_id,"
            " daily_capacity, is_active, created_at) FROM STDIN",
            (
                (t.id, campaign.pk, f"T{t.id}", "", f"{t.posted_prefix}000000",
                 t.id % supervisors + 1, DAILY_CAPACITY, True, now)
                for t in teams
            ),
        )  # fmt: skip
        _copy(
            raw,
            "COPY team_teammember (team_id, campaign_id, user_id, slot) FROM STDIN",
            (
                (t.id, campaign.pk, supervisors + 2 * (t.id - 1) + slot, slot)
                for t in teams
                for slot in (1, 2)
            ),
        )
        _copy(
            raw,
            "COPY register_household (id, campaign_id, number, village_code, group_name,"
            " natural_village, head_name, head_id_number, phone, size_registered,"
            " identification_standard, attribute, exit_status, main_cause, other_causes, extra,"
            " created_at, updated_at) FROM STDIN",
            (
                (unit, campaign.pk, f"H{unit:08d}", v.code, "", "", "户主", "", "", 3,
                 "", "", "", "", "[]", "{}", now, now)
                for v in villages
                for unit in v.units
            ),
        )  # fmt: skip
        for table in ("accounts_user", "team_team", "register_household"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    return campaign.pk


def _staff(teams: list, homes: dict, supervisors: int) -> list[tuple[int, str]]:
    staff = [
        (i + 1, teams[i * 10 % len(teams)].posted_prefix[:6] + "101000") for i in range(supervisors)
    ]
    for team in teams:
        home, elsewhere = homes[team.id]
        staff.append((supervisors + 2 * (team.id - 1) + 1, home))
        staff.append((supervisors + 2 * (team.id - 1) + 2, elsewhere))
    return staff


def assignment_rows(plan: object, villages: list, campaign_id: int, now: datetime) -> list[tuple]:
    """Rows of assignment_assignment for the plan: households, then village questionnaires."""
    rows = []
    next_id = 1
    for village, parts in zip(villages, plan.parts, strict=True):  # type: ignore[attr-defined]
        start = 0
        for team, count in parts.items():
            for unit in village.units[start : start + count]:
                rows.append(
                    (next_id, "household", village.township, "pending", "auto", 1, now, now,
                     campaign_id, unit, team, village.code)
                )  # fmt: skip
                next_id += 1
            start += count
    township_of = {v.code: v.township for v in villages}
    for code, team in plan.village_team.items():  # type: ignore[attr-defined]
        rows.append(
            (next_id, "village", township_of[code], "pending", "auto", 1, now, now, campaign_id,
             None, team, code)
        )  # fmt: skip
        next_id += 1
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="compute only (no PostgreSQL)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(common.ROOT))
    from povcensus.assignment.planner import plan_assignment, round_robin

    generate, compute, baseline = Timer(), Timer(), Timer()
    with generate.measure():
        villages, teams, homes = build_units(args.households, args.teams, args.seed)
    with compute.measure():
        plan = plan_assignment(villages, teams)
        pairs = list(plan.unit_teams())
    with baseline.measure():
        dealt = round_robin(villages, teams)
    assert len(dealt) == args.households
    forbidden = {t.id: t.forbidden for t in teams}
    broken = sum(
        count
        for village, parts in zip(villages, plan.parts, strict=True)
        for team, count in parts.items()
        if village.township in forbidden[team]
    )
    assert len(pairs) == args.households - plan.unplaced_count
    holders = plan.village_team_counts()
    # The fewest teams a village can have: its size over the largest load a team may take.
    widest = max(high for _low, high in plan.bounds.values())
    fewest = sum(
        1
        for village, count in zip(villages, holders, strict=True)
        if count <= max(1, -(-len(village.units) // widest))
    )
    rows = [
        ("households / teams / villages", f"{args.households:,} / {len(teams):,} / {len(villages):,}"),
        ("generate units (in memory)", f"{generate.seconds:.2f} s"),
        ("plan (pure planner)", f"{compute.seconds:.2f} s"),
        ("baseline: round-robin", f"{baseline.seconds:.2f} s  (planner / baseline = {compute.seconds / baseline.seconds:.2f})"),
        ("balance: max deviation from mean", f"{100 * plan.max_deviation():.2f} %  (bound 10 %)"),
        ("teams within ±10 % bounds", f"{sum(plan.within_bounds(t.id) for t in teams):,} / {len(teams):,}"),
        ("villages kept whole / split", f"{sum(1 for h in holders if h == 1):,} / {sum(1 for h in holders if h > 1):,}  (max {max(holders)} teams in one village)"),
        ("villages in the fewest teams possible", f"{fewest:,} / {len(villages):,}  (size / largest team load, rounded up)"),
        ("unplaced households", f"{plan.unplaced_count:,}"),
        ("cross-township violations", f"{broken}"),
    ]  # fmt: skip
    if not args.no_write:
        rows += _write(plan, villages, teams, homes, compute.seconds)
    rows.append(("peak RSS", f"{peak_rss_mb():.0f} MB"))
    report("automatic assignment", rows)
    return 0 if broken == 0 and plan.unplaced_count == 0 else 1


def _write(
    plan: object, villages: list, teams: list, homes: dict, compute_seconds: float
) -> list[tuple[str, str]]:
    with postgres_database() as url:
        django_setup(url)
        from django.db import connection, transaction

        setup, write, plain = Timer(), Timer(), Timer()
        with setup.measure(), transaction.atomic():
            campaign_id = write_setup(villages, teams, homes)
        now = datetime.now(UTC)
        full = assignment_rows(plan, villages, campaign_id, now)
        columns = (
            "id, kind, township_code, status, assigned_how, assigned_by_id, assigned_at,"
            " updated_at, campaign_id, household_id, team_id, village_code"
        )
        with write.measure(), transaction.atomic(), connection.cursor() as cursor:
            # A first plan writes no history rows: those record later moves.
            _copy(cursor.cursor, f"COPY assignment_assignment ({columns}) FROM STDIN", full)
        with plain.measure(), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE plain_assignment (id bigint, kind text, township_code text,"
                " status text, assigned_how text, assigned_by_id bigint, assigned_at timestamptz,"
                " updated_at timestamptz, campaign_id bigint, household_id bigint, team_id bigint,"
                " village_code text)"
            )
            _copy(cursor.cursor, f"COPY plain_assignment ({columns}) FROM STDIN", full)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM assignment_assignment")
            (written,) = cursor.fetchone()
        # The guard is live: one forbidden row is refused.
        refused = _try_forbidden_row(teams, homes, villages, campaign_id)
        connection.close()
    return [
        ("setup: areas, staff, teams, households (COPY)", f"{setup.seconds:.2f} s"),
        ("write plan: COPY into assignment table", f"{write.seconds:.2f} s  ({written:,} rows, triggers, constraints, indexes)"),
        ("baseline: COPY into a plain temp table", f"{plain.seconds:.2f} s  (write / baseline = {write.seconds / plain.seconds:.2f})"),
        ("plan + write (the 60 s target)", f"{compute_seconds + write.seconds:.2f} s"),
        ("database refuses a forbidden row", "yes" if refused else "NO"),
    ]  # fmt: skip


def _try_forbidden_row(teams: list, homes: dict, villages: list, campaign_id: int) -> bool:
    from django.db import DatabaseError, connection, transaction

    team = teams[0]
    home = homes[team.id][0]
    village = next(v for v in villages if v.township == home)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE assignment_assignment SET team_id = %s WHERE household_id = %s",
                [team.id, village.units[0]],
            )
    except DatabaseError as error:
        return "assignment.cross_township" in str(error)
    return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
