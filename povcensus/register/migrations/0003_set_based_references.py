"""Members → household, household → campaign and village: set-based triggers, not FKs.

The foreign keys lose their per-row constraint and the triggers of ``register.db_guard``
take over (decision 0021).  On SQLite the triggers are installed after every ``migrate``
(``core.db_references.ensure_installed``): a later migration that rebuilds one of the
tables they mention would fail with them in place.
"""

import django.db.models.deletion
from django.db import migrations, models


def _guard():
    # The references as this migration left them (register.db_guard has the current ones).
    from povcensus.core.db_references import Reference, ReferenceGuard

    return ReferenceGuard(
        prefix="register_refs",
        references=(
            Reference("register_member", "household_id", "register_household", on_delete="cascade"),
            Reference("register_household", "campaign_id", "campaign_campaign"),
            Reference("register_household", "village_code", "geography_area", key="code"),
        ),
        migration=("register", "0003_set_based_references"),
    )


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        return
    _guard().install(schema_editor.connection)


def remove(apps, schema_editor):
    _guard().remove(schema_editor.connection)


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
        migrations.RunPython(install, remove),
    ]
