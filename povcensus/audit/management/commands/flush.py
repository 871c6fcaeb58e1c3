"""``flush`` that also empties the append-only audit table, where data is disposable.

Django's test runner flushes the database after transactional tests; the audit table's
triggers would refuse that.  This command lifts the guard for the flush only, and only when
``POVCENSUS_ALLOW_FLUSH`` is set (tests and throwaway demos), never in production.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from povcensus.audit import db_guard
from povcensus.core import db_triggers


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        if not getattr(settings, "POVCENSUS_ALLOW_FLUSH", False):
            raise CommandError(
                "flush would erase the audit log; it is allowed only where "
                "POVCENSUS_ALLOW_FLUSH is set (tests, throwaway demos)."
            )
        connection = connections[options["database"]]
        # The registered trigger guards too: SQLite's flush deletes tables in no particular
        # order.
        with db_guard.suspended(connection), db_triggers.lifted_for_flush(connection):
            super().handle(**options)
