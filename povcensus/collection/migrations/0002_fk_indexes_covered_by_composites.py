"""Fewer indexes to maintain on every submission written (decision 0016, fifth round).

The campaign, household and team keys of a submission lead the composite indexes
``collection_sub_scope``, ``collection_sub_household`` and ``collection_sub_team``; a
member's and an attachment's submission key leads its unique constraint.  Their own
single-column indexes are dropped, as is the ``LIKE`` index of ``instance_id`` (looked
up by equality only).
"""

import django.db.models.deletion
from django.db import migrations, models

from povcensus.core.pattern_indexes import drop_pattern_index


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0001_initial"),
        ("collection", "0001_submissions_versions_attachments"),
        ("register", "0005_reference_checks_bounded"),
        ("team", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="submission",
            name="campaign",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="submissions",
                to="campaign.campaign",
            ),
        ),
        migrations.AlterField(
            model_name="submission",
            name="household",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="submissions",
                to="register.household",
            ),
        ),
        migrations.AlterField(
            model_name="submission",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="team.team",
            ),
        ),
        migrations.AlterField(
            model_name="submissionattachment",
            name="submission",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attachments",
                to="collection.submission",
            ),
        ),
        migrations.AlterField(
            model_name="submissionmember",
            name="submission",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="members",
                to="collection.submission",
            ),
        ),
        drop_pattern_index("collection", "submission", "instance_id"),
    ]
