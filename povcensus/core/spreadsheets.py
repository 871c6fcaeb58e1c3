"""Reading tabular uploads (XLSX or CSV) row by row, finding the header row (pure).

Office spreadsheets start with title rows ("金山镇调查人员账号表", dates, units) above the
real header; :func:`iter_table` finds the first row (within the first ``scan`` rows) that
contains every required header and yields the rows below it as dicts keyed by header.
Rows are streamed, so a large sheet is never held in memory.

For large files read from disk (register exports of millions of rows),
:func:`iter_file_rows` streams rows from a path and :func:`locate_header` also recognises
two-row headers with merged group cells.  Row numbers always count every row of the
sheet (title and blank rows included), as the user sees them in a spreadsheet program.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
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


# --- Large files: header location (title rows, two-row merged headers) and streaming ---------

_HEADER_NOISE = str.maketrans("", "", " \t\r\n\u3000*＊")


def header_key(value: Any) -> str:
    """Normalise a header cell for matching: no spaces, line breaks or required-field stars."""
    return _cell_text(value).translate(_HEADER_NOISE)


@dataclass(frozen=True)
class HeaderLayout:
    """Where the header is and what each column holds.

    ``data_start`` is the number of rows (records) above the first data row; ``columns``
    gives, per column position, the canonical name found there ("" for a column nobody
    asked for); ``labels`` the header text as the file spells it (for messages).
    """

    data_start: int
    height: int
    columns: list[str]
    labels: list[str]

    def position(self, name: str) -> int | None:
        return self.columns.index(name) if name in self.columns else None


def _forward_filled(cells: Sequence[str]) -> list[str]:
    filled, last = [], ""
    for cell in cells:
        last = cell or last
        filled.append(last)
    return filled


def _resolve(lookup: Mapping[str, str], *keys: str) -> str:
    for key in keys:
        if key and key in lookup:
            return lookup[key]
    return ""


def locate_header(
    rows: Sequence[Sequence[Any]],
    *,
    lookup: Mapping[str, str],
    required: Sequence[str],
) -> HeaderLayout:
    """Find the header among the first ``rows`` of a sheet.

    ``lookup`` maps normalised header text (see :func:`header_key`) to a canonical name;
    a two-row header is matched with ``"group/sub"`` keys as well as ``"sub"``.  The header
    may be one row, or two rows where the upper row holds merged group cells ("家庭成员信息"
    spanning several columns) and cells merged downwards ("户编号" over both rows): merged
    cells arrive empty except their top-left cell, which is what both XLSX readers and
    CSV exports of such sheets produce.  The candidate that recognises the most columns
    and all ``required`` ones wins; raise :class:`TableError` (with the best attempt's
    missing names) when none does.
    """
    best: HeaderLayout | None = None
    best_score = -1
    best_missing: list[str] = list(required)
    normalised = [[header_key(v) for v in row] for row in rows]
    for index, upper in enumerate(normalised):
        candidates: list[tuple[int, list[str], list[str]]] = []
        single = [_resolve(lookup, cell) for cell in upper]
        candidates.append((1, single, list(upper)))
        if index + 1 < len(normalised):
            lower = normalised[index + 1]
            width = max(len(upper), len(lower))
            upper_cells = list(upper) + [""] * (width - len(upper))
            lower_cells = list(lower) + [""] * (width - len(lower))
            groups = _forward_filled(upper_cells)
            names, labels = [], []
            for up, group, low in zip(upper_cells, groups, lower_cells, strict=True):
                if low:
                    names.append(_resolve(lookup, f"{group}/{low}", low))
                    labels.append(f"{group}/{low}" if group and group != low else low)
                else:
                    names.append(_resolve(lookup, up))
                    labels.append(up)
            candidates.append((2, names, labels))
        for height, names, labels in candidates:
            seen: set[str] = set()
            columns = []
            for name in names:  # a name found twice: the first column wins
                columns.append(name if name and name not in seen else "")
                seen.add(name)
            missing = [name for name in required if name not in seen]
            score = len(seen - {""})
            if missing:
                if len(missing) < len(best_missing):
                    best_missing = missing
                continue
            if score > best_score:
                best_score = score
                best = HeaderLayout(
                    data_start=index + height, height=height, columns=columns, labels=labels
                )
    if best is None:
        raise TableError("header row not found", missing=best_missing)
    return best


def excel_cell_text(value: Any) -> str:
    """Text of a spreadsheet cell as the user saw it.

    A number of 16 or more digits cannot be held exactly by a spreadsheet (15 significant
    digits): Excel shows it in scientific notation (``4.10522E+17``), and so does this
    function, so that such a mangled ID number is recognised downstream instead of being
    mistaken for an 18-digit number with trailing zeros.
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float) and abs(value) >= 1e15:
        return format(float(value), ".6G")  # as Excel's General format shows it
    if hasattr(value, "isoformat") and not isinstance(value, str):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return _cell_text(value)


def sniff_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        return detect_encoding(handle.read(1 << 20))


def is_xlsx_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return is_xlsx(handle.read(4))


def iter_file_rows(path: Path) -> Iterator[list[str]]:
    """Stream the rows of a CSV (any supported encoding) or of an XLSX's first sheet.

    Every row comes back (blank ones as empty lists), so positions match the row numbers
    the user sees; cells are text (see :func:`excel_cell_text`).
    """
    if is_xlsx_file(path):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a corrupt file
            raise TableError(f"XLSX: {exc}") from None
        try:
            sheet = workbook.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield [excel_cell_text(v) for v in row]
        finally:
            workbook.close()
        return
    try:
        encoding = sniff_encoding(path)
    except UnicodeDecodeError as exc:
        raise TableError(f"CSV: {exc}") from None
    with path.open(encoding=encoding, newline="") as handle:
        try:
            for row in csv.reader(handle):
                yield [cell.strip() for cell in row]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise TableError(f"CSV: {exc}") from None


def first_rows(path: Path, count: int) -> list[list[str]]:
    rows = []
    for row in iter_file_rows(path):
        rows.append(row)
        if len(rows) >= count:
            break
    return rows


def transcode_to_utf8(source: Path, target: Path, *, encoding: str) -> None:
    """Copy ``source`` into ``target`` as UTF-8, in chunks (for readers that need UTF-8)."""
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(1 << 20):
            try:
                dst.write(decoder.decode(chunk).encode("utf-8"))
            except UnicodeDecodeError as exc:
                raise TableError(f"CSV: {exc}") from None
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))
