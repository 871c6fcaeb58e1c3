"""The reference checks of 0003, regenerated: each bounds its parent by the statement's keys.

A statement's children are checked against the parent rows whose key lies between the
statement's lowest and highest reference (the same answer, found through the key index):
a batched import no longer hashes the whole, growing households table for every batch
(decision 0022).  The references themselves are those of 0003.
"""

from importlib import import_module

from django.db import migrations

from povcensus.core.db_references import migration_refresh

_references_0003 = import_module("povcensus.register.migrations.0003_set_based_references")


class Migration(migrations.Migration):
    dependencies = [("register", "0004_member_campaign_not_indexed")]

    operations = [migration_refresh(_references_0003._guard())]
