"""乡级交叉: no path can give an enumerator a unit in their own home township.

Team TX has an enumerator living in 银河乡; a household of 银河村 (银河乡) must never be
TX's.  Every path is tried: services, pages, the API, bulk upload, reassignment,
automatic assignment, the ORM (as the admin would), raw SQL, team member changes, home
township changes and moving the household itself.  Services answer with the coded error
``assignment.cross_township``; below them the database refuses.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from openpyxl import Workbook

from povcensus.accounts.services import user_update
from povcensus.assignment import db_guard
from povcensus.assignment.models import Assignment, AssignmentChange, UnitKind
from povcensus.assignment.services import (
    assignment_reassign,
    assignment_upload,
    auto_assign_apply,
    units_assign,
)
from povcensus.assignment.tests.conftest import COUNTY, YINHE, YINHE_VILLAGE, Yinhe
from povcensus.audit.models import AuditEvent
from povcensus.core import db_triggers
from povcensus.core.errors import ApplicationError
from povcensus.register.models import Household
from povcensus.team.models import Team, TeamMember

pytestmark = pytest.mark.django_db
RULE = "assignment.cross_township"


def _refused_by_database(write: Callable[[], Any], marker: str = RULE) -> None:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        write()
    assert marker in str(refusal.value)


def _counts() -> tuple[int, int, int]:
    return Assignment.objects.count(), AssignmentChange.objects.count(), AuditEvent.objects.count()


def _safe_assignment(world: Any, yinhe: Yinhe) -> Assignment:
    (row,) = units_assign(
        actor=world.user("county_office"),
        campaign=world.campaign,
        team_id=yinhe.safe_team.pk,
        household_ids=[yinhe.household.pk],
    )
    return row


def test_the_database_guard_is_installed() -> None:
    assert db_guard.installed(connection) == db_guard.TRIGGER_NAMES[connection.vendor]


def test_guard_is_lifted_for_migrate_on_sqlite_and_comes_back() -> None:
    """SQLite table rebuilds would trip over the triggers: pre_migrate lifts, post_migrate restores."""
    expected = db_guard.TRIGGER_NAMES[connection.vendor]
    db_triggers.lift_for_migrate(using="default")
    assert db_guard.installed(connection) == (set() if connection.vendor == "sqlite" else expected)
    db_guard.remove(connection)
    db_triggers.ensure_installed(using="default")
    assert db_guard.installed(connection) == expected


def test_service_refuses_with_the_rule_named(world: Any, yinhe: Yinhe) -> None:
    before = _counts()
    with pytest.raises(ApplicationError) as refusal:
        units_assign(
            actor=world.user("county_office"),
            campaign=world.campaign,
            team_id=yinhe.home_team.pk,
            household_ids=[yinhe.household.pk],
        )
    assert refusal.value.code == RULE
    assert refusal.value.status == 409
    assert refusal.value.details["username"] == "yh_home"
    assert YINHE in refusal.value.details["township"]
    assert "乡级交叉" in refusal.value.message
    assert _counts() == before


def test_page_refuses(world: Any, yinhe: Yinhe, client_for: Any) -> None:
    before = _counts()
    response = client_for("county_office").post(
        f"/assignment/units/unassigned/?area={COUNTY}",
        {"team": yinhe.home_team.pk, "household": [yinhe.household.pk]},
        follow=True,
    )
    assert RULE in response.content.decode()
    assert _counts() == before


def test_api_refuses(world: Any, yinhe: Yinhe, client_for: Any) -> None:
    response = client_for("county_office").post(
        "/api/assignment/units/assign",
        {"team_id": yinhe.home_team.pk, "household_ids": [yinhe.household.pk]},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == RULE
    assert not Assignment.objects.filter(household=yinhe.household).exists()


def test_reassignment_refuses_through_service_page_and_api(
    world: Any, yinhe: Yinhe, client_for: Any
) -> None:
    row = _safe_assignment(world, yinhe)
    with pytest.raises(ApplicationError) as refusal:
        assignment_reassign(
            actor=world.user("county_office"),
            assignment_id=row.pk,
            team_id=yinhe.home_team.pk,
            reason="人手调整",
        )
    assert refusal.value.code == RULE
    client = client_for("county_office")
    page = client.post(
        f"/assignment/units/{row.pk}/reassign/",
        {"team": yinhe.home_team.pk, "reason": "人手调整"},
        follow=True,
    )
    assert RULE in page.content.decode()
    api = client.post(
        f"/api/assignment/units/{row.pk}/reassign",
        {"team_id": yinhe.home_team.pk, "reason": "人手调整"},
        content_type="application/json",
    )
    assert api.status_code == 409
    assert api.json()["error"]["code"] == RULE
    row.refresh_from_db()
    assert row.team_id == yinhe.safe_team.pk


def _sheet(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["户编号", "行政村代码", "调查小组编号", "原因"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_bulk_upload_refuses_the_row_and_writes_nothing(world: Any, yinhe: Yinhe) -> None:
    data = _sheet([[yinhe.household.number, "", "TX", ""]])
    report = assignment_upload(
        actor=world.user("county_office"), campaign=world.campaign, data=data, dry_run=True
    )
    assert [e["code"] for e in report.rows[0].errors] == [RULE]
    before = _counts()
    with pytest.raises(ApplicationError) as refusal:
        assignment_upload(
            actor=world.user("county_office"), campaign=world.campaign, data=data, dry_run=False
        )
    assert refusal.value.code == "assignment.upload_rows_invalid"
    assert _counts() == before


def test_automatic_assignment_never_uses_the_home_team(world: Any, yinhe: Yinhe) -> None:
    plan = auto_assign_apply(
        actor=world.user("county_office"), campaign=world.campaign, area_code=COUNTY
    )
    assert plan.applied
    row = Assignment.objects.get(household=yinhe.household)
    assert row.team_id != yinhe.home_team.pk
    homes = {
        (m.team_id, m.user.home_township_id)
        for m in TeamMember.objects.select_related("user").filter(team__campaign=world.campaign)
    }
    for team_id, township in Assignment.objects.values_list("team_id", "township_code"):
        assert (team_id, township) not in homes


def test_orm_writes_are_refused_by_the_database(world: Any, yinhe: Yinhe) -> None:
    _refused_by_database(
        lambda: Assignment.objects.create(
            campaign=world.campaign,
            kind=UnitKind.HOUSEHOLD,
            household=yinhe.household,
            village_id=YINHE_VILLAGE,
            township_code=YINHE,
            team=yinhe.home_team,
            assigned_how="manual",
        )
    )
    row = _safe_assignment(world, yinhe)
    row.team = yinhe.home_team
    _refused_by_database(row.save)
    _refused_by_database(lambda: Assignment.objects.filter(pk=row.pk).update(team=yinhe.home_team))
    assert Assignment.objects.get(pk=row.pk).team_id == yinhe.safe_team.pk


def test_raw_sql_is_refused_by_the_database(world: Any, yinhe: Yinhe) -> None:
    now = timezone.now()

    def insert() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO assignment_assignment (kind, township_code, status, assigned_how,"
                " assigned_at, updated_at, campaign_id, household_id, team_id, village_code)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                ["household", YINHE, "pending", "manual", now, now, world.campaign.pk,
                 yinhe.household.pk, yinhe.home_team.pk, YINHE_VILLAGE],
            )  # fmt: skip

    _refused_by_database(insert)
    row = _safe_assignment(world, yinhe)

    def update() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE assignment_assignment SET team_id = %s WHERE id = %s",
                [yinhe.home_team.pk, row.pk],
            )

    _refused_by_database(update)


def test_each_row_is_consistent_with_its_unit(world: Any, yinhe: Yinhe) -> None:
    """Village, campaign and team must be the unit's own; the database checks each."""
    from povcensus.campaign.models import Campaign

    other_campaign = Campaign.objects.create(
        code="other", name="另一个项目", area_id=COUNTY, year=2023,
        reference_date=world.campaign.reference_date, income_line=4000,
    )  # fmt: skip
    base = {
        "campaign": world.campaign,
        "kind": UnitKind.HOUSEHOLD,
        "household": yinhe.household,
        "village_id": YINHE_VILLAGE,
        "township_code": YINHE,
        "team": yinhe.safe_team,
        "assigned_how": "manual",
    }
    wrong: list[dict[str, Any]] = [
        {"village_id": "431202110201", "township_code": "431202110000"},  # not its village
        {"campaign": other_campaign},  # not its campaign
        {"kind": UnitKind.VILLAGE, "household": None, "village_id": "431202111299"},  # no village
        {"assigned_by_id": 999_999},  # no such user
    ]
    for change in wrong:

        def create(change: dict[str, Any] = change) -> None:
            Assignment.objects.create(**{**base, **change})

        _refused_by_database(create, marker=db_guard.UNIT_MISMATCH_MARKER)
    row = _safe_assignment(world, yinhe)
    _refused_by_database(
        lambda: Assignment.objects.filter(pk=row.pk).update(campaign=other_campaign),
        marker=db_guard.UNIT_MISMATCH_MARKER,
    )
    _refused_by_database(
        lambda: Assignment.objects.filter(pk=row.pk).update(team_id=999_999),
        marker=db_guard.UNIT_MISMATCH_MARKER,
    )
    _refused_by_database(
        lambda: Assignment.objects.filter(pk=row.pk).update(household_id=999_999),
        marker=db_guard.UNIT_MISMATCH_MARKER,
    )
    # Deleting what an assignment refers to is refused (Django's PROTECT).
    with pytest.raises(ProtectedError), transaction.atomic():
        Household.objects.filter(pk=yinhe.household.pk).delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        yinhe.safe_team.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=row.pk).update(township_code="431202110000")


def test_team_member_changes_are_refused(world: Any, yinhe: Yinhe) -> None:
    """TY has a 银河乡 unit: no enumerator living in 银河乡 may join it, by any write."""
    _safe_assignment(world, yinhe)
    incoming = yinhe.home_user
    TeamMember.objects.filter(user=incoming).delete()  # free them from TX first
    member = TeamMember.objects.get(team=yinhe.safe_team, slot=2)
    member.user = incoming
    _refused_by_database(member.save)

    def raw_update() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE team_teammember SET user_id = %s WHERE id = %s", [incoming.pk, member.pk]
            )

    _refused_by_database(raw_update)
    TeamMember.objects.filter(pk=member.pk).delete()
    _refused_by_database(
        lambda: TeamMember.objects.create(
            team=yinhe.safe_team, campaign=world.campaign, user=incoming, slot=2
        )
    )
    assert not TeamMember.objects.filter(team=yinhe.safe_team, user=incoming).exists()


def test_home_township_changes_are_refused(world: Any, yinhe: Yinhe, client_for: Any) -> None:
    _safe_assignment(world, yinhe)
    member = yinhe.safe_users[0]
    with pytest.raises(ApplicationError) as refusal:
        user_update(
            actor=world.user("county_office"),
            user=member,
            full_name=member.full_name,
            phone="",
            home_township_code=YINHE,
        )
    assert refusal.value.code == RULE
    assert refusal.value.details["username"] == member.username
    page = client_for("county_office").post(
        f"/accounts/users/{member.pk}/",
        {"op": "edit", "full_name": member.full_name, "phone": "", "home_township_code": YINHE},
    )
    assert RULE in page.content.decode()
    member.home_township_id = YINHE
    _refused_by_database(member.save)

    def raw_update() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_user SET home_township_id = %s WHERE id = %s", [YINHE, member.pk]
            )

    _refused_by_database(raw_update)
    member.refresh_from_db()
    assert member.home_township_id != YINHE


def test_moving_a_household_into_its_teams_home_township_is_refused(world: Any) -> None:
    """T01's enumerators live in 银河乡: one of its households cannot move there."""
    from povcensus.geography.models import Area

    Area.objects.create(code=YINHE_VILLAGE, name="银河村", level=5, parent_id=YINHE)
    t01 = Team.objects.get(campaign=world.campaign, code="T01")
    row = Assignment.objects.filter(team=t01, kind=UnitKind.HOUSEHOLD).first()
    assert row is not None
    household_id = row.household_id or 0
    _refused_by_database(
        lambda: Household.objects.filter(pk=household_id).update(village_id=YINHE_VILLAGE)
    )
    # A move that breaks no rule carries the new village onto the assignment row.
    t02_row = Assignment.objects.filter(
        team__code="T02", kind=UnitKind.HOUSEHOLD, campaign=world.campaign
    ).first()
    assert t02_row is not None
    Household.objects.filter(pk=t02_row.household_id or 0).update(village_id=YINHE_VILLAGE)
    t02_row.refresh_from_db()
    assert (t02_row.village_id, t02_row.township_code) == (YINHE_VILLAGE, YINHE)
