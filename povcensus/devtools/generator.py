"""Synthetic census data (pure, streaming): a geography, households and their members.

The same seed always yields the same data.  Memory stays bounded whatever the size:
households are generated one at a time, and the only state kept is, per county, the next
free ID sequence number of each birth date (a few tens of thousands of entries), which is
what guarantees that no two people share an ID number.

The demo town is 金山镇 with 16 villages as they stood before the merger (mapped to 6
merged villages).  Larger runs add synthetic townships and counties around it, about
100 households per village and 16 villages per township.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from povcensus.core.idnumbers import make_id
from povcensus.devtools.names import SURNAMES, person_name, phone_number

PROVINCE = ("430000000000", "湖南省")
PREFECTURE = ("431200000000", "怀化市")
DEMO_COUNTY = ("431202000000", "鹤城区")
DEMO_TOWNSHIP = ("431202110000", "金山镇")
# Townships the demo's enumerators and supervisors come from (乡级交叉).
NEIGHBOUR_TOWNSHIPS = (
    ("431202111000", "银河乡"),
    ("431202112000", "石门镇"),
    ("431202113000", "清溪乡"),
)
DEMO_FORMER_VILLAGES = (
    "金山村",
    "石桥村",
    "龙泉村",
    "枫林村",
    "桃源村",
    "青龙村",
    "白沙村",
    "高坪村",
    "新塘村",
    "杨柳村",
    "长岭村",
    "水口村",
    "黄土村",
    "梅溪村",
    "茶园村",
    "大湾村",
)
# Merged village (建制调整后) → the former villages it absorbed.
DEMO_MERGED_VILLAGES = (
    ("金山社区", (0, 1, 2)),
    ("龙泉村", (3, 4, 5)),
    ("白沙村", (6, 7)),
    ("新塘村", (8, 9, 10)),
    ("水口村", (11, 12)),
    ("茶园村", (13, 14, 15)),
)
GROUP_NAMES = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组")
NATURAL_VILLAGE_SUFFIXES = ("冲", "坪", "湾", "塘", "坳", "坡", "屋场", "院子")

HOUSEHOLDS_PER_VILLAGE = 100
VILLAGES_PER_TOWNSHIP = 16
TOWNSHIPS_PER_COUNTY = 15


@dataclass(frozen=True)
class AreaRecord:
    code: str
    name: str
    parent_code: str | None
    is_current: bool = True
    successor_code: str | None = None


@dataclass
class MemberRecord:
    seq: int
    name: str
    sex: str
    id_number: str
    relation: str
    ethnicity: str
    education: str
    student_status: str
    health: str
    labour_skill: str
    work_status: str
    work_months: int | None
    age: int


@dataclass
class HouseholdRecord:
    number: str
    village_code: str
    group_name: str
    natural_village: str
    phone: str
    identification_standard: str
    attribute: str
    exit_status: str
    identified_year: int
    exit_year: int | None
    main_cause: str
    other_causes: list[str]
    members: list[MemberRecord] = field(default_factory=list)

    @property
    def head(self) -> MemberRecord:
        return self.members[0]


@dataclass(frozen=True)
class Geography:
    areas: list[AreaRecord]
    census_villages: list[str]  # village codes households belong to, in order
    county_of_village: dict[str, str]


def _county_codes(count: int) -> list[tuple[str, str]]:
    counties = [DEMO_COUNTY]
    for i in range(1, count):
        counties.append((f"4312{21 + i:02d}000000", f"示例县{i:02d}"))
    return counties


def geography_for(households: int) -> Geography:
    """Build the division tree big enough for ``households`` (demo town first)."""
    areas = [AreaRecord(*PROVINCE, None), AreaRecord(*PREFECTURE, PROVINCE[0])]
    census: list[str] = []
    county_of: dict[str, str] = {}
    villages_needed = max(16, -(-households // HOUSEHOLDS_PER_VILLAGE))
    townships_needed = max(1, -(-(villages_needed - 16) // VILLAGES_PER_TOWNSHIP) + 1)
    counties_needed = max(
        1, -(-(townships_needed + len(NEIGHBOUR_TOWNSHIPS)) // TOWNSHIPS_PER_COUNTY)
    )
    counties = _county_codes(counties_needed)
    for code, name in counties:
        areas.append(AreaRecord(code, name, PREFECTURE[0]))

    # The demo town: 16 former villages mapped to 6 merged villages.
    town_code = DEMO_TOWNSHIP[0]
    areas.append(AreaRecord(town_code, DEMO_TOWNSHIP[1], DEMO_COUNTY[0]))
    for code, name in NEIGHBOUR_TOWNSHIPS:
        areas.append(AreaRecord(code, name, DEMO_COUNTY[0]))
    merged_codes = []
    for index, (name, _absorbed) in enumerate(DEMO_MERGED_VILLAGES):
        merged_code = f"{town_code[:9]}{220 + index:03d}"
        merged_codes.append(merged_code)
        areas.append(AreaRecord(merged_code, name, town_code))
    successor = {}
    for index, (_name, absorbed) in enumerate(DEMO_MERGED_VILLAGES):
        for former in absorbed:
            successor[former] = merged_codes[index]
    for index, name in enumerate(DEMO_FORMER_VILLAGES):
        code = f"{town_code[:9]}{201 + index:03d}"
        areas.append(
            AreaRecord(code, name, town_code, is_current=False, successor_code=successor[index])
        )
        census.append(code)
        county_of[code] = DEMO_COUNTY[0]

    # Synthetic townships beyond the demo town, filling counties in turn.
    remaining = villages_needed - 16
    township_serial = 0
    while remaining > 0:
        county_index = (township_serial + 1 + len(NEIGHBOUR_TOWNSHIPS)) // TOWNSHIPS_PER_COUNTY
        county_code = counties[min(county_index, len(counties) - 1)][0]
        township_code = f"{county_code[:6]}{200 + township_serial % 800:03d}000"
        township_serial += 1
        areas.append(AreaRecord(township_code, f"示例乡{township_serial:04d}", county_code))
        for v in range(min(VILLAGES_PER_TOWNSHIP, remaining)):
            village_code = f"{township_code[:9]}{201 + v:03d}"
            areas.append(
                AreaRecord(village_code, f"示例村{township_serial:04d}-{v + 1:02d}", township_code)
            )
            census.append(village_code)
            county_of[village_code] = county_code
        remaining -= VILLAGES_PER_TOWNSHIP
    return Geography(areas=areas, census_villages=census, county_of_village=county_of)


def areas_csv(geography: Geography) -> str:
    """The tree as a division CSV (the format ``povcensus geo import`` reads)."""
    lines = ["code,name,parent_code,is_current,successor_code"]
    for a in geography.areas:
        lines.append(
            f"{a.code},{a.name},{a.parent_code or ''},{1 if a.is_current else 0},{a.successor_code or ''}"
        )
    return "\n".join(lines) + "\n"


class IdAllocator:
    """Hands out unique, valid ID numbers per county (bounded state: one dict per county)."""

    def __init__(self) -> None:
        self.county: str | None = None
        self.next_seq: dict[tuple[date, str], int] = {}

    def allocate(self, county_code: str, born: date, sex: str) -> str:
        if county_code != self.county:
            self.county, self.next_seq = county_code, {}
        key = (born, sex)
        seq = self.next_seq.get(key, 1 if sex == "1" else 0)
        if seq > 999:  # this birth date is full in this county: take the next day
            return self.allocate(county_code, born + timedelta(days=1), sex)
        self.next_seq[key] = seq + 2
        return make_id(county_code[:6], born, seq)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def _birth_date(rng: random.Random, age: int, reference: date) -> date:
    """A birth date at which the person is exactly ``age`` full years old on ``reference``."""
    latest = _years_before(reference, age)  # born on this day: exactly ``age`` today
    earliest = _years_before(reference, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _schooling(rng: random.Random, age: int) -> tuple[str, str]:
    """(education, student status) plausible for the age."""
    if age < 6:
        return "8", "10" if age >= 3 else "00"
    if age <= 11:
        return "2", f"1{min(6, age - 5)}"
    if age <= 14:
        return "3", f"2{age - 11}"
    if age == 15:
        return "3", "23" if rng.random() < 0.5 else "31"
    if age <= 18:
        roll = rng.random()
        if roll < 0.55:
            return "4", f"3{min(3, age - 15)}"
        if roll < 0.85:
            return "5", f"4{min(3, age - 15)}"
        return "3", "00"
    if age <= 22 and rng.random() < 0.25:
        return "6", f"5{min(3, age - 18)}"
    roll = rng.random()
    if age >= 60:
        return ("1" if roll < 0.35 else "2" if roll < 0.8 else "3"), "00"
    return ("2" if roll < 0.25 else "3" if roll < 0.75 else "4" if roll < 0.92 else "5"), "00"


def _member(
    rng: random.Random,
    allocator: IdAllocator,
    county: str,
    reference: date,
    *,
    seq: int,
    relation: str,
    sex: str,
    age: int,
    surname: str | None,
) -> MemberRecord:
    born = _birth_date(rng, age, reference)
    education, student = _schooling(rng, age)
    roll = rng.random()
    health = (
        "1"
        if roll < 0.78 or (age < 16 and roll < 0.95)
        else "2"
        if roll < 0.9
        else "3"
        if roll < 0.95
        else "4"
    )
    if age < 16 or student != "00":
        labour = "5"
    elif age >= 70 or health == "3":
        labour = "4" if rng.random() < 0.5 else "5"
    elif age >= 60 or health in ("2", "4"):
        labour = "3"
    else:
        labour = "2" if rng.random() < 0.2 else "1"
    working = labour in ("1", "2") and rng.random() < 0.6
    work_status = rng.choice("12344") if working else "0"
    return MemberRecord(
        seq=seq,
        name=person_name(rng, male=sex == "1", surname=surname),
        sex=sex,
        id_number=allocator.allocate(county, born, sex),
        relation=relation,
        ethnicity="01" if rng.random() < 0.9 else rng.choice(("15", "06", "12", "13")),
        education=education,
        student_status=student,
        health=health,
        labour_skill=labour,
        work_status=work_status,
        work_months=rng.randint(3, 12) if working else None,
        age=age,
    )


# Household sizes drawn uniformly from these tables.
SIZES_TOWN = (1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5)  # mean ≈ 3.15: the demo town
SIZES_DENSE = (1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6)  # mean ≈ 3.5: benchmark registers


def households(
    *,
    count: int,
    seed: int,
    reference: date,
    geography: Geography | None = None,
    sizes: tuple[int, ...] = SIZES_TOWN,
) -> Iterator[HouseholdRecord]:
    """Yield ``count`` households spread over the census villages, ~100 per village."""
    rng = random.Random(seed)
    geography = geography or geography_for(count)
    villages = geography.census_villages
    allocator = IdAllocator()
    per_village = -(-count // len(villages))
    produced = 0
    for village in villages:
        county = geography.county_of_village[village]
        natural = [
            rng.choice(SURNAMES) + "家" + rng.choice(NATURAL_VILLAGE_SUFFIXES) for _ in range(4)
        ]
        for n in range(1, per_village + 1):
            if produced == count:
                return
            produced += 1
            yield _household(rng, allocator, county, reference, village, n, natural, sizes)


def _household(
    rng: random.Random,
    allocator: IdAllocator,
    county: str,
    reference: date,
    village: str,
    n: int,
    natural: list[str],
    sizes: tuple[int, ...],
) -> HouseholdRecord:
    size = rng.choice(sizes)
    surname = rng.choice(SURNAMES)
    head_male = rng.random() < 0.82
    head_age = rng.randint(28, 82) if size > 1 else rng.randint(55, 90)
    head_sex = "1" if head_male else "2"
    members = [
        _member(
            rng,
            allocator,
            county,
            reference,
            seq=1,
            relation="01",
            sex=head_sex,
            age=head_age,
            surname=surname,
        )
    ]
    seq = 1
    if size >= 2:
        seq += 1
        spouse_age = max(20, min(95, head_age + rng.randint(-5, 5)))
        members.append(
            _member(
                rng,
                allocator,
                county,
                reference,
                seq=seq,
                relation="02",
                sex="2" if head_male else "1",
                age=spouse_age,
                surname=None,
            )
        )
    for _ in range(size - len(members)):
        seq += 1
        if head_age >= 62 and rng.random() < 0.5:
            sex = rng.choice("12")
            age = rng.randint(1, 16)
            relation = "07" if sex == "1" else "08"
        elif head_age <= 50 and rng.random() < 0.25:
            sex = rng.choice("12")
            age = min(99, head_age + rng.randint(22, 32))
            relation = "11" if sex == "1" else "12"
        else:
            sex = rng.choice("12")
            age = max(0, head_age - rng.randint(22, 36))
            relation = "03" if sex == "1" else "04"
        members.append(
            _member(
                rng,
                allocator,
                county,
                reference,
                seq=seq,
                relation=relation,
                sex=sex,
                age=age,
                surname=surname if relation in ("03", "04", "07", "08") else None,
            )
        )
    roll = rng.random()
    exit_status = "03" if roll < 0.85 else "05" if roll < 0.95 else "04" if roll < 0.98 else "02"
    identified = rng.choice((2014, 2014, 2015, 2016))
    cause = rng.choice(("01", "01", "02", "03", "07", "08", "09", "09", "11", "04"))
    others = rng.sample(
        [c for c in ("01", "02", "03", "07", "08", "09") if c != cause], k=rng.choice((0, 0, 1, 2))
    )
    return HouseholdRecord(
        number=f"{village}{n:04d}",
        village_code=village,
        group_name=rng.choice(GROUP_NAMES),
        natural_village=rng.choice(natural),
        phone=phone_number(rng),
        identification_standard="1",
        attribute="1" if roll < 0.7 else "2" if roll < 0.95 else "3",
        exit_status=exit_status,
        identified_year=identified,
        exit_year=None if exit_status == "04" else rng.randint(max(identified + 1, 2016), 2020),
        main_cause=cause,
        other_causes=others,
        members=members,
    )
