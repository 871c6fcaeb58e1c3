"""Each member row keeps its ID number as an indexed text column, computed by the database.

Every arriving household is checked for ID numbers held elsewhere in the census
(``census_count`` in the rule book, ``rules.services.census_counts_for``).  That lookup
read the ``m_id_number`` key out of every member's JSON, so each check cost a pass over
the whole census.  ``id_number`` is a stored generated column (``data ->> 'm_id_number'``
on PostgreSQL, the same text from ``json_extract`` on SQLite) with a B-tree index, so the
lookup reads only the members holding one of the household's numbers.  The index is a
plain one (``Meta.indexes``): the column is compared by equality only, so it needs no
``LIKE`` index beside it.

On PostgreSQL adding a stored generated column rewrites the member table once.
"""

import django.db.models.fields.json
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0002_fk_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.AddField(
            model_name="submissionmember",
            name="id_number",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.fields.json.KeyTextTransform("m_id_number", "data"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="submissionmember",
            index=models.Index(fields=["id_number"], name="collection_member_id_number"),
        ),
    ]
