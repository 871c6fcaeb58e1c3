"""Reads of teams, scoped by where the team is posted."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.team.models import Team


def team_list(*, actor: Any, campaign_id: int) -> QuerySet[Team]:
    """Teams of the campaign visible to ``actor``: those posted in their scope, and their own."""
    scope = scope_of(actor)
    visible = scope.q(Perm.AREA_VIEW, "posted_area_id") & (
        scope.q(Perm.TEAM_MANAGE, "posted_area_id")
        | scope.q(Perm.SUBMISSION_VIEW, "posted_area_id")
        | Q(supervisor_id=getattr(actor, "pk", None))
        | Q(members__user_id=getattr(actor, "pk", None))
    )
    return (
        Team.objects.filter(visible, campaign_id=campaign_id)
        .select_related("posted_area", "supervisor__home_township")
        .prefetch_related("members__user__home_township")
        .distinct()
        .order_by("code")
    )


def access_team(*, actor: Any, team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).select_related("campaign").first()
    if team is None:
        raise ApplicationError(NOT_FOUND)
    found = team_list(actor=actor, campaign_id=team.campaign_id).filter(pk=team_id).first()
    if found is None:
        raise ApplicationError(NOT_FOUND)
    return found


def team_of_enumerator(*, user: Any, campaign_id: int) -> Team | None:
    return Team.objects.filter(campaign_id=campaign_id, members__user=user).first()
