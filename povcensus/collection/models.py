"""Submissions received from ODK Collect and the browser, with every version kept.

A questionnaire instance is a chain of versions: the first submission, then each edit
(``meta/deprecatedID`` names the version it replaces).  Every version is a ``Submission``
row, never updated in content; the chain's newest version has ``is_current``.  The raw
XML, the attachments and the parsed data (household-level fields, one row per member) are
stored in the same transaction.

Invariants (enforced by the database where they can be):

* ``instance_id`` is unique: the same instance is never stored twice;
* within a chain (``root_instance_id``) exactly one version is current;
* an attachment name is unique within its submission.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KT
from django.utils.translation import gettext_lazy as _

#: The member field holding a person's ID number in the household questionnaire; its text
#: is kept indexed (``SubmissionMember.id_number``) for lookups by ID number across the census.
MEMBER_ID_FIELD = "m_id_number"


class SubmissionSource(models.TextChoices):
    COLLECT = "collect", _("ODK Collect")  # OpenRosa from a tablet
    BROWSER = "browser", _("浏览器")  # the browser collection app (same endpoint)
    CORRECTION = "correction", _("审核更正")  # a reviewer's correction with a reason (review app)


class Submission(models.Model):
    instance_id = models.CharField(max_length=80, unique=True)
    root_instance_id = models.CharField(max_length=80)
    deprecated_id = models.CharField(max_length=80, blank=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    is_current = models.BooleanField(default=True)
    version_number = models.PositiveIntegerField(default=1)

    # The foreign keys whose column leads one of the composite indexes below carry no index
    # of their own (decision 0016, fifth round): every row written maintains each index.
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="submissions", db_index=False
    )
    form_version = models.ForeignKey(
        "questionnaires.FormVersion", on_delete=models.PROTECT, related_name="submissions"
    )
    kind = models.CharField(max_length=16)  # questionnaires.FormKind of the form
    household = models.ForeignKey(
        "register.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
        db_index=False,
    )
    # The village the unit belongs to (scoping): the household's village, or the village
    # of a village questionnaire.
    area_code = models.CharField(max_length=15)
    team = models.ForeignKey(
        "team.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(
        max_length=16, choices=SubmissionSource, default=SubmissionSource.COLLECT
    )
    device_id = models.CharField(max_length=120, blank=True)
    received_at = models.DateTimeField(db_index=True)

    xml = models.TextField()
    xml_sha256 = models.CharField(max_length=64)
    instance_name = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict)  # household-level (or village-level) fields by name
    attachments_expected = models.JSONField(default=list)  # file names the XML refers to
    attachments_complete = models.BooleanField(default=True)
    reason = models.CharField(_("更正原因"), max_length=500, blank=True)  # corrections only

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["root_instance_id"],
                condition=models.Q(is_current=True),
                name="collection_one_current_version",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "area_code"], name="collection_sub_scope"),
            models.Index(fields=["household", "is_current"], name="collection_sub_household"),
            models.Index(
                fields=["root_instance_id", "version_number"], name="collection_sub_chain"
            ),
            models.Index(fields=["team", "-received_at"], name="collection_sub_team"),
        ]

    def __str__(self) -> str:
        return f"{self.instance_id} v{self.version_number}"


class SubmissionMember(models.Model):
    """One member row (repeat ``members``) of a household submission version."""

    # Indexed by the unique (submission, index) constraint.
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    index = models.PositiveSmallIntegerField()  # 1-based position in the repeat
    data = models.JSONField(default=dict)
    # The member's ID number as text, kept by the database from ``data`` and indexed: the
    # census-wide duplicate-ID count of every arriving household
    # (rules.services.census_counts_for) looks members up by it; without it each check
    # read every member of the census.
    id_number = models.GeneratedField(
        expression=KT(f"data__{MEMBER_ID_FIELD}"),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["submission", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "index"], name="collection_member_unique_index"
            )
        ]
        # A plain B-tree (a field's db_index would bring PostgreSQL's LIKE index too).
        indexes = [models.Index(fields=["id_number"], name="collection_member_id_number")]

    def __str__(self) -> str:
        return f"{self.submission_id}#{self.index}"


def _attachment_path(instance: SubmissionAttachment, filename: str) -> str:
    return f"submissions/{instance.submission.root_instance_id.replace(':', '_')}/{instance.sha256[:16]}-{filename}"


class SubmissionAttachment(models.Model):
    # Indexed by the unique (submission, name) constraint.
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="attachments", db_index=False
    )
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=_attachment_path, max_length=400)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "name"], name="collection_attachment_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
