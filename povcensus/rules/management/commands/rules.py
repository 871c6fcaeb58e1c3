"""``povcensus rules check FILE …`` validates a rule book; ``povcensus rules run`` checks a census.

``run`` checks every current questionnaire of a campaign against its rule book in force
(the whole-census job, recorded as a job the ``/rules/`` page shows, with a progress bar
here) and prints the counts.

The files are loaded together as one rule book (as ``household.yaml`` + ``village.yaml``)
against the built-in questionnaires' schema.  Every problem is printed with its code, the
file, the YAML line, the rule and the line/column inside the expression; the exit status
is 2 when there is any.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from povcensus.campaign.models import Campaign, CampaignStatus
from povcensus.core.errors import ApplicationError
from povcensus.core.jobs import job_create, job_execute
from povcensus.core.progress import Progress, RichProgress
from povcensus.rules.builtin_schema import BUILTIN_SCHEMA
from povcensus.rules.census import CENSUS_JOB_KIND, TeeProgress, census_check
from povcensus.rules.rulebook import load_rulebook


class Command(BaseCommand):
    help = (
        "Rule books. check FILE [FILE ...]: validate YAML rule book files (exit 2 on errors). "
        "run [--campaign CODE]: check the whole census against the rule book in force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate rule book files loaded together")
        check.add_argument("files", nargs="+", type=Path)
        run = sub.add_parser("run", help="check every current questionnaire of a campaign")
        run.add_argument("--campaign", help="campaign code (default: the only active campaign)")
        run.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "run":
            self._run(options)
            return
        self._check(options)

    def _campaign(self, code: str | None) -> Campaign:
        if code:
            campaign = Campaign.objects.filter(code=code).first()
            if campaign is None:
                raise CommandError(f"no campaign {code!r}")
            return campaign
        active = list(Campaign.objects.filter(status=CampaignStatus.ACTIVE)[:2])
        if len(active) != 1:
            raise CommandError("several or no active campaigns: pass --campaign CODE")
        return active[0]

    def _run(self, options: dict[str, Any]) -> None:
        campaign = self._campaign(options["campaign"])
        job = job_create(
            actor=None,
            kind=CENSUS_JOB_KIND,
            area_code=campaign.area_id,
            params={"campaign_id": campaign.pk, "actor_id": None, "source": "cli"},
        )
        bar = None if options["quiet"] else RichProgress(self.stderr._out)

        def work(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
            sink = TeeProgress(progress, bar) if bar is not None else progress
            return census_check(actor=None, campaign=campaign, progress=sink)

        result = job_execute(job.pk, work)
        if "error" in result:
            raise CommandError(f"[{result['error']['code']}] {result['error']['message']}")
        self.stdout.write(
            self.style.SUCCESS(
                f"checked {result['households']} households and {result['villages']} villages "
                f"against rule book #{result['rulebook']} ({result['version']}): "
                f"{result['failures']} failures, {result['hard_failures']} hard"
            )
        )

    def _check(self, options: dict[str, Any]) -> None:
        paths: list[Path] = options["files"]
        sources = []
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path}: no such file", returncode=2)
            try:
                sources.append((path.name, path.read_text(encoding="utf-8-sig")))
            except UnicodeDecodeError:
                raise CommandError(f"{path}: not UTF-8 text", returncode=2) from None
        try:
            book = load_rulebook(sources, schema=BUILTIN_SCHEMA)
        except ApplicationError as error:
            problems = error.details.get("errors") or [error.as_dict()]
            lines = [f"[{p['code']}] {p['message']}" for p in problems]
            lines.append(f"{len(problems)} problem(s); the rule book was not accepted.")
            raise CommandError("\n".join(lines), returncode=2) from None
        counts = book.counts()
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: version {book.version}, {counts['rules']} rules "
                f"({counts['hard']} hard, {counts['soft']} soft), "
                f"{len(book.indicators)} indicators, {len(book.definitions)} definitions"
            )
        )
