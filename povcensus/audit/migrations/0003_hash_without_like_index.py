"""The audit hash is looked up by equality only: no ``LIKE`` index (decision 0016, fifth round)."""

from django.db import migrations

from povcensus.core.pattern_indexes import drop_pattern_index


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [drop_pattern_index("audit", "auditevent", "hash")]
