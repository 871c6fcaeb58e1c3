"""Statistical division codes (统计用区划代码), pure functions.

A 12-digit code is ``PP CC DD TTT VVV``: province, prefecture, county, township, village.
A village group (村民小组) gets 15 digits: its village's code plus three.  The code of an
area's descendants all start with the area's *prefix*: 2 digits for a province, 4 for a
prefecture, 6 for a county, 9 for a township, 12 for a village.  Scoping by area is
therefore a range comparison on an indexed code column, the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

import re
from enum import IntEnum

CODE_RE = re.compile(r"^\d{12}(\d{3})?$")


class Level(IntEnum):
    PROVINCE = 1
    PREFECTURE = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5
    GROUP = 6


PREFIX_LENGTH = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GROUP: 15,
}


def is_valid_code(code: str) -> bool:
    return bool(CODE_RE.match(code))


def level_of(code: str) -> Level:
    """Infer the level from the code's trailing zeros."""
    if not is_valid_code(code):
        raise ValueError(f"not a statistical division code: {code!r}")
    if len(code) == 15:
        return Level.GROUP
    if code[2:] == "0" * 10:
        return Level.PROVINCE
    if code[4:] == "0" * 8:
        return Level.PREFECTURE
    if code[6:] == "0" * 6:
        return Level.COUNTY
    if code[9:] == "000":
        return Level.TOWNSHIP
    return Level.VILLAGE


def prefix_of(code: str, level: Level | None = None) -> str:
    return code[: PREFIX_LENGTH[level or level_of(code)]]


def ancestor_code(code: str, level: Level) -> str:
    """Return the code of ``code``'s ancestor at ``level`` (a 12-digit code)."""
    prefix = code[: PREFIX_LENGTH[level]]
    return prefix.ljust(12, "0") if level != Level.GROUP else prefix


def township_of(code: str) -> str:
    return ancestor_code(code, Level.TOWNSHIP)


def county_of(code: str) -> str:
    return ancestor_code(code, Level.COUNTY)


def code_range(area_code: str) -> tuple[str, str]:
    """Return (lowest, highest) codes of the area and everything under it (inclusive)."""
    prefix = prefix_of(area_code)
    return prefix, prefix + "9" * (15 - len(prefix))


def is_within(code: str, area_code: str) -> bool:
    return code.startswith(prefix_of(area_code))
