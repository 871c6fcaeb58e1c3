"""Regenerate the register import sample files in this folder.

    .venv/bin/python povcensus/register/tests/data/make_samples.py

Each file imitates a real export of the national poverty information system (Chinese
headers, labels rather than codes) and carries one kind of damage real exports have.
IDs use the address code 431221 (not the demo county's 431202) so that they never meet the
demo town's people.  The tests name rows by their household number and expect the codes
listed in ``PROBLEMS``.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))

from povcensus.core.idnumbers import make_id  # noqa: E402

HEADERS = [
    "县（市、区）",
    "县代码",
    "乡（镇）",
    "乡代码",
    "行政村",
    "村代码",
    "村民小组",
    "户编号",
    "户主姓名",
    "家庭人口数",
    "联系电话",
    "贫困户属性",
    "脱贫状态",
    "脱贫年度",
    "主要致贫原因",
    "姓名",
    "性别",
    "证件号码",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工状况",
    "务工时间",
]
VILLAGE = ("鹤城区", "431202000000", "金山镇", "431202110000", "金山村", "431202110201")
VILLAGE_2 = ("鹤城区", "431202000000", "金山镇", "431202110000", "石桥村", "431202110202")


def pid(year: int, month: int, day: int, seq: int) -> str:
    """A valid ID number (odd sequence: male, even: female)."""
    return make_id("431221", date(year, month, day), seq)


def member(
    number: str,
    head: str,
    size: int,
    name: str,
    sex: str,
    id_number: str,
    relation: str,
    *,
    village: tuple[str, ...] = VILLAGE,
    education: str = "初中",
    student: str = "非在校生",
    work: str = "未务工",
    months: str = "",
    ethnicity: str = "汉族",
) -> list[str]:
    return [
        *village[:6],
        "一组",
        number,
        head,
        str(size),
        "13807450001",
        "一般贫困户",
        "历史已脱贫",
        "2018",
        "因病",
        name,
        sex,
        id_number,
        relation,
        ethnicity,
        education,
        student,
        "健康",
        "普通劳动力",
        work,
        months,
    ]


def good_households() -> list[list[str]]:
    """Three clean households (7 people) in two villages."""
    return [
        member("4312021102019001", "王建国", 3, "王建国", "男", pid(1970, 3, 5, 11), "户主"),
        member("4312021102019001", "王建国", 3, "李秀英", "女", pid(1972, 8, 19, 22), "配偶"),
        member(
            "4312021102019001",
            "王建国",
            3,
            "王小明",
            "男",
            pid(2010, 6, 1, 13),
            "之子",
            education="小学",
            student="小学六年级",
        ),
        member("4312021102019002", "赵桂兰", 1, "赵桂兰", "女", pid(1948, 1, 30, 24), "户主"),
        member(
            "4312021102029003",
            "陈志强",
            3,
            "陈志强",
            "男",
            pid(1981, 11, 11, 15),
            "户主",
            village=VILLAGE_2,
            work="省外务工",
            months="10",
        ),
        member(
            "4312021102029003",
            "陈志强",
            3,
            "刘芳",
            "女",
            pid(1985, 2, 14, 26),
            "配偶",
            village=VILLAGE_2,
        ),
        member(
            "4312021102029003",
            "陈志强",
            3,
            "陈思",
            "女",
            pid(2015, 9, 9, 28),
            "之女",
            village=VILLAGE_2,
            education="小学",
            student="小学三年级",
        ),
    ]


def problem_rows() -> tuple[list[list[str]], dict[str, str]]:
    """The damaged households, and for each household number the code its rows must get
    ("" = accepted as it is)."""
    rows: list[list[str]] = []
    PROBLEMS: dict[str, str] = {}  # noqa: N806

    def add(code: str, number: str, *members: list[str]) -> None:
        PROBLEMS[number] = code
        rows.extend(members)

    shared = pid(1966, 5, 5, 31)
    twin = pid(1990, 7, 7, 33)
    add(
        "register.id_scientific",
        "4312021102019101",
        member("4312021102019101", "孙一", 1, "孙一", "男", "4.10522E+17", "户主"),
    )
    fullwidth = pid(1975, 4, 4, 35)
    add(
        "register.id_repaired",  # full-width digits: repaired, a warning
        "4312021102019102",
        member(
            "4312021102019102",
            "周二",
            1,
            "周二",
            "男",
            fullwidth.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            "户主",
        ),
    )
    spaced = pid(1977, 7, 17, 37)
    add(
        "register.id_repaired",  # spaces: repaired, a warning
        "4312021102019103",
        member(
            "4312021102019103",
            "吴三",
            1,
            "吴三",
            "男",
            f"{spaced[:6]} {spaced[6:14]} {spaced[14:]}",
            "户主",
        ),
    )
    add(
        "register.duplicate_id_in_household",
        "4312021102019104",
        member("4312021102019104", "郑四", 2, "郑四", "男", twin, "户主"),
        member("4312021102019104", "郑四", 2, "郑小四", "男", twin, "之子"),
    )
    add(
        "register.duplicate_id_across_households",
        "4312021102019105",
        member("4312021102019105", "冯五", 1, "冯五", "男", shared, "户主"),
    )
    add(
        "register.duplicate_id_across_households",
        "4312021102019106",
        member("4312021102019106", "冯六", 1, "冯六", "男", shared, "户主"),
    )
    add(
        "",  # a valid 20-character disability certificate number is accepted
        "4312021102019107",
        member("4312021102019107", "褚七", 1, "褚七", "男", pid(1960, 10, 10, 39) + "42", "户主"),
    )
    bad_base = pid(1961, 1, 1, 41)
    broken = bad_base[:17] + ("0" if bad_base[17] != "0" else "1")
    add(
        "register.disability_number_invalid",
        "4312021102019108",
        member("4312021102019108", "卫八", 1, "卫八", "男", broken + "31", "户主"),
    )
    add(
        "register.several_heads",
        "4312021102019109",
        member("4312021102019109", "蒋九", 2, "蒋九", "男", pid(1955, 5, 15, 43), "户主"),
        member("4312021102019109", "蒋九", 2, "沈九", "女", pid(1956, 6, 16, 44), "户主"),
    )
    add(
        "register.no_head",
        "4312021102019110",
        member("4312021102019110", "韩十", 2, "韩十", "男", pid(1958, 8, 18, 45), "配偶"),
        member("4312021102019110", "韩十", 2, "杨十", "女", pid(1959, 9, 19, 46), "之女"),
    )
    add(
        "register.unknown_village",
        "4312021109999111",
        member(
            "4312021109999111",
            "朱十一",
            1,
            "朱十一",
            "男",
            pid(1962, 2, 22, 47),
            "户主",
            village=("鹤城区", "431202000000", "金山镇", "431202110000", "无名村", "431202110999"),
        ),
    )
    add(
        "register.relation_sex_mismatch",
        "4312021102019112",
        member("4312021102019112", "秦十二", 2, "秦十二", "男", pid(1963, 3, 23, 49), "户主"),
        member("4312021102019112", "秦十二", 2, "秦小妹", "女", pid(1993, 3, 3, 50), "之子"),
    )
    add(
        "register.required_missing",
        "4312021102019113",
        member("4312021102019113", "许十三", 1, "", "男", pid(1964, 4, 24, 51), "户主"),
    )
    invalid_date = "431221" + "19990231" + "053"
    from povcensus.core.idnumbers import check_char

    add(
        "register.id_birth_date",
        "4312021102019114",
        member(
            "4312021102019114",
            "何十四",
            1,
            "何十四",
            "男",
            invalid_date + check_char(invalid_date),
            "户主",
        ),
    )
    wrong_check = pid(1965, 5, 25, 55)
    add(
        "register.id_checksum",
        "4312021102019115",
        member(
            "4312021102019115",
            "吕十五",
            1,
            "吕十五",
            "男",
            wrong_check[:17] + ("1" if wrong_check[17] != "1" else "2"),
            "户主",
        ),
    )
    add(
        "register.id_length",
        "4312021102019116",
        member("4312021102019116", "施十六", 1, "施十六", "男", "43122119670616057", "户主"),
    )
    add(
        "register.unknown_code",
        "4312021102019117",
        member(
            "4312021102019117",
            "张十七",
            1,
            "张十七",
            "男",
            pid(1968, 7, 27, 59),
            "户主",
            ethnicity="火星族",
        ),
    )
    return rows, PROBLEMS


def csv_bytes(rows: list[list[str]], *, encoding: str, title: str = "") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    if title:
        writer.writerow([title])
        writer.writerow(["导出日期：2023-08-25", "", "单位：户、人"])
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


# The two-row header of the XLSX sample: (group spanning columns, sub-headers).
XLSX_GROUPS = [
    ("地址信息", HEADERS[0:7]),
    ("户编号", None),
    ("户主姓名", None),
    ("家庭信息", HEADERS[9:15]),
    ("家庭成员信息", HEADERS[15:]),
]


def merged_header_xlsx(rows: list[list[str]], numeric_id_row: int | None = None) -> bytes:
    """Title rows, a two-row header with merged cells; IDs stored as text (``@``)."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("建档立卡户")
    title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    head = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "border": 1})
    text = book.add_format({"num_format": "@"})
    width = len(HEADERS)
    sheet.merge_range(
        0, 0, 0, width - 1, "2023年金山镇建档立卡户名册（国家扶贫信息系统导出）", title
    )
    sheet.write(1, 0, "填报单位：金山镇人民政府    导出时间：2023-08-25")
    column = 0
    for group, subs in XLSX_GROUPS:
        if subs is None:
            sheet.merge_range(2, column, 3, column, group, head)  # merged downwards
            column += 1
            continue
        sheet.merge_range(2, column, 2, column + len(subs) - 1, group, head)
        for offset, sub in enumerate(subs):
            sheet.write(3, column + offset, sub, head)
        column += len(subs)
    id_column = HEADERS.index("证件号码")
    for index, row in enumerate(rows):
        for col, value in enumerate(row):
            if col == id_column and index == numeric_id_row:
                sheet.write_number(4 + index, col, float(value))  # what Excel does to IDs
            else:
                sheet.write_string(4 + index, col, value, text)
    book.close()
    return out.getvalue()


def main() -> None:
    good = good_households()
    (HERE / "register_gb18030.csv").write_bytes(
        csv_bytes(good, encoding="gb18030", title="金山镇建档立卡户名册")
    )
    (HERE / "register_problems.csv").write_bytes(csv_bytes(problem_rows()[0], encoding="utf-8-sig"))
    numeric = [
        *good,
        member("4312021102019201", "钱多多", 1, "钱多多", "男", pid(1971, 1, 21, 63), "户主"),
    ]
    (HERE / "register_merged_header.xlsx").write_bytes(
        merged_header_xlsx(numeric, numeric_id_row=len(numeric) - 1)
    )
    print("wrote", ", ".join(p.name for p in sorted(HERE.glob("register_*"))))  # noqa: T201


PROBLEMS = problem_rows()[1]

if __name__ == "__main__":
    main()
