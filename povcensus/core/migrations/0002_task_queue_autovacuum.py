"""The task queue's table is vacuumed and analysed after every 1,000 changed rows (PostgreSQL).

django-tasks-db's worker claims a task with ``SELECT … ORDER BY priority DESC, run_after,
enqueued_at LIMIT 1 FOR UPDATE SKIP LOCKED``.  Its partial index on ready tasks answers
that in well under a millisecond, but only while the planner's statistics know how many
tasks wait: when a burst of submissions queues thousands of rule checks into a table the
statistics still call nearly empty, the planner reads and sorts every ready task on each
claim (18 ms per claim with 11,000 waiting, measured; 0.04 ms after ``ANALYZE``).  The
default thresholds (20 % of the table for a vacuum, 10 % for an analyse) suit tables that
grow slowly; a queue turns over entirely, so it is given fixed thresholds instead, as
PostgreSQL's documentation advises for such tables.  Nothing happens on SQLite.
"""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"
SETTINGS = (
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000, "
    "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000"
)
NAMES = (
    "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
    "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET ({SETTINGS})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET ({NAMES})")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
