"""Demo fieldwork plan: the town assigned automatically, first visits booked, guides named.

As on 7 September (work plan 七5): the township office assigns every household and village
to the teams; each village cadre books the first visits of the teams working in their
village (two field days, up to four households per team and day, at most half of a team's
households) and guides the team on those days.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import time, timedelta

from povcensus.accounts.models import User
from povcensus.assignment.models import Assignment, UnitKind
from povcensus.assignment.selectors import field_period
from povcensus.assignment.services import appointment_record, auto_assign_apply, guide_record
from povcensus.campaign.models import Campaign

SLOTS = (time(8, 30), time(9, 40), time(14, 30), time(15, 40))
DEMO_DAYS = 2


def build_demo_assignment(
    *, campaign: Campaign, office: User, cadres: dict[str, User], area_code: str
) -> int:
    """Assign the area, book the first visits and name the guides; return the bookings."""
    auto_assign_apply(actor=office, campaign=campaign, area_code=area_code)
    start, _end = field_period(campaign=campaign)
    units: dict[int, list[Assignment]] = defaultdict(list)
    for unit in (
        Assignment.objects.filter(campaign=campaign, kind=UnitKind.HOUSEHOLD)
        .select_related("household")
        .order_by("team_id", "village_id", "household__number")
    ):
        units[unit.team_id].append(unit)
    booked = 0
    guided: set[tuple[int, str, object]] = set()
    for team_id, team_units in sorted(units.items()):
        quota = min(len(SLOTS) * DEMO_DAYS, len(team_units) // 2)
        for index, unit in enumerate(team_units[:quota]):
            cadre = cadres.get(unit.village_id)
            if cadre is None:
                continue
            day = start + timedelta(days=index // len(SLOTS))
            appointment_record(
                actor=cadre,
                assignment_id=unit.pk,
                day=day,
                starts_at=SLOTS[index % len(SLOTS)],
                note="户主在家" if index % 3 else "请家人陪同，老人听力不好",
            )
            booked += 1
            if (team_id, unit.village_id, day) not in guided:
                guide_record(
                    actor=cadre,
                    campaign=campaign,
                    team_id=team_id,
                    village_code=unit.village_id,
                    day=day,
                    user_id=cadre.pk,
                )
                guided.add((team_id, unit.village_id, day))
    return booked
