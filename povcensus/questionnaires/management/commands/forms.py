"""``povcensus forms build-builtin | install-builtin | compile FILE``.

* ``build-builtin`` regenerates the built-in XLSForms (``builtin/forms/*.xlsx``) from their
  sources and checks each with pyxform and ODK Validate.
* ``install-builtin --campaign CODE`` publishes the built-in forms and makes them the
  versions the campaign uses (idempotent).
* ``compile FILE.xlsx`` checks any XLSForm and prints every message with its sheet, row
  and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from povcensus.core.context import request_context


class Command(BaseCommand):
    help = "Build, install or check XLSForm questionnaires."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build-builtin", help="regenerate the built-in .xlsx files")
        build.add_argument("--no-validate", action="store_true", help="skip ODK Validate")
        install = sub.add_parser("install-builtin", help="publish built-in forms for a campaign")
        install.add_argument("--campaign", required=True, help="campaign code")
        install.add_argument("--username", default="admin", help="acting account")
        check = sub.add_parser("compile", help="check an XLSForm and print its messages")
        check.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "build-builtin":
            self._build(validate=not options["no_validate"])
        elif action == "install-builtin":
            self._install(options["campaign"], options["username"])
        else:
            self._compile(Path(options["path"]))

    def _build(self, *, validate: bool) -> None:
        from povcensus.questionnaires.builtin import FORMS_DIR, builtin_forms
        from povcensus.questionnaires.builtin.dsl import workbook_bytes
        from povcensus.questionnaires.xlsform import XLSFormInvalid, compile_xlsform

        FORMS_DIR.mkdir(parents=True, exist_ok=True)
        for builtin in builtin_forms():
            data = workbook_bytes(builtin.build())
            try:
                compiled = compile_xlsform(data, validate=validate)
            except XLSFormInvalid as invalid:
                for message in invalid.messages:
                    self.stderr.write(f"{builtin.form_id}: {message.location()}: {message.text}")
                raise CommandError(f"{builtin.form_id} does not compile") from invalid
            builtin.path.write_bytes(data)
            note = "ODK Validate passed" if compiled.validated else compiled.validator_note
            self.stdout.write(
                f"{builtin.path.name}: form {compiled.form_id} v{compiled.version}; {note}"
            )

    def _install(self, campaign_code: str, username: str) -> None:
        from povcensus.accounts.models import User
        from povcensus.campaign.models import Campaign
        from povcensus.questionnaires.services import builtin_install

        campaign = Campaign.objects.filter(code=campaign_code).first()
        actor = User.objects.filter(username=username).first()
        if campaign is None or actor is None:
            raise CommandError("campaign or user not found")
        with request_context(client_ip="127.0.0.1"):
            live = builtin_install(actor=actor, campaign=campaign)
        for row in live:
            self.stdout.write(
                f"{row.get_kind_display()}: {row.version.definition.form_id} v{row.version.version}"
            )

    def _compile(self, path: Path) -> None:
        from povcensus.questionnaires.xlsform import XLSFormInvalid, compile_xlsform

        try:
            compiled = compile_xlsform(path.read_bytes())
        except XLSFormInvalid as invalid:
            for message in invalid.messages:
                self.stdout.write(f"ERROR {message.location()}: {message.text}")
            raise CommandError(f"{len(invalid.messages)} error(s)") from invalid
        for message in compiled.warnings:
            self.stdout.write(f"WARNING {message.location()}: {message.text}")
        self.stdout.write(
            f"OK: form {compiled.form_id} v{compiled.version}"
            + ("" if compiled.validated else f" ({compiled.validator_note})")
        )
