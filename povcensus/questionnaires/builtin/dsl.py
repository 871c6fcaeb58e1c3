"""A small vocabulary for writing the built-in XLSForms as readable Python (pure).

Invariants:

* A :class:`FormSource` holds exactly what the XLSForm's three sheets hold (survey,
  choices, settings); :func:`workbook_bytes` writes them with a fixed column order, so the
  same source always gives the same cells.
* Labels, hints, constraint and required messages are bilingual: Chinese (the default
  language) and English, under the language names :data:`ZH` and :data:`EN`, used
  everywhere.  Every required question gets a required message in both languages, because
  the browser engine's own chrome is English only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ZH = "中文 (zh)"
EN = "English (en)"
LANGS = (ZH, EN)

SURVEY_COLUMNS = [
    "type",
    "name",
    f"label::{ZH}",
    f"label::{EN}",
    f"hint::{ZH}",
    f"hint::{EN}",
    "required",
    f"required_message::{ZH}",
    f"required_message::{EN}",
    "relevant",
    "constraint",
    f"constraint_message::{ZH}",
    f"constraint_message::{EN}",
    "calculation",
    "trigger",
    "default",
    "read_only",
    "appearance",
    "repeat_count",
    "choice_filter",
    "parameters",
]
CHOICE_COLUMNS = ["list_name", "name", f"label::{ZH}", f"label::{EN}"]
SETTINGS_COLUMNS = [
    "form_title",
    "form_id",
    "version",
    "default_language",
    "instance_name",
    "client_editable",
    "style",
]

REQUIRED_ZH = "此项必须填写。"
REQUIRED_EN = "This question must be answered."

Text = tuple[str, str]  # (Chinese, English)


@dataclass
class FormSource:
    form_id: str
    title: Text
    version: str
    instance_name: str = ""
    style: str = "pages"
    survey: list[dict[str, str]] = field(default_factory=list)
    choices: list[dict[str, str]] = field(default_factory=list)

    def add(self, *rows: dict[str, str]) -> None:
        self.survey.extend(rows)

    def choice_list(self, list_name: str, items: list[tuple[str, str, str]]) -> None:
        for code, zh, en in items:
            self.choices.append(
                {"list_name": list_name, "name": code, f"label::{ZH}": zh, f"label::{EN}": en}
            )

    def settings_row(self) -> dict[str, str]:
        return {
            "form_title": self.title[0],
            "form_id": self.form_id,
            "version": self.version,
            "default_language": ZH,
            "instance_name": self.instance_name,
            "client_editable": "yes",
            "style": self.style,
        }


def _bilingual(row: dict[str, str], column: str, text: Text | None) -> None:
    if text:
        row[f"{column}::{ZH}"], row[f"{column}::{EN}"] = text


def q(
    type_: str,
    name: str,
    label: Text | None = None,
    *,
    hint: Text | None = None,
    required: bool | str = False,
    required_message: Text | None = None,
    relevant: str | None = None,
    constraint: str | None = None,
    constraint_message: Text | None = None,
    calculation: str | None = None,
    trigger: str | None = None,
    default: str | None = None,
    read_only: bool = False,
    appearance: str | None = None,
    repeat_count: str | None = None,
    choice_filter: str | None = None,
    parameters: str | None = None,
) -> dict[str, str]:
    """One survey row.  ``required`` may be an expression (required only when true)."""
    row: dict[str, str] = {"type": type_, "name": name}
    _bilingual(row, "label", label)
    _bilingual(row, "hint", hint)
    if required:
        row["required"] = "yes" if required is True else str(required)
        _bilingual(row, "required_message", required_message or (REQUIRED_ZH, REQUIRED_EN))
    if constraint:
        if not constraint_message:
            raise ValueError(f"{name}: a constraint needs a message in both languages")
        row["constraint"] = constraint
        _bilingual(row, "constraint_message", constraint_message)
    for key, value in (
        ("relevant", relevant),
        ("calculation", calculation),
        ("trigger", trigger),
        ("default", default),
        ("appearance", appearance),
        ("repeat_count", repeat_count),
        ("choice_filter", choice_filter),
        ("parameters", parameters),
    ):
        if value:
            row[key] = value
    if read_only:
        row["read_only"] = "yes"
    return row


def calc(name: str, expression: str, label: Text | None = None) -> dict[str, str]:
    return q("calculate", name, label, calculation=expression)


def note(name: str, label: Text, *, relevant: str | None = None) -> dict[str, str]:
    return q("note", name, label, relevant=relevant)


def begin_group(
    name: str, label: Text, *, relevant: str | None = None, appearance: str | None = "field-list"
) -> dict[str, str]:
    return q("begin_group", name, label, relevant=relevant, appearance=appearance)


def end_group(name: str) -> dict[str, str]:
    return {"type": "end_group", "name": name}


def begin_repeat(
    name: str, label: Text, *, relevant: str | None = None, repeat_count: str | None = None
) -> dict[str, str]:
    return q("begin_repeat", name, label, relevant=relevant, repeat_count=repeat_count)


def end_repeat(name: str) -> dict[str, str]:
    return {"type": "end_repeat", "name": name}


def codelist_items(code_list: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    return [(code, zh, en) for code, (zh, en) in code_list.items()]


def sheets(form: FormSource) -> dict[str, list[list[str]]]:
    """The three sheets as rows of cells (header first), in the fixed column order."""
    return {
        "survey": [
            SURVEY_COLUMNS,
            *([row.get(c, "") for c in SURVEY_COLUMNS] for row in form.survey),
        ],
        "choices": [
            CHOICE_COLUMNS,
            *([row.get(c, "") for c in CHOICE_COLUMNS] for row in form.choices),
        ],
        "settings": [SETTINGS_COLUMNS, [form.settings_row().get(c, "") for c in SETTINGS_COLUMNS]],
    }


def workbook_bytes(form: FormSource) -> bytes:
    """Write ``form`` as an .xlsx XLSForm an office can open and edit in Excel."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    # A fixed creation date keeps the bytes of an unchanged source identical.
    book.set_properties(
        {
            "title": form.title[0],
            "comments": "povcensus built-in questionnaire (XLSForm)",
            "created": datetime(2023, 9, 1, tzinfo=UTC),
        }
    )
    header = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    group = book.add_format({"bold": True, "bg_color": "#F4F6F0"})
    widths = {"type": 34, "name": 28, "relevant": 36, "constraint": 36, "calculation": 44}
    for sheet_name, rows in sheets(form).items():
        sheet = book.add_worksheet(sheet_name)
        for col, title in enumerate(rows[0]):
            bare = title.split("::", 1)[0]
            sheet.set_column(col, col, widths.get(bare, 24 if "label" in bare else 16))
            sheet.write_string(0, col, title, header)
        for r, row in enumerate(rows[1:], start=1):
            style: Any = group if row and str(row[0]).startswith(("begin_", "end_")) else None
            for col, value in enumerate(row):
                if value != "":
                    sheet.write_string(r, col, str(value), style)
                elif style is not None:
                    sheet.write_blank(r, col, None, style)
        sheet.freeze_panes(1, 2 if sheet_name == "survey" else 0)
    book.close()
    return out.getvalue()
