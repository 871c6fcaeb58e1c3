"""Citizen ID numbers (公民身份号码, GB 11643-1999) and disability certificate numbers (pure).

An 18-character ID is: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit
sequence (odd for men, even for women), and a check character computed with ISO 7064
MOD 11-2 over the first 17 digits (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; the
remainder 0…10 maps to 1 0 X 9 8 7 6 5 4 3 2).  A disability certificate number
(残疾人证号) is the holder's 18-character ID followed by the disability category and
grade: 20 characters, or 22 for the newer format; its first 18 characters must pass the
same check.

Register exports damage IDs in known ways; :func:`repair_id` undoes the unambiguous ones
(full-width digits, spaces, a trailing lowercase x, an Excel text apostrophe) and refuses
to guess the rest (scientific notation such as ``4.10522E+17`` has lost digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

_ID18 = re.compile(r"^\d{17}[\dX]$")
_DISABILITY = re.compile(r"^\d{17}[\dX]\d{2}(\d{2})?$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸＸｘ", "0123456789XXx")


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def checksum_ok(id_number: str) -> bool:
    """True for an 18-character ID whose check character is right."""
    return bool(_ID18.match(id_number)) and check_char(id_number[:17]) == id_number[17]


def birth_date(id_number: str) -> date | None:
    """The birth date embedded in an 18-character ID (or disability number), if valid."""
    if len(id_number) < 18 or not id_number[6:14].isdigit():
        return None
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def sex_code(id_number: str) -> str | None:
    """'1' (male) or '2' (female) from the 17th digit's parity."""
    if len(id_number) < 17 or not id_number[16].isdigit():
        return None
    return "1" if int(id_number[16]) % 2 == 1 else "2"


def age_on(id_number: str, on: date) -> int | None:
    """Full years of age on ``on`` (the campaign's reference date)."""
    born = birth_date(id_number)
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_disability_number(value: str) -> bool:
    return bool(_DISABILITY.match(value))


def make_id(address_code: str, born: date, sequence: int) -> str:
    """Build a valid 18-character ID (used by the demo generator and tests)."""
    first17 = f"{address_code[:6]}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)


@dataclass(frozen=True)
class RepairedId:
    value: str
    repaired: bool  # the input was changed (full-width, spaces, case, apostrophe)
    hopeless: bool  # digits are lost (scientific notation); nothing can be recovered


def repair_id(raw: str) -> RepairedId:
    """Undo the unambiguous damage spreadsheets do to ID numbers."""
    text = raw.strip()
    if _SCIENTIFIC.match(text.replace(" ", "")):
        return RepairedId(text, repaired=False, hopeless=True)
    cleaned = (
        text.translate(_FULLWIDTH)
        .lstrip("'")
        .replace(" ", "")
        .replace("\u3000", "")
        .replace("\t", "")
    )
    if cleaned.endswith("x"):
        cleaned = cleaned[:-1] + "X"
    if len(cleaned) in (20, 22) and cleaned[17] == "x":
        cleaned = cleaned[:17] + "X" + cleaned[18:]
    return RepairedId(cleaned, repaired=cleaned != text, hopeless=False)
