"""Sustained submission throughput: ODK-style household submissions into PostgreSQL.

    .venv/bin/python bench/run.py collection [-- --workers 3 --connections 16 --seconds 30]

A production-style server (gunicorn, several worker processes, the production settings
module, DEBUG off) on a fresh PostgreSQL database holding the demo town; wrk (Debian's,
with a Lua script) keeps 16 connections busy posting multipart household submissions of
about 8 KB (5 members), each with a fresh instanceID, as an authenticated enumerator
(Digest, credentials sent up front as ODK Collect's cached authenticator does).  After a
warm-up it measures a sustained window and reports submissions/s and latency
percentiles, beside the same server stack answering an empty endpoint (``/healthz``) under
the same load — the ratio is the cost of a submission relative to the bare stack.
Afterwards it checks that every 201 is a stored submission.

Each accepted submission queues its rule check (``rules.tasks.check_submission``).  The
load runs with no worker, as if checks lagged behind a burst; then one ``db_worker``
process on the ``rules`` queue runs ``--checks`` of the queued checks (default 2,000; 0
skips it) and the report gives its rate, timed from the first check's start to the last
one's end (the worker's start-up is not counted), and confirms each check stored its result.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT, django_setup, postgres_database, report

TEMPLATE = ROOT / "povcensus" / "collection" / "tests" / "data" / "household-first.xml"
FIRST_ID = "uuid:5b1e5c4e-2f0a-4f6e-9c4b-1a2b3c4d5e6f"

LUA = r"""
local f = io.open("__TEMPLATE__", "r")
local template = f:read("*a")
f:close()
local numbers = {}
for line in io.lines("__NUMBERS__") do table.insert(numbers, line) end
-- Each member's ID number is made afresh (GB 11643: a random area code, the template's
-- date of birth, a sequence number of the template's sex, the check character), so the
-- census-wide duplicate-ID count sees a census, not one family copied thousands of times.
local births = {}
for line in io.lines("__BIRTHS__") do table.insert(births, line) end
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = "10X98765432"
local function id_number(birth)
  local body = string.format("%06d", math.random(110000, 659999)) .. birth:sub(1, 8)
    .. string.format("%02d", math.random(0, 99)) .. tostring(2 * math.random(0, 4) + tonumber(birth:sub(9, 9)))
  local sum = 0
  for i = 1, 17 do sum = sum + tonumber(body:sub(i, i)) * weights[i] end
  local r = sum % 11 + 1
  return body .. checks:sub(r, r)
end
local boundary = "----povcensusbench7d1f"
local statuses = {}
function setup(thread) thread:set("seed", math.random(1, 2^30)) end
function init(args) math.randomseed(os.time() + (seed or 0)) end
local hex = "0123456789abcdef"
local function uuid()
  local t = {}
  for i = 1, 32 do local r = math.random(1, 16) t[i] = hex:sub(r, r) end
  local s = table.concat(t)
  return s:sub(1,8) .. "-" .. s:sub(9,12) .. "-4" .. s:sub(14,16) .. "-a" .. s:sub(18,20) .. "-" .. s:sub(21,32)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.headers["X-OpenRosa-Version"] = "1.0"
-- The body is cut once at its placeholders, so that each request only joins strings:
-- the load generator must stay light beside the server on the same two cores.
local head = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; filename=\"submission.xml\"\r\nContent-Type: text/xml\r\n\r\n"
local tail = "\r\n--" .. boundary .. "--\r\n"
local pieces, slots, idslots = {head}, {}, {}
local at = 1
while true do
  local i, j, name = template:find("__(%u+)__", at)
  if not i then break end
  pieces[#pieces] = pieces[#pieces] .. template:sub(at, i - 1)
  table.insert(pieces, "")
  slots[#pieces] = name
  if name == "ID" then slots[#pieces] = births[1 + #idslots] table.insert(idslots, #pieces) end
  table.insert(pieces, "")
  at = j + 1
end
pieces[#pieces] = pieces[#pieces] .. template:sub(at) .. tail
request = function()
  local iid, hh = "uuid:" .. uuid(), numbers[math.random(1, #numbers)]
  local parts = {}
  for k = 1, #pieces do
    local slot = slots[k]
    if slot == "IID" then parts[k] = iid elseif slot == "HH" then parts[k] = hh
    elseif slot then parts[k] = id_number(slot) else parts[k] = pieces[k] end
  end
  return wrk.format(nil, nil, nil, table.concat(parts))
end
response = function(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.3f p50=%.2f p95=%.2f p99=%.2f errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
"""

EMPTY_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d seconds=%.3f p50=%.2f p95=%.2f p99=%.2f errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(database: str) -> dict[str, float]:
    """CPU seconds so far: the whole machine (busy, idle) and each PostgreSQL and gunicorn process.

    Read from /proc (Linux).  Keys: ``busy``, ``idle``, ``postgres:<pid>``, ``server:<pid>``.
    PostgreSQL counts the backends of ``database`` and the server's own processes (WAL
    writer, checkpointer …), not other databases' clients.
    """
    tick = os.sysconf("SC_CLK_TCK")
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    seconds = {
        "busy": (sum(values[:8]) - values[3] - values[4]) / tick,
        "idle": (values[3] + values[4]) / tick,
    }
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        if name.startswith("postgres"):
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            client = "(" in title or "[local]" in title
            if client and f" {database} " not in title:
                continue
        for prefix, key in (("postgres", "postgres"), ("gunicorn", "server")):
            if name.startswith(prefix):
                seconds[f"{key}:{entry.name}"] = (int(rest[11]) + int(rest[12])) / tick
    return seconds


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds spent between two readings, by kind (processes that ended are not counted)."""
    used = {"busy": after["busy"] - before["busy"], "idle": after["idle"] - before["idle"]}
    used["postgres"] = used["server"] = 0.0
    for key, value in after.items():
        kind = key.split(":")[0]
        if kind in ("postgres", "server"):
            used[kind] += value - before.get(key, 0.0)
    return used


def wrk(
    url: str, script: Path, *, connections: int, seconds: int, headers: list[str]
) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (.*)", out)
    assert match, out
    values = dict(pair.split("=") for pair in match.group(1).split())
    result = {k: float(v) for k, v in values.items()}
    result["rate"] = result["requests"] / result["seconds"]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non2xx"] = float(non2xx.group(1)) if non2xx else 0.0
    return result


def drain_rule_checks(env: dict[str, str], checks: int) -> dict[str, Any]:
    """Run ``checks`` of the queued rule checks in one worker; time them from the task rows."""
    from django.db import connection
    from django.db.models import Max, Min
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from povcensus.rules.models import SubmissionCheck

    queued = DBTaskResult.objects.filter(queue_name="rules", started_at__isnull=True)
    checks = min(checks, queued.count())
    stored_before = SubmissionCheck.objects.count()
    # The worker's claim query is planned from the queue table's statistics.  A production
    # server's autovacuum refreshes them after every 1,000 changes (core migration 0002);
    # where autovacuum is off (some test machines) the bench analyses the table instead.
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0] == "on"
        if not autovacuum:
            cursor.execute(f"ANALYZE {DBTaskResult._meta.db_table}")
    launched = timezone.now()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "povcensus.cli",
            "db_worker",
            "--queue-name",
            "rules",
            "--no-startup-delay",
            "--max-tasks",
            str(checks),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # The demo town's own submissions were checked while it loaded: count this worker's only.
    done = DBTaskResult.objects.filter(queue_name="rules", started_at__gte=launched)
    span = done.aggregate(first=Min("started_at"), last=Max("finished_at"))
    checked = done.filter(status="SUCCESSFUL").count()
    assert checked == done.count() == checks, (checked, done.count(), checks)
    seconds = (span["last"] - span["first"]).total_seconds()
    return {
        "checked": checked,
        "seconds": seconds,
        "rate": checked / seconds,
        "stored": SubmissionCheck.objects.count() - stored_before,
        "statistics": "autovacuum" if autovacuum else "ANALYZE (autovacuum is off)",
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="gunicorn threads per worker (gthread workers, HTTP keep-alive); 0: sync workers",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--checks",
        type=int,
        default=2000,
        help="queued rule checks one db_worker then runs, timed; 0: skip",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian package wrk)")
        return 2

    with postgres_database() as url, tempfile.TemporaryDirectory() as tmp:
        database = url.rsplit("/", 1)[1]
        os.environ["POVCENSUS_VAR_DIR"] = tmp
        os.environ["POVCENSUS_SECRET_KEY"] = "bench-secret"
        django_setup(url)
        from django.core.management import call_command

        call_command("demo", "--quiet", verbosity=0)
        from povcensus.assignment.models import Assignment

        first = (
            Assignment.objects.select_related("team")
            .filter(kind="household")
            .order_by("household__number")
            .first()
        )
        assert first is not None
        username = first.team.members.get(slot=1).user.username
        numbers = list(
            Assignment.objects.filter(team=first.team, kind="household").values_list(
                "household__number", flat=True
            )
        )
        template = (
            TEMPLATE.read_text().replace(FIRST_ID, "__IID__").replace("4312021102010001", "__HH__")
        )
        # Pad to about 8 KB with five members, like the peer measurement's payloads.
        member = re.search(r"<members>.*?</members>", template, re.S).group(0)  # type: ignore[union-attr]
        template = template.replace(member, member + member.replace("张建国", "张建军"), 1).replace(
            "<b_member_rows>3</b_member_rows>", "<b_member_rows>4</b_member_rows>"
        )
        template = template.replace(member, member + member.replace("张建国", "张二"), 1)
        births = [
            f"{birth}{int(sex) % 2}"
            for birth, sex in re.findall(
                r"<m_id_number>\d{6}(\d{8})\d{2}(\d)[\dX]</m_id_number>", template
            )
        ]
        template = re.sub(
            r"<m_id_number>\d{17}[\dX]</m_id_number>", "<m_id_number>__ID__</m_id_number>", template
        )
        assert len(births) == 5 == template.count("__ID__"), births
        (Path(tmp) / "births.txt").write_text("\n".join(births) + "\n")
        (Path(tmp) / "template.xml").write_text(template)
        (Path(tmp) / "numbers.txt").write_text("\n".join(numbers) + "\n")
        script = Path(tmp) / "post.lua"
        script.write_text(
            LUA.replace("__TEMPLATE__", str(Path(tmp) / "template.xml"))
            .replace("__NUMBERS__", str(Path(tmp) / "numbers.txt"))
            .replace("__BIRTHS__", str(Path(tmp) / "births.txt"))
        )
        empty_script = Path(tmp) / "empty.lua"
        empty_script.write_text(EMPTY_LUA)
        body_size = len(template.encode()) + 200

        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "POVCENSUS_SECURE_COOKIES": "0",
            "POVCENSUS_LOG_LEVEL": "ERROR",
            "POVCENSUS_CONN_MAX_AGE": "600",
        }
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        server = subprocess.Popen(
            [
                gunicorn,
                "config.wsgi:application",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(args.workers),
                *(["--threads", str(args.threads), "--keep-alive", "5"] if args.threads else []),
                "--log-level",
                "error",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        try:
            import requests
            from requests.auth import HTTPDigestAuth

            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    requests.get(base + "/healthz", timeout=1)
                    break
                except requests.RequestException:
                    time.sleep(0.3)
            auth = HTTPDigestAuth(username, "Jinshan2023")
            session = requests.Session()
            session.auth = auth
            assert session.head(base + "/submission").status_code == 204
            authorization = auth.build_digest_header("POST", base + "/submission")
            headers = [f"Authorization: {authorization}"]
            from povcensus.collection.models import Submission

            before = Submission.objects.count()
            wrk(
                base + "/submission",
                script,
                connections=args.connections,
                seconds=args.warmup,
                headers=headers,
            )
            cpu_before, children_before = cpu_seconds(database), os.times()
            measured = wrk(
                base + "/submission",
                script,
                connections=args.connections,
                seconds=args.seconds,
                headers=headers,
            )
            cpu_after, children_after = cpu_seconds(database), os.times()
            load_generator = (children_after.children_user + children_after.children_system) - (
                children_before.children_user + children_before.children_system
            )
            cpu = cpu_used(cpu_before, cpu_after)
            stored = Submission.objects.count() - before
            empty = wrk(
                base + "/healthz",
                empty_script,
                connections=args.connections,
                seconds=min(args.seconds, 15),
                headers=[],
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        drained = drain_rule_checks(env, args.checks) if args.checks else None

    report(
        "collection: sustained household submissions (PostgreSQL)",
        [
            (
                "server",
                f"gunicorn, {args.workers} "
                + (f"gthread workers × {args.threads} threads" if args.threads else "sync workers")
                + ", production settings",
            ),
            (
                "load",
                f"wrk, 2 threads, {args.connections} connections, {args.warmup} s warm-up then {args.seconds} s",
            ),
            ("payload", f"multipart ~{body_size / 1024:.1f} KB, 5 members, fresh instanceID each"),
            (
                "submissions/s",
                f"{measured['rate']:.1f}  (non-2xx: {measured['non2xx']:.0f}, socket errors: {measured['errors']:.0f})",
            ),
            (
                "latency",
                f"p50 {measured['p50']:.1f} ms · p95 {measured['p95']:.1f} ms · p99 {measured['p99']:.1f} ms",
            ),
            (
                "CPU per submission",
                " · ".join(
                    f"{label} {1000 * cpu[key] / measured['requests']:.2f} ms"
                    for label, key in (("app server", "server"), ("PostgreSQL", "postgres"))
                )
                + f" · wrk {1000 * load_generator / measured['requests']:.2f} ms"
                + f" · machine idle {100 * cpu['idle'] / (cpu['idle'] + cpu['busy']):.0f} %",
            ),
            ("empty endpoint", f"{empty['rate']:.0f} req/s · p95 {empty['p95']:.1f} ms"),
            (
                "ratio",
                f"a submission costs {empty['rate'] / measured['rate']:.1f}× an empty request",
            ),
            (
                "stored",
                f"{stored} submissions stored (warm-up included) for {measured['requests']:.0f} measured requests",
            ),
            *(
                [
                    (
                        "rule checks",
                        f"one db_worker: {drained['checked']} queued checks in {drained['seconds']:.1f} s,"
                        f" {drained['rate']:.1f} checks/s; {drained['stored']} results stored;"
                        f" queue statistics by {drained['statistics']}",
                    )
                ]
                if drained
                else []
            ),
            ("target", "≥ 400 submissions/s with p95 ≤ 100 ms"),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
