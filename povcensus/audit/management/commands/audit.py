"""``povcensus audit verify``: walk the hash chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from povcensus.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Audit-log tools. verify: check the tamper-evident hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="walk the chain; exit 1 at the first broken link")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            count, broken = audit_chain_verify()
            if broken is None:
                self.stdout.write(
                    self.style.SUCCESS(f"audit chain intact: {count} events verified")
                )
                return
            reasons = {
                "gap": "event missing (deleted?)",
                "prev_hash": "link to the previous event does not match (event deleted or reordered)",
                "hash": "event content does not match its hash (event edited)",
            }
            where = f"chain {broken.chain}, position {broken.seq}" + (
                f" (event #{broken.event_id})" if broken.event_id is not None else ""
            )
            raise CommandError(
                f"audit chain broken at {where}: {reasons[broken.reason]} "
                f"(expected {broken.expected}, found {broken.found}); {count} events read",
                returncode=1,
            )
