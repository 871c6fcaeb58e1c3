"""Run the whole suite: lint, types, then the tests on SQLite and on PostgreSQL in parallel.

PostgreSQL is used when reachable at POVCENSUS_TEST_POSTGRES (default the local server,
trust auth); the tests create and drop a throwaway database.  With
POVCENSUS_REQUIRE_POSTGRES=1 (as in CI) an unreachable server is a failure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()

    if not args.no_lint:
        for step in (
            ["ruff", "check", "."],
            ["ruff", "format", "--check", "."],
            ["mypy", "povcensus", "config", "tools", "bench"],
        ):
            print(f"$ {' '.join(step)}", flush=True)
            if subprocess.run([str(BIN / step[0]), *step[1:]], cwd=ROOT, check=False).returncode:
                return 1

    pg_url = os.environ.get("POVCENSUS_TEST_POSTGRES", DEFAULT_PG)
    targets: dict[str, dict[str, str]] = {}
    if args.only in (None, "sqlite"):
        targets["sqlite"] = {"DATABASE_URL": "sqlite:///" + str(ROOT / "var" / "test.sqlite3")}
    if args.only in (None, "postgres"):
        if postgres_reachable(pg_url):
            # A throwaway name: Django creates test_<name> and drops it at the end.
            base = pg_url.rsplit("/", 1)[0]
            targets["postgres"] = {"DATABASE_URL": f"{base}/povcensus_{uuid.uuid4().hex[:8]}"}
        elif os.environ.get("POVCENSUS_REQUIRE_POSTGRES") == "1" or args.only == "postgres":
            print(f"PostgreSQL is required but not reachable at {pg_url}", file=sys.stderr)
            return 1
        else:
            print(
                f"NOTE: PostgreSQL not reachable at {pg_url}; running the SQLite suite only.",
                file=sys.stderr,
            )

    (ROOT / "var").mkdir(exist_ok=True)
    processes = {}
    started = time.monotonic()
    for name, extra_env in targets.items():
        log = (ROOT / "var" / f"test-{name}.log").open("w")
        env = {**os.environ, **extra_env, "POVCENSUS_VAR_DIR": str(ROOT / "var" / f"test-{name}")}
        command = [str(BIN / "pytest"), "-q", *args.pytest_args]
        processes[name] = (
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT),
            log,
        )
        print(f"[{name}] started: {' '.join(command)}", flush=True)
    failed = []
    for name, (process, log) in processes.items():
        code = process.wait()
        log.close()
        output = (ROOT / "var" / f"test-{name}.log").read_text()
        print(f"\n===== {name} ({'passed' if code == 0 else 'FAILED'}) =====")
        print(output[-20000:] if code else "\n".join(output.strip().splitlines()[-3:]))
        if code:
            failed.append(name)
    print(
        f"\nfinished in {time.monotonic() - started:.0f} s; "
        + ("all passed" if not failed else f"failed: {', '.join(failed)}")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
