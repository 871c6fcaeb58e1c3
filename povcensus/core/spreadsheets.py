"""Reading tabular uploads (XLSX or CSV) row by row, finding the header row (pure).

Office spreadsheets start with title rows ("金山镇调查人员账号表", dates, units) above the
real header; :func:`iter_table` finds the first row (within the first ``scan`` rows) that
contains every required header and yields the rows below it as dicts keyed by header.
Rows are streamed, so a large sheet is never held in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from povcensus.core.encodings import detect_encoding


class TableError(Exception):
    """The file is not a readable table, or no row holds the required headers."""

    def __init__(self, reason: str, *, missing: Sequence[str] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = list(missing)


@dataclass(frozen=True)
class TableRow:
    number: int  # 1-based row number in the sheet, as the user sees it
    values: dict[str, str]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _raw_rows(data: bytes) -> Iterator[list[Any]]:
    if is_xlsx(data):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a corrupt file
            raise TableError(f"XLSX: {exc}") from None
        sheet = workbook.worksheets[0]
        try:
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()
        return
    try:
        encoding = detect_encoding(data[: 1 << 20])
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TableError(f"CSV: {exc}") from None
    yield from csv.reader(io.StringIO(text))


def iter_table(
    data: bytes,
    *,
    required: Sequence[str],
    aliases: Mapping[str, Sequence[str]] | None = None,
    scan: int = 20,
) -> tuple[list[str], Iterator[TableRow]]:
    """Return the canonical headers found and an iterator of the data rows below them.

    ``aliases`` maps a canonical header to other spellings accepted for it.
    """
    aliases = aliases or {}
    lookup = {name: name for name in required}
    for canonical, spellings in aliases.items():
        lookup[canonical] = canonical
        for spelling in spellings:
            lookup[spelling] = canonical
    rows = _raw_rows(data)
    best_missing: list[str] = list(required)
    for number, raw in enumerate(rows, start=1):
        if number > scan:
            break
        header = [
            lookup.get(_cell_text(v).replace("\n", "").replace(" ", ""), _cell_text(v)) for v in raw
        ]
        missing = [name for name in required if name not in header]
        if not missing:
            return header, _data_rows(header, rows, number)
        if len(missing) < len(best_missing):
            best_missing = missing
    raise TableError("header row not found", missing=best_missing)


def _data_rows(
    header: list[str], rows: Iterator[list[Any]], header_number: int
) -> Iterator[TableRow]:
    for number, raw in enumerate(rows, start=header_number + 1):
        values = {
            name: _cell_text(raw[i]) if i < len(raw) else ""
            for i, name in enumerate(header)
            if name
        }
        if any(values.values()):
            yield TableRow(number=number, values=values)
