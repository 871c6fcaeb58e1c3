"""The XLSX report of a register import: the input rows with an error column, and more.

Written while the import's staging table still exists (inside its transaction), streamed
row by row with xlsxwriter's constant-memory mode: the file is read again from disk and
joined, in row order, with the problems found.  A spreadsheet holds at most 1,048,576 rows:
above :data:`FULL_REPORT_ROWS` data rows only the rows with problems are listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from povcensus.core.spreadsheets import iter_file_rows
from povcensus.register.parsing import OpenedFile
from povcensus.register.report import ImportReport, describe_tokens, messages_text
from povcensus.register.services.staging import Stage

FULL_REPORT_ROWS = 1_000_000


def write_import_report(
    target: Path, *, stage: Stage, report: ImportReport, opened: OpenedFile
) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    bad = book.add_format({"bg_color": "#FFEBE9", "text_wrap": True, "font_color": "#CF222E"})
    note = book.add_format({"bg_color": "#FFF8C5", "text_wrap": True})
    only_problems = report.rows > FULL_REPORT_ROWS

    summary = book.add_worksheet("检查结果")
    lines: list[tuple[str, Any]] = [
        ("文件", report.filename),
        ("SHA-256", report.sha256),
        ("数据行数", report.rows),
        ("户数", report.households),
        ("有错误的行", report.error_rows),
        ("有提示的行", report.warning_rows),
        ("新增户", report.households_new),
        ("新增成员", report.members_new),
        ("有变更的户", report.households_changed),
        ("无变化的户", report.households_unchanged),
        ("因错误未导入的户", report.households_skipped),
        ("名册中有、本文件中没有的户（不会删除）", report.households_missing),
    ]
    summary.write(0, 0, "建档立卡户名册导入检查结果", bold)
    for index, (label, value) in enumerate(lines, start=2):
        summary.write_string(index, 0, label)
        summary.write(index, 1, value)
    row = len(lines) + 3
    if only_problems:
        summary.write_string(row, 0, "数据行超过一百万行，“名册及错误说明”只列出有问题的行。")
        row += 2
    summary.write_row(row, 0, ["代码", "说明", "行数"], head)
    for code, count in sorted(report.error_counts.items()) + sorted(report.warning_counts.items()):
        row += 1
        example = next(
            (
                d["message"]
                for sample in report.problem_rows
                for d in describe_tokens(sample["problems"]) + describe_tokens(sample["notes"])
                if d["code"] == code
            ),
            "",
        )
        summary.write_row(row, 0, [code, example, count])
    summary.set_column(0, 0, 40)
    summary.set_column(1, 1, 80)

    rows_sheet = book.add_worksheet("名册及错误说明")
    labels = opened.layout.labels
    rows_sheet.write_row(0, 0, ["行号", *labels, "错误说明", "提示"], head)
    problems = stage.problem_rows()
    pending = next(problems, None)
    out_row = 0
    for number, values in enumerate(iter_file_rows(opened.path), start=1):
        if number <= opened.layout.data_start:
            continue
        while pending is not None and pending[0] < number:
            pending = next(problems, None)
        found = pending if pending is not None and pending[0] == number else None
        if only_problems and found is None:
            continue
        if not any(v for v in values) and found is None:
            continue
        out_row += 1
        rows_sheet.write_number(out_row, 0, number)
        for col, value in enumerate(values[: len(labels)], start=1):
            rows_sheet.write_string(out_row, col, value)
        if found is not None:
            _, _, _, errors_text, notes_text = found
            if errors_text:
                rows_sheet.write_string(
                    out_row, len(labels) + 1, messages_text(errors_text, ""), bad
                )
            if notes_text:
                rows_sheet.write_string(
                    out_row, len(labels) + 2, messages_text("", notes_text), note
                )
    rows_sheet.set_column(1, len(labels), 14)
    rows_sheet.set_column(len(labels) + 1, len(labels) + 2, 60)
    rows_sheet.freeze_panes(1, 1)

    missing = book.add_worksheet("缺少的户")
    missing.write_row(0, 0, ["户编号", "村代码", "户主姓名"], head)
    for index, household in enumerate(stage.missing(), start=1):
        missing.write_row(index, 0, list(household))
    missing.set_column(0, 2, 20)

    changes = book.add_worksheet("变更明细")
    changes.write_row(0, 0, ["户（内部编号）", "村代码", "项目", "原值", "新值"], head)
    line = 0
    for household_id, village, items in stage.change_entries():
        for item in items:
            line += 1
            changes.write_row(
                line,
                0,
                [
                    str(household_id),
                    village,
                    str(item["field"]),
                    "" if item["old"] is None else str(item["old"]),
                    "" if item["new"] is None else str(item["new"]),
                ],
            )
    changes.set_column(0, 4, 22)
    book.close()
