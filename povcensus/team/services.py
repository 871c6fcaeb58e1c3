"""Writes to teams, and the staff sheet import (调查人员账号创立).

The staff sheet creates accounts, their grants and the teams in one go: a dry run checks
every row and writes nothing; a commit writes all of it or nothing, and returns each new
account's initial password exactly once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from povcensus.accounts.models import User
from povcensus.accounts.roles import ROLE_LABELS, Perm, Role
from povcensus.accounts.scope import scope_of
from povcensus.accounts.services import (
    UserSpec,
    check_can_grant,
    user_create_unchecked,
    user_spec_check,
)
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.core.spreadsheets import TableError, iter_table
from povcensus.geography import codes
from povcensus.geography.models import Area
from povcensus.team import errors
from povcensus.team.models import Team, TeamMember


def check_cross_township(*, enumerators: list[User], posted_area: Area) -> None:
    """Refuse a team posted to the home township of one of its enumerators (乡级交叉)."""
    if posted_area.level != codes.Level.TOWNSHIP:
        return
    for user in enumerators:
        if user.home_township_id == posted_area.code:
            raise ApplicationError(
                errors.CROSS_TOWNSHIP, username=user.username, township=posted_area.name
            )


def _check_team_spec(
    *, campaign: Campaign, code: str, posted_area: Area, supervisor: User, enumerators: list[User]
) -> None:
    if posted_area.level not in (codes.Level.TOWNSHIP, codes.Level.COUNTY):
        raise ApplicationError(errors.POSTED_AREA_LEVEL, code=posted_area.code)
    if not codes.is_within(posted_area.code, campaign.area_id) and not codes.is_within(
        campaign.area_id, posted_area.code
    ):
        raise ApplicationError(errors.POSTED_OUTSIDE_CAMPAIGN, code=posted_area.code)
    if len(enumerators) != 2:
        raise ApplicationError(errors.TEAM_NEEDS_TWO, code=code, count=len(enumerators))
    if enumerators[0].pk is not None and enumerators[0].pk == enumerators[1].pk:
        raise ApplicationError(errors.SAME_ENUMERATOR_TWICE)
    check_cross_township(enumerators=enumerators, posted_area=posted_area)


def _team_snapshot(team: Team) -> dict[str, Any]:
    return {
        "code": team.code,
        "name": team.name,
        "posted_area": team.posted_area_id,
        "supervisor": team.supervisor_id,
        "members": list(team.members.order_by("slot").values_list("user_id", flat=True)),
        "daily_capacity": team.daily_capacity,
    }


def team_create_unchecked(
    *,
    actor: Any,
    campaign: Campaign,
    code: str,
    name: str,
    posted_area: Area,
    supervisor: User,
    enumerators: list[User],
    daily_capacity: int = 8,
) -> Team:
    team = Team.objects.create(
        campaign=campaign,
        code=code,
        name=name or code,
        posted_area=posted_area,
        supervisor=supervisor,
        daily_capacity=daily_capacity,
    )
    TeamMember.objects.bulk_create(
        TeamMember(team=team, campaign=campaign, user=user, slot=slot)
        for slot, user in enumerate(enumerators, 1)
    )
    audit_record(
        actor=actor,
        action="team.created",
        object_type="team",
        object_id=team.pk,
        area_code=posted_area.code,
        after=_team_snapshot(team),
    )
    return team


@transaction.atomic
def team_create(
    *,
    actor: Any,
    campaign: Campaign,
    code: str,
    posted_area_code: str,
    supervisor: User,
    enumerators: list[User],
    name: str = "",
    daily_capacity: int = 8,
) -> Team:
    """Form a team of two enumerators and one supervisor, posted to a township or county.

    Raises: ``team.code_taken``, ``team.needs_two_enumerators``, ``team.member_not_enumerator``,
    ``team.not_supervisor``, ``team.member_busy``, ``team.cross_township``,
    ``team.posted_area_level``, ``core.permission_denied``.
    """
    if not scope_of(actor).allows(Perm.TEAM_MANAGE, posted_area_code):
        raise ApplicationError(PERMISSION_DENIED)
    posted_area = Area.objects.get(code=posted_area_code)
    _check_team_spec(
        campaign=campaign,
        code=code,
        posted_area=posted_area,
        supervisor=supervisor,
        enumerators=enumerators,
    )
    if Team.objects.filter(campaign=campaign, code=code).exists():
        raise ApplicationError(errors.TEAM_CODE_TAKEN, code=code)
    for user in enumerators:
        if not scope_of(user).has_role(Role.ENUMERATOR):
            raise ApplicationError(errors.NOT_ENUMERATOR, username=user.username)
        busy = (
            TeamMember.objects.filter(campaign=campaign, user=user).select_related("team").first()
        )
        if busy:
            raise ApplicationError(errors.MEMBER_BUSY, username=user.username, team=busy.team.code)
    if not scope_of(supervisor).has_role(Role.SUPERVISOR):
        raise ApplicationError(errors.NOT_SUPERVISOR, username=supervisor.username)
    return team_create_unchecked(
        actor=actor,
        campaign=campaign,
        code=code,
        name=name,
        posted_area=posted_area,
        supervisor=supervisor,
        enumerators=enumerators,
        daily_capacity=daily_capacity,
    )


# --- Staff sheet import -------------------------------------------------------------------

STAFF_COLUMNS = {
    "username": ("用户名", "账号"),
    "full_name": ("姓名",),
    "phone": ("手机号", "手机号码", "联系电话"),
    "role": ("角色",),
    "area_code": ("工作区划代码", "区划代码", "派驻区划代码"),
    "home_township_code": ("所在乡镇代码", "户籍乡镇代码"),
    "team": ("调查小组", "调查小组编号", "小组编号"),
}
REQUIRED_STAFF_COLUMNS = ("username", "full_name", "role", "area_code")
ROLE_BY_LABEL: dict[str, Role] = {
    **{str(label): role for role, label in ROLE_LABELS.items()},
    **{role.value: role for role in Role},
    "村干部": Role.VILLAGE_CADRE,
    "驻村工作队": Role.VILLAGE_CADRE,
    "村两委": Role.VILLAGE_CADRE,
    "普查办": Role.OFFICE,
    "指导员": Role.SUPERVISOR,
    "审核员": Role.ACCEPTANCE_REVIEWER,
}
_TEAM_SPLIT = re.compile(r"[,，、;；\s]+")


@dataclass
class StaffRow:
    row: int
    username: str
    full_name: str
    phone: str
    role_text: str
    area_code: str
    home_township_code: str
    teams: list[str]
    errors: list[dict[str, Any]] = field(default_factory=list)
    password: str = ""

    def add(self, error: ApplicationError) -> None:
        self.errors.append(error.as_dict())


@dataclass
class StaffImportReport:
    rows: list[StaffRow]
    team_errors: list[dict[str, Any]]
    committed: bool = False
    teams_created: list[str] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(len(r.errors) for r in self.rows) + len(self.team_errors)

    def credentials(self) -> list[dict[str, str]]:
        return [
            {
                "row": str(r.row),
                "username": r.username,
                "full_name": r.full_name,
                "role": r.role_text,
                "password": r.password,
            }
            for r in self.rows
            if r.password
        ]


def _read_staff_rows(data: bytes) -> list[StaffRow]:
    aliases = dict(STAFF_COLUMNS.items())
    try:
        _header, rows = iter_table(data, required=REQUIRED_STAFF_COLUMNS, aliases=aliases)
        parsed = [
            StaffRow(
                row=r.number,
                username=r.values.get("username", ""),
                full_name=r.values.get("full_name", ""),
                phone=r.values.get("phone", ""),
                role_text=r.values.get("role", ""),
                area_code=r.values.get("area_code", ""),
                home_township_code=r.values.get("home_township_code", ""),
                teams=[t for t in _TEAM_SPLIT.split(r.values.get("team", "")) if t],
            )
            for r in rows
        ]
    except TableError as exc:
        if exc.missing:
            labels = [STAFF_COLUMNS[c][0] for c in exc.missing]
            raise ApplicationError(
                errors.STAFF_MISSING_COLUMNS, columns="、".join(labels)
            ) from None
        raise ApplicationError(errors.STAFF_FILE_UNREADABLE, reason=exc.reason) from None
    if not parsed:
        raise ApplicationError(errors.STAFF_EMPTY)
    return parsed


def _check_staff_rows(
    *, actor: Any, campaign: Campaign, rows: list[StaffRow]
) -> list[dict[str, Any]]:
    wanted = {c for r in rows for c in (r.area_code, r.home_township_code) if c}
    areas = {a.code: a for a in Area.objects.filter(code__in=wanted)}
    taken = {
        u.lower()
        for u in User.objects.filter(username__in=[r.username for r in rows]).values_list(
            "username", flat=True
        )
    }
    first_seen: dict[str, int] = {}
    for r in rows:
        role = ROLE_BY_LABEL.get(r.role_text)
        if role is None:
            r.add(ApplicationError(errors.STAFF_UNKNOWN_ROLE, role=r.role_text))
            continue
        spec = UserSpec(
            r.username,
            r.full_name,
            r.phone,
            role,
            r.area_code or None,
            r.home_township_code or None,
        )
        for problem in user_spec_check(spec, areas=areas):
            r.add(problem)
        try:
            check_can_grant(actor=actor, role=role, area_code=r.area_code or None)
        except ApplicationError as refusal:
            r.add(refusal)
        key = r.username.lower()
        if key in first_seen:
            r.add(
                ApplicationError(
                    errors.STAFF_DUPLICATE_USERNAME, username=r.username, first_row=first_seen[key]
                )
            )
        else:
            first_seen[key] = r.row
        if key in taken:
            r.add(ApplicationError(errors.STAFF_USERNAME_TAKEN, username=r.username))
        if r.teams and role not in (Role.ENUMERATOR, Role.SUPERVISOR):
            r.add(ApplicationError(errors.STAFF_TEAM_WITHOUT_ENUMERATOR_ROLE, role=r.role_text))
        if role == Role.ENUMERATOR and len(r.teams) > 1:
            r.add(ApplicationError(errors.MEMBER_BUSY, username=r.username, team=r.teams[0]))

    # Teams formed by the sheet.
    team_errors: list[dict[str, Any]] = []
    enumerators: dict[str, list[StaffRow]] = defaultdict(list)
    supervisors: dict[str, list[StaffRow]] = defaultdict(list)
    for r in rows:
        role = ROLE_BY_LABEL.get(r.role_text)
        for team_code in r.teams:
            (enumerators if role == Role.ENUMERATOR else supervisors)[team_code].append(r)
    existing = set(
        Team.objects.filter(
            campaign=campaign, code__in=set(enumerators) | set(supervisors)
        ).values_list("code", flat=True)
    )
    for team_code in sorted(set(enumerators) | set(supervisors)):
        members, leads = enumerators[team_code], supervisors[team_code]
        problems: list[ApplicationError] = []
        if team_code in existing:
            problems.append(ApplicationError(errors.TEAM_CODE_TAKEN, code=team_code))
        if len(members) != 2:
            problems.append(
                ApplicationError(errors.TEAM_NEEDS_TWO, code=team_code, count=len(members))
            )
        if len(leads) != 1:
            problems.append(
                ApplicationError(errors.TEAM_NEEDS_ONE_SUPERVISOR, code=team_code, count=len(leads))
            )
        posted = {m.area_code for m in members}
        if len(posted) > 1:
            problems.append(
                ApplicationError(
                    errors.POSTED_AREA_MISMATCH, code=team_code, areas="、".join(sorted(posted))
                )
            )
        elif posted:
            area = areas.get(posted.pop())
            if area is not None:
                if area.level not in (codes.Level.TOWNSHIP, codes.Level.COUNTY):
                    problems.append(ApplicationError(errors.POSTED_AREA_LEVEL, code=area.code))
                elif not (
                    codes.is_within(area.code, campaign.area_id)
                    or codes.is_within(campaign.area_id, area.code)
                ):
                    problems.append(
                        ApplicationError(errors.POSTED_OUTSIDE_CAMPAIGN, code=area.code)
                    )
                elif area.level == codes.Level.TOWNSHIP:
                    for m in members:
                        if m.home_township_code == area.code:
                            problems.append(
                                ApplicationError(
                                    errors.CROSS_TOWNSHIP, username=m.username, township=area.name
                                )
                            )
        for problem in problems:
            team_errors.append({**problem.as_dict(), "team": team_code})
    return team_errors


@transaction.atomic
def staff_import(
    *, actor: Any, campaign: Campaign, data: bytes, dry_run: bool
) -> StaffImportReport:
    """Check (dry run) or create the accounts and teams of a staff sheet.

    Writes on commit: users (initial passwords, change forced at first login), grants,
    teams; audit ``accounts.user_created`` per account, ``team.created`` per team and
    ``team.staff_import_committed``.  Raises ``team.staff_rows_invalid`` (with the report
    in ``details``) when any row is bad: nothing is written.
    """
    if not scope_of(actor).has_perm(Perm.USER_MANAGE):
        raise ApplicationError(PERMISSION_DENIED)
    rows = _read_staff_rows(data)
    team_errors = _check_staff_rows(actor=actor, campaign=campaign, rows=rows)
    report = StaffImportReport(rows=rows, team_errors=team_errors)
    if dry_run or report.error_count:
        if not dry_run:
            raise ApplicationError(
                errors.STAFF_ROWS_INVALID, count=report.error_count, report=report
            )
        return report

    created: dict[str, User] = {}
    for r in rows:
        role = ROLE_BY_LABEL[r.role_text]
        spec = UserSpec(
            r.username,
            r.full_name,
            r.phone,
            role,
            r.area_code or None,
            r.home_township_code or None,
        )
        user, password = user_create_unchecked(actor=actor, spec=spec)
        created[r.username] = user
        r.password = password
    areas = {a.code: a for a in Area.objects.filter(code__in={r.area_code for r in rows})}
    team_codes = sorted({t for r in rows for t in r.teams})
    for team_code in team_codes:
        members = [
            r
            for r in rows
            if team_code in r.teams and ROLE_BY_LABEL[r.role_text] == Role.ENUMERATOR
        ]
        (lead,) = [
            r
            for r in rows
            if team_code in r.teams and ROLE_BY_LABEL[r.role_text] == Role.SUPERVISOR
        ]
        team_create_unchecked(
            actor=actor,
            campaign=campaign,
            code=team_code,
            name=team_code,
            posted_area=areas[members[0].area_code],
            supervisor=created[lead.username],
            enumerators=[created[m.username] for m in members],
        )
    report.committed = True
    report.teams_created = team_codes
    audit_record(
        actor=actor,
        action="team.staff_import_committed",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=campaign.area_id,
        after={"accounts": len(rows), "teams": team_codes},
    )
    return report
