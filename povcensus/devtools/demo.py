"""The demo town 金山镇 and its campaign 2023年金山镇脱贫攻坚调查.

Everything goes through the project's own services (geography import, campaign, accounts,
teams), so the demo exercises the same paths as a real office; only the households are
bulk-loaded, because the demo must also scale to a million of them for benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from povcensus.accounts.models import RoleGrant, User
from povcensus.accounts.roles import Role
from povcensus.accounts.services import UserSpec, user_create_unchecked
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign, CampaignStatus, IncomeLine, PhaseKind
from povcensus.campaign.services import (
    PhaseSpec,
    campaign_create,
    campaign_set_status,
    income_line_set,
)
from povcensus.core.progress import NullProgress, Progress
from povcensus.devtools import generator
from povcensus.devtools.assignment_demo import build_demo_assignment
from povcensus.devtools.listing_demo import build_demo_listings
from povcensus.devtools.loader import load_households
from povcensus.devtools.names import person_name, phone_number
from povcensus.geography.services import geography_import
from povcensus.questionnaires.services import builtin_install
from povcensus.rules.services import rulebook_install_builtin
from povcensus.team.services import team_create

DEMO_CAMPAIGN_CODE = "jinshan-2023"
DEMO_CAMPAIGN_NAME = "2023年金山镇脱贫攻坚调查"
DEMO_PASSWORD = "Jinshan2023"  # noqa: S105  printed with the logins; demo accounts only
DEMO_DAILY_CAPACITY = 10  # 8 teams × 10 a day × 20 field days covers the 1,600-household town
REFERENCE_DATE = date(2023, 9, 8)  # first day of field registration (work plan 二)
# The work plan's timetable (七、实施步骤).
DEMO_PHASES = [
    PhaseSpec(PhaseKind.PLAN, date(2023, 8, 20)),
    PhaseSpec(PhaseKind.TRAINING, date(2023, 8, 31)),
    PhaseSpec(PhaseKind.LISTING, date(2023, 9, 3), date(2023, 9, 1)),
    PhaseSpec(PhaseKind.VILLAGE_FORMS, date(2023, 9, 3), date(2023, 9, 1)),
    PhaseSpec(PhaseKind.FIELD_PREPARATION, date(2023, 9, 7)),
    PhaseSpec(PhaseKind.FIELD_REGISTRATION, date(2023, 9, 27), date(2023, 9, 8)),
    PhaseSpec(PhaseKind.CENTRAL_ACCEPTANCE, date(2023, 10, 18)),
    PhaseSpec(PhaseKind.POST_ENUMERATION_RECHECK, date(2023, 11, 30), date(2023, 11, 1)),
]


@dataclass(frozen=True)
class Login:
    username: str
    full_name: str
    role: str
    area: str


@dataclass
class DemoResult:
    campaign: Campaign
    households: int
    members: int
    logins: list[Login]
    created: bool


def _person(rng: Any, username: str, role: Role, area: str, home: str | None) -> UserSpec:
    return UserSpec(
        username=username,
        full_name=person_name(rng, male=rng.random() < 0.6),
        phone=phone_number(rng),
        role=role,
        area_code=area,
        home_township_code=home,
    )


def _demo_staff(rng: Any) -> list[tuple[UserSpec, str | None]]:
    """(spec, team code for enumerators/supervisors) for every demo account."""
    town = generator.DEMO_TOWNSHIP[0]
    county = generator.DEMO_COUNTY[0]
    province = generator.PROVINCE[0]
    homes = [code for code, _ in generator.NEIGHBOUR_TOWNSHIPS]
    staff: list[tuple[UserSpec, str | None]] = [
        (_person(rng, "jinshan_office", Role.OFFICE, town, None), None),
        (_person(rng, "county_office", Role.OFFICE, county, None), None),
        (_person(rng, "county_reviewer", Role.ACCEPTANCE_REVIEWER, county, None), None),
        (_person(rng, "province_reviewer", Role.ACCEPTANCE_REVIEWER, province, None), None),
        (_person(rng, "analyst", Role.ANALYST, county, None), None),
    ]
    for index in range(len(generator.DEMO_FORMER_VILLAGES)):
        village = f"{town[:9]}{201 + index:03d}"
        staff.append((_person(rng, f"cun{index + 1:02d}", Role.VILLAGE_CADRE, village, None), None))
    for index in range(4):
        staff.append(
            (
                _person(
                    rng, f"zdy{index + 1:02d}", Role.SUPERVISOR, town, homes[index % len(homes)]
                ),
                None,
            )
        )
    for index in range(16):
        team = f"T{index // 2 + 1:02d}"
        staff.append(
            (
                _person(
                    rng,
                    f"dcy{index + 1:02d}",
                    Role.ENUMERATOR,
                    town,
                    homes[(index // 2) % len(homes)],
                ),
                team,
            )
        )
    return staff


def _ensure_admin() -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User(username="admin", full_name="系统管理员", is_staff=True, is_superuser=True)
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        RoleGrant.objects.create(user=admin, role=Role.SYSTEM_ADMIN.value, area_id=None)
        RoleGrant.objects.create(user=admin, role=Role.OFFICE.value, area_id=generator.PROVINCE[0])
        audit_record(
            actor=None,
            action="accounts.user_created",
            object_type="user",
            object_id=admin.pk,
            after={"username": "admin", "role": Role.SYSTEM_ADMIN.value, "area": None},
        )
    return admin


@transaction.atomic
def demo_build(
    *, households: int = 1600, seed: int = 2023, progress: Progress | None = None
) -> DemoResult:
    """Build the demo town (idempotent: returns the existing demo if it is there)."""
    import random

    progress = progress or NullProgress()
    existing = Campaign.objects.filter(code=DEMO_CAMPAIGN_CODE).first()
    if existing is not None:
        return DemoResult(existing, existing.households.count(), 0, _logins(), created=False)

    geography = generator.geography_for(households)
    admin = _ensure_admin()
    geography_import(actor=admin, data=generator.areas_csv(geography).encode("utf-8"))
    if not IncomeLine.objects.filter(year=REFERENCE_DATE.year, province_code="").exists():
        income_line_set(
            actor=admin,
            year=REFERENCE_DATE.year,
            province_code="",
            amount=Decimal("4000"),
            source="沿用2020年脱贫标准：年人均纯收入稳定超过4000元（演示数据，可按省定标准修改）",
        )
    campaign = campaign_create(
        actor=admin,
        code=DEMO_CAMPAIGN_CODE,
        name=DEMO_CAMPAIGN_NAME,
        area_code=generator.DEMO_TOWNSHIP[0] if households <= 1600 else generator.PREFECTURE[0],
        year=REFERENCE_DATE.year,
        reference_date=REFERENCE_DATE,
        phases=DEMO_PHASES,
    )
    rng = random.Random(seed)
    users: dict[str, User] = {}
    for spec, _team in _demo_staff(rng):
        user, _password = user_create_unchecked(actor=admin, spec=spec, password=DEMO_PASSWORD)
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        users[spec.username] = user
    for index in range(8):
        team_create(
            actor=admin,
            campaign=campaign,
            code=f"T{index + 1:02d}",
            name=f"第{index + 1}调查小组",
            posted_area_code=generator.DEMO_TOWNSHIP[0],
            supervisor=users[f"zdy{index // 2 + 1:02d}"],
            enumerators=[users[f"dcy{2 * index + 1:02d}"], users[f"dcy{2 * index + 2:02d}"]],
            daily_capacity=DEMO_DAILY_CAPACITY,
        )
    sizes = generator.SIZES_TOWN if households <= 1600 else generator.SIZES_DENSE
    records = generator.households(
        count=households, seed=seed, reference=REFERENCE_DATE, geography=geography, sizes=sizes
    )
    hh, members = load_households(
        campaign_id=campaign.pk, records=records, total=households, progress=progress
    )
    village_signers = {
        f"{generator.DEMO_TOWNSHIP[0][:9]}{201 + i:03d}": users[f"cun{i + 1:02d}"]
        for i in range(len(generator.DEMO_FORMER_VILLAGES))
    }
    build_demo_listings(
        campaign=campaign,
        seed=seed,
        village_signers=village_signers,
        township_signer=users["jinshan_office"],
    )
    # The built-in questionnaires, published and in use for the campaign.
    builtin_install(actor=admin, campaign=campaign)
    rulebook_install_builtin(actor=None, campaign=campaign)
    if households <= 1600:
        build_demo_assignment(
            campaign=campaign,
            office=users["jinshan_office"],
            cadres=village_signers,
            area_code=generator.DEMO_TOWNSHIP[0],
        )
    campaign_set_status(actor=admin, campaign=campaign, status=CampaignStatus.ACTIVE)
    audit_record(
        actor=admin,
        action="devtools.demo_loaded",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=campaign.area_id,
        after={"households": hh, "members": members, "seed": seed},
    )
    progress.finish()
    return DemoResult(campaign, hh, members, _logins(), created=True)


def _logins() -> list[Login]:
    rows = []
    for user in User.objects.prefetch_related("grants__area").order_by("id"):
        for grant in user.grants.all():
            if grant.role == Role.SYSTEM_ADMIN.value:
                continue
            rows.append(
                Login(
                    user.username,
                    user.full_name,
                    grant.get_role_display(),
                    grant.area.name if grant.area else "全国",
                )
            )
    return rows
