"""The administrative division tree.

Villages as they stood before a merger (建制调整前) stay in the tree with
``is_current=False`` and ``successor`` pointing at today's village; census units refer to
them, because the survey is organised by the villages of the register.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from povcensus.geography.codes import Level


class AreaLevel(models.IntegerChoices):
    PROVINCE = Level.PROVINCE, _("省")
    PREFECTURE = Level.PREFECTURE, _("地市")
    COUNTY = Level.COUNTY, _("县区")
    TOWNSHIP = Level.TOWNSHIP, _("乡镇")
    VILLAGE = Level.VILLAGE, _("行政村")
    GROUP = Level.GROUP, _("村民小组")


class Area(models.Model):
    code = models.CharField(_("区划代码"), max_length=15, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=AreaLevel)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_current = models.BooleanField(_("现行区划"), default=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("调整后所属村"),
    )

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(successor__isnull=True) | models.Q(is_current=False),
                name="geography_area_successor_only_for_former",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
