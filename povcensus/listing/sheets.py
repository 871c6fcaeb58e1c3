"""Printable listing sheets (清查摸底表, one per village) and roster files (pure).

Invariants: these functions receive plain rows and return bytes (or write to a file
object); they import no ORM and read nothing.  The sheet carries the signature and seal
lines of the paper archive the district keeps (work plan 七3), and, once signed in the
platform, the electronic seals: signer's name and time.  The PDF uses reportlab's
built-in CID font STSong-Light, so Chinese prints with no font file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

SHEET_HEADERS = [
    "序号",
    "户编号",
    "户主姓名",
    "村民小组",
    "名册人口数",
    "户状态",
    "核实人口数",
    "人员变动",
    "情况说明",
    "备注",
]


@dataclass(frozen=True)
class Seal:
    role: str  # 村委会 / 镇人民政府
    name: str = ""
    signed_at: datetime | None = None


@dataclass(frozen=True)
class SheetRow:
    number: str
    head_name: str
    group_name: str
    size_registered: int
    status: str
    verified_member_count: int | None
    member_changes: str
    explanation: str
    note: str


@dataclass
class SheetData:
    campaign: str
    county: str
    township: str
    village: str
    village_code: str
    state: str
    printed_at: datetime
    rows: list[SheetRow] = field(default_factory=list)
    seals: list[Seal] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)  # (status label, households)

    @property
    def title(self) -> str:
        return f"{self.campaign} 建档立卡户清查摸底表"

    @property
    def place(self) -> str:
        return f"{self.county} {self.township} {self.village}（{self.village_code}）"


def _row_values(index: int, row: SheetRow) -> list[Any]:
    return [
        index,
        row.number,
        row.head_name,
        row.group_name,
        row.size_registered,
        row.status or "未核查",
        "" if row.verified_member_count is None else row.verified_member_count,
        row.member_changes,
        row.explanation,
        row.note,
    ]


def _seal_text(seal: Seal) -> str:
    if seal.signed_at is None:
        return f"{seal.role}（盖章）：                审核人：              日期：     年   月   日"
    return f"{seal.role}（电子签章）：{seal.name}  {seal.signed_at:%Y-%m-%d %H:%M}"


def sheet_xlsx(data: SheetData) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("清查摸底表")
    title = book.add_format({"bold": True, "font_size": 15, "align": "center"})
    head = book.add_format(
        {
            "bold": True,
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
            "bg_color": "#F2F2F2",
        }
    )
    cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    text = book.add_format({"border": 1, "valign": "top", "num_format": "@"})
    seal = book.add_format({"font_color": "#B4232A", "bold": True})
    last = len(SHEET_HEADERS) - 1
    sheet.merge_range(0, 0, 0, last, data.title, title)
    sheet.merge_range(1, 0, 1, last, f"{data.place}    状态：{data.state}")
    sheet.write_row(3, 0, SHEET_HEADERS, head)
    for index, row in enumerate(data.rows, start=1):
        values = _row_values(index, row)
        for col, value in enumerate(values):
            sheet.write(3 + index, col, value, text if col == 1 else cell)
    line = 5 + len(data.rows)
    summary = "；".join(f"{label} {count} 户" for label, count in data.counts)
    sheet.merge_range(line, 0, line, last, f"合计 {len(data.rows)} 户：{summary}")
    for offset, item in enumerate(data.seals, start=2):
        sheet.merge_range(
            line + offset,
            0,
            line + offset,
            last,
            _seal_text(item),
            seal if item.signed_at else None,
        )
    sheet.write(line + len(data.seals) + 3, 0, f"打印时间：{data.printed_at:%Y-%m-%d %H:%M}")
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 20)
    sheet.set_column(2, 6, 11)
    sheet.set_column(7, 9, 26)
    sheet.repeat_rows(3)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    book.close()
    return out.getvalue()


def sheet_pdf(data: SheetData) -> bytes:
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
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", fontName=font, fontSize=15, leading=20, alignment=1)
    normal = ParagraphStyle("normal", fontName=font, fontSize=9.5, leading=13)
    red = ParagraphStyle("seal", parent=normal, textColor=colors.HexColor("#B4232A"))

    def para(value: Any) -> Paragraph:
        return Paragraph(str(value).replace("&", "&amp;").replace("<", "&lt;"), body)

    rows = [[para(h) for h in SHEET_HEADERS]]
    rows += [[para(v) for v in _row_values(i, r)] for i, r in enumerate(data.rows, start=1)]
    widths = [10, 30, 18, 14, 14, 22, 14, 50, 58, 30]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=data.title,
    )
    summary = "；".join(f"{label} {count} 户" for label, count in data.counts)
    story: list[Any] = [
        Paragraph(data.title, heading),
        Paragraph(f"{data.place}　　状态：{data.state}", normal),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph(f"合计 {len(data.rows)} 户：{summary}", normal),
        Spacer(1, 6 * mm),
    ]
    for item in data.seals:
        story.append(Paragraph(_seal_text(item), red if item.signed_at else normal))
        story.append(Spacer(1, 5 * mm))
    story.append(Paragraph(f"打印时间：{data.printed_at:%Y-%m-%d %H:%M}", body))
    document.build(story)
    return out.getvalue()


# --- the roster -------------------------------------------------------------------------------

ROSTER_HEADERS = [
    "县代码",
    "乡代码",
    "村代码",
    "行政村",
    "户编号",
    "户主姓名",
    "户主证件号码",
    "联系电话",
    "名册人口数",
    "户状态",
    "入户调查",
    "核实人口数",
    "情况说明",
    "佐证材料数",
    "村委会审核",
    "镇人民政府审核",
]


def roster_csv(rows: Iterable[list[Any]], out: IO[str]) -> int:
    """Write the roster as UTF-8 CSV (with BOM, so that Excel reads Chinese right)."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(ROSTER_HEADERS)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def roster_xlsx(rows: Iterable[list[Any]], out: IO[bytes], *, title: str) -> int:
    """Write the roster as XLSX, streamed (constant memory)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet("调查底册")
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    sheet.write(0, 0, title)
    sheet.write_row(1, 0, ROSTER_HEADERS, head)
    count = 0
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, [str(v) if i < 8 else v for i, v in enumerate(row)])
        count += 1
    sheet.set_column(0, 7, 18)
    sheet.set_column(8, 15, 14)
    book.close()
    return count
