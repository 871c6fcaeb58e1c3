"""Enumerator teams (调查小组): exactly two enumerators and one supervisor, per campaign.

A team is posted to a township (or a county, for county-wide assignment).  The
cross-township rule (乡级交叉): neither enumerator's home township may be the township a
unit they survey lies in; a team posted to a township is checked against it at once, and
the assignment app enforces the rule for every unit (also in the database).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="teams"
    )
    code = models.CharField(_("小组编号"), max_length=20)
    name = models.CharField(_("小组名称"), max_length=50, blank=True)
    posted_area = models.ForeignKey(
        "geography.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("派驻区划")
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="supervised_teams",
        verbose_name=_("调查指导员"),
    )
    daily_capacity = models.PositiveSmallIntegerField(_("每日可调查户数"), default=8)
    is_active = models.BooleanField(_("在岗"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="team_team_unique_code"),
            models.CheckConstraint(
                condition=models.Q(daily_capacity__gte=1), name="team_team_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.code


class TeamMember(models.Model):
    """One of the two enumerators of a team (slot 1 or 2)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    # Denormalised from ``team`` so the database can refuse one enumerator in two teams
    # of the same campaign.
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships"
    )
    slot = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["team", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slot"], name="team_member_unique_slot"),
            models.UniqueConstraint(
                fields=["campaign", "user"], name="team_member_one_team_per_campaign"
            ),
            models.CheckConstraint(
                condition=models.Q(slot__in=[1, 2]), name="team_member_two_slots"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id}#{self.slot} {self.user_id}"
