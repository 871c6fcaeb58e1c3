"""The one wrapper around pyxform: XLSForm bytes in, a checked XForm (or located messages) out.

Invariants:

* Nothing here touches the database or HTTP; callers decide what to store.
* :func:`compile_xlsform` either returns a :class:`CompiledForm` whose XForm pyxform
  produced *and* ODK Validate accepted (when Java is available), or raises
  :class:`XLSFormInvalid` carrying every message it could collect.  A form with errors
  never comes back as compiled.
* Every message is located as precisely as the tools allow: the sheet, the spreadsheet row
  (1-based, the header is row 1) and the column (its header and its letter).  pyxform says
  ``[row : N] On the 'survey' sheet, the 'relevant' value is invalid``; ODK Validate names
  the field (``bind for ${age}`` or ``/data/age``), which is mapped back to the survey row
  that defines it.
* When Java is missing, ODK Validate is skipped and the result says so plainly
  (``validated=False`` and a note); pyxform's own checks still apply.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from typing import Any

JAVA_MISSING_NOTE = (
    "Java was not found, so ODK Validate did not run; only pyxform's checks were applied."
)

_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_SHEET = re.compile(r"On the '([A-Za-z_]+)' sheet")
_COLUMN = re.compile(r"the '([A-Za-z_:]+)' value")
_FIELD_REF = re.compile(r"\$\{([A-Za-z_][\w.\-]*)\}")
_FIELD_PATH = re.compile(r"/[A-Za-z_][\w.\-]*(?:/[A-Za-z_][\w.\-]*)+")
_QUOTED = re.compile(r"'([^']+)'")
_BIND_COLUMNS = ("constraint", "relevant", "calculate", "calculation", "required", "readonly")
_BIND_WORDS = {
    "constraint": "constraint",
    "relevant": "relevant",
    "calculate": "calculation",
    "required": "required",
    "readonly": "read_only",
    "choice_filter": "choice_filter",
    "repeat_count": "repeat_count",
    "default": "default",
}


@dataclass(frozen=True)
class FormMessage:
    """One error or warning, located in the workbook where possible."""

    level: str  # "error" or "warning"
    text: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # the header of the column (e.g. "relevant")
    column_letter: str | None = None  # its letter in the sheet (e.g. "F")
    source: str = "pyxform"  # "pyxform", "odk_validate" or "povcensus"

    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(self.sheet)
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(
                f"column {self.column}" + (f" ({self.column_letter})" if self.column_letter else "")
            )
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "text": self.text,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "column_letter": self.column_letter,
            "source": self.source,
        }


@dataclass(frozen=True)
class CompiledForm:
    xform: str
    form_id: str
    version: str
    title: str
    warnings: tuple[FormMessage, ...] = ()
    validated: bool = False
    validator_note: str = ""
    media_files: tuple[str, ...] = ()


class XLSFormInvalid(Exception):  # noqa: N818  (a result, not a programming error)
    """The workbook cannot become a form; ``messages`` says where and why."""

    def __init__(self, messages: list[FormMessage]) -> None:
        self.messages = messages
        super().__init__("; ".join(f"{m.location()}: {m.text}" for m in messages))


@dataclass
class _Workbook:
    """Headers and cell values of the sheets, to locate messages."""

    headers: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet → header → col
    cells: dict[str, list[list[str]]] = field(default_factory=dict)  # sheet → rows → values

    @classmethod
    def read(cls, data: bytes) -> _Workbook:
        from openpyxl import load_workbook

        book = cls()
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for sheet in workbook.worksheets:
                rows = [
                    ["" if v is None else str(v).strip() for v in row]
                    for row in sheet.iter_rows(values_only=True)
                ]
                name = sheet.title.strip().lower()
                book.cells[name] = rows
                book.headers[name] = {
                    header.lower(): index
                    for index, header in enumerate(rows[0] if rows else [])
                    if header
                }
        finally:
            workbook.close()
        return book

    def column(self, sheet: str, header: str) -> tuple[str, str] | None:
        """(header as written, letter) of ``header`` in ``sheet``, matching loosely."""
        from openpyxl.utils import get_column_letter

        columns = self.headers.get(sheet, {})
        wanted = header.lower()
        candidates = [wanted, wanted.replace("_", " "), *_aliases(wanted)]
        for name, index in columns.items():
            bare = name.split("::", 1)[0].strip()
            if name in candidates or bare in candidates:
                return self.cells[sheet][0][index], get_column_letter(index + 1)
        return None

    def survey_row_of(self, name: str) -> int | None:
        """The spreadsheet row (1-based) of the survey row whose ``name`` is ``name``."""
        index = self.headers.get("survey", {}).get("name")
        if index is None:
            return None
        for number, row in enumerate(self.cells["survey"][1:], start=2):
            if index < len(row) and row[index] == name:
                return number
        return None

    def find_cell(self, sheet: str, header: str, value: str) -> int | None:
        located = self.column(sheet, header)
        if located is None:
            return None
        index = self.headers[sheet][located[0].lower()]
        for number, row in enumerate(self.cells[sheet][1:], start=2):
            if index < len(row) and row[index] == value:
                return number
        return None


def _aliases(header: str) -> list[str]:
    return {
        "calculation": ["calculate", "calculation"],
        "calculate": ["calculation", "calculate"],
        "read_only": ["read_only", "readonly"],
        "readonly": ["read_only", "readonly"],
        "required_message": ["required_message", "jr:requiredmsg"],
        "constraint_message": ["constraint_message", "jr:constraintmsg"],
        "list_name": ["list_name", "list name"],
    }.get(header, [])


def _locate(text: str, book: _Workbook | None, *, level: str, source: str) -> FormMessage:
    sheet = row = column = letter = None
    if match := _ROW.search(text):
        row = int(match.group(1))
    if match := _SHEET.search(text):
        sheet = match.group(1).lower()
    if match := _COLUMN.search(text):
        column = match.group(1)
    if source == "odk_validate" and book is not None:
        name = None
        if match := _FIELD_REF.search(text):
            name = match.group(1)
        elif match := _FIELD_PATH.search(text):
            name = match.group(0).rsplit("/", 1)[-1]
        if name:
            sheet, row = "survey", book.survey_row_of(name)
            lowered = text.lower()
            for word, header in _BIND_WORDS.items():
                if word in lowered:
                    column = header
                    break
    if row is None and book is not None and (quoted := _QUOTED.findall(text)):
        # "Unknown question type 'integr'." and the like: find the quoted value.
        for value in quoted:
            for candidate_sheet, header in (("survey", "type"), ("survey", "name")):
                found = book.find_cell(candidate_sheet, header, value)
                if found:
                    sheet, row, column = candidate_sheet, found, column or header
                    break
            if row:
                break
    if row is not None and sheet is None:
        sheet = "survey"
    if book is not None and sheet and column:
        located = book.column(sheet, column)
        if located:
            column, letter = located
    return FormMessage(
        level=level,
        text=text.strip(),
        sheet=sheet,
        row=row,
        column=column,
        column_letter=letter,
        source=source,
    )


def _validate_messages(text: str) -> list[str]:
    """Split ODK Validate's report into its meaningful lines."""
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if (
            not line
            or line.startswith(("ODK Validate Errors", ">> XForm is invalid", "Result:"))
            or line.startswith("The following files failed validation")
            or line.startswith("${tmp")
            or line.endswith(".xml")
        ):
            continue
        lines.append(line.removeprefix(": ").removesuffix(" null").strip())
    return lines or [text.strip()]


def java_available() -> bool:
    return shutil.which("java") is not None


def compile_xlsform(data: bytes, *, validate: bool = True) -> CompiledForm:
    """Compile an XLSForm workbook and check it.

    ``validate``: run ODK Validate (Java) after pyxform; skipped, with a note, when Java is
    missing.  Raises :class:`XLSFormInvalid` with located messages on any error.
    """
    from pyxform.errors import PyXFormError
    from pyxform.validators.odk_validate import ODKValidateError
    from pyxform.xls2xform import convert

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise XLSFormInvalid(
            [FormMessage("error", "The file is not an .xlsx workbook.", source="povcensus")]
        )
    try:
        book: _Workbook | None = _Workbook.read(data)
    except Exception as error:  # any reader failure means "unreadable"
        raise XLSFormInvalid(
            [FormMessage("error", f"The workbook cannot be read: {error}", source="povcensus")]
        ) from error
    run_validate = validate and java_available()
    warnings: list[str] = []
    try:
        result = convert(
            xlsform=data,
            warnings=warnings,
            validate=run_validate,
            pretty_print=True,
            file_type=".xlsx",
        )
    except ODKValidateError as error:
        raise XLSFormInvalid(
            [
                _locate(line, book, level="error", source="odk_validate")
                for line in _validate_messages(str(error))
            ]
        ) from error
    except (PyXFormError, ValueError, KeyError, TypeError) as error:
        raise XLSFormInvalid(
            [_locate(str(error), book, level="error", source="pyxform")]
        ) from error
    data_dict: dict[str, Any] = result._pyxform or {}
    form_id = str(data_dict.get("id_string") or "")
    version = str(data_dict.get("version") or "")
    title = str(data_dict.get("title") or form_id)
    located_warnings = tuple(
        _locate(
            text,
            book,
            level="warning",
            source="odk_validate" if text.startswith("ODK Validate") else "pyxform",
        )
        for text in warnings
    )
    media = tuple(sorted(set(re.findall(r'src="jr://file(?:-csv)?/([^"]+)"', result.xform))))
    return CompiledForm(
        xform=result.xform,
        form_id=form_id,
        version=version,
        title=title,
        warnings=located_warnings,
        validated=run_validate,
        validator_note="" if run_validate or not validate else JAVA_MISSING_NOTE,
        media_files=media,
    )
