"""``povcensus demo [--households N]``: build the demo town and print its logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from povcensus.core.context import request_context
from povcensus.core.progress import RichProgress
from povcensus.devtools.demo import DEMO_PASSWORD, demo_build


class Command(BaseCommand):
    help = "Build the demo town 金山镇 (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--households", type=int, default=1600, help="households to generate (default 1600)"
        )
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(client_ip="127.0.0.1"):
            result = demo_build(
                households=options["households"],
                seed=options["seed"],
                progress=RichProgress(self.stderr._out),
            )
        verb = "built" if result.created else "already present"
        self.stdout.write(
            self.style.SUCCESS(
                f"demo campaign {result.campaign.name}: {verb}, {result.households} households"
            )
        )
        if options["quiet"]:
            return
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for every account: {DEMO_PASSWORD})")
        self.stdout.write(f"  {'admin':<18} 系统管理员 + 普查办工作人员  湖南省")
        shown: set[str] = {"admin"}
        for login in result.logins:
            if login.username in shown or (
                login.username.startswith(("cun", "dcy"))
                and login.username[-2:] not in ("01", "02")
            ):
                continue
            shown.add(login.username)
            self.stdout.write(
                f"  {login.username:<18} {login.role}  {login.area}  {login.full_name}"
            )
        self.stdout.write(
            "  … cun01–cun16 (村两委, one per village), dcy01–dcy16 (调查员, 8 teams), zdy01–zdy04 (调查指导员)"
        )
