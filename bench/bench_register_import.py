"""Register import: dry run and commit of a national-system CSV export into PostgreSQL.

    .venv/bin/python bench/run.py register_import [-- --households 1000000]

The CSV (one row per member, Chinese headers and labels, as ``devtools.register_csv``
writes it) is generated once and cached under var/bench/.  In a fresh PostgreSQL
database the benchmark measures, in one run:

1. baseline: a plain ``COPY … FROM STDIN (FORMAT csv, HEADER)`` of the same file into a
   table with one text column per CSV column (shaped like the member rows, no index);
2. ``register import --dry-run``: read, check every row and the file as a whole, nothing
   written;
3. ``register import``: the same plus the writes (households, members, listing entries,
   audit), committed.  The register tables are empty, so this is the one-pass first load,
   with the tables' secondary indexes built after the rows (decision 0022);
4. the same commit through the staged path, into a second campaign whose register already
   holds one household (decision 0010, 0021).

It prints rows/s, seconds, the ratio to the baseline, each phase of the import and the
peak resident memory of this process (the file is streamed, never held in memory).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from common import ROOT, Timer, django_setup, peak_rss_mb, postgres_database, report

REFERENCE = date(2023, 9, 8)


class PhaseClock:
    """A Progress that remembers when each phase started (for the breakdown)."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def start(self, total: int | None, description: str = "") -> None:
        self.marks.append((description, time.perf_counter()))

    def advance(self, amount: int = 1) -> None:
        pass

    def finish(self) -> None:
        self.marks.append(("end", time.perf_counter()))

    def phases(self, end: float) -> list[tuple[str, float]]:
        marks = [*self.marks, ("end", end)]
        return [
            (name, marks[i + 1][1] - at) for i, (name, at) in enumerate(marks[:-1]) if name != "end"
        ]


def register_file(households: int, seed: int) -> tuple[Path, int]:
    """The cached CSV for ``households`` (generated on first use) and its member rows."""
    from povcensus.devtools import generator
    from povcensus.devtools.register_csv import write_register_csv

    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"register-{households}-{seed}.csv"
    count_file = path.with_suffix(".rows")
    if path.exists() and count_file.exists():
        return path, int(count_file.read_text())
    print(f"generating {households} households into {path} (once)…", flush=True)
    geography = generator.geography_for(households)
    records = generator.households(
        count=households,
        seed=seed,
        reference=REFERENCE,
        geography=geography,
        sizes=generator.SIZES_DENSE,
    )
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        rows = write_register_csv(out, records, geography)
    partial.rename(path)
    count_file.write_text(str(rows))
    return path, rows


def baseline_copy(path: Path) -> float:
    """Seconds for a plain COPY of the file into a text table shaped like its rows."""
    from django.db import connection, transaction

    header = path.open(encoding="utf-8").readline().rstrip("\r\n").split(",")
    columns = ", ".join(f"c{i} text" for i in range(len(header)))
    timer = Timer()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_copy_baseline ({columns})")
        with (
            timer.measure(),
            path.open("rb") as source,
            cursor.cursor.copy("COPY bench_copy_baseline FROM STDIN (FORMAT csv, HEADER)") as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        cursor.execute("DROP TABLE bench_copy_baseline")
    return timer.seconds


def table_files(households: int, seed: int, campaign_id: int) -> tuple[Path, Path]:
    """The same households and members as register-table rows (CSV, codes), generated once."""
    import csv

    from django.utils import timezone

    from povcensus.devtools import generator
    from povcensus.devtools.loader import _household_row, _member_rows

    folder = ROOT / "var" / "bench"
    hh_path = folder / f"table-households-{households}-{seed}-c{campaign_id}.csv"
    member_path = folder / f"table-members-{households}-{seed}-c{campaign_id}.csv"
    if hh_path.exists() and member_path.exists():
        return hh_path, member_path
    print("writing the same rows as register-table CSV for the second baseline (once)…", flush=True)
    geography = generator.geography_for(households)
    records = generator.households(
        count=households,
        seed=seed,
        reference=REFERENCE,
        geography=geography,
        sizes=generator.SIZES_DENSE,
    )
    now = timezone.now().isoformat()
    with hh_path.open("w", newline="") as hh_out, member_path.open("w", newline="") as m_out:
        hh_writer, m_writer = csv.writer(hh_out), csv.writer(m_out)
        for pk, record in enumerate(records, start=1):
            hh_writer.writerow(
                ["\\N" if v is None else v for v in _household_row(pk, campaign_id, record, now)]
            )
            for row in _member_rows(pk, campaign_id, record):
                m_writer.writerow(["\\N" if v is None else v for v in row])
    return hh_path, member_path


def baseline_copy_into_register(households_csv: Path, members_csv: Path) -> float:
    """Seconds for a plain COPY of the same rows into the register's own tables, committed.

    The tables keep their indexes and constraints; the rows are already in the tables'
    form (codes, household ids), so this is the database's share of any load of these rows.
    """
    from django.db import connection, transaction

    from povcensus.register.models import HOUSEHOLD_COPY_COLUMNS, MEMBER_COPY_COLUMNS

    timer = Timer()
    with timer.measure(), transaction.atomic(), connection.cursor() as cursor:
        for table, columns, path in (
            ("register_household", HOUSEHOLD_COPY_COLUMNS, households_csv),
            ("register_member", MEMBER_COPY_COLUMNS, members_csv),
        ):
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, NULL '\\N')"
            with path.open("rb") as source, cursor.cursor.copy(sql) as copy:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM register_member")
        cursor.execute("DELETE FROM register_household")
    # The import below writes the same keys (ids, ID numbers): without the dead rows'
    # index entries gone, each of its unique checks would visit them (a cost of this
    # benchmark, not of an import into a live register).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM register_member, register_household")
    return timer.seconds


def bench_campaign(code: str, name: str, *, active: bool = True) -> Any:
    """A campaign of the benchmark's prefecture and reference date."""
    from povcensus.campaign.models import Campaign, CampaignStatus
    from povcensus.devtools import generator

    return Campaign.objects.create(
        code=code,
        name=name,
        area_id=generator.PREFECTURE[0],
        year=REFERENCE.year,
        reference_date=REFERENCE,
        income_line=4000,
        **({"status": CampaignStatus.ACTIVE} if active else {}),
    )


def prepare_campaign(households: int) -> Any:
    from povcensus.devtools import generator
    from povcensus.geography.services import geography_import

    geography = generator.geography_for(households)
    geography_import(actor=None, data=generator.areas_csv(geography).encode("utf-8"))
    return bench_campaign("bench", "基准测试")


def seeded_campaign() -> Any:
    """A second campaign whose register holds one household (so the staged path runs)."""
    from povcensus.geography.codes import Level
    from povcensus.geography.models import Area
    from povcensus.register.models import Household

    campaign = bench_campaign("bench-staged", "基准测试（逐项比对）")
    village = (
        Area.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", flat=True)[0]
    )
    Household.objects.create(
        campaign=campaign, number="seed", village_id=village, head_name="种子户"
    )
    return campaign


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args(argv)

    path, rows = register_file(args.households, args.seed)  # pure code: no Django needed
    size_mb = path.stat().st_size / 1e6

    with postgres_database("povcensus_bench_register") as url:
        django_setup(url)
        from django.db import connections

        from povcensus.register.models import Household, Member
        from povcensus.register.services import ImportOptions, register_import

        campaign = prepare_campaign(args.households)
        base = baseline_copy(path)
        scratch = bench_campaign("bench-copy", "基准（COPY）", active=False)
        hh_csv, member_csv = table_files(args.households, args.seed, scratch.pk)
        base_tables = baseline_copy_into_register(hh_csv, member_csv)
        rss_before = peak_rss_mb()

        # The first commit goes into empty register tables, as in a new installation.  The
        # staged path's commit follows, into a second campaign whose register already holds
        # a household (as when a second township's export follows the first).
        results = {}
        for name, target_of, dry_run in (
            ("dry run", lambda: campaign, True),
            ("commit", lambda: campaign, False),
            ("staged commit", seeded_campaign, False),
        ):
            target = target_of()
            clock = PhaseClock()
            timer = Timer()
            with timer.measure():
                outcome = register_import(
                    actor=None,
                    campaign=target,
                    path=path,
                    options=ImportOptions(dry_run=dry_run),
                    progress=clock,
                )
            results[name] = (timer.seconds, clock.phases(time.perf_counter()), outcome, target)
        households = Household.objects.filter(campaign=campaign).count()
        members = Member.objects.filter(campaign=campaign).count()
        staged = results["staged commit"][3]
        staged_households = Household.objects.filter(campaign=staged).count() - 1
        connections.close_all()

    dry_seconds, dry_phases, dry, _ = results["dry run"]
    commit_seconds, commit_phases, committed, _ = results["commit"]
    staged_seconds, staged_phases, staged_outcome, _ = results["staged commit"]
    lines = [
        (
            "file",
            f"{path.name}: {rows:,} member rows, {args.households:,} households, {size_mb:,.0f} MB",
        ),
        (
            "baseline: plain COPY",
            f"{base:8.1f} s   {rows / base:>10,.0f} rows/s   (the file into a bare text table)",
        ),
        (
            "baseline: COPY into register",
            f"{base_tables:8.1f} s   {rows / base_tables:>10,.0f} rows/s   (the same rows into the register tables)",
        ),
        (
            "import --dry-run",
            f"{dry_seconds:8.1f} s   {rows / dry_seconds:>10,.0f} rows/s   {dry_seconds / base:5.2f}× COPY",
        ),
        (
            "import (commit)",
            f"{commit_seconds:8.1f} s   {rows / commit_seconds:>10,.0f} rows/s   {commit_seconds / base:5.2f}× COPY"
            f"   {commit_seconds / base_tables:5.2f}× COPY into register",
        ),
        (
            "import (staged commit)",
            f"{staged_seconds:8.1f} s   {rows / staged_seconds:>10,.0f} rows/s   {staged_seconds / base:5.2f}× COPY"
            f"   {staged_seconds / base_tables:5.2f}× COPY into register   (register not empty)",
        ),
        (
            "written",
            f"{households:,} households, {members:,} members; errors {committed.error_rows};"
            f" first load: {committed.first_load}, then staged: {not staged_outcome.first_load}",
        ),
        ("peak RSS", f"{peak_rss_mb():,.0f} MB (after set-up and baseline: {rss_before:,.0f} MB)"),
    ]
    lines += [(f"  dry run · {name}", f"{seconds:8.1f} s") for name, seconds in dry_phases]
    lines += [(f"  commit · {name}", f"{seconds:8.1f} s") for name, seconds in commit_phases]
    lines += [(f"  staged · {name}", f"{seconds:8.1f} s") for name, seconds in staged_phases]
    report("register import (PostgreSQL)", lines)
    ok = (
        households == staged_households == args.households
        and members == rows
        and dry.error_rows == 0
        and committed.first_load
        and not staged_outcome.first_load
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
