"""Listing entry → merged-into household and editor: set-based triggers, partial indexes.

Both are empty on almost every entry (on all of them when the import creates them): the
per-row foreign keys and the full indexes cost the import more than they serve (decision
0021).  The triggers of ``listing.db_guard`` now check all four references of an entry.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from povcensus.core.db_references import Reference, ReferenceGuard, migration_operation


def _guard(*, with_rarely_set):
    both = (
        Reference("listing_listingentry", "household_id", "register_household"),
        Reference(
            "listing_listingentry", "listing_id", "listing_villagelisting", on_delete="cascade"
        ),
    )
    rarely_set = (
        Reference("listing_listingentry", "merged_into_id", "register_household"),
        Reference("listing_listingentry", "updated_by_id", "accounts_user"),
    )
    return ReferenceGuard(
        prefix="listing_refs",
        references=both + rarely_set if with_rarely_set else both,
        migration=("listing", "0003_set_based_references"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('listing', '0003_set_based_references'),
        ('register', '0004_member_campaign_not_indexed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='listingentry',
            name='merged_into',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='register.household'),
        ),
        migrations.AlterField(
            model_name='listingentry',
            name='updated_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='listingentry',
            index=models.Index(condition=models.Q(('merged_into__isnull', False)), fields=['merged_into'], name='listing_entry_merged_into'),
        ),
        migrations.AddIndex(
            model_name='listingentry',
            index=models.Index(condition=models.Q(('updated_by__isnull', False)), fields=['updated_by'], name='listing_entry_updated_by'),
        ),
        migration_operation(_guard(with_rarely_set=False), _guard(with_rarely_set=True)),
    ]
