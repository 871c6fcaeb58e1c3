"""Census campaigns (调查项目): the area, reference date, income line and timetable.

Everything collected belongs to one campaign.  The phases follow the work plan's
implementation steps (七、实施步骤), each with a deadline.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from povcensus.core.models import TimeStampedModel


class CampaignStatus(models.TextChoices):
    PLANNING = "planning", _("筹备中")  # set-up: register, accounts, forms
    ACTIVE = "active", _("进行中")  # fieldwork and review open
    CLOSED = "closed", _("已结束")  # accepted and archived; read-only


class PhaseKind(models.TextChoices):
    """Phases of a campaign, in the order of the work plan's implementation steps."""

    PLAN = "plan", _("制定调查方案")
    TRAINING = "training", _("调查业务培训")
    LISTING = "listing", _("清查摸底")
    VILLAGE_FORMS = "village_forms", _("填报村调查表")
    FIELD_PREPARATION = "field_preparation", _("现场登记准备")
    FIELD_REGISTRATION = "field_registration", _("调查现场登记")
    CENTRAL_ACCEPTANCE = "central_acceptance", _("集中审核验收")
    POST_ENUMERATION_RECHECK = "post_enumeration_recheck", _("事后质量抽查")


PHASE_ORDER = list(PhaseKind)


class IncomeLine(models.Model):
    """The per-capita net income line of a year, nationally or for one province.

    A province's own line overrides the national one (the 2020 exit test used 4,000 yuan;
    provinces set their own lines for later years).
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    province_code = models.CharField(_("省级区划代码"), max_length=12, blank=True)
    amount = models.DecimalField(_("人均纯收入标准（元）"), max_digits=9, decimal_places=2)
    source = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "province_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province_code"], name="campaign_incomeline_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="campaign_incomeline_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.province_code or '全国'} {self.amount}"


class Campaign(TimeStampedModel):
    code = models.SlugField(_("项目代码"), max_length=40, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    area = models.ForeignKey("geography.Area", on_delete=models.PROTECT, verbose_name=_("调查范围"))
    year = models.PositiveSmallIntegerField(_("调查年度"))
    reference_date = models.DateField(_("标准时点"))
    income_line = models.DecimalField(_("收入标准线（元/人·年）"), max_digits=9, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=16, choices=CampaignStatus, default=CampaignStatus.PLANNING
    )

    class Meta:
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(income_line__gt=0), name="campaign_income_line_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignPhase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("阶段"), max_length=32, choices=PhaseKind)
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    deadline = models.DateField(_("截止日期"))

    class Meta:
        ordering = ["campaign", "deadline"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="campaign_phase_unique_kind"),
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(starts_on__lte=models.F("deadline")),
                name="campaign_phase_starts_before_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.get_kind_display()} → {self.deadline}"
