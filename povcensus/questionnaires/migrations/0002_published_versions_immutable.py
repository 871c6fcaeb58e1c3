"""The database refuses to change what a published form version holds.

An UPDATE of a published row may touch only bookkeeping columns; its version string,
XLSForm bytes, XForm, hashes and media list stay as published (ODK Collect and submissions
rely on them).  Deleting stays possible (test flushes), but services never delete a
published version and a version in use is protected by ``LiveForm``.
"""

from django.db import migrations

FROZEN = ["version", "xlsx", "xlsx_sha256", "xform", "md5", "media_files", "definition_id"]
MESSAGE = "questionnaires: a published form version cannot change"

SQLITE_INSTALL = f"""
CREATE TRIGGER questionnaires_published_frozen
BEFORE UPDATE ON questionnaires_formversion
FOR EACH ROW WHEN OLD.state = 'published' AND (
    NEW.state != 'published' OR
    {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)}
)
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_REMOVE = "DROP TRIGGER IF EXISTS questionnaires_published_frozen;"

POSTGRES_INSTALL = f"""
CREATE OR REPLACE FUNCTION questionnaires_published_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'published' AND (
        NEW.state <> 'published' OR
        {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)}
    ) THEN
        RAISE EXCEPTION '{MESSAGE}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER questionnaires_published_frozen
BEFORE UPDATE ON questionnaires_formversion
FOR EACH ROW EXECUTE FUNCTION questionnaires_published_frozen();
"""
POSTGRES_REMOVE = """
DROP TRIGGER IF EXISTS questionnaires_published_frozen ON questionnaires_formversion;
DROP FUNCTION IF EXISTS questionnaires_published_frozen();
"""


def install(apps, schema_editor):
    sql = POSTGRES_INSTALL if schema_editor.connection.vendor == "postgresql" else SQLITE_INSTALL
    schema_editor.execute(sql)


def remove(apps, schema_editor):
    sql = POSTGRES_REMOVE if schema_editor.connection.vendor == "postgresql" else SQLITE_REMOVE
    schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_forms_versions_live")]
    operations = [migrations.RunPython(install, remove)]
