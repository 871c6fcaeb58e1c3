"""Listing entry → household and village listing: set-based triggers, not FKs.

The foreign keys lose their per-row constraint and the triggers of ``listing.db_guard``
take over (decision 0021).  On SQLite the triggers are installed after every ``migrate``
(``core.db_triggers.ensure_installed``).
"""

import django.db.models.deletion
from django.db import migrations, models

from povcensus.core.db_references import Reference, ReferenceGuard, migration_operation


def _guard():
    # The references as this migration left them (listing.db_guard has the current ones).
    return ReferenceGuard(
        prefix="listing_refs",
        references=(
            Reference("listing_listingentry", "household_id", "register_household"),
            Reference(
                "listing_listingentry", "listing_id", "listing_villagelisting", on_delete="cascade"
            ),
        ),
        migration=("listing", "0003_set_based_references"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("listing", "0002_signer_names_entry_revision_evidence_sizes"),
        ("register", "0003_set_based_references"),
    ]

    operations = [
        migrations.AlterField(
            model_name="listingentry",
            name="household",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="listing_entry",
                to="register.household",
            ),
        ),
        migrations.AlterField(
            model_name="listingentry",
            name="listing",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="entries",
                to="listing.villagelisting",
            ),
        ),
        migration_operation(None, _guard()),
    ]
