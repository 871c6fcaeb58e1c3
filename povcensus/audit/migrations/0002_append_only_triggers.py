from django.db import migrations


def install(apps, schema_editor):
    from povcensus.audit import db_guard

    db_guard.install(schema_editor.connection)


def remove(apps, schema_editor):
    from povcensus.audit import db_guard

    db_guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
