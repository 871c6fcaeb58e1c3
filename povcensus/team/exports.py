"""XLSX files for the staff import: the blank template and the one-time credentials sheet."""

from __future__ import annotations

import io

import xlsxwriter

from povcensus.team.services import STAFF_COLUMNS

TEMPLATE_EXAMPLES = [
    ["dcy01", "张伟", "13800000001", "调查员", "431202110000", "431202111000", "T01"],
    ["dcy02", "李娜", "13800000002", "调查员", "431202110000", "431202112000", "T01"],
    ["zdy01", "王强", "13800000003", "调查指导员", "431202110000", "431202113000", "T01、T02"],
    ["cun01", "刘芳", "13800000004", "村两委/驻村工作队", "431202110201", "", ""],
]


def staff_template_xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("调查人员账号")
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    text = book.add_format({"num_format": "@"})
    sheet.write(
        0,
        0,
        "调查人员账号创立表（每行一个账号；调查员填写所属调查小组，调查指导员可填写多个小组，用顿号分隔）",
        title,
    )
    headers = [aliases[0] for aliases in STAFF_COLUMNS.values()]
    sheet.write_row(2, 0, headers, head)
    for index, row in enumerate(TEMPLATE_EXAMPLES, start=3):
        sheet.write_row(index, 0, row, text)
    sheet.set_column(0, len(headers) - 1, 18, text)
    book.close()
    return buffer.getvalue()


def credentials_xlsx(credentials: list[dict[str, str]], *, title: str) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("初始密码")
    head = book.add_format({"bold": True, "bg_color": "#FDEBD0", "border": 1})
    sheet.write(0, 0, title)
    sheet.write(1, 0, "初始密码只提供这一次；首次登录时须修改密码。请妥善分发后销毁本文件。")
    sheet.write_row(3, 0, ["用户名", "姓名", "角色", "初始密码"], head)
    for index, row in enumerate(credentials, start=4):
        sheet.write_row(index, 0, [row["username"], row["full_name"], row["role"], row["password"]])
    sheet.set_column(0, 3, 20)
    book.close()
    return buffer.getvalue()
