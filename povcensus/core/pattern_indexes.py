"""Dropping the ``LIKE`` indexes PostgreSQL gets beside a unique text column.

For every unique (or indexed) ``CharField`` Django's PostgreSQL backend builds a second
index, ``<name>_like`` with ``varchar_pattern_ops``, so that ``LIKE 'prefix%'`` can use an
index.  A column only ever looked up by equality (an instanceID, a hash) does not need it,
and every row written pays for maintaining it.  :func:`drop_pattern_index` is a migration
operation that removes it (and builds it again when the migration is reversed); it does
nothing on other databases.  Django drops such an index with ``IF EXISTS`` when it later
alters the column, so a dropped one never breaks a migration.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def drop_pattern_index(app_label: str, model_name: str, field_name: str) -> Any:
    """A ``RunPython`` dropping the ``_like`` index of ``app_label.model_name.field_name``."""

    def _names(apps: Any, schema_editor: Any) -> tuple[Any, Any, str]:
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
        name = schema_editor._create_index_name(
            model._meta.db_table, [field.column], suffix="_like"
        )
        return model, field, name

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        _, _, name = _names(apps, schema_editor)
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model, field, _ = _names(apps, schema_editor)
        schema_editor.execute(schema_editor._create_like_index_sql(model, field))

    return migrations.RunPython(forwards, backwards, elidable=False)
