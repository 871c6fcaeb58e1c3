"""Area scoping: role × action × (in scope, out of scope) → allowed or not found.

Every protected read goes through an access selector; an out-of-scope object must be
indistinguishable from a missing one (the same 404 and the same code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from povcensus.accounts.models import RoleGrant, User
from povcensus.accounts.roles import Role
from povcensus.core.errors import ApplicationError
from povcensus.geography.models import Area
from povcensus.register.models import Household, Member
from povcensus.register.selectors import access_household
from povcensus.team.selectors import access_team

pytestmark = pytest.mark.django_db

ALLOWED, NOT_FOUND = "allowed", "not found"


@dataclass
class Targets:
    in_village: Any  # household in 金山村 (431202110201)
    other_village: Any  # household in 石桥村, same township
    other_township: Any  # household in 银河乡, same county
    other_county: Any  # household in another county
    users: dict[str, Any]


def _household(campaign: Any, village: str, number: str) -> Household:
    household = Household.objects.create(
        campaign=campaign, number=number, village_id=village, head_name="测试户主"
    )
    Member.objects.create(
        household=household, campaign=campaign, seq=1, name="测试户主", relation="01", sex="1"
    )
    return household


@pytest.fixture
def targets(world: Any) -> Targets:
    Area.objects.create(code="431202111201", name="银河村", level=5, parent_id="431202111000")
    Area.objects.create(code="431299000000", name="外县", level=3, parent_id="431200000000")
    Area.objects.create(code="431299100000", name="外乡", level=4, parent_id="431299000000")
    Area.objects.create(code="431299100201", name="外村", level=5, parent_id="431299100000")
    campaign = world.campaign
    pure_admin = User.objects.create(username="pure_admin", full_name="管理员")
    RoleGrant.objects.create(user=pure_admin, role=Role.SYSTEM_ADMIN.value, area=None)
    return Targets(
        in_village=Household.objects.filter(campaign=campaign, village_id="431202110201").first(),
        other_village=Household.objects.filter(
            campaign=campaign, village_id="431202110202"
        ).first(),
        other_township=_household(campaign, "431202111201", "T-OTHER-TOWNSHIP"),
        other_county=_household(campaign, "431299100201", "T-OTHER-COUNTY"),
        users={u.username: u for u in User.objects.all()},
    )


# Reading a household's personal data (register.view).
#  user, in-scope target, out-of-scope target, expected in, expected out
HOUSEHOLD_TABLE = [
    ("jinshan_office", "in_village", "other_township", ALLOWED, NOT_FOUND),  # 普查办 @ township
    ("county_office", "other_township", "other_county", ALLOWED, NOT_FOUND),  # 普查办 @ county
    ("cun01", "in_village", "other_village", ALLOWED, NOT_FOUND),  # 村两委 @ village
    ("zdy01", "in_village", "other_township", ALLOWED, NOT_FOUND),  # 调查指导员 @ township
    (
        "county_reviewer",
        "other_township",
        "other_county",
        ALLOWED,
        NOT_FOUND,
    ),  # 审核验收员 @ county
    ("dcy01", "in_village", "other_township", NOT_FOUND, NOT_FOUND),  # 调查员: only via assignments
    ("analyst", "in_village", "other_county", NOT_FOUND, NOT_FOUND),  # 分析员: never personal data
    (
        "pure_admin",
        "in_village",
        "other_county",
        NOT_FOUND,
        NOT_FOUND,
    ),  # 系统管理员: no register role
    ("province_reviewer", "in_village", "other_county", ALLOWED, ALLOWED),  # province covers both
]


def _outcome(call: Any) -> str:
    try:
        call()
    except ApplicationError as error:
        return NOT_FOUND if error.code == "core.not_found" else f"refused with {error.code}"
    return ALLOWED


@pytest.mark.parametrize(("username", "inside", "outside", "want_in", "want_out"), HOUSEHOLD_TABLE)
def test_household_access(
    targets: Targets, username: str, inside: str, outside: str, want_in: str, want_out: str
) -> None:
    actor = targets.users[username]
    assert (
        _outcome(lambda: access_household(actor=actor, household_id=getattr(targets, inside).pk))
        == want_in
    )
    assert (
        _outcome(lambda: access_household(actor=actor, household_id=getattr(targets, outside).pk))
        == want_out
    )


def test_missing_and_out_of_scope_households_look_the_same(targets: Targets) -> None:
    actor = targets.users["cun01"]
    with pytest.raises(ApplicationError) as out_of_scope:
        access_household(actor=actor, household_id=targets.other_village.pk)
    with pytest.raises(ApplicationError) as missing:
        access_household(actor=actor, household_id=10**9)
    assert out_of_scope.value.as_dict() == missing.value.as_dict()


# Managing a staff account (user.manage), through the page.
USER_PAGE_TABLE = [
    ("jinshan_office", "dcy01", "yinhe_staff", 200, 404),
    ("county_office", "yinhe_staff", "waixian_staff", 200, 404),
    ("admin", "dcy01", "waixian_staff", 200, 200),
    ("cun01", "dcy01", "yinhe_staff", 404, 404),
    ("dcy01", "dcy02", "yinhe_staff", 404, 404),
    ("zdy01", "dcy01", "yinhe_staff", 404, 404),
    ("analyst", "dcy01", "yinhe_staff", 404, 404),
]


@pytest.mark.parametrize(("username", "inside", "outside", "want_in", "want_out"), USER_PAGE_TABLE)
def test_user_page_access(
    targets: Targets,
    client: Any,
    username: str,
    inside: str,
    outside: str,
    want_in: int,
    want_out: int,
) -> None:
    for name, area in (("yinhe_staff", "431202111201"), ("waixian_staff", "431299100201")):
        user = User.objects.create(username=name, full_name=name)
        RoleGrant.objects.create(user=user, role=Role.VILLAGE_CADRE.value, area_id=area)
    client.force_login(targets.users[username])
    assert (
        client.get(f"/accounts/users/{User.objects.get(username=inside).pk}/").status_code
        == want_in
    )
    response = client.get(f"/accounts/users/{User.objects.get(username=outside).pk}/")
    assert response.status_code == want_out
    if want_out == 404:
        assert "core.not_found" in response.content.decode()


# Seeing a team (its members' names and phones).
TEAM_TABLE = [
    ("jinshan_office", ALLOWED),
    ("county_office", ALLOWED),
    ("zdy01", ALLOWED),  # supervises T01
    ("zdy02", ALLOWED),  # supervises T03–T04, but oversees the whole township's fieldwork
    ("dcy01", ALLOWED),  # member of T01
    ("dcy03", NOT_FOUND),  # member of T02
    ("cun01", NOT_FOUND),
    ("analyst", NOT_FOUND),
]


@pytest.mark.parametrize(("username", "expected"), TEAM_TABLE)
def test_team_access(world: Any, username: str, expected: str) -> None:
    team = world.campaign.teams.get(code="T01")
    actor = User.objects.get(username=username)
    assert _outcome(lambda: access_team(actor=actor, team_id=team.pk)) == expected
