"""Writes to the division tree."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from povcensus.audit.services import audit_record
from povcensus.core.encodings import decode_text
from povcensus.core.errors import ApplicationError
from povcensus.geography import codes, errors
from povcensus.geography.models import Area

# Accepted headers for each column; the first is the canonical English name.
COLUMN_ALIASES = {
    "code": ("code", "区划代码", "代码", "统计用区划代码"),
    "name": ("name", "名称", "区划名称"),
    "level": ("level", "层级", "级别"),
    "parent_code": ("parent_code", "上级代码", "上级区划代码"),
    "is_current": ("is_current", "现行", "是否现行"),
    "successor_code": ("successor_code", "调整后所属村代码", "合并后村代码"),
}
_TRUE = {"1", "true", "yes", "y", "是", "现行", ""}


@dataclass(frozen=True)
class AreaRow:
    row: int
    code: str
    name: str
    level: codes.Level
    parent_code: str | None
    is_current: bool
    successor_code: str | None


@dataclass
class GeographyImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _canonical_headers(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        cell = raw.strip()
        for canonical, aliases in COLUMN_ALIASES.items():
            if cell in aliases:
                positions[canonical] = index
    return positions


def parse_area_rows(text: str) -> list[AreaRow]:
    """Parse and check a division CSV; raise the first problem, listing all of them."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ApplicationError(errors.MISSING_COLUMN, columns="code, name") from None
    positions = _canonical_headers(header)
    missing = [c for c in ("code", "name") if c not in positions]
    if missing:
        raise ApplicationError(errors.MISSING_COLUMN, columns=", ".join(missing))

    def cell(values: list[str], column: str) -> str:
        index = positions.get(column)
        return values[index].strip() if index is not None and index < len(values) else ""

    rows: list[AreaRow] = []
    problems: list[ApplicationError] = []
    for line_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        code = cell(values, "code")
        if not codes.is_valid_code(code):
            problems.append(ApplicationError(errors.BAD_CODE, row=line_no, code=code))
            continue
        name = cell(values, "name")
        if not name:
            problems.append(ApplicationError(errors.EMPTY_NAME, row=line_no))
            continue
        level = codes.level_of(code)
        declared = cell(values, "level")
        if declared and declared.isdigit() and int(declared) != level:
            problems.append(
                ApplicationError(errors.LEVEL_MISMATCH, row=line_no, level=declared, code=code)
            )
            continue
        rows.append(
            AreaRow(
                row=line_no,
                code=code,
                name=name,
                level=level,
                parent_code=cell(values, "parent_code") or None,
                is_current=cell(values, "is_current").lower() in _TRUE,
                successor_code=cell(values, "successor_code") or None,
            )
        )
    if problems:
        raise ApplicationError(
            problems[0].error, **problems[0].details, errors=[p.as_dict() for p in problems]
        )
    return rows


def _resolve_parents(rows: list[AreaRow], existing: set[str]) -> dict[str, str | None]:
    known = existing | {r.code for r in rows}
    parents: dict[str, str | None] = {}
    for r in rows:
        if r.level == codes.Level.PROVINCE:
            parents[r.code] = None
            continue
        if r.parent_code:
            if r.parent_code not in known:
                raise ApplicationError(
                    errors.NO_PARENT, row=r.row, code=r.code, parent=r.parent_code
                )
            parents[r.code] = r.parent_code
            continue
        # Nearest existing ancestor by code prefix (a township's parent is its county, etc.).
        for level in reversed(range(codes.Level.PROVINCE, r.level)):
            candidate = codes.ancestor_code(r.code, codes.Level(level))
            if candidate in known:
                parents[r.code] = candidate
                break
        else:
            raise ApplicationError(errors.NO_PARENT, row=r.row, code=r.code, parent="")
    return parents


@transaction.atomic
def geography_import(*, actor: Any, data: bytes) -> GeographyImportResult:
    """Create or update areas from a division CSV (idempotent: a second run changes nothing).

    Writes: ``Area`` rows; audit ``geography.imported`` with the counts.
    Raises: ``geography.*`` codes for bad rows; nothing is written then.
    """
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:
        raise ApplicationError(errors.UNREADABLE_FILE, reason=str(exc)) from None
    rows = parse_area_rows(text)
    existing = {a.code: a for a in Area.objects.all()}
    parents = _resolve_parents(rows, set(existing))
    by_code = {r.code: r for r in rows}
    for r in rows:
        if r.successor_code:
            target = by_code.get(r.successor_code)
            target_ok = (
                target is not None and target.is_current and target.level == codes.Level.VILLAGE
            ) or (
                target is None
                and r.successor_code in existing
                and existing[r.successor_code].is_current
                and existing[r.successor_code].level == codes.Level.VILLAGE
            )
            if not target_ok:
                raise ApplicationError(errors.BAD_SUCCESSOR, row=r.row, successor=r.successor_code)

    result = GeographyImportResult()
    changed: set[str] = set()
    created: set[str] = set()
    # Parents before children: sort by level, then code.
    for r in sorted(rows, key=lambda r: (r.level, r.code)):
        wanted = {
            "name": r.name,
            "level": int(r.level),
            "parent_id": parents[r.code],
            "is_current": r.is_current,
        }
        area = existing.get(r.code)
        if area is None:
            existing[r.code] = Area.objects.create(code=r.code, **wanted)
            created.add(r.code)
        elif any(getattr(area, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(area, k, v)
            area.save(update_fields=["name", "level", "parent", "is_current"])
            changed.add(r.code)
    # Successors last, once every village they point at exists.
    for r in rows:
        area = existing[r.code]
        if area.successor_id != r.successor_code:
            area.successor_id = r.successor_code
            area.save(update_fields=["successor"])
            if r.code not in created:
                changed.add(r.code)
    result.created = len(created)
    result.updated = len(changed)
    result.unchanged = len(rows) - len(created) - len(changed)
    audit_record(
        actor=actor, action="geography.imported", object_type="area", after=result.as_dict()
    )
    return result
