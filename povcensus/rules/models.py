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
