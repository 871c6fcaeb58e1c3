"""Members → household, household → campaign and village: set-based triggers, not FKs.

The foreign keys lose their per-row constraint and the triggers of ``register.db_guard``
take over (decision 0021), installed by ``core.db_references.migration_operation``.
"""

import django.db.models.deletion
from django.db import migrations, models

from povcensus.core.db_references import Reference, ReferenceGuard, migration_operation


def _guard():
    # The references as this migration left them (register.db_guard has the current ones).
    return ReferenceGuard(
        prefix="register_refs",
        references=(
            Reference("register_member", "household_id", "register_household", on_delete="cascade"),
            Reference("register_household", "campaign_id", "campaign_campaign"),
            Reference("register_household", "village_code", "geography_area", key="code"),
        ),
        migration=("register", "0003_set_based_references"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0001_initial"),
        ("geography", "0001_initial"),
        ("register", "0002_bulk_import_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="household",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="households",
                to="campaign.campaign",
            ),
        ),
        migrations.AlterField(
            model_name="household",
            name="village",
            field=models.ForeignKey(
                db_column="village_code",
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geography.area",
                verbose_name="行政村",
            ),
        ),
        migrations.AlterField(
            model_name="member",
            name="household",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="members",
                to="register.household",
            ),
        ),
        migration_operation(None, _guard()),
    ]
