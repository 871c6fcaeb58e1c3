"""``povcensus geo import FILE``: load the division tree from a CSV (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from povcensus.core.errors import ApplicationError
from povcensus.geography.services import geography_import


class Command(BaseCommand):
    help = "Administrative divisions. import FILE: create or update areas from a CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a division CSV (UTF-8 or GB18030)")
        imp.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            result = geography_import(actor=None, data=path.read_bytes())
        except ApplicationError as error:
            lines = [f"[{error.code}] {error.message}"]
            for more in error.details.get("errors", [])[1:20]:
                lines.append(f"[{more['code']}] {more['message']}")
            raise CommandError("\n".join(lines), returncode=2) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"areas: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
            )
        )
