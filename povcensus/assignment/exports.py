"""Printable notice lists (预约通知名单) of a village: XLSX (XlsxWriter) and PDF (reportlab).

One row per household: number, head, phone, group, visit day and time, team, guide and
the documents to have ready (work plan 六(三)).  The PDF uses reportlab's built-in CID
font STSong-Light, so Chinese renders with no font file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

from povcensus.assignment.models import Document

HEADERS = [
    "户编号",
    "户主",
    "联系电话",
    "村民小组",
    "访问日期",
    "时间",
    "调查小组",
    "引导人员",
    "需准备的资料",
    "备注",
]
PREPARE = "请提前准备：" + "；".join(str(d.label) for d in Document) + "。"


def _time_text(row: Any) -> str:
    if row.starts_at is None:
        return ""
    text = row.starts_at.strftime("%H:%M")
    if row.ends_at is not None:
        text += "–" + row.ends_at.strftime("%H:%M")
    return text


def _documents_text(codes: Sequence[str]) -> str:
    labels = {d.value: str(d.label) for d in Document}
    return "、".join(labels.get(c, c) for c in codes)


def _cells(row: Any) -> list[str]:
    return [
        row.number,
        row.head_name,
        row.phone,
        row.group_name,
        row.day.isoformat() if row.day else "未预约",
        _time_text(row),
        row.team,
        row.guide,
        _documents_text(row.documents),
        row.note,
    ]


def notice_list_xlsx(rows: Sequence[Any], *, campaign_name: str, village_name: str) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("预约通知名单")
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    sheet.write(0, 0, f"{campaign_name} · {village_name} 入户调查预约通知名单", title)
    sheet.write(1, 0, PREPARE)
    sheet.write_row(3, 0, HEADERS, head)
    for index, row in enumerate(rows, start=4):
        sheet.write_row(index, 0, _cells(row), cell)
    for column, width in enumerate((22, 10, 14, 10, 12, 12, 12, 10, 40, 20)):
        sheet.set_column(column, column, width)
    sheet.set_landscape()
    sheet.repeat_rows(3)
    sheet.fit_to_pages(1, 0)
    book.close()
    return buffer.getvalue()


def notice_list_pdf(rows: Sequence[Any], *, campaign_name: str, village_name: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    normal = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    heading = ParagraphStyle("title", fontName=font, fontSize=14, leading=18)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{village_name} 入户调查预约通知名单",
    )
    data = [[Paragraph(h, normal) for h in HEADERS]]
    data += [[Paragraph(str(c), normal) for c in _cells(row)] for row in rows]
    widths = [m * mm for m in (34, 18, 24, 16, 20, 20, 22, 18, 72, 29)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        Paragraph(f"{campaign_name} · {village_name} 入户调查预约通知名单", heading),
        Spacer(1, 3 * mm),
        Paragraph(PREPARE, normal),
        Spacer(1, 3 * mm),
        table,
    ]
    document.build(story)
    return buffer.getvalue()


def upload_template_xlsx() -> bytes:
    """A blank bulk-assignment sheet with one household row and one village row as examples."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("分配表")
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    text = book.add_format({"num_format": "@"})
    sheet.write(
        0,
        0,
        "调查任务分配表（每行一个调查单位：填写户编号或行政村代码，以及调查小组编号；调整已分配的单位须填写原因）",
        title,
    )
    sheet.write_row(2, 0, ["户编号", "行政村代码", "调查小组编号", "原因"], head)
    sheet.write_row(3, 0, ["431202110201000001", "", "T01", ""], text)
    sheet.write_row(4, 0, ["", "431202110201", "T01", ""], text)
    sheet.set_column(0, 3, 22, text)
    book.close()
    return buffer.getvalue()
