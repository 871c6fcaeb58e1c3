"""The reference checks of 0004, regenerated: each bounds its parent by the statement's keys.

See register 0005 (decision 0022).  The references themselves are those of 0004.
"""

from importlib import import_module

from django.db import migrations

from povcensus.core.db_references import migration_refresh

_references_0004 = import_module(
    "povcensus.listing.migrations.0004_entry_references_merged_into_updated_by"
)


class Migration(migrations.Migration):
    dependencies = [
        ("listing", "0004_entry_references_merged_into_updated_by"),
        ("register", "0005_reference_checks_bounded"),
    ]

    operations = [migration_refresh(_references_0004._guard(with_rarely_set=True))]
