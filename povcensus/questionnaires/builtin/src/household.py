"""建档立卡户调查表 (household questionnaire), sections Z and A–K of census-domain.md §3.

Field names, types and codes follow docs/questionnaires/household-fields.md exactly; the
few helper fields a device needs (``reg_member_count``, ``b_member_rows``,
``b_members_confirmed``) are listed there too.

Returns: ``returns.csv`` (built by the review app for the team's returned households)
carries the reviewers' comments, shown in ``z_review_note`` when the household is chosen.

Prefill: the household is chosen from ``households.csv`` (only the team's households);
register values come in through ``pulldata()`` into ``reg_*`` calculates (kept in the
submission, so reviewers see the register's value beside the collected one) and are
offered as defaults of the collected fields: household fields through ``trigger`` on
``hh_number``, member fields when a member row is created (``odk-new-repeat``).
"""

from __future__ import annotations

from povcensus.questionnaires.builtin.dsl import (
    FormSource,
    begin_group,
    begin_repeat,
    calc,
    end_group,
    end_repeat,
    note,
    q,
)
from povcensus.questionnaires.builtin.src import choices as c

FORM_ID = "household"
VERSION = "2023090101"

DONE = "${z_outcome} = '1'"
CURRENT = "${m_status} = '1' or ${m_status} = '4'"
ZERO_TO = ("须为不小于 0 的数。", "Must be a number of at least 0.")


def hh(column: str) -> str:
    """The register's value of ``column`` for the chosen household."""
    return f"pulldata('households', '{column}', 'name', ${{hh_number}})"


def member(column: str, *, depth: int = 1) -> str:
    """The register's value of ``column`` for this member row (``<hh_number>-<row>``).

    A default is evaluated in the context of its own field, so ``..`` is the repeat
    instance for a field directly in the repeat and ``../..`` for one in a group inside it
    (``depth=2``).
    """
    row = "/".join([".."] * depth)
    return f"pulldata('members', '{column}', 'key', concat(${{hh_number}}, '-', position({row})))"


def campaign(column: str) -> str:
    return f"pulldata('campaign', '{column}', 'name', 'campaign')"


def n(name: str) -> str:
    """A number field as a number, empty counting as 0."""
    return f"coalesce(${{{name}}}, 0)"


def id_check(value: str = ".") -> str:
    """True when the first 18 characters of ``value`` carry a right GB 11643 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = " + ".join(
        f"number(substr({value}, {i}, {i + 1})) * {w}" for i, w in enumerate(weights)
    )
    rest = f"(({total}) mod 11)"
    return f"substr({value}, 17, 18) = substr('10X98765432', {rest}, {rest} + 1)"


def money(name: str, label: tuple[str, str], *, relevant: str | None = None) -> dict[str, str]:
    return q(
        "decimal",
        name,
        label,
        required=True,
        default="0",
        constraint=". >= 0",
        constraint_message=ZERO_TO,
        relevant=relevant,
        hint=("单位：元；没有填 0。", "Yuan; enter 0 if none."),
    )


def yes_no(name: str, label: tuple[str, str], **options: object) -> dict[str, str]:
    return q("select_one yes_no", name, label, **options)  # type: ignore[arg-type]


def build() -> FormSource:
    form = FormSource(
        form_id=FORM_ID,
        title=("建档立卡户调查表", "Registered household questionnaire"),
        version=VERSION,
        instance_name="concat(${hh_number}, ' ', ${reg_head_name})",
    )
    age = "${m_age}"
    form.add(
        q("start", "start"),
        q("end", "end"),
        q("today", "today"),
        q("deviceid", "deviceid"),
        q("username", "username"),
        calc("reference_date", campaign("reference_date")),
        calc("income_line", campaign("income_line")),
        q(
            "select_one_from_file households.csv",
            "hh_number",
            ("户编号", "Household number"),
            hint=(
                "只列出本小组分到的户；可输入户编号或户主姓名查找。",
                "Only your team's households; type a number or the head's name to search.",
            ),
            required=True,
            appearance="autocomplete",
        ),
        calc("reg_head_name", hh("head_name")),
        calc("reg_village_code", hh("village_code")),
        calc("reg_village_name", hh("village_name")),
        calc("reg_size", hh("size")),
        calc("reg_attribute", hh("attribute")),
        calc("reg_exit_status", hh("exit_status")),
        calc("reg_main_cause", hh("main_cause")),
        calc("reg_phone", hh("phone")),
        calc("reg_member_count", hh("member_count")),
        note(
            "z_register_note",
            (
                "名册信息：户主 ${reg_head_name}，${reg_village_name}，名册人口 ${reg_size} 人。",
                "Register: head ${reg_head_name}, ${reg_village_name}, ${reg_size} persons.",
            ),
            relevant="${hh_number} != ''",
        ),
        # A case returned by review: the reviewers' comments, each with the answer it concerns
        # (returns.csv, only the team's returned households; empty otherwise).
        calc("z_review_comments", "pulldata('returns', 'comments', 'name', ${hh_number})"),
        note(
            "z_review_note",
            (
                "审核退回，请核实修正：${z_review_comments}",
                "Returned by review, please verify and correct: ${z_review_comments}",
            ),
            relevant="${z_review_comments} != ''",
        ),
        q("select_one outcome", "z_outcome", ("调查结果", "Interview outcome"), required=True),
        q(
            "text",
            "z_noninterview_reason_note",
            ("未调查情况说明", "Why the household was not interviewed"),
            relevant="${z_outcome} != '' and ${z_outcome} != '1'",
            required=True,
            appearance="multiline",
        ),
        q(
            "image",
            "z_evidence_photo",
            ("说明佐证照片", "Evidence photo"),
            hint=(
                "户消亡、整户失联须拍摄佐证材料（如户籍注销证明、村委会证明）。",
                "Dissolved or lost households need evidence (e.g. deregistration, village letter).",
            ),
            relevant="${z_outcome} = '2' or ${z_outcome} = '3'",
            required=True,
            parameters="max-pixels=1600",
        ),
    )

    # A. Identification
    form.add(
        # Part 1 (A, and B up to the member rows) is asked whatever the outcome (the
        # dictionary's relevance rule starts after A/B), so the register defaults set when
        # the household is chosen are kept: an engine may drop a value written to a field
        # that is not relevant at that moment (Web Forms 0.22 does).
        begin_group("a", ("A. 户基本情况", "A. Household identification"), appearance=None),
        q(
            "select_one identification_standard",
            "a_identification_standard",
            ("识别标准", "Identification standard"),
            required=True,
            calculation=hh("identification_standard"),
            trigger="${hh_number}",
        ),
        q(
            "select_one attribute",
            "a_attribute",
            ("贫困户属性", "Household attribute"),
            hint=("名册：${reg_attribute}", "Register: ${reg_attribute}"),
            required=True,
            calculation=hh("attribute"),
            trigger="${hh_number}",
        ),
        q(
            "select_one exit_status",
            "a_exit_status",
            ("脱贫状态", "Exit status"),
            required=True,
            calculation=hh("exit_status"),
            trigger="${hh_number}",
        ),
        q(
            "integer",
            "a_exit_year",
            ("脱贫年度", "Year of exit"),
            # Fields that receive register defaults carry no relevance: an engine may drop
            # a value set while the field is not relevant (Web Forms 0.22 does).
            required="${a_exit_status} != '04' and ${a_exit_status} != ''",
            constraint=". >= 2014 and . <= number(substr(${reference_date}, 0, 4))",
            constraint_message=(
                "脱贫年度应在 2014 年至标准时点所在年度之间。",
                "The exit year must lie between 2014 and the reference year.",
            ),
            calculation=hh("exit_year"),
            trigger="${hh_number}",
        ),
        q(
            "select_one poverty_cause",
            "a_main_cause",
            ("主要致贫原因", "Main cause of poverty"),
            required=True,
            calculation=hh("main_cause"),
            trigger="${hh_number}",
        ),
        q(
            "select_multiple poverty_cause",
            "a_other_causes",
            ("其他致贫原因", "Other causes of poverty"),
            hint=("最多选两项，不能与主要致贫原因相同。", "At most two, not the main cause."),
            constraint="count-selected(.) <= 2 and not(selected(., ${a_main_cause}))",
            constraint_message=(
                "其他致贫原因最多两项，且不能与主要致贫原因相同。",
                "At most two other causes, and none equal to the main cause.",
            ),
            calculation=hh("other_causes"),
            trigger="${hh_number}",
        ),
        q(
            "text",
            "a_phone",
            ("联系电话", "Contact phone"),
            constraint="regex(., '^1[0-9]{10}$')",
            constraint_message=(
                "手机号码须为 1 开头的 11 位数字。",
                "A mobile number has 11 digits starting with 1.",
            ),
            calculation=hh("phone"),
            trigger="${hh_number}",
            appearance="numbers",
        ),
        yes_no("a_military_family", ("是否军烈属", "Military or martyr family?"), required=True),
        yes_no("a_only_child", ("是否独生子女户", "Only-child household?"), required=True),
        yes_no("a_two_daughters", ("是否双女户", "Two-daughter household?"), required=True),
        end_group("a"),
    )

    # B. Members
    form.add(
        begin_group("b", ("B. 家庭成员", "B. Household members"), appearance=None),
        q(
            "integer",
            "b_member_rows",
            ("成员行数", "Member rows"),
            hint=(
                "名册成员 ${reg_member_count} 人，均须逐一核实（已减少的成员也保留一行）；有新增成员时加大行数。",
                "The register lists ${reg_member_count}; verify each (keep a row for those who left); raise the number for new members.",
            ),
            required=DONE,
            constraint=". >= ${reg_member_count} and . >= 1 and . <= 30",
            constraint_message=(
                "行数不能少于名册人数（${reg_member_count}），且在 1 到 30 之间。",
                "At least the register's ${reg_member_count} rows, between 1 and 30.",
            ),
            calculation=hh("member_count"),
            trigger="${hh_number}",
        ),
        # Rows exist only for a completed interview.  They are created when the outcome
        # becomes "completed", while the repeat is relevant, so the register defaults
        # (set when a row is created) are kept by every engine.
        begin_repeat(
            "members",
            ("家庭成员", "Member"),
            relevant=DONE,
            repeat_count=f"if({DONE}, ${{b_member_rows}}, 0)",
        ),
        calc("m_key", "concat(${hh_number}, '-', position(..))"),
        calc("m_reg_name", "pulldata('members', 'name', 'key', ${m_key})"),
        calc("m_reg_id_number", "pulldata('members', 'id_number', 'key', ${m_key})"),
        calc("m_reg_relation", "pulldata('members', 'relation', 'key', ${m_key})"),
        calc("m_reg_sex", "pulldata('members', 'sex', 'key', ${m_key})"),
        q(
            "select_one member_status",
            "m_status",
            ("成员状态", "Member status"),
            hint=("名册姓名：${m_reg_name}", "Register name: ${m_reg_name}"),
            required=True,
            default=f"if({member('name')} != '', '1', '4')",
            constraint="if(${m_reg_name} = '', . = '4', . != '4')",
            constraint_message=(
                "名册上的成员不能选“新增”；名册以外的成员只能选“新增”。",
                "A register member cannot be 'new'; a member not on the register must be 'new'.",
            ),
        ),
        q(
            "select_one member_change",
            "m_change_reason",
            ("变动原因", "Reason for the change"),
            relevant="${m_status} = '2' or ${m_status} = '3'",
            required=True,
            choice_filter="name != 'married_in' and name != 'newborn' and name != 'moved_in'",
        ),
        q("text", "m_name", ("姓名", "Name"), required=True, default=member("name")),
        q("select_one sex", "m_sex", ("性别", "Sex"), required=True, default=member("sex")),
        q(
            "select_one id_type",
            "m_id_type",
            ("证件类型", "ID type"),
            required=True,
            default=f"coalesce({member('id_type')}, '1')",
        ),
        q(
            "text",
            "m_id_number",
            ("证件号码", "ID number"),
            hint=(
                "居民身份证 18 位；残疾人证 20 或 22 位。",
                "Resident ID: 18 characters; disability certificate: 20 or 22.",
            ),
            required="${m_id_type} != '9'",
            default=member("id_number"),
            constraint=(
                "if(${m_id_type} = '1', regex(., '^[0-9]{17}[0-9X]$') and "
                + id_check()
                + ", if(${m_id_type} = '2', regex(., '^[0-9]{17}[0-9X][0-9]{2}([0-9A-Z]{2})?$') and "
                + id_check()
                + ", true()))"
            ),
            constraint_message=(
                "证件号码格式或校验位不对：身份证 18 位（末位可为 X），残疾人证 20/22 位。",
                "Wrong ID format or check character: an ID has 18 characters (last may be X), a disability certificate 20 or 22.",
            ),
        ),
        calc(
            "m_age",
            "if((${m_id_type} = '1' or ${m_id_type} = '2') and string-length(${m_id_number}) >= 18, "
            "number(substr(${reference_date}, 0, 4)) - number(substr(${m_id_number}, 6, 10)) - "
            "if(number(concat(substr(${reference_date}, 5, 7), substr(${reference_date}, 8, 10))) < "
            "number(substr(${m_id_number}, 10, 14)), 1, 0), '')",
        ),
        note(
            "m_age_note",
            ("标准时点年龄：${m_age} 周岁", "Age at the reference date: ${m_age}"),
            relevant="${m_age} != ''",
        ),
        q(
            "select_one relation",
            "m_relation",
            ("与户主关系", "Relation to the head"),
            required=True,
            default=member("relation"),
            constraint=(
                ". != '01' or not(${m_status} = '1' or ${m_status} = '4') or "
                "count(../../members[m_relation = '01' and (m_status = '1' or m_status = '4')]) <= 1"
            ),
            constraint_message=(
                "一户只能有一名在户户主。",
                "A household has only one present head.",
            ),
        ),
        begin_group(
            "m_details",
            ("成员详细情况", "Member details"),
            relevant=CURRENT,
            appearance=None,
        ),
        q(
            "select_one ethnicity",
            "m_ethnicity",
            ("民族", "Ethnicity"),
            required=True,
            default=member("ethnicity", depth=2),
            appearance="autocomplete",
        ),
        q(
            "select_one education",
            "m_education",
            ("文化程度", "Education"),
            required=True,
            default=member("education", depth=2),
        ),
        q(
            "select_one student_status",
            "m_student_status",
            ("在校生状况", "Student status"),
            required=True,
            default=member("student_status", depth=2),
            appearance="minimal",
        ),
        q(
            "select_one health",
            "m_health",
            ("健康状况", "Health"),
            required=True,
            default=member("health", depth=2),
        ),
        q(
            "select_one disability_category",
            "m_disability_category",
            ("残疾类别", "Disability category"),
            relevant="${m_health} = '4'",
            required=True,
        ),
        q(
            "select_one disability_grade",
            "m_disability_grade",
            ("残疾等级", "Disability grade"),
            relevant="${m_health} = '4'",
            required=True,
        ),
        yes_no(
            "m_disability_cert",
            ("是否持残疾人证", "Holds a disability certificate?"),
            relevant="${m_health} = '4'",
            required=True,
        ),
        q(
            "select_one labour_skill",
            "m_labour_skill",
            ("劳动技能", "Labour ability"),
            required=True,
            default=member("labour_skill", depth=2),
            constraint=f"{age} = '' or {age} >= 16 or . = '5'",
            constraint_message=(
                "未满 16 周岁的成员劳动技能只能是“无劳动力”。",
                "A member under 16 can only have 'no labour ability'.",
            ),
        ),
        q(
            "select_one work_status",
            "m_work_status",
            ("务工状况", "Work away from home"),
            required=True,
            default=member("work_status", depth=2),
        ),
        q(
            "integer",
            "m_work_months",
            ("务工时间（月）", "Months worked away"),
            relevant="${m_work_status} != '' and ${m_work_status} != '0'",
            required=True,
            # Integer nodes refuse non-numbers, so guard the register value.
            default=(
                f"if(regex({member('work_months', depth=2)}, '^[0-9]+$'), "
                f"{member('work_months', depth=2)}, '')"
            ),
            constraint=". >= 1 and . <= 12",
            constraint_message=(
                "有务工地点时，务工时间应为 1 到 12 个月。",
                "With a place of work, months worked must be 1 to 12.",
            ),
        ),
        yes_no(
            "m_ins_resident_medical",
            ("参加城乡居民基本医疗保险", "In resident basic medical insurance?"),
            required=True,
        ),
        yes_no(
            "m_ins_employee_medical",
            ("参加职工基本医疗保险", "In employee basic medical insurance?"),
            required=True,
            constraint="not(. = '1' and ${m_ins_resident_medical} = '1')",
            constraint_message=(
                "不能同时参加城乡居民和职工基本医疗保险。",
                "Cannot be in both resident and employee basic medical insurance.",
            ),
        ),
        yes_no(
            "m_ins_critical_illness",
            ("参加大病保险", "In critical-illness insurance?"),
            required=True,
        ),
        yes_no(
            "m_medical_assistance", ("享受医疗救助", "Receives medical assistance?"), required=True
        ),
        yes_no(
            "m_pension_resident",
            ("参加城乡居民基本养老保险", "In resident basic pension insurance?"),
            required=True,
        ),
        yes_no(
            "m_pension_employee",
            ("参加职工基本养老保险", "In employee basic pension insurance?"),
            required=True,
            constraint="not(. = '1' and ${m_pension_resident} = '1')",
            constraint_message=(
                "不能同时参加城乡居民和职工基本养老保险。",
                "Cannot be in both resident and employee pension insurance.",
            ),
        ),
        q(
            "select_one dibao",
            "m_dibao",
            ("享受低保情况", "Minimum living allowance"),
            required=True,
        ),
        q(
            "select_one tekun",
            "m_tekun",
            ("特困供养情况", "Extreme-poverty support"),
            required=True,
        ),
        q(
            "select_one tekun_mode",
            "m_tekun_mode",
            ("供养方式", "Mode of support"),
            relevant="${m_tekun} != '' and ${m_tekun} != '0'",
            required=True,
        ),
        yes_no(
            "m_disability_subsidy",
            ("享受残疾人补贴", "Receives disability subsidies?"),
            relevant="${m_health} = '4'",
            required=True,
        ),
        yes_no(
            "m_public_welfare_job", ("是否公益岗位", "Holds a public-welfare job?"), required=True
        ),
        q(
            "select_one pwj_type",
            "m_pwj_type",
            ("公益岗位类型", "Type of public-welfare job"),
            relevant="${m_public_welfare_job} = '1'",
            required=True,
        ),
        q(
            "integer",
            "m_pwj_months",
            ("聘用月数", "Months employed"),
            relevant="${m_public_welfare_job} = '1'",
            required=True,
            constraint=". >= 0 and . <= 12",
            constraint_message=("聘用月数应在 0 到 12 之间。", "Months employed must be 0 to 12."),
        ),
        yes_no(
            "m_relocated",
            ("是否易地扶贫搬迁人口", "Relocated under poverty alleviation?"),
            required=True,
        ),
        yes_no(
            "m_in_school",
            ("是否在校就学", "Attends school?"),
            hint=("6–15 周岁义务教育阶段。", "Compulsory-education age 6–15."),
            relevant=f"{age} != '' and {age} >= 6 and {age} <= 15",
            required=True,
        ),
        q(
            "select_one out_of_school",
            "m_not_in_school_reason",
            ("未在校原因", "Why not in school"),
            relevant="${m_in_school} = '2'",
            required=True,
        ),
        q(
            "select_multiple edu_assistance",
            "m_edu_assistance",
            ("享受教育资助", "Education assistance received"),
            relevant="${m_student_status} != '' and ${m_student_status} != '00'",
        ),
        yes_no(
            "m_chronic_card",
            ("是否办理慢性病卡", "Has a chronic-illness card?"),
            relevant="${m_health} = '2'",
            required=True,
        ),
        yes_no(
            "m_family_doctor",
            ("是否家庭医生签约", "Signed with a family doctor?"),
            relevant="${m_health} = '2' or ${m_health} = '3'",
            required=True,
        ),
        yes_no(
            "m_serious_illness_treated",
            ("是否接受大病专项救治", "Received special serious-illness treatment?"),
            relevant="${m_health} = '3'",
            required=True,
        ),
        end_group("m_details"),
        end_repeat("members"),
        calc("h_size", "count(../members[m_status = '1' or m_status = '4'])"),
        yes_no(
            "b_members_confirmed",
            ("以上成员信息已逐一核实", "Every member above has been verified"),
            relevant=DONE,
            required=True,
            constraint=(
                ". = '1' and count(../members[m_relation = '01' and "
                "(m_status = '1' or m_status = '4')]) = 1"
            ),
            constraint_message=(
                "须逐一核实成员，且户内须有且只有一名在户户主。",
                "Verify every member; the household needs exactly one present head.",
            ),
        ),
        end_group("b"),
    )

    # C. Food and clothing
    form.add(
        begin_group("c", ("C. 不愁吃、不愁穿", "C. Food and clothing"), relevant=DONE),
        yes_no("c_enough_food", ("平常能吃得饱", "Usually has enough to eat?"), required=True),
        yes_no(
            "c_meat_eggs_soy",
            ("随时能吃肉蛋奶或豆制品", "Can eat meat, eggs, milk or soy products when wanted?"),
            required=True,
        ),
        yes_no(
            "c_seasonal_clothing",
            (
                "一年四季都有应季的换洗衣物和御寒被褥",
                "Has seasonal clothes to change and warm bedding all year?",
            ),
            required=True,
        ),
        end_group("c"),
    )

    # E. Medical (household)
    form.add(
        begin_group("e", ("E. 基本医疗", "E. Basic medical care"), relevant=DONE, appearance=None),
        q(
            "integer",
            "e_hospital_times",
            ("上年住院次数", "Hospital stays last year"),
            required=True,
            default="0",
            constraint=". >= 0 and . <= 50",
            constraint_message=("住院次数应在 0 到 50 之间。", "Hospital stays must be 0 to 50."),
        ),
        money(
            "e_hospital_cost",
            ("住院总费用", "Total hospital cost"),
            relevant="${e_hospital_times} > 0",
        ),
        money(
            "e_reimbursed",
            ("基本医保、大病保险报销", "Reimbursed by basic and critical-illness insurance"),
            relevant="${e_hospital_times} > 0",
        ),
        money(
            "e_assistance",
            ("医疗救助及兜底保障", "Medical assistance and safety-net payments"),
            relevant="${e_hospital_times} > 0",
        ),
        q(
            "decimal",
            "e_out_of_pocket",
            ("个人自付", "Paid out of pocket"),
            relevant="${e_hospital_times} > 0",
            required=True,
            default="0",
            constraint=(
                f". >= 0 and {n('e_reimbursed')} + {n('e_assistance')} + . <= "
                f"{n('e_hospital_cost')} + 1"
            ),
            constraint_message=(
                "报销、救助与个人自付之和不能超过住院总费用。",
                "Reimbursement, assistance and out-of-pocket cannot exceed the total cost.",
            ),
        ),
        end_group("e"),
    )

    # F. Housing
    ref_year = "number(substr(${reference_date}, 0, 4))"
    form.add(
        begin_group("f", ("F. 住房安全", "F. Housing safety"), relevant=DONE, appearance=None),
        yes_no("f_owns_house", ("是否有自有住房", "Owns a house?"), required=True),
        q(
            "integer",
            "f_dwellings",
            ("自有住房处数", "Number of own dwellings"),
            relevant="${f_owns_house} = '1'",
            required=True,
            constraint=". >= 1 and . <= 10",
            constraint_message=(
                "自有住房处数应在 1 到 10 之间。",
                "Own dwellings must be 1 to 10.",
            ),
        ),
        q(
            "select_one structure",
            "f_structure",
            ("住房结构", "Structure of the house"),
            relevant="${f_owns_house} = '1'",
            required=True,
        ),
        q(
            "integer",
            "f_year_built",
            ("建房年份", "Year built"),
            relevant="${f_owns_house} = '1'",
            constraint=f". >= 1900 and . <= {ref_year}",
            constraint_message=(
                "建房年份应在 1900 年至标准时点所在年度之间。",
                "The year built must lie between 1900 and the reference year.",
            ),
        ),
        q(
            "decimal",
            "f_area",
            ("住房面积（平方米）", "Floor area (m²)"),
            relevant="${f_owns_house} = '1'",
            required=True,
            constraint=". > 0 and . <= 2000",
            constraint_message=(
                "有自有住房时面积须大于 0。",
                "An owned house must have a floor area above 0.",
            ),
        ),
        q(
            "select_one yes_no_dk",
            "f_appraised",
            ("是否进行安全鉴定并告知", "Safety appraised and household informed?"),
            required=True,
        ),
        q(
            "select_one housing_grade",
            "f_grade",
            ("鉴定（评定）等级", "Appraisal grade"),
            relevant="${f_appraised} = '1'",
            required=True,
        ),
        q(
            "select_one safety_route",
            "f_safety_route",
            ("住房安全保障方式", "How safe housing is assured"),
            required=True,
            constraint=". != '1' or ${f_grade} = 'A' or ${f_grade} = 'B'",
            constraint_message=(
                "选“原住房经鉴定安全”时，鉴定等级须为 A 或 B。",
                "'Own house appraised safe' needs appraisal grade A or B.",
            ),
        ),
        q(
            "integer",
            "f_renovation_year",
            ("危房改造年度", "Year of renovation"),
            relevant="${f_safety_route} = '2'",
            required=True,
            constraint=f". >= 2008 and . <= {ref_year}",
            constraint_message=(
                "危房改造年度应在 2008 年至标准时点所在年度之间。",
                "The renovation year must lie between 2008 and the reference year.",
            ),
        ),
        q(
            "select_one placement",
            "f_relocation_placement",
            ("安置方式", "Resettlement mode"),
            relevant="${f_safety_route} = '3'",
            required=True,
        ),
        yes_no(
            "f_moved_in",
            ("是否已入住", "Moved in?"),
            relevant="${f_safety_route} = '3'",
            required=True,
        ),
        q(
            "decimal",
            "f_relocation_debt",
            ("搬迁负债（元）", "Debt from relocation (yuan)"),
            relevant="${f_safety_route} = '3'",
            required=True,
            default="0",
            constraint=". >= 0",
            constraint_message=ZERO_TO,
        ),
        end_group("f"),
    )

    # G. Drinking water
    form.add(
        begin_group("g", ("G. 饮水安全", "G. Drinking water"), relevant=DONE),
        q(
            "select_one water_source",
            "g_source",
            ("主要饮用水来源", "Main source of drinking water"),
            required=True,
        ),
        q("select_one meets", "g_quantity", ("水量", "Quantity"), required=True),
        q("select_one meets", "g_quality", ("水质", "Quality"), required=True),
        q("select_one meets", "g_convenience", ("用水方便程度", "Convenience"), required=True),
        q(
            "select_one meets",
            "g_guarantee",
            ("供水保障率", "Supply guarantee rate"),
            required=True,
        ),
        end_group("g"),
    )

    # H. Income
    wage = ["h_wage_work", "h_wage_pwj", "h_wage_other"]
    prod = ["h_prod_crops", "h_prod_livestock", "h_prod_forestry", "h_prod_other"]
    prop = ["h_prop_dividends", "h_prop_land_rent", "h_prop_other"]
    trans = [
        "h_trans_family_planning",
        "h_trans_dibao",
        "h_trans_tekun",
        "h_trans_pension",
        "h_trans_eco",
        "h_trans_other",
    ]

    def total(names: list[str]) -> str:
        return " + ".join(n(name) for name in names)

    form.add(
        begin_group(
            "h", ("H. 上年收入", "H. Income of the previous year"), relevant=DONE, appearance=None
        ),
        money("h_wage_work", ("务工收入", "Wages from migrant or local work")),
        money("h_wage_pwj", ("公益岗位工资", "Public-welfare job wages")),
        money("h_wage_other", ("其他工资性收入", "Other wage income")),
        calc("h_wage_total", total(wage), ("工资性收入", "Wage income")),
        money("h_prod_crops", ("种植业收入", "Crop farming income")),
        money("h_prod_livestock", ("养殖业收入", "Livestock income")),
        money("h_prod_forestry", ("林果业收入", "Forestry and fruit income")),
        money("h_prod_other", ("其他生产经营收入", "Other production income")),
        calc("h_prod_total", total(prod), ("生产经营性收入", "Production and business income")),
        money("h_prop_dividends", ("资产收益分红", "Asset-income dividends")),
        money("h_prop_land_rent", ("土地流转收入", "Land transfer rent")),
        money("h_prop_other", ("其他财产性收入", "Other property income")),
        calc("h_prop_total", total(prop), ("财产性收入", "Property income")),
        money("h_trans_family_planning", ("计划生育金", "Family-planning payments")),
        money("h_trans_dibao", ("低保金", "Minimum living allowance")),
        money("h_trans_tekun", ("特困供养金", "Extreme-poverty support payments")),
        money("h_trans_pension", ("养老金", "Pensions")),
        money("h_trans_eco", ("生态补偿", "Ecological compensation")),
        money("h_trans_other", ("其他转移性收入", "Other transfer income")),
        calc("h_trans_total", total(trans), ("转移性收入", "Transfer income")),
        money("h_expenditure", ("生产经营性支出", "Production and business expenditure")),
        calc(
            "h_net_income",
            "${h_wage_total} + ${h_prod_total} + ${h_prop_total} + ${h_trans_total} - "
            + n("h_expenditure"),
            ("家庭纯收入", "Household net income"),
        ),
        calc(
            "h_per_capita",
            "if(${h_size} > 0, round(${h_net_income} div ${h_size}, 2), '')",
            ("人均纯收入", "Per-capita net income"),
        ),
        note(
            "h_summary",
            (
                "家庭纯收入 ${h_net_income} 元；现有成员 ${h_size} 人；人均纯收入 ${h_per_capita} 元（收入标准线 ${income_line} 元）。",
                "Net income ${h_net_income} yuan; ${h_size} current members; per capita ${h_per_capita} yuan (income line ${income_line}).",
            ),
        ),
        note(
            "h_below_line",
            (
                "⚠ 人均纯收入未超过收入标准线，请与受访户逐项核实收入。",
                "⚠ Per-capita income does not exceed the income line: verify each income item with the household.",
            ),
            relevant="${h_per_capita} != '' and ${h_per_capita} <= ${income_line}",
        ),
        end_group("h"),
    )

    # I. Assistance and projects
    form.add(
        begin_group(
            "i", ("I. 帮扶与项目", "I. Assistance and projects"), relevant=DONE, appearance=None
        ),
        q(
            "select_multiple measure",
            "i_measures",
            ("获得的帮扶措施", "Assistance measures received"),
        ),
        q(
            "select_one effect",
            "i_industry_effect",
            ("产业帮扶对增收是否有效", "Did industry support raise income?"),
            relevant="selected(${i_measures}, 'industry')",
            required=True,
        ),
        yes_no(
            "i_small_loan",
            ("是否获得扶贫小额信贷", "Received a poverty-alleviation small loan?"),
            required=True,
        ),
        q(
            "decimal",
            "i_loan_amount",
            ("贷款金额（元）", "Loan amount (yuan)"),
            relevant="${i_small_loan} = '1'",
            required=True,
            constraint=". > 0",
            constraint_message=("贷款金额须大于 0。", "The loan amount must be above 0."),
        ),
        yes_no(
            "i_cooperative",
            ("是否加入农民专业合作社", "Member of a farmers' cooperative?"),
            required=True,
        ),
        q("text", "i_helper_name", ("帮扶责任人姓名", "Responsible helper's name")),
        q("text", "i_helper_unit", ("帮扶责任人单位", "Responsible helper's unit")),
        q(
            "text",
            "i_helper_phone",
            ("帮扶责任人电话", "Responsible helper's phone"),
            constraint="regex(., '^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$')",
            constraint_message=(
                "电话须为 11 位手机号或带区号的固定电话。",
                "A phone is an 11-digit mobile or a landline with its area code.",
            ),
            appearance="numbers",
        ),
        q(
            "select_multiple project",
            "i_projects",
            ("参与的脱贫攻坚项目", "Poverty-alleviation projects joined"),
        ),
        end_group("i"),
    )

    # J. Recognition
    form.add(
        begin_group("j", ("J. 认可度", "J. Recognition"), relevant=DONE),
        q(
            "select_one recognition",
            "j_recognises_exit",
            ("是否认可脱贫结果", "Recognises the exit result?"),
            required=True,
        ),
        q(
            "text",
            "j_not_recognised_reason",
            ("不认可原因", "Why not"),
            relevant="${j_recognises_exit} = '2'",
            required=True,
        ),
        q(
            "select_one satisfaction",
            "j_satisfaction_helpers",
            ("对帮扶工作满意度", "Satisfaction with the helpers' work"),
            required=True,
        ),
        q(
            "select_one satisfaction",
            "j_satisfaction_policy",
            ("对扶贫政策满意度", "Satisfaction with poverty policies"),
            required=True,
        ),
        end_group("j"),
    )

    # K. Production and living conditions
    def land(name: str, label: tuple[str, str]) -> dict[str, str]:
        return q(
            "decimal",
            name,
            label,
            hint=("单位：亩；没有填 0。", "Mu; enter 0 if none."),
            required=True,
            default="0",
            constraint=". >= 0",
            constraint_message=ZERO_TO,
        )

    form.add(
        begin_group(
            "k",
            ("K. 生产生活条件", "K. Production and living conditions"),
            relevant=DONE,
            appearance=None,
        ),
        land("k_cultivated_land", ("耕地面积", "Cultivated land")),
        land("k_forest_land", ("林地面积", "Forest land")),
        land("k_orchard_land", ("果园面积", "Orchard land")),
        land("k_pasture_land", ("牧草地面积", "Pasture land")),
        land("k_water_surface", ("水面面积", "Water surface")),
        q(
            "select_one road_type",
            "k_road_type",
            ("入户路类型", "Type of access road"),
            required=True,
        ),
        q(
            "decimal",
            "k_distance_main_road",
            ("距村主干路距离（公里）", "Distance to the village main road (km)"),
            required=True,
            constraint=". >= 0 and . <= 100",
            constraint_message=(
                "距离应在 0 到 100 公里之间。",
                "The distance must be 0 to 100 km.",
            ),
        ),
        yes_no("k_electricity", ("是否通生活用电", "Domestic electricity?"), required=True),
        yes_no("k_sanitary_toilet", ("是否有卫生厕所", "Sanitary toilet?"), required=True),
        q(
            "select_one fuel",
            "k_cooking_fuel",
            ("主要炊事燃料", "Main cooking fuel"),
            required=True,
        ),
        end_group("k"),
    )

    # Z. Evidence, signature
    form.add(
        begin_group(
            "z", ("入户记录", "Visit record"), relevant="${z_outcome} != ''", appearance=None
        ),
        q("geopoint", "z_gps", ("入户位置", "Location of the visit")),
        q(
            "image",
            "z_photo_hukou",
            ("户口本照片", "Photo of the household register (hukou)"),
            relevant=DONE,
            parameters="max-pixels=1600",
        ),
        q(
            "image",
            "z_photo_helpbook",
            ("帮扶手册照片", "Photo of the assistance handbook"),
            relevant=DONE,
            parameters="max-pixels=1600",
        ),
        q(
            "text",
            "z_respondent_name",
            ("受访者姓名", "Respondent's name"),
            relevant=DONE,
            required=True,
        ),
        q(
            "image",
            "z_signature",
            ("户主（受访者）签字", "Signature of the head (respondent)"),
            hint=(
                "请受访者核对调查内容后签字。",
                "Ask the respondent to check the answers, then sign.",
            ),
            relevant=DONE,
            required=True,
            appearance="signature",
            parameters="max-pixels=1600",
        ),
        q("text", "z_note", ("调查员备注", "Enumerator's note"), appearance="multiline"),
        end_group("z"),
    )

    for list_name, items in {
        "outcome": c.OUTCOME,
        "yes_no": c.YES_NO,
        "yes_no_dk": c.YES_NO_DK,
        "identification_standard": c.IDENTIFICATION_STANDARD,
        "attribute": c.ATTRIBUTE,
        "exit_status": c.EXIT_STATUS,
        "poverty_cause": c.POVERTY_CAUSE,
        "member_status": c.MEMBER_STATUS,
        "member_change": c.MEMBER_CHANGE,
        "sex": c.SEX,
        "id_type": c.ID_TYPE,
        "relation": c.RELATION,
        "ethnicity": c.ETHNICITY,
        "education": c.EDUCATION,
        "student_status": c.STUDENT_STATUS,
        "health": c.HEALTH,
        "disability_category": c.DISABILITY_CATEGORY,
        "disability_grade": c.DISABILITY_GRADE,
        "labour_skill": c.LABOUR_SKILL,
        "work_status": c.WORK_STATUS,
        "dibao": c.DIBAO,
        "tekun": c.TEKUN,
        "tekun_mode": c.TEKUN_MODE,
        "pwj_type": c.PWJ_TYPE,
        "out_of_school": c.OUT_OF_SCHOOL,
        "edu_assistance": c.EDU_ASSISTANCE,
        "structure": c.STRUCTURE,
        "housing_grade": c.HOUSING_GRADE,
        "safety_route": c.SAFETY_ROUTE,
        "placement": c.PLACEMENT,
        "water_source": c.WATER_SOURCE,
        "meets": c.MEETS,
        "measure": c.MEASURE,
        "effect": c.EFFECT,
        "project": c.PROJECT,
        "recognition": c.RECOGNITION,
        "satisfaction": c.SATISFACTION,
        "road_type": c.ROAD_TYPE,
        "fuel": c.FUEL,
    }.items():
        form.choice_list(list_name, items)
    return form
