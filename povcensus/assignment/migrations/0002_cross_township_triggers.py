from django.db import migrations


def install(apps, schema_editor):
    # SQLite gets its triggers after every migrate (post_migrate): a later migration that
    # rebuilds one of the tables they mention would fail with them in place.
    if schema_editor.connection.vendor == "sqlite":
        return
    from povcensus.assignment import db_guard

    db_guard.install(schema_editor.connection)


def remove(apps, schema_editor):
    from povcensus.assignment import db_guard

    db_guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("assignment", "0001_units_history_appointments_guides_outcomes"),
        ("accounts", "0001_initial"),
        ("register", "0001_initial"),
        ("team", "0001_initial"),
    ]
    operations = [migrations.RunPython(install, remove)]
