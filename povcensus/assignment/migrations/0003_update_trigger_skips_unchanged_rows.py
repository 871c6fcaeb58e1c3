"""Reinstall the PostgreSQL guard: the update trigger skips statements that leave every
guarded column unchanged (a submission marking its unit submitted)."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        return  # SQLite's update trigger is already limited to the guarded columns
    from povcensus.assignment import db_guard

    db_guard.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("assignment", "0002_cross_township_triggers")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
