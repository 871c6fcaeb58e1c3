"""``povcensus register import FILE [--dry-run] [--valid-only] [--report OUT.xlsx] …``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from povcensus.accounts.models import User
from povcensus.campaign.models import Campaign, CampaignStatus
from povcensus.core.context import request_context
from povcensus.core.errors import ApplicationError
from povcensus.core.progress import RichProgress
from povcensus.register.exports import write_import_report
from povcensus.register.parsing import DEFAULT_BATCH_ROWS, OpenedFile
from povcensus.register.report import ImportReport, describe_tokens
from povcensus.register.services import ImportOptions, mapping_from_text, register_import
from povcensus.register.services.staging import Stage


class Command(BaseCommand):
    help = (
        "Register of registered households. import FILE: check (--dry-run) or import a "
        "register export (CSV in UTF-8/GB18030, or XLSX)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="check or import a register export")
        imp.add_argument("file", type=Path)
        imp.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        imp.add_argument(
            "--valid-only",
            action="store_true",
            help="import the households without errors, leave out the others",
        )
        imp.add_argument("--report", type=Path, help="write the XLSX report (rows + errors) here")
        imp.add_argument("--mapping", type=Path, help="column mapping YAML (default: built-in)")
        imp.add_argument("--campaign", help="campaign code (default: the only active campaign)")
        imp.add_argument(
            "--user", help="act as this user (default: the command-line operator, full rights)"
        )
        imp.add_argument("--batch-rows", type=int, default=DEFAULT_BATCH_ROWS)
        imp.add_argument("--quiet", action="store_true", help="no progress bar")

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

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        campaign = self._campaign(options["campaign"])
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']!r}")
        mapping_text = (
            options["mapping"].read_text(encoding="utf-8") if options["mapping"] else None
        )
        report_path: Path | None = options["report"]

        def write_report(stage: Stage, report: ImportReport, opened: OpenedFile) -> None:
            assert report_path is not None
            write_import_report(report_path, stage=stage, report=report, opened=opened)

        progress = None if options["quiet"] else RichProgress(self.stderr._out)
        try:
            with request_context(client_ip="127.0.0.1"):
                report = register_import(
                    actor=actor,
                    campaign=campaign,
                    path=path,
                    filename=path.name,
                    options=ImportOptions(
                        dry_run=options["dry_run"],
                        valid_only=options["valid_only"],
                        batch_rows=options["batch_rows"],
                    ),
                    mapping=mapping_from_text(mapping_text),
                    progress=progress,
                    write_report=write_report if report_path else None,
                )
        except ApplicationError as error:
            if progress is not None:
                progress.finish()
            raise CommandError(f"[{error.code}] {error.message}", returncode=2) from None
        if progress is not None:
            progress.finish()
        self._print(report, report_path)
        if report.error_rows and not report.committed:
            raise CommandError(f"{report.error_rows} row(s) with errors", returncode=1)

    def _print(self, report: ImportReport, report_path: Path | None) -> None:
        verb = "imported" if report.committed else "checked (nothing written)"
        self.stdout.write(
            self.style.SUCCESS(f"{report.filename}: {verb}")
            if report.committed or not report.error_rows
            else f"{report.filename}: {verb}"
        )
        self.stdout.write(
            f"  rows {report.rows}, households {report.households}; "
            f"errors in {report.error_rows} row(s), warnings in {report.warning_rows}"
        )
        self.stdout.write(
            f"  new households {report.households_new} ({report.members_new} members), "
            f"changed {report.households_changed}, unchanged {report.households_unchanged}, "
            f"left out {report.households_skipped}, missing from the file {report.households_missing}"
        )
        for code, count in sorted(report.error_counts.items()):
            self.stdout.write(f"  {code}: {count}")
        for row in report.problem_rows[:20]:
            for problem in describe_tokens(row["problems"]):
                self.stdout.write(f"  row {row['row']}: [{problem['code']}] {problem['message']}")
        if report_path:
            self.stdout.write(f"  report: {report_path}")
