"""Questionnaires: XLSForm definitions, their versions, and the version each campaign uses.

A definition is one form id (``household``, ``village`` …).  Each upload of an XLSForm
makes or replaces a *draft* version; publishing freezes it: a published version's XLSForm
bytes, compiled XForm and md5 never change again (ODK Collect and submissions refer to
``form id + version``, and Collect compares ``md5:`` hashes).  Which published version a
campaign uses for each kind of form is a setting (``LiveForm``) changed only through an
audited service.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from povcensus.core.models import TimeStampedModel


class FormKind(models.TextChoices):
    HOUSEHOLD = "household", _("建档立卡户调查表")
    VILLAGE = "village", _("行政村调查表")
    LISTING = "listing", _("清查摸底表")
    RECHECK = "recheck", _("事后质量抽查表")
    OTHER = "other", _("其他表单")


class VersionState(models.TextChoices):
    DRAFT = (
        "draft",
        _("草稿"),
    )  # editable (re-upload replaces it), previewable, never used for fieldwork
    PUBLISHED = "published", _("已发布")  # frozen: bytes, XForm and md5 never change


class FormDefinition(TimeStampedModel):
    form_id = models.CharField(_("表单编号"), max_length=64, unique=True)
    title = models.CharField(_("表单名称"), max_length=200)
    kind = models.CharField(_("表单类别"), max_length=16, choices=FormKind)
    # The office area that owns the form: managing it needs form.manage there.
    area = models.ForeignKey(
        "geography.Area",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="area_code",
        verbose_name=_("所属区划"),
    )
    builtin = models.BooleanField(_("内置问卷"), default=False)

    class Meta:
        ordering = ["kind", "form_id"]

    def __str__(self) -> str:
        return f"{self.form_id} {self.title}"


class FormVersion(models.Model):
    definition = models.ForeignKey(
        FormDefinition, on_delete=models.PROTECT, related_name="versions"
    )
    version = models.CharField(_("版本号"), max_length=64)
    state = models.CharField(
        _("状态"), max_length=16, choices=VersionState, default=VersionState.DRAFT
    )
    title = models.CharField(_("表单名称"), max_length=200)
    filename = models.CharField(_("文件名"), max_length=200)
    xlsx = models.BinaryField(_("XLSForm 文件"))
    xlsx_sha256 = models.CharField(max_length=64)
    xform = models.TextField(_("XForm"))
    md5 = models.CharField(_("XForm md5"), max_length=32)
    # Files the form reads at run time (households.csv, members.csv, campaign.csv …).
    media_files = models.JSONField(_("附件文件"), default=list, blank=True)
    warnings = models.JSONField(_("提示"), default=list, blank=True)
    field_count = models.PositiveIntegerField(default=0)
    # False when ODK Validate could not run (no Java): pyxform's own checks passed.
    validated = models.BooleanField(_("已通过 ODK Validate 校验"), default=False)
    validator_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["definition", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "version"], name="questionnaires_version_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="published") | models.Q(published_at__isnull=False),
                name="questionnaires_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition.form_id} v{self.version} ({self.state})"

    @property
    def is_published(self) -> bool:
        return self.state == VersionState.PUBLISHED


class LiveForm(models.Model):
    """The published version a campaign uses for one kind of form."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="live_forms"
    )
    kind = models.CharField(_("表单类别"), max_length=16, choices=FormKind)
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="live_in")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["campaign", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="questionnaires_live_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.kind} → {self.version_id}"
