"""Area acceptance (审核验收): a township or a county accepted as a whole.

Kept apart from the case models (``models.py`` imports it) because it is written only by
``acceptance.area_accept``.  Invariants (database): one acceptance per campaign and area;
the level is township or county; who accepted and when are always recorded, with the name
as signed (like the listing's electronic seals, it survives a renamed account).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AcceptanceLevel(models.TextChoices):
    TOWNSHIP = "township", _("乡镇")  # every case township-checked or higher, listings approved
    COUNTY = "county", _("县")  # every case county-accepted or higher, townships accepted


class AreaAcceptance(models.Model):
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(
        "geography.Area", on_delete=models.PROTECT, related_name="+", db_column="area_code"
    )
    level = models.CharField(_("验收级别"), max_length=10, choices=AcceptanceLevel)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_name = models.CharField(_("验收人"), max_length=50)
    accepted_at = models.DateTimeField(_("验收时间"))
    # Figures at the moment of acceptance: cases by state, totals (kept for the report).
    summary = models.JSONField(default=dict)

    class Meta:
        ordering = ["campaign", "area_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "area"], name="review_one_acceptance_per_area"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=["township", "county"]),
                name="review_acceptance_known_level",
            ),
            models.CheckConstraint(
                condition=~models.Q(accepted_name=""), name="review_acceptance_has_signer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} accepted ({self.level})"
