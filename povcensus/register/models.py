"""The register of registered households (建档立卡户) and their members, per campaign.

Part 1 of the household questionnaire is transcribed from here, never collected.  Codes
follow ``register.codelists``.  A household belongs to the village (as it stood before any
merger) its register row names; scoping filters on that village's code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from povcensus.core.models import TimeStampedModel


class Household(TimeStampedModel):
    # Indexes: (campaign, number) unique and (campaign, village) serve every lookup; the
    # single-column indexes Django would add are left out, they only slow bulk imports.
    # The campaign and village are checked by set-based triggers instead of per-row
    # foreign-key constraints (register.db_guard, decision 0021).
    campaign = models.ForeignKey(
        "campaign.Campaign",
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,
        db_constraint=False,
    )
    number = models.CharField(_("户编号"), max_length=40)
    village = models.ForeignKey(
        "geography.Area",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="village_code",
        verbose_name=_("行政村"),
        db_index=False,
        db_constraint=False,
    )
    group_name = models.CharField(_("村民小组"), max_length=50, blank=True)
    natural_village = models.CharField(_("自然村"), max_length=50, blank=True)
    head_name = models.CharField(_("户主姓名"), max_length=50)
    head_id_number = models.CharField(_("户主证件号码"), max_length=22, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    size_registered = models.PositiveSmallIntegerField(_("家庭人口数"), default=0)
    identification_standard = models.CharField(_("识别标准"), max_length=2, blank=True)
    attribute = models.CharField(_("贫困户属性"), max_length=2, blank=True)
    exit_status = models.CharField(_("脱贫状态"), max_length=2, blank=True)
    identified_year = models.PositiveSmallIntegerField(_("建档立卡年份"), null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    main_cause = models.CharField(_("主要致贫原因"), max_length=2, blank=True)
    other_causes = models.JSONField(_("其他致贫原因"), default=list, blank=True)
    extra = models.JSONField(_("其他名册字段"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)  # not indexed (see above)

    class Meta:
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"], name="register_household_unique_number"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "village"], name="register_hh_campaign_village")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"


# The columns a bulk writer (COPY) fills in the household table, in one order: the
# one-pass first load of the register import and the demo loader.
HOUSEHOLD_COPY_COLUMNS = (
    "id",
    "campaign_id",
    "number",
    "village_code",
    "group_name",
    "natural_village",
    "head_name",
    "head_id_number",
    "phone",
    "size_registered",
    "identification_standard",
    "attribute",
    "exit_status",
    "identified_year",
    "exit_year",
    "main_cause",
    "other_causes",
    "extra",
    "created_at",
    "updated_at",
)


# A member's register answers in the national system's order: what an import writes, the
# prefill media and the loaders carry (one list, used wherever member rows are copied).
MEMBER_ANSWER_FIELDS = (
    "seq",
    "name",
    "sex",
    "id_type",
    "id_number",
    "relation",
    "ethnicity",
    "education",
    "student_status",
    "health",
    "labour_skill",
    "work_status",
    "work_months",
)
# The same for the member table (its id comes from the table's sequence).
MEMBER_COPY_COLUMNS = ("household_id", "campaign_id", *MEMBER_ANSWER_FIELDS, "phone", "extra")


class Member(models.Model):
    # (household, seq) is unique, so the household's own index would be redundant.  Checked
    # by a set-based trigger, not a per-row constraint (register.db_guard, decision 0021).
    household = models.ForeignKey(
        Household,
        on_delete=models.CASCADE,
        related_name="members",
        db_index=False,
        db_constraint=False,
    )
    # Denormalised so the database can refuse one ID number in two households.  It always
    # equals the household's campaign (written together by the import), so the database
    # does not check it a second time: a foreign-key check per member costs a bulk import
    # of millions of members more than all its other writes (decision 0010).  Not indexed
    # alone: the (campaign, id_number) index serves the import's lookups (decision 0021).
    campaign = models.ForeignKey(
        "campaign.Campaign",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=1, default="1")
    id_number = models.CharField(_("证件号码"), max_length=22, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=2, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=2, blank=True)
    education = models.CharField(_("文化程度"), max_length=2, blank=True)
    student_status = models.CharField(_("在校生状况"), max_length=2, blank=True)
    health = models.CharField(_("健康状况"), max_length=2, blank=True)
    labour_skill = models.CharField(_("劳动技能"), max_length=2, blank=True)
    work_status = models.CharField(_("务工状况"), max_length=2, blank=True)
    work_months = models.PositiveSmallIntegerField(_("务工时间（月）"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    extra = models.JSONField(_("其他名册字段"), default=dict, blank=True)

    class Meta:
        ordering = ["household", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["household", "seq"], name="register_member_unique_seq"),
            models.UniqueConstraint(
                fields=["campaign", "id_number"],
                condition=~models.Q(id_number=""),
                name="register_member_unique_id_number",
            ),
            models.CheckConstraint(
                condition=models.Q(sex__in=["", "1", "2"]), name="register_member_sex_code"
            ),
            models.CheckConstraint(
                condition=models.Q(work_months__isnull=True) | models.Q(work_months__lte=12),
                name="register_member_work_months_0_12",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"
