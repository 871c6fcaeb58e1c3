"""清查摸底表 (listing form): the listing page's entry, for villages that list on tablets.

One submission is one household's listing entry, as on the listing page: its status
(census-domain.md §2.2, ``listing.ListingStatus``), the verified member count, member
changes with their reasons, the household it merged into, an explanation and evidence
photos where the status needs them.  Households come from ``households.csv`` filtered to
the chosen village (``villages.csv``).
"""

from __future__ import annotations

from povcensus.questionnaires.builtin.dsl import (
    FormSource,
    begin_repeat,
    calc,
    end_repeat,
    note,
    q,
)
from povcensus.questionnaires.builtin.src import choices as c

FORM_ID = "listing"
VERSION = "2023090101"

STATUS: list[tuple[str, str, str]] = [
    ("1", "正常在户", "Normal, resident"),
    ("2", "整户外出", "Whole household away"),
    ("3", "迁移/易地扶贫搬迁", "Moved / relocated"),
    ("4", "户消亡", "Household dissolved"),
    ("5", "整户失联", "Lost contact"),
    ("6", "拒访", "Refused"),
    ("7", "并入其他建档立卡户", "Merged into another registered household"),
    ("8", "重复记录", "Duplicate record"),
]


def build() -> FormSource:
    form = FormSource(
        form_id=FORM_ID,
        title=("清查摸底表", "Listing form"),
        version=VERSION,
        instance_name="concat(${hh_number}, ' ', ${reg_head_name})",
    )
    form.add(
        q("start", "start"),
        q("end", "end"),
        q(
            "select_one_from_file villages.csv",
            "village_code",
            ("行政村", "Village"),
            required=True,
            appearance="autocomplete",
        ),
        q(
            "select_one_from_file households.csv",
            "hh_number",
            ("户编号", "Household number"),
            required=True,
            appearance="autocomplete",
            choice_filter="village_code = ${village_code}",
        ),
        calc("reg_head_name", "pulldata('households', 'head_name', 'name', ${hh_number})"),
        calc("reg_size", "pulldata('households', 'size', 'name', ${hh_number})"),
        note(
            "l_register_note",
            (
                "名册：户主 ${reg_head_name}，家庭人口 ${reg_size} 人。",
                "Register: head ${reg_head_name}, ${reg_size} persons.",
            ),
            relevant="${hh_number} != ''",
        ),
        q("select_one listing_status", "l_status", ("户状态", "Household status"), required=True),
        q(
            "integer",
            "l_verified_member_count",
            ("核实人口数", "Verified number of members"),
            relevant="${l_status} = '1' or ${l_status} = '2' or ${l_status} = '3'",
            required=True,
            constraint=". >= 1 and . <= 30",
            constraint_message=(
                "核实人口数应在 1 到 30 之间。",
                "The verified count must be 1 to 30.",
            ),
        ),
        q(
            "select_one_from_file households.csv",
            "l_merged_into",
            ("并入的建档立卡户", "Household merged into"),
            relevant="${l_status} = '7'",
            required=True,
            choice_filter="name != ${hh_number}",
            appearance="autocomplete",
        ),
        q(
            "text",
            "l_explanation",
            ("情况说明", "Explanation"),
            relevant="${l_status} = '4' or ${l_status} = '5' or ${l_status} = '6' or ${l_status} = '7' or ${l_status} = '8'",
            required=True,
            appearance="multiline",
        ),
        q(
            "image",
            "l_evidence_photo",
            ("说明佐证照片", "Evidence photo"),
            relevant="${l_status} = '4' or ${l_status} = '5'",
            required=True,
            parameters="max-pixels=1600",
        ),
        q(
            "image",
            "l_evidence_photo_2",
            ("说明佐证照片（二）", "Second evidence photo"),
            relevant="${l_status} = '4' or ${l_status} = '5'",
            parameters="max-pixels=1600",
        ),
        begin_repeat(
            "l_changes",
            ("成员变动", "Member change"),
            relevant="${l_status} = '1' or ${l_status} = '2' or ${l_status} = '3'",
        ),
        q("select_one member_change", "l_change", ("变动原因", "Reason"), required=True),
        q("text", "l_change_name", ("姓名", "Name"), required=True),
        q(
            "text",
            "l_change_id_number",
            ("证件号码", "ID number"),
            constraint="regex(., '^[0-9]{17}[0-9X]([0-9]{2}([0-9A-Z]{2})?)?$')",
            constraint_message=(
                "证件号码须为 18、20 或 22 位。",
                "An ID number has 18, 20 or 22 characters.",
            ),
        ),
        q("text", "l_change_note", ("说明", "Note")),
        end_repeat("l_changes"),
        q("text", "l_note", ("备注", "Note")),
    )
    form.choice_list("listing_status", STATUS)
    form.choice_list("member_change", c.MEMBER_CHANGE)
    return form
