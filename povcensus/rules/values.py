r"""How XForm strings become values, and how values are shown in messages (pure).

Both execution paths follow these definitions; the vectorized path re-expresses each in
Polars (:mod:`povcensus.rules.vectorized`) and the equality tests hold them together.

* Whitespace is ``" \t\r\n"``.  A value is *blank* when it is present and only
  whitespace; *missing* when absent (not relevant).  Both have no value (null).
* A number is an optional sign, up to 15 digits, and an optional fraction of up to 10
  digits (``12``, ``-3.5``, ``.5``, ``7.``), after trimming whitespace; anything else in a
  number field has no value.  Numbers are IEEE doubles in both paths.
* A date is ``YYYY-MM-DD`` (year 1000–9999) naming a real day.
* Text, codes and select_multiple answers keep their exact text (no trimming).
* An ID number's birth date is characters 7–14 (``YYYYMMDD``) of an ID of at least 18
  characters, a real day in 1900 or later.
* Numbers in messages: rounded half up to cents (``floor(x·100 + 0.5)``), shown without
  decimals when whole, else with two.
"""

from __future__ import annotations

import math
import re
from datetime import date

from povcensus.rules.schema import ValueType

WHITESPACE = " \t\r\n"
NUMBER_PATTERN = r"^[+-]?([0-9]{1,15}(\.[0-9]{0,10})?|\.[0-9]{1,10})$"
DATE_PATTERN = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
ID18_PATTERN = r"^[0-9]{17}[0-9X]$"
_NUMBER = re.compile(NUMBER_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_ID18 = re.compile(ID18_PATTERN)
_DIGITS8 = re.compile(r"^[0-9]{8}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

BLANK_TEXT = {"zh": "（空）", "en": "(blank)"}
NONE_TEXT = "—"
BOOL_TEXT = {"zh": ("否", "是"), "en": ("no", "yes")}


def is_blank(raw: str | None) -> bool:
    return raw is not None and raw.strip(WHITESPACE) == ""


def to_number(raw: str | None) -> float | None:
    if raw is None:
        return None
    text = raw.strip(WHITESPACE)
    return float(text) if _NUMBER.match(text) else None


def to_date(raw: str | None) -> date | None:
    if raw is None:
        return None
    text = raw.strip(WHITESPACE)
    if not _DATE.match(text):
        return None
    try:
        return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return None


def to_text(raw: str | None) -> str | None:
    if raw is None or raw.strip(WHITESPACE) == "":
        return None
    return raw


def convert(raw: str | None, value_type: ValueType) -> float | str | date | None:
    if value_type == ValueType.NUMBER:
        return to_number(raw)
    if value_type == ValueType.DATE:
        return to_date(raw)
    return to_text(raw)


def id_checksum_ok(value: str) -> bool:
    """The first 18 characters are 17 digits and the right GB 11643 check character."""
    first = value[:18]
    if not _ID18.match(first):
        return False
    total = sum(int(d) * w for d, w in zip(first[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11] == first[17]


def id_birth_date(value: str) -> date | None:
    if len(value) < 18 or not _DIGITS8.match(value[6:14]):
        return None
    year = int(value[6:10])
    if year < 1900:
        return None
    try:
        return date(year, int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def age_on(value: str, reference: date) -> float | None:
    born = id_birth_date(value)
    if born is None or born > reference:
        return None
    return float(
        reference.year - born.year - ((reference.month, reference.day) < (born.month, born.day))
    )


def sex_from_id(value: str) -> str | None:
    if len(value) < 17 or value[16] not in "0123456789":
        return None
    return "1" if int(value[16]) % 2 == 1 else "2"


def kahan_sum(values: list[float]) -> float:
    """Compensated summation in row order: the sum Polars' group-by computes for floats."""
    total = 0.0
    compensation = 0.0
    for value in values:
        y = value - compensation
        t = total + y
        compensation = (t - total) - y
        total = t
    return total


def format_number(value: float) -> str:
    cents = math.floor(value * 100 + 0.5)
    if cents % 100 == 0:
        return str(cents // 100)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def format_value(value: object, language: str) -> str:
    if value is None:
        return NONE_TEXT
    if isinstance(value, bool):
        return BOOL_TEXT[language][int(value)]
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_raw(raw: str | None, language: str) -> str:
    if raw is None:
        return NONE_TEXT
    if raw.strip(WHITESPACE) == "":
        return BLANK_TEXT[language]
    return raw
