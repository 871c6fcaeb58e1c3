"""The acceptance report files and the GPS sketch (pure)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from povcensus.review import report


def _data(accepted: bool) -> report.ReportData:
    when = datetime(2023, 9, 20, 10, 30, tzinfo=UTC)
    accepted_row = report.Acceptance("金山镇（431202110）", "乡镇", "李审核", when)
    return report.ReportData(
        campaign="2023年金山镇脱贫攻坚调查",
        area="金山镇（431202110）",
        level="乡镇",
        printed_at=when,
        total_cases=3,
        state_counts=[("乡镇已审核", 2), ("已提交", 1)],
        checked_cases=3,
        hard_clean_cases=2,
        rules=[report.RuleRate("H-101", "强制性", "人均纯收入与收入合计不符", 1, 3)],
        open_items=[
            report.OpenItem("案卷未达本级", "金山村（431202110201）", "4312021102010001 已提交")
        ],
        open_items_total=1,
        acceptances=[accepted_row] if accepted else [],
        accepted=accepted_row if accepted else None,
    )


def test_xlsx_report_has_counts_rates_open_items_and_acceptances() -> None:
    """The workbook carries the summary, the rule pass rates, the open items and who accepted."""
    book = load_workbook(io.BytesIO(report.report_xlsx(_data(accepted=True))))
    assert book.sheetnames == ["汇总", "规则通过率", "未结事项", "验收记录"]
    summary = {
        row[0]: row[1] for row in book["汇总"].iter_rows(min_row=5, values_only=True) if row[0]
    }
    assert summary["案卷总数"] == 3
    assert summary["乡镇已审核"] == 2
    assert summary["强制性审核通过率"] == "66.7%"
    assert "李审核" in book["汇总"]["A3"].value
    rules = list(book["规则通过率"].iter_rows(min_row=2, values_only=True))
    assert rules == [("H-101", "强制性", "人均纯收入与收入合计不符", 1, 3, "66.7%")]
    assert next(book["未结事项"].iter_rows(min_row=2, values_only=True))[0] == "案卷未达本级"
    assert next(book["验收记录"].iter_rows(min_row=2, values_only=True))[2] == "李审核"


def test_pdf_report_is_a_pdf_with_the_title() -> None:
    """The PDF opens as a PDF and names the report in its metadata."""
    content = report.report_pdf(_data(accepted=False))
    assert content.startswith(b"%PDF-")
    assert len(content) > 2000


def test_geopoint_reading_and_sketch() -> None:
    """An ODK geopoint is read (lat lon alt accuracy); junk gives None; the sketch is SVG."""
    point = report.parse_geopoint("27.5501 109.9972 312.0 4.8")
    assert point == report.GeoPoint(27.5501, 109.9972, 312.0, 4.8)
    assert report.parse_geopoint("") is None
    assert report.parse_geopoint("north east") is None
    assert report.parse_geopoint("127.0 10.0") is None
    svg = report.gps_sketch(point, [report.GeoPoint(27.5511, 109.9982, None, None)])
    assert svg.startswith("<svg")
    assert svg.count("<circle") == 3  # the neighbour, the accuracy halo, the point
