"""Write generated households as a register export (建档立卡户名册) CSV.

As the national system exports it: one row per member, household columns repeated,
labels rather than codes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from povcensus.devtools.generator import Geography, HouseholdRecord
from povcensus.register import codelists

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
    "识别标准",
    "贫困户属性",
    "脱贫状态",
    "脱贫年度",
    "主要致贫原因",
    "姓名",
    "性别",
    "证件类型",
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


def _label(code_list: codelists.CodeList, code: str) -> str:
    return code_list[code][0] if code in code_list else code


def write_register_csv(
    out: TextIO, records: Iterable[HouseholdRecord], geography: Geography
) -> int:
    """Write ``records``; return the number of member rows written."""
    names = {a.code: a.name for a in geography.areas}
    parent = {a.code: a.parent_code for a in geography.areas}
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    rows = 0
    for h in records:
        township = parent[h.village_code] or ""
        county = parent.get(township) or ""
        for m in h.members:
            writer.writerow(
                [
                    names.get(county, ""),
                    county,
                    names.get(township, ""),
                    township,
                    names[h.village_code],
                    h.village_code,
                    h.group_name,
                    h.number,
                    h.head.name,
                    len(h.members),
                    h.phone,
                    _label(codelists.IDENTIFICATION_STANDARD, h.identification_standard),
                    _label(codelists.ATTRIBUTE, h.attribute),
                    _label(codelists.EXIT_STATUS, h.exit_status),
                    h.exit_year or "",
                    _label(codelists.POVERTY_CAUSE, h.main_cause),
                    m.name,
                    _label(codelists.SEX, m.sex),
                    "居民身份证",
                    m.id_number,
                    _label(codelists.RELATION, m.relation),
                    _label(codelists.ETHNICITY, m.ethnicity),
                    _label(codelists.EDUCATION, m.education),
                    _label(codelists.STUDENT_STATUS, m.student_status),
                    _label(codelists.HEALTH, m.health),
                    _label(codelists.LABOUR_SKILL, m.labour_skill),
                    _label(codelists.WORK_STATUS, m.work_status),
                    m.work_months if m.work_months is not None else "",
                ]
            )
            rows += 1
    return rows
