"""Checks shared by the assignment services: the cross-township rule and team eligibility."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import DatabaseError, transaction

from povcensus.assignment import db_guard, errors
from povcensus.campaign.models import Campaign
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area
from povcensus.team.models import Team, TeamMember


def team_homes(team_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Team id → home township code → username of the enumerator living there."""
    homes: dict[int, dict[str, str]] = defaultdict(dict)
    rows = TeamMember.objects.filter(team_id__in=list(team_ids)).values_list(
        "team_id", "user__home_township_id", "user__username"
    )
    for team_id, township, username in rows:
        if township:
            homes[team_id][township] = username
    return dict(homes)


def _township_name(code: str) -> str:
    name = Area.objects.filter(code=code).values_list("name", flat=True).first()
    return f"{name}（{code}）" if name else code


def check_cross_township(*, team_id: int, township_codes: Iterable[str]) -> None:
    """Refuse units in the home township of one of the team's enumerators (乡级交叉).

    Raises ``assignment.cross_township`` naming the enumerator and the township.
    """
    homes = team_homes([team_id]).get(team_id, {})
    for township in sorted(set(township_codes)):
        if township in homes:
            raise ApplicationError(
                errors.CROSS_TOWNSHIP,
                username=homes[township],
                township=_township_name(township),
            )


def check_posted_area(*, team: Team, village_code: str) -> None:
    """Refuse a unit outside the township or county the team is posted to."""
    if not codes.is_within(village_code, team.posted_area_id):
        raise ApplicationError(
            errors.OUTSIDE_POSTED_AREA,
            team=team.code,
            posted=team.posted_area.name,
            village=village_code,
        )


def campaign_team(*, campaign: Campaign, team_id: int) -> Team:
    """The campaign's team ``team_id`` (not found otherwise); refuse a team off duty."""
    team = Team.objects.select_related("posted_area").filter(pk=team_id, campaign=campaign).first()
    if team is None:
        raise ApplicationError(NOT_FOUND)
    if not team.is_active:
        raise ApplicationError(errors.TEAM_INACTIVE, team=team.code)
    return team


def check_home_township_change(*, user: Any, township_code: str | None) -> None:
    """Refuse a new home township where one of the user's teams already has units (乡级交叉)."""
    from povcensus.assignment.models import Assignment

    if not township_code:
        return
    team_ids = TeamMember.objects.filter(user=user).values_list("team_id", flat=True)
    if Assignment.objects.filter(team_id__in=team_ids, township_code=township_code).exists():
        raise ApplicationError(
            errors.CROSS_TOWNSHIP, username=user.username, township=_township_name(township_code)
        )


@contextlib.contextmanager
def database_rule_guard(pairs: Iterable[tuple[int, str]] = ()) -> Iterator[None]:
    """Run writes in a savepoint; turn the database's cross-township refusal into the coded error.

    ``pairs`` (team id, township code) are the writes' units, used to name the enumerator
    and township in the error; the triggers in ``db_guard`` are the last line of defence
    behind the services' own checks.
    """
    try:
        with transaction.atomic():
            yield
    except DatabaseError as exc:
        if db_guard.is_cross_township_refusal(exc):
            for team_id, township in pairs:
                check_cross_township(team_id=team_id, township_codes=[township])
            raise ApplicationError(errors.CROSS_TOWNSHIP, username="—", township="—") from exc
        if db_guard.is_unit_mismatch_refusal(exc):
            raise ApplicationError(errors.UNIT_MISMATCH) from exc
        raise
