"""调查人员账号创立: dry run reports every bad row with a code and writes nothing; commit is
all-or-nothing; initial passwords are shown once and downloadable once."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from povcensus.accounts.models import User
from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.team.models import Team
from povcensus.team.services import staff_import

pytestmark = pytest.mark.django_db

HEADER = ["用户名", "姓名", "手机号", "角色", "工作区划代码", "所在乡镇代码", "调查小组"]
GOOD = [
    ["yh01", "周敏", "13700000001", "调查员", "431202110000", "431202111000", "T21"],
    ["yh02", "吴刚", "13700000002", "调查员", "431202110000", "431202112000", "T21"],
    ["yhz1", "郑洁", "13700000003", "调查指导员", "431202110000", "431202113000", "T21"],
    ["cunx", "冯丽", "", "村两委/驻村工作队", "431202110204", "", ""],
]


def _xlsx(rows: list[list[str]], title_rows: int = 2) -> bytes:
    book = Workbook()
    sheet = book.active
    for i in range(title_rows):
        sheet.append([f"金山镇调查人员账号表（第{i + 1}行标题）"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_dry_run_of_good_sheet_writes_nothing(world: Any) -> None:
    office = world.user("jinshan_office")
    users, events = User.objects.count(), AuditEvent.objects.count()
    report = staff_import(actor=office, campaign=world.campaign, data=_xlsx(GOOD), dry_run=True)
    assert report.error_count == 0
    assert len(report.rows) == 4
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


BAD_ROWS = [
    (["yh03", "钱多", "123", "调查员", "431202110000", "431202111000", ""], "accounts.bad_phone"),
    (["yh04", "", "", "调查员", "431202110000", "431202111000", ""], "accounts.name_required"),
    (["yh05", "孙五", "", "调查员", "431202110000", "", ""], "accounts.home_township_required"),
    (["yh06", "李六", "", "队长", "431202110000", "", ""], "team.staff_unknown_role"),
    (["yh07", "王七", "", "调查员", "999999999999", "431202111000", ""], "accounts.unknown_area"),
    (
        ["dcy01", "重名", "", "调查员", "431202110000", "431202111000", ""],
        "team.staff_username_taken",
    ),
    (
        ["yh08", "赵八", "", "调查员", "431202110000", "431202110201", ""],
        "accounts.home_not_township",
    ),
    (["yh09", "越权", "", "村两委", "431202111000", "", ""], "accounts.grant_out_of_scope"),
    (["a b", "空格", "", "村两委", "431202110201", "", ""], "accounts.bad_username"),
    (["yh10", "钱十", "", "村两委", "431202110201", "", "T21"], "team.staff_team_for_wrong_role"),
]


@pytest.mark.parametrize(("row", "code"), BAD_ROWS)
def test_each_bad_row_gets_its_code(world: Any, row: list[str], code: str) -> None:
    report = staff_import(
        actor=world.user("jinshan_office"),
        campaign=world.campaign,
        data=_xlsx([*GOOD, row]),
        dry_run=True,
    )
    bad = [r for r in report.rows if r.errors]
    assert [r.row for r in bad] == [8]  # 2 title rows + header + 4 good rows
    assert code in [e["code"] for e in bad[0].errors]


def test_duplicate_username_within_the_sheet(world: Any) -> None:
    report = staff_import(
        actor=world.user("jinshan_office"),
        campaign=world.campaign,
        data=_xlsx([*GOOD, GOOD[3]]),
        dry_run=True,
    )
    assert [e["code"] for e in report.rows[-1].errors] == ["team.staff_duplicate_username"]


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([GOOD[0], GOOD[2]], "team.needs_two_enumerators"),
        ([GOOD[0], GOOD[1]], "team.needs_one_supervisor"),
        ([GOOD[0], [*GOOD[1][:5], "431202110000", "T21"], GOOD[2]], "team.cross_township"),
    ],
)
def test_team_rules(world: Any, rows: list[list[str]], code: str) -> None:
    report = staff_import(
        actor=world.user("jinshan_office"), campaign=world.campaign, data=_xlsx(rows), dry_run=True
    )
    assert code in [e["code"] for e in report.team_errors]


def test_commit_with_a_bad_row_writes_nothing(world: Any) -> None:
    users, teams = User.objects.count(), Team.objects.count()
    with pytest.raises(ApplicationError) as caught:
        staff_import(
            actor=world.user("jinshan_office"),
            campaign=world.campaign,
            data=_xlsx([*GOOD, BAD_ROWS[0][0]]),
            dry_run=False,
        )
    assert caught.value.code == "team.staff_rows_invalid"
    assert (User.objects.count(), Team.objects.count()) == (users, teams)


def test_missing_columns_are_named(world: Any) -> None:
    book = Workbook()
    book.active.append(["用户名", "姓名"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ApplicationError) as caught:
        staff_import(
            actor=world.user("jinshan_office"),
            campaign=world.campaign,
            data=out.getvalue(),
            dry_run=True,
        )
    assert caught.value.code == "team.staff_missing_columns"
    assert "角色" in caught.value.message


def test_csv_in_gb18030_is_read_too(world: Any) -> None:
    text = "\n".join(",".join(r) for r in [HEADER, *GOOD]).encode("gb18030")
    report = staff_import(
        actor=world.user("jinshan_office"), campaign=world.campaign, data=text, dry_run=True
    )
    assert report.error_count == 0
    assert report.rows[0].full_name == "周敏"


def test_upload_commit_then_passwords_once(client_for: Any, world: Any) -> None:
    client = client_for("jinshan_office")
    upload = io.BytesIO(_xlsx(GOOD))
    upload.name = "staff.xlsx"
    checked = client.post("/teams/staff-import/", {"file": upload})
    assert "全部通过检查" in checked.content.decode()
    assert not User.objects.filter(username="yh01").exists()

    done = client.post("/teams/staff-import/", {"op": "commit"})
    page = done.content.decode()
    credentials = done.context["report"].credentials()
    assert len(credentials) == 4
    assert all(c["password"] in page for c in credentials)
    user = User.objects.get(username="yh01")
    assert user.must_change_password
    assert user.check_password(credentials[0]["password"])
    team = Team.objects.get(campaign=world.campaign, code="T21")
    assert sorted(m.user.username for m in team.members.all()) == ["yh01", "yh02"]
    assert team.supervisor.username == "yhz1"

    url = f"/teams/staff-import/credentials/{done.context['batch']}.xlsx"
    first = client.get(url)
    assert first.status_code == 200
    sheet = load_workbook(io.BytesIO(first.content)).active
    assert credentials[0]["password"] in [c.value for row in sheet.iter_rows() for c in row]
    second = client.get(url)
    assert second.status_code == 410
    assert "team.credentials_gone" in second.content.decode()
    assert AuditEvent.objects.filter(action="team.credentials_downloaded").count() == 1
    # No password ever reaches the audit log.
    assert not AuditEvent.objects.filter(after__icontains=credentials[0]["password"]).exists()
