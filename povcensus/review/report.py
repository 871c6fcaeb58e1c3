"""The area acceptance report (审核验收报告, XLSX and PDF) and the case GPS sketch (pure).

Invariants: these functions receive plain values and return bytes or text; they import no
ORM and read nothing.  The report follows the listing sheets' print style (reportlab with
the built-in CID font STSong-Light, so Chinese prints with no font file; xlsxwriter for
the workbook): counts of cases by review state, the pass rate of every rule that failed
at least once, the open items that still block acceptance, and who accepted the area and
the areas below it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RuleRate:
    rule_id: str
    severity: str  # 强制性 / 核实性 (already translated for print)
    message: str
    failed: int  # cases (current versions) with this rule failed
    checked: int  # cases (current versions) checked under the active rule book

    @property
    def pass_rate(self) -> float:
        return 1.0 if not self.checked else (self.checked - self.failed) / self.checked


@dataclass(frozen=True)
class OpenItem:
    kind: str  # e.g. 案卷未达本级 / 清查摸底未审核 / 强制性审核未通过
    place: str  # village (or township) name and code
    detail: str


@dataclass(frozen=True)
class Acceptance:
    area: str  # name and code
    level: str  # 乡镇 / 县
    accepted_by: str
    accepted_at: datetime


@dataclass
class ReportData:
    campaign: str
    area: str  # name and code
    level: str  # 乡镇 / 县
    printed_at: datetime
    total_cases: int
    state_counts: list[tuple[str, int]] = field(default_factory=list)  # (state label, cases)
    checked_cases: int = 0
    hard_clean_cases: int = 0  # checked and no open hard failure
    rules: list[RuleRate] = field(default_factory=list)
    open_items: list[OpenItem] = field(default_factory=list)
    open_items_total: int = 0  # may exceed len(open_items): the list is cut for print
    acceptances: list[Acceptance] = field(default_factory=list)  # this area first, then below
    accepted: Acceptance | None = None

    @property
    def title(self) -> str:
        return f"{self.campaign} 审核验收报告"

    @property
    def status(self) -> str:
        if self.accepted is None:
            return "未验收"
        return f"已验收（{self.accepted.accepted_by}，{self.accepted.accepted_at:%Y-%m-%d %H:%M}）"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _summary_rows(data: ReportData) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [("案卷总数", data.total_cases)]
    rows += [(label, count) for label, count in data.state_counts]
    rows.append(("已完成规则审核的案卷", data.checked_cases))
    rows.append(("无强制性审核错误的案卷", data.hard_clean_cases))
    if data.checked_cases:
        rows.append(("强制性审核通过率", percent(data.hard_clean_cases / data.checked_cases)))
    rows.append(("未结事项", data.open_items_total))
    return rows


RULE_HEADERS = ["规则", "类别", "说明", "未通过案卷", "已审核案卷", "通过率"]
OPEN_HEADERS = ["事项", "地点", "说明"]
ACCEPTANCE_HEADERS = ["地区", "级别", "验收人", "验收时间"]


def _rule_values(rule: RuleRate) -> list[Any]:
    return [
        rule.rule_id,
        rule.severity,
        rule.message,
        rule.failed,
        rule.checked,
        percent(rule.pass_rate),
    ]


def _acceptance_values(item: Acceptance) -> list[Any]:
    return [item.area, item.level, item.accepted_by, f"{item.accepted_at:%Y-%m-%d %H:%M}"]


def report_xlsx(data: ReportData) -> bytes:
    """Return the report as one workbook with four sheets."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    title = book.add_format({"bold": True, "font_size": 15})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2", "text_wrap": True})
    cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    seal = book.add_format({"font_color": "#B4232A", "bold": True})

    summary = book.add_worksheet("汇总")
    summary.write(0, 0, data.title, title)
    summary.write(1, 0, f"{data.level}：{data.area}")
    summary.write(2, 0, f"验收状态：{data.status}", seal if data.accepted else None)
    for row, (label, value) in enumerate(_summary_rows(data), start=4):
        summary.write(row, 0, label, cell)
        summary.write(row, 1, value, cell)
    summary.write(len(_summary_rows(data)) + 5, 0, f"打印时间：{data.printed_at:%Y-%m-%d %H:%M}")
    summary.set_column(0, 0, 28)
    summary.set_column(1, 1, 18)

    sheets: list[tuple[str, list[str], list[list[Any]], list[int]]] = [
        (
            "规则通过率",
            RULE_HEADERS,
            [_rule_values(r) for r in data.rules],
            [12, 10, 50, 12, 12, 10],
        ),
        (
            "未结事项",
            OPEN_HEADERS,
            [[i.kind, i.place, i.detail] for i in data.open_items],
            [20, 30, 60],
        ),
        (
            "验收记录",
            ACCEPTANCE_HEADERS,
            [_acceptance_values(a) for a in data.acceptances],
            [30, 8, 16, 18],
        ),
    ]
    for name, headers, rows, widths in sheets:
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, headers, head)
        for index, values in enumerate(rows, start=1):
            sheet.write_row(index, 0, values, cell)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.repeat_rows(0)
    book.close()
    return out.getvalue()


def report_pdf(data: ReportData) -> bytes:
    """Return the report as an A4 PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
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
    section = ParagraphStyle("section", fontName=font, fontSize=11, leading=15, spaceBefore=6)
    normal = ParagraphStyle("normal", fontName=font, fontSize=9.5, leading=13)
    red = ParagraphStyle("seal", parent=normal, textColor=colors.HexColor("#B4232A"))

    def para(value: Any) -> Paragraph:
        return Paragraph(str(value).replace("&", "&amp;").replace("<", "&lt;"), body)

    def table(headers: list[str], rows: list[list[Any]], widths: list[int]) -> Table:
        cells = [[para(h) for h in headers]] + [[para(v) for v in row] for row in rows]
        result = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return result

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=data.title,
    )
    story: list[Any] = [
        Paragraph(data.title, heading),
        Paragraph(f"{data.level}：{data.area}", normal),
        Paragraph(f"验收状态：{data.status}", red if data.accepted else normal),
        Spacer(1, 4 * mm),
        Paragraph("一、案卷审核情况", section),
        table(["项目", "数量"], [[k, v] for k, v in _summary_rows(data)], [80, 40]),
        Paragraph("二、规则通过率（至少一个案卷未通过的规则）", section),
    ]
    if data.rules:
        story.append(
            table(RULE_HEADERS, [_rule_values(r) for r in data.rules], [22, 16, 78, 22, 22, 18])
        )
    else:
        story.append(Paragraph("全部规则均已通过。", normal))
    story.append(Paragraph("三、未结事项", section))
    if data.open_items:
        story.append(
            table(
                OPEN_HEADERS, [[i.kind, i.place, i.detail] for i in data.open_items], [40, 50, 96]
            )
        )
        if data.open_items_total > len(data.open_items):
            story.append(
                Paragraph(
                    f"（共 {data.open_items_total} 项，此处列出前 {len(data.open_items)} 项）", body
                )
            )
    else:
        story.append(Paragraph("无。", normal))
    story.append(Paragraph("四、验收记录", section))
    if data.acceptances:
        story.append(
            table(
                ACCEPTANCE_HEADERS,
                [_acceptance_values(a) for a in data.acceptances],
                [70, 20, 46, 50],
            )
        )
    else:
        story.append(Paragraph("尚无验收记录。", normal))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(f"打印时间：{data.printed_at:%Y-%m-%d %H:%M}", body))
    document.build(story)
    return out.getvalue()


# --- the GPS sketch on the case page ------------------------------------------------------------


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float
    altitude: float | None
    accuracy: float | None


def parse_geopoint(text: str | None) -> GeoPoint | None:
    """Read an ODK geopoint ("lat lon [alt [accuracy]]"); None when empty or malformed."""
    parts = (text or "").split()
    if len(parts) < 2:
        return None
    try:
        numbers = [float(p) for p in parts[:4]]
    except ValueError:
        return None
    latitude, longitude = numbers[0], numbers[1]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return GeoPoint(
        latitude=latitude,
        longitude=longitude,
        altitude=numbers[2] if len(numbers) > 2 else None,
        accuracy=numbers[3] if len(numbers) > 3 else None,
    )


def gps_sketch(point: GeoPoint, others: list[GeoPoint], *, size: int = 220) -> str:
    """Return a small SVG: the case's point (red) among the other cases of its village (grey).

    No map tiles (no CDN, no network): a scaled scatter with a 100 m scale bar, which is
    enough to notice a point far from its village.
    """
    import math

    points = [point, *others]
    lat0 = point.latitude
    metres_per_deg_lat = 111_320.0
    metres_per_deg_lon = 111_320.0 * math.cos(math.radians(lat0))
    xs = [(p.longitude - point.longitude) * metres_per_deg_lon for p in points]
    ys = [(p.latitude - point.latitude) * metres_per_deg_lat for p in points]
    extent = max(200.0, *(abs(v) for v in xs), *(abs(v) for v in ys)) * 1.15
    half = size / 2
    scale = half / extent

    def pos(x: float, y: float) -> tuple[float, float]:
        return half + x * scale, half - y * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" '
        f'height="{size}" class="gps-sketch" role="img">',
        f'<rect width="{size}" height="{size}" fill="#F6F8F5" stroke="#C9D1C4"/>',
    ]
    for x, y in zip(xs[1:], ys[1:], strict=True):
        cx, cy = pos(x, y)
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="#9AA39A"/>')
    if point.accuracy:
        parts.append(
            f'<circle cx="{half:.1f}" cy="{half:.1f}" r="{max(point.accuracy * scale, 4):.1f}" '
            'fill="#B4232A" fill-opacity="0.12"/>'
        )
    parts.append(
        f'<circle cx="{half:.1f}" cy="{half:.1f}" r="5" fill="#B4232A" stroke="#fff" '
        'stroke-width="1.5" class="gps-point"/>'
    )
    bar = 100 * scale
    parts.append(
        f'<line x1="10" y1="{size - 12}" x2="{10 + bar:.1f}" y2="{size - 12}" '
        'stroke="#333" stroke-width="2"/>'
        f'<text x="10" y="{size - 16}" font-size="10" fill="#333">100 m</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
