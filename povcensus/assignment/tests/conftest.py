"""Fixtures for the assignment tests: a clean slate, and a household in an enumerator's home township."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from povcensus.accounts.models import User
from povcensus.accounts.roles import Role
from povcensus.accounts.services import UserSpec, user_create_unchecked
from povcensus.assignment.models import (
    Appointment,
    AppointmentChange,
    Assignment,
    AssignmentChange,
    GuideDuty,
    NonInterview,
    NonInterviewEvidence,
)
from povcensus.geography.models import Area
from povcensus.listing.models import ListingEntry, ListingState, ListingStatus, VillageListing
from povcensus.register.models import Household
from povcensus.team.models import Team
from povcensus.team.services import team_create

COUNTY = "431202000000"
TOWN = "431202110000"  # 金山镇: where the demo's units are
YINHE = "431202111000"  # 银河乡: home of T01's enumerators
SHIMEN = "431202112000"  # 石门镇
QINGXI = "431202113000"  # 清溪乡
YINHE_VILLAGE = "431202111201"


def clear_assignments() -> None:
    """Forget every assignment of the demo (a clean slate inside the test's transaction)."""
    NonInterviewEvidence.objects.all().delete()
    NonInterview.objects.all().delete()
    AppointmentChange.objects.all().delete()
    Appointment.objects.all().delete()
    GuideDuty.objects.all().delete()
    AssignmentChange.objects.all().delete()
    Assignment.objects.all().delete()


@pytest.fixture
def fresh(world: Any) -> Any:
    clear_assignments()
    return world


@dataclass
class Yinhe:
    """A household of 银河乡, a team with an enumerator living there, and a team without."""

    household: Household
    home_team: Team  # TX: one enumerator's home township is 银河乡
    safe_team: Team  # TY: enumerators from 石门镇 and 清溪乡
    home_user: User
    safe_users: list[User]


def _enumerator(username: str, home: str) -> User:
    admin = User.objects.get(username="admin")
    user, _password = user_create_unchecked(
        actor=admin,
        spec=UserSpec(username, f"测试{username}", "", Role.ENUMERATOR, COUNTY, home),
    )
    return user


@pytest.fixture
def yinhe(world: Any) -> Yinhe:
    campaign = world.campaign
    Area.objects.create(code=YINHE_VILLAGE, name="银河村", level=5, parent_id=YINHE)
    household = Household.objects.create(
        campaign=campaign,
        number="431202111201000001",
        village_id=YINHE_VILLAGE,
        head_name="银河户主",
    )
    cadre = world.user("cun01")
    listing = VillageListing.objects.create(
        campaign=campaign,
        village_id=YINHE_VILLAGE,
        state=ListingState.APPROVED,
        village_signed_by=cadre,
        village_signed_at=datetime(2023, 9, 2, tzinfo=ZoneInfo("Asia/Shanghai")),
        township_signed_by=world.user("county_office"),
        township_signed_at=datetime(2023, 9, 3, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    ListingEntry.objects.create(listing=listing, household=household, status=ListingStatus.NORMAL)
    home_user = _enumerator("yh_home", YINHE)
    safe_users = [_enumerator("yh_safe1", SHIMEN), _enumerator("yh_safe2", QINGXI)]
    office = world.user("county_office")
    supervisor = world.user("zdy01")
    home_team = team_create(
        actor=office,
        campaign=campaign,
        code="TX",
        posted_area_code=COUNTY,
        supervisor=supervisor,
        enumerators=[home_user, _enumerator("yh_other", SHIMEN)],
    )
    safe_team = team_create(
        actor=office,
        campaign=campaign,
        code="TY",
        posted_area_code=COUNTY,
        supervisor=supervisor,
        enumerators=safe_users,
    )
    return Yinhe(household, home_team, safe_team, home_user, safe_users)
