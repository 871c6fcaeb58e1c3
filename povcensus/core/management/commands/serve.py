"""``povcensus serve``: the web server (gunicorn) and a background worker, together.

One command runs a town on a laptop.  At province scale run the same two processes
separately (``gunicorn config.wsgi`` behind a reverse proxy, ``povcensus db_worker``),
as many of each as the load needs: both are stateless.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the site with gunicorn and run a background-task worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=min(4, (os.cpu_count() or 1) * 2))
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "config.settings.base"
            ),
        }
        bin_dir = os.path.dirname(sys.executable)
        web = [
            os.path.join(bin_dir, "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--timeout",
            "120",
            "--access-logfile",
            "-",
            "--access-logformat",
            "%(t)s %(s)s %(m)s %(U)s %(M)sms",
        ]
        processes = [subprocess.Popen(web, env=env)]  # noqa: S603
        if not options["no_worker"]:
            worker = [
                sys.executable,
                "-m",
                "povcensus.cli",
                "db_worker",
                "--queue-name",
                "*",
                "--no-startup-delay",
            ]
            processes.append(subprocess.Popen(worker, env=env))  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(
                f"povcensus is running at http://{options['host']}:{options['port']}/ (Ctrl-C stops)"
            )
        )

        def stop(*_: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
