"""Spreadsheets of check results (no ORM: rows in, XLSX bytes out)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _


def failures_xlsx(rows: Iterable[Sequence[Any]], *, title: str) -> tuple[bytes, int]:
    """One sheet: every failure with its explanation.  Returns (file, data rows)."""
    headers = [
        _("村代码"),
        _("户编号"),
        _("问卷"),
        _("问卷实例"),
        _("版本"),
        _("调查小组"),
        _("调查员"),
        _("规则"),
        _("类别"),
        _("成员序号"),
        _("提示信息"),
        _("核实说明"),
        _("说明人"),
        _("说明时间"),
    ]
    severity = {"hard": _("硬性"), "soft": _("软性")}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("审核结果"))
    sheet.write(0, 0, title, bold)
    sheet.write_row(2, 0, headers, bold)
    sheet.freeze_panes(3, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        values = list(row)
        values[8] = severity.get(values[8], values[8])
        at = values[13]
        values[13] = (
            timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if isinstance(at, datetime) else ""
        )
        values = ["" if v is None else v for v in values]
        sheet.write_row(2 + count, 0, values)
    sheet.set_column(0, 1, 16)
    sheet.set_column(2, 3, 24)
    sheet.set_column(10, 11, 50)
    sheet.autofilter(2, 0, 2 + count, len(headers) - 1)
    book.close()
    return buffer.getvalue(), count


def table_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """Several simple sheets: (name, headers, rows)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    for name, headers, rows in sheets:
        sheet = book.add_worksheet(name[:31])
        sheet.write_row(0, 0, list(headers), bold)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, ["" if v is None else v for v in row])
        sheet.set_column(0, len(headers) - 1, 14)
    book.close()
    return buffer.getvalue()
