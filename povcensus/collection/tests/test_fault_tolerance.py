"""Nothing acknowledged is lost and nothing is stored twice when the server dies mid-stream.

A real server (gunicorn, two worker processes, the production settings module) runs on the
test database; a client posts 1,000 household submissions with fresh instanceIDs, retrying
each until it is acknowledged, as ODK Collect does; meanwhile the whole server process group
is killed with SIGKILL three times, at arbitrary points, and restarted.  Afterwards every
acknowledged submission is stored exactly once and completely (all its member rows).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import connection
from requests.auth import HTTPDigestAuth

from povcensus.assignment.models import Assignment
from povcensus.collection.models import Submission, SubmissionMember
from povcensus.devtools.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = (Path(__file__).parent / "data" / "household-first.xml").read_text()
FIRST_ID = "uuid:5b1e5c4e-2f0a-4f6e-9c4b-1a2b3c4d5e6f"
TOTAL = 1000
KILL_AFTER = (150, 480, 820)


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or "postgres"
    return f"postgresql://{user}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": _database_url(),
            "POVCENSUS_VAR_DIR": str(tmp),
            "POVCENSUS_SECRET_KEY": "fault-test-secret",
            "POVCENSUS_TASK_BACKEND": "django.tasks.backends.dummy.DummyBackend",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(  # noqa: S603
            [
                gunicorn,
                "config.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                "2",
                "--graceful-timeout",
                "1",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if (
                    requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code
                    == 200
                ):
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)  # the master and its workers, no goodbye
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


@pytest.mark.slow
def test_kill_9_during_1000_posts_loses_and_duplicates_nothing(
    demo_world: Any, tmp_path: Path
) -> None:
    assignment = (
        Assignment.objects.select_related("team")
        .filter(kind="household")
        .order_by("household__number")
        .first()
    )
    assert assignment is not None
    username = assignment.team.members.get(slot=1).user.username
    numbers = list(
        Assignment.objects.filter(team=assignment.team, kind="household").values_list(
            "household__number", flat=True
        )
    )
    rng = random.Random(7)
    server = Server(tmp_path)
    server.start()
    progress = {"done": 0}
    kills: list[int] = []

    def killer() -> None:
        # Kill while requests are in flight: at the chosen counts, without waiting for a gap.
        for at in KILL_AFTER:
            while progress["done"] < at:
                time.sleep(0.01)
            time.sleep(rng.random() * 0.05)
            server.kill()
            kills.append(progress["done"])
            server.start()

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    session = requests.Session()
    session.auth = HTTPDigestAuth(username, DEMO_PASSWORD)
    acknowledged: list[str] = []
    try:
        for n in range(TOTAL):
            instance_id = f"uuid:{uuid.uuid4()}"
            xml = TEMPLATE.replace(FIRST_ID, instance_id).replace(
                "4312021102010001", rng.choice(numbers)
            )
            files = {"xml_submission_file": ("submission.xml", xml.encode(), "text/xml")}
            for _attempt in range(200):
                try:
                    response = session.post(
                        f"http://127.0.0.1:{server.port}/submission?deviceID=fault-test",
                        files=files,
                        timeout=10,
                    )
                except requests.RequestException:
                    time.sleep(0.1)  # the server is gone: retry the same payload, as Collect does
                    continue
                if response.status_code == 201:
                    acknowledged.append(instance_id)
                    break
                assert response.status_code >= 500, (
                    response.content
                )  # only server trouble is retried
                time.sleep(0.1)
            else:
                raise AssertionError(f"submission {n} never acknowledged")
            progress["done"] = n + 1
        thread.join(timeout=60)
    finally:
        server.stop()

    assert kills == sorted(kills)
    assert len(kills) == len(KILL_AFTER)  # the server really died three times
    assert len(acknowledged) == TOTAL
    stored = Submission.objects.filter(instance_id__in=acknowledged)
    assert stored.count() == TOTAL  # every acknowledged submission, each exactly once
    assert SubmissionMember.objects.filter(submission__in=stored).count() == 3 * TOTAL  # and whole
    assert Submission.objects.filter(device_id="fault-test").count() == TOTAL  # nothing extra
