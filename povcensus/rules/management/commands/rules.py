"""``povcensus rules check FILE [FILE ...]``: validate a rule book before uploading it.

The files are loaded together as one rule book (as ``household.yaml`` + ``village.yaml``)
against the built-in questionnaires' schema.  Every problem is printed with its code, the
file, the YAML line, the rule and the line/column inside the expression; the exit status
is 2 when there is any.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from povcensus.core.errors import ApplicationError
from povcensus.rules.builtin_schema import BUILTIN_SCHEMA
from povcensus.rules.rulebook import load_rulebook


class Command(BaseCommand):
    help = "Rule books. check FILE [FILE ...]: validate YAML rule book files (exit 2 on errors)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate rule book files loaded together")
        check.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
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
