"""Rule books stored per campaign: versioned, one active at a time.

A version keeps the YAML it was loaded from (``sources``), so what a record was checked
against can always be shown again; the compiled form is rebuilt from it on demand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleBookVersion(models.Model):
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="rule_books"
    )
    number = models.PositiveIntegerField(_("版本序号"))  # 1, 2, 3 … per campaign
    label = models.CharField(_("版本号"), max_length=64)  # the YAML ``version``
    title = models.CharField(_("名称"), max_length=200)
    sources = models.JSONField(_("规则库文件"))  # [{"name": "household.yaml", "text": "…"}]
    digest = models.CharField(max_length=64)  # SHA-256 of the sources
    rule_count = models.PositiveIntegerField(default=0)
    hard_count = models.PositiveIntegerField(default=0)
    is_builtin = models.BooleanField(_("内置"), default=False)
    is_active = models.BooleanField(_("生效"), default=False)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"], name="rules_rulebook_unique_number"
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=models.Q(is_active=True),
                name="rules_rulebook_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} #{self.number} {self.label}"

    def source_pairs(self) -> list[tuple[str, str]]:
        return [(part["name"], part["text"]) for part in self.sources]


class Severity(models.TextChoices):
    HARD = "hard", _("必要审核关系")  # must pass
    SOFT = "soft", _("核实性审核关系")  # must be verified and explained


class SubmissionCheck(models.Model):
    """The outcome of checking one submission version against one rule book version.

    Written on arrival (``rules.tasks.check_submission``) and replaced in bulk by the
    whole-census job.  ``indicators`` holds the exit test: indicator id →
    ``{"status": "assured" | "not_assured" | "not_applicable", "reasons": [[rule_id,
    member_index], …]}`` (empty for a village questionnaire).
    """

    submission = models.ForeignKey(
        "collection.Submission", on_delete=models.CASCADE, related_name="rule_checks"
    )
    rulebook = models.ForeignKey(RuleBookVersion, on_delete=models.CASCADE, related_name="checks")
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField()
    hard_failures = models.PositiveIntegerField(default=0)
    soft_failures = models.PositiveIntegerField(default=0)
    indicators = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "rulebook"], name="rules_check_one_per_version"
            )
        ]
        indexes = [models.Index(fields=["rulebook", "campaign"], name="rules_check_book")]

    def __str__(self) -> str:
        return f"{self.submission_id}@{self.rulebook_id}"


class RuleFailure(models.Model):
    """One failed rule of a submission version (a member rule: one row per failing member).

    ``area_code`` (the submission's village), ``team`` and ``enumerator`` (who submitted)
    are copied from the submission so that reports group without joins.
    """

    submission = models.ForeignKey(
        "collection.Submission", on_delete=models.CASCADE, related_name="rule_failures"
    )
    rulebook = models.ForeignKey(RuleBookVersion, on_delete=models.CASCADE, related_name="failures")
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE, related_name="+")
    rule_id = models.CharField(max_length=64)
    severity = models.CharField(max_length=4, choices=Severity)
    level = models.CharField(max_length=16)
    member_index = models.PositiveSmallIntegerField(null=True, blank=True)
    message_zh = models.TextField(blank=True)
    message_en = models.TextField(blank=True)
    fields = models.JSONField(default=list, blank=True)
    area_code = models.CharField(max_length=15)
    team = models.ForeignKey(
        "team.Team",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    enumerator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        ordering = ["submission", "id"]
        indexes = [
            models.Index(fields=["submission", "rulebook"], name="rules_failure_submission"),
            models.Index(fields=["rulebook", "rule_id"], name="rules_failure_rule"),
            models.Index(fields=["rulebook", "area_code"], name="rules_failure_area"),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.rule_id}#{self.member_index or ''}"


class Explanation(models.Model):
    """Why a soft failure is not an error (核实说明), recorded by the enumerator or supervisor.

    Keyed by the questionnaire instance (``root_instance_id``, the first version's
    instanceID) with the rule and member, so it carries over to later versions of the same
    case as long as the rule still fails for that member.
    """

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.CASCADE, related_name="+")
    root_instance_id = models.CharField(max_length=80)
    rule_id = models.CharField(max_length=64)
    member_index = models.PositiveSmallIntegerField(null=True, blank=True)
    area_code = models.CharField(max_length=15)
    text = models.TextField(_("核实说明"))
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    explained_at = models.DateTimeField()

    class Meta:
        ordering = ["root_instance_id", "rule_id", "member_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["root_instance_id", "rule_id", "member_index"],
                condition=models.Q(member_index__isnull=False),
                name="rules_explanation_unique_member",
            ),
            models.UniqueConstraint(
                fields=["root_instance_id", "rule_id"],
                condition=models.Q(member_index__isnull=True),
                name="rules_explanation_unique_household",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "area_code"], name="rules_explanation_area")]

    def __str__(self) -> str:
        return f"{self.root_instance_id} {self.rule_id}#{self.member_index or ''}"
