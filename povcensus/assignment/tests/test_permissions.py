"""Who may do what: every demo role × every assignment action → allowed, refused or not found.

The unit used is one of team T01's households in the demo (T01 = dcy01 + dcy02,
supervised by zdy01); "own cadre" is the village cadre of that household's village.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest

from povcensus.assignment.models import Assignment, UnitKind
from povcensus.assignment.selectors import access_assigned_household, access_team_plan, worklist
from povcensus.assignment.services import (
    appointment_record,
    assignment_reassign,
    assignment_upload,
    auto_assign_apply,
    auto_assign_preview,
    guide_record,
    non_interview_record,
    notice_list_export,
)
from povcensus.assignment.tests.conftest import TOWN
from povcensus.core.errors import ApplicationError
from povcensus.devtools.listing_demo import demo_evidence_png
from povcensus.team.models import Team

pytestmark = pytest.mark.django_db

OK, GONE, DENIED = "allowed", "not found", "refused: core.permission_denied"
NOT_YOURS = "refused: assignment.not_your_unit"
EMPTY = "empty"

ACTIONS = [
    "preview",
    "apply",
    "reassign",
    "upload",
    "book",
    "guide",
    "notices",
    "worklist",
    "plan",
    "non_interview",
    "household",
]
# role → expected outcome per action, in the order of ACTIONS
TABLE: dict[str, tuple[str, ...]] = {
    # 系统管理员 + 普查办 @ province
    "admin": (OK, OK, OK, OK, OK, OK, OK, EMPTY, OK, GONE, GONE),
    # 普查办 @ township and @ county
    "jinshan_office": (OK, OK, OK, OK, OK, OK, OK, EMPTY, OK, GONE, GONE),
    "county_office": (OK, OK, OK, OK, OK, OK, OK, EMPTY, OK, GONE, GONE),
    # 审核验收员, 数据分析员: nothing here
    "county_reviewer": (DENIED, DENIED, GONE, DENIED, GONE, GONE, GONE, EMPTY, GONE, GONE, GONE),
    "province_reviewer": (DENIED, DENIED, GONE, DENIED, GONE, GONE, GONE, EMPTY, GONE, GONE, GONE),
    "analyst": (DENIED, DENIED, GONE, DENIED, GONE, GONE, GONE, EMPTY, GONE, GONE, GONE),
    # 村两委 of the unit's village: appointments, guides, notices; sees the unit, cannot move it
    "own_cadre": (DENIED, DENIED, DENIED, DENIED, OK, OK, OK, EMPTY, GONE, GONE, GONE),
    "other_cadre": (DENIED, DENIED, GONE, DENIED, GONE, GONE, GONE, EMPTY, GONE, GONE, GONE),
    # 调查指导员 of T01, and of other teams
    "zdy01": (DENIED, DENIED, DENIED, DENIED, GONE, GONE, GONE, OK, OK, NOT_YOURS, OK),
    "zdy03": (DENIED, DENIED, GONE, DENIED, GONE, GONE, GONE, OK, GONE, GONE, GONE),
    # 调查员 of T01, and of T02
    "dcy01": (DENIED, DENIED, DENIED, DENIED, GONE, GONE, GONE, OK, OK, OK, OK),
    "dcy03": (DENIED, DENIED, GONE, DENIED, GONE, GONE, GONE, OK, GONE, GONE, GONE),
}


@dataclass
class Setting:
    world: Any
    unit: Assignment
    own_cadre: str
    other_cadre: str


@pytest.fixture
def setting(world: Any) -> Setting:
    unit = (
        Assignment.objects.filter(
            team__code="T01", kind=UnitKind.HOUSEHOLD, appointment__isnull=True
        )
        .select_related("household")
        .first()
    )
    assert unit is not None
    number = int(unit.village_id[-3:]) - 200
    # Leave one household of another team unassigned so that "apply" has work to do.
    spare = Assignment.objects.filter(
        kind=UnitKind.HOUSEHOLD, appointment__isnull=True, team__code="T08"
    ).first()
    assert spare is not None
    spare.delete()
    return Setting(world, unit, f"cun{number:02d}", f"cun{number % 16 + 1:02d}")


def _upload_sheet(number: str) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["户编号", "调查小组编号", "原因"])
    book.active.append([number, "T02", "调整"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _action(name: str, s: Setting, actor: Any) -> Callable[[], Any]:
    campaign, unit = s.world.campaign, s.unit
    t01 = Team.objects.get(campaign=campaign, code="T01")
    t02 = Team.objects.get(campaign=campaign, code="T02")
    return {
        "preview": lambda: auto_assign_preview(actor=actor, campaign=campaign, area_code=TOWN),
        "apply": lambda: auto_assign_apply(actor=actor, campaign=campaign, area_code=TOWN),
        "reassign": lambda: assignment_reassign(
            actor=actor, assignment_id=unit.pk, team_id=t02.pk, reason="测试"
        ),
        "upload": lambda: assignment_upload(
            actor=actor,
            campaign=campaign,
            data=_upload_sheet(unit.household.number),  # type: ignore[union-attr]
            dry_run=True,
        ),
        "book": lambda: appointment_record(
            actor=actor, assignment_id=unit.pk, day=date(2023, 9, 20), starts_at=time(9)
        ),
        "guide": lambda: guide_record(
            actor=actor,
            campaign=campaign,
            team_id=t01.pk,
            village_code=unit.village_id,
            day=date(2023, 9, 20),
            name="引导员",
        ),
        "notices": lambda: notice_list_export(
            actor=actor, campaign=campaign, village_code=unit.village_id, fmt="xlsx"
        ),
        "worklist": lambda: worklist(actor=actor, day=date(2023, 9, 8)),
        "plan": lambda: access_team_plan(actor=actor, team_id=t01.pk),
        "non_interview": lambda: non_interview_record(
            actor=actor,
            assignment_id=unit.pk,
            reason="refused",
            explanation="拒访",
            photos=[("a.png", demo_evidence_png("x"))],
        ),
        "household": lambda: access_assigned_household(
            actor=actor,
            household_id=unit.household_id,  # type: ignore[arg-type]
        ),
    }[name]


def _outcome(call: Callable[[], Any]) -> str:
    try:
        result = call()
    except ApplicationError as error:
        return GONE if error.code == "core.not_found" else f"refused: {error.code}"
    if hasattr(result, "teams") and hasattr(result, "today"):  # a worklist
        return OK if result.teams and (result.today or result.others) else EMPTY
    return OK


@pytest.mark.parametrize("role", list(TABLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_role_action_table(setting: Setting, role: str, action: str) -> None:
    username = {"own_cadre": setting.own_cadre, "other_cadre": setting.other_cadre}.get(role, role)
    actor = setting.world.user(username)
    expected = TABLE[role][ACTIONS.index(action)]
    assert _outcome(_action(action, setting, actor)) == expected


PAGES = [
    # (username, url, status)
    ("jinshan_office", "/assignment/", 200),
    ("dcy01", "/assignment/", 403),
    ("cun01", "/assignment/", 403),
    ("analyst", "/assignment/", 403),
    ("cun01", "/assignment/appointments/", 302),
    ("jinshan_office", "/assignment/appointments/", 200),
    ("dcy01", "/assignment/appointments/", 403),
    ("dcy01", "/assignment/my/", 200),
    ("dcy01", "/assignment/upload/", 403),
    ("analyst", "/assignment/units/unassigned/", 403),
]


@pytest.mark.parametrize(("username", "url", "status"), PAGES)
def test_pages_by_role(world: Any, client_for: Any, username: str, url: str, status: int) -> None:
    assert client_for(username).get(url).status_code == status


def test_menu_entries_follow_permissions(world: Any, client_for: Any) -> None:
    office = client_for("jinshan_office").get("/").content.decode()
    assert "任务分配" in office
    assert "预约与引导" in office
    cadre = client_for("cun01").get("/").content.decode()
    assert "预约与引导" in cadre
    assert "任务分配" not in cadre
    enumerator = client_for("dcy01").get("/").content.decode()
    assert "我的任务" in enumerator
    assert "任务分配" not in enumerator
