"""Prefill media of the built-in forms: households, members, villages, campaign, returns.

Part 1 of the household questionnaire is transcribed from the register, never asked
again: the device reads these files through ``select_one_from_file`` and ``pulldata()``.

Invariants (pure: no ORM, no HTTP):

* The caller chooses the households (e.g. the ones assigned to one enumerator's team);
  nothing else is written, so a file never carries personal data of other households.
* Column headers are valid XML element names (ODK engines turn each row into
  ``<item><col>…</col></item>``; tech-notes §1.4), and a choice file has one label column
  (external choice lists have one label language).
* Rows are in a stable order and the bytes are UTF-8 without a byte-order mark, so the same
  input always gives the same bytes and the same md5 (the OpenRosa manifest's hash): a
  device downloads a file again only when its content changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

HOUSEHOLD_COLUMNS = [
    "name",
    "label",
    "head_name",
    "village_code",
    "village_name",
    "size",
    "member_count",
    "identification_standard",
    "attribute",
    "exit_status",
    "exit_year",
    "main_cause",
    "other_causes",
    "phone",
]
MEMBER_COLUMNS = [
    "key",
    "hh_number",
    "seq",
    "name",
    "sex",
    "id_type",
    "id_number",
    "relation",
    "ethnicity",
    "education",
    "student_status",
    "health",
    "labour_skill",
    "work_status",
    "work_months",
]
VILLAGE_COLUMNS = ["name", "label", "households"]
CAMPAIGN_COLUMNS = ["name", "label", "reference_date", "income_line", "year"]
RETURN_COLUMNS = ["name", "comments"]  # household number, the reviewers' comments as one text


@dataclass(frozen=True)
class PrefillMember:
    seq: int
    name: str
    sex: str = ""
    id_type: str = "1"
    id_number: str = ""
    relation: str = ""
    ethnicity: str = ""
    education: str = ""
    student_status: str = ""
    health: str = ""
    labour_skill: str = ""
    work_status: str = ""
    work_months: int | None = None


@dataclass(frozen=True)
class PrefillHousehold:
    number: str
    head_name: str
    village_code: str
    village_name: str
    size: int = 0
    identification_standard: str = ""
    attribute: str = ""
    exit_status: str = ""
    exit_year: int | None = None
    main_cause: str = ""
    other_causes: tuple[str, ...] = ()
    phone: str = ""
    members: tuple[PrefillMember, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MediaFile:
    filename: str
    content: bytes
    content_type: str = "text/csv"

    @property
    def md5(self) -> str:
        return hashlib.md5(self.content, usedforsecurity=False).hexdigest()


def member_key(household_number: str, seq_position: int) -> str:
    """The key a member row is looked up by: ``<household number>-<row position>``."""
    return f"{household_number}-{seq_position}"


def _csv(columns: list[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode("utf-8")


def households_csv(households: Iterable[PrefillHousehold]) -> MediaFile:
    rows = [
        [
            h.number,
            f"{h.number} {h.head_name}",
            h.head_name,
            h.village_code,
            h.village_name,
            h.size,
            len(h.members),
            h.identification_standard,
            h.attribute,
            h.exit_status,
            h.exit_year,
            h.main_cause,
            " ".join(h.other_causes),
            h.phone,
        ]
        for h in sorted(households, key=lambda h: (h.village_code, h.number))
    ]
    return MediaFile("households.csv", _csv(HOUSEHOLD_COLUMNS, rows))


def members_csv(households: Iterable[PrefillHousehold]) -> MediaFile:
    rows: list[list[object]] = []
    for household in sorted(households, key=lambda h: (h.village_code, h.number)):
        # Rows are keyed by their position in the form's member repeat (1, 2, …), which
        # follows the register's order.
        for position, m in enumerate(sorted(household.members, key=lambda m: m.seq), start=1):
            rows.append(
                [
                    member_key(household.number, position),
                    household.number,
                    m.seq,
                    m.name,
                    m.sex,
                    m.id_type,
                    m.id_number,
                    m.relation,
                    m.ethnicity,
                    m.education,
                    m.student_status,
                    m.health,
                    m.labour_skill,
                    m.work_status,
                    m.work_months,
                ]
            )
    return MediaFile("members.csv", _csv(MEMBER_COLUMNS, rows))


def villages_csv(villages: Iterable[tuple[str, str, int]]) -> MediaFile:
    """``villages``: (code, name, registered households on the roster)."""
    rows = [[code, name, count] for code, name, count in sorted(villages)]
    return MediaFile("villages.csv", _csv(VILLAGE_COLUMNS, rows))


def campaign_csv(*, name: str, reference_date: date, income_line: Decimal) -> MediaFile:
    rows = [["campaign", name, reference_date.isoformat(), f"{income_line:f}", reference_date.year]]
    return MediaFile("campaign.csv", _csv(CAMPAIGN_COLUMNS, rows))


def returns_csv(rows: Iterable[tuple[str, str]] = ()) -> MediaFile:
    """``rows``: (household number, comments) of returned households; none by default.

    The review app fills it for a device (collection's device-media hook); everyone else
    gets the header only, so the form's ``pulldata('returns', …)`` finds nothing.
    """
    return MediaFile("returns.csv", _csv(RETURN_COLUMNS, sorted(rows)))


def build_prefill(
    households: Iterable[PrefillHousehold],
    *,
    campaign_name: str,
    reference_date: date,
    income_line: Decimal,
    wanted: Iterable[str] | None = None,
) -> dict[str, MediaFile]:
    """Every prefill file (or only the ``wanted`` file names), keyed by file name."""
    households = list(households)
    villages: dict[str, tuple[str, int]] = {}
    for h in households:
        name, count = villages.get(h.village_code, (h.village_name, 0))
        villages[h.village_code] = (name, count + 1)
    builders = {
        "households.csv": lambda: households_csv(households),
        "members.csv": lambda: members_csv(households),
        "villages.csv": lambda: villages_csv(
            (code, name, count) for code, (name, count) in villages.items()
        ),
        "campaign.csv": lambda: campaign_csv(
            name=campaign_name, reference_date=reference_date, income_line=income_line
        ),
        "returns.csv": returns_csv,
    }
    names = list(builders) if wanted is None else [n for n in wanted if n in builders]
    return {name: builders[name]() for name in names}
