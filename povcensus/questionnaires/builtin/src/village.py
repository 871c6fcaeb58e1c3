"""行政村调查表 (village questionnaire), sections V-A to V-P of census-domain.md §4.

Field names and codes follow docs/questionnaires/village-fields.md.  The village is chosen
from ``villages.csv`` (the team's villages, as they stood before any merger).  Counts are
integers ≥ 0; every cross-count a device can check (parts never above their whole; VL-02:
unsafe-water plus dangerous-house households never above all households) is a constraint.
"""

from __future__ import annotations

from povcensus.questionnaires.builtin.dsl import FormSource, begin_group, end_group, q
from povcensus.questionnaires.builtin.src import choices as c

FORM_ID = "village"
VERSION = "2023090101"
ZERO = ("须为不小于 0 的数。", "Must be at least 0.")


def count(
    name: str,
    label: tuple[str, str],
    *,
    unit: tuple[str, str] = ("个", "count"),
    at_most: str | None = None,
    at_most_label: tuple[str, str] | None = None,
    at_least: str | None = None,
    at_least_label: tuple[str, str] | None = None,
    required: bool = True,
    decimal: bool = False,
) -> dict[str, str]:
    """A count (or amount) ≥ 0, optionally bounded by another field."""
    constraint = ". >= 0"
    message_zh, message_en = ZERO
    if at_most:
        assert at_most_label is not None
        constraint += f" and . <= coalesce(${{{at_most}}}, .)"
        message_zh = f"须不小于 0，且不能超过“{at_most_label[0]}”。"
        message_en = f"Must be at least 0 and at most '{at_most_label[1]}'."
    if at_least:
        assert at_least_label is not None
        constraint += f" and . >= coalesce(${{{at_least}}}, 0)"
        message_zh = f"须不小于“{at_least_label[0]}”。"
        message_en = f"Must be at least '{at_least_label[1]}'."
    return q(
        "decimal" if decimal else "integer",
        name,
        label,
        hint=(f"单位：{unit[0]}", f"Unit: {unit[1]}"),
        required=required,
        constraint=constraint,
        constraint_message=(message_zh, message_en),
    )


def yes_no(name: str, label: tuple[str, str]) -> dict[str, str]:
    return q("select_one yes_no", name, label, required=True)


HH = ("户", "households")
PERSONS = ("人", "persons")
MU = ("亩", "mu")


def build() -> FormSource:
    form = FormSource(
        form_id=FORM_ID,
        title=("行政村调查表", "Village questionnaire"),
        version=VERSION,
        instance_name="concat(${village_code}, ' ', ${reg_village_name})",
    )
    total_hh = ("户籍总户数", "Total households")
    total_pop = ("户籍总人口", "Total population")
    registered = ("建档立卡户数", "Registered households")
    form.add(
        q("start", "start"),
        q("end", "end"),
        q(
            "select_one_from_file villages.csv",
            "village_code",
            ("行政村", "Village"),
            hint=("建制调整前的行政村。", "The village as it stood before any merger."),
            required=True,
            appearance="autocomplete",
        ),
        q(
            "calculate",
            "reg_village_name",
            None,
            calculation="pulldata('villages', 'label', 'name', ${village_code})",
        ),
        q(
            "calculate",
            "reg_households",
            None,
            calculation="pulldata('villages', 'households', 'name', ${village_code})",
        ),
        q(
            "note",
            "v_register_note",
            (
                "调查底册：本村建档立卡户 ${reg_households} 户。",
                "Roster: ${reg_households} registered households in this village.",
            ),
            relevant="${village_code} != ''",
        ),
        begin_group("va", ("V-A 基本情况", "V-A Identification"), appearance=None),
        q("select_one village_type", "v_village_type", ("村类型", "Village type"), required=True),
        q(
            "integer",
            "v_exit_year",
            ("脱贫（出列）年度", "Year the village exited"),
            relevant="${v_village_type} = '1'",
            required=True,
            constraint=". >= 2014 and . <= 2023",
            constraint_message=("年度应在 2014 到 2023 之间。", "The year must be 2014 to 2023."),
        ),
        q("select_one terrain", "v_terrain", ("地势", "Terrain"), required=True),
        yes_no("v_merged_since_2016", ("2016 年以来是否合并过", "Merged since 2016?")),
        q("text", "v_respondent_name", ("填报人姓名", "Respondent's name"), required=True),
        q("text", "v_respondent_post", ("填报人职务", "Respondent's post"), required=True),
        q(
            "text",
            "v_respondent_phone",
            ("填报人电话", "Respondent's phone"),
            required=True,
            constraint="regex(., '^(1[0-9]{10}|0[0-9]{2,3}-?[0-9]{7,8})$')",
            constraint_message=(
                "电话须为 11 位手机号或带区号的固定电话。",
                "An 11-digit mobile or a landline with area code.",
            ),
            appearance="numbers",
        ),
        end_group("va"),
        begin_group("vb", ("V-B 人口", "V-B Population"), appearance=None),
        count("v_households_total", total_hh, unit=HH),
        count(
            "v_population_total",
            total_pop,
            unit=PERSONS,
            at_least="v_households_total",
            at_least_label=total_hh,
        ),
        count(
            "v_registered_households",
            registered,
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        count(
            "v_registered_persons",
            ("建档立卡人数", "Registered persons"),
            unit=PERSONS,
            at_most="v_population_total",
            at_most_label=total_pop,
        ),
        count(
            "v_exited_households",
            ("已脱贫户数", "Exited households"),
            unit=HH,
            at_most="v_registered_households",
            at_most_label=registered,
        ),
        count(
            "v_dibao_households",
            ("低保户数", "Minimum-allowance households"),
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        count(
            "v_dibao_persons",
            ("低保人数", "Minimum-allowance persons"),
            unit=PERSONS,
            at_least="v_dibao_households",
            at_least_label=("低保户数", "Minimum-allowance households"),
        ),
        count(
            "v_tekun_households",
            ("特困供养户数", "Extreme-poverty-support households"),
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        count(
            "v_tekun_persons",
            ("特困供养人数", "Extreme-poverty-support persons"),
            unit=PERSONS,
            at_least="v_tekun_households",
            at_least_label=("特困供养户数", "Extreme-poverty-support households"),
        ),
        count(
            "v_disabled_persons",
            ("残疾人数", "Disabled persons"),
            unit=PERSONS,
            at_most="v_population_total",
            at_most_label=total_pop,
        ),
        count(
            "v_resident_households",
            ("常住户数（半年以上）", "Resident households (half a year or more)"),
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        count(
            "v_labour_force",
            ("劳动力人数（16–59 岁）", "Labour force (16–59)"),
            unit=PERSONS,
            at_most="v_population_total",
            at_most_label=total_pop,
        ),
        count(
            "v_migrant_workers",
            ("外出务工人数", "Migrant workers"),
            unit=PERSONS,
            at_most="v_population_total",
            at_most_label=total_pop,
        ),
        count("v_natural_villages", ("自然村个数", "Natural villages")),
        count("v_village_groups", ("村民小组个数", "Village groups")),
        end_group("vb"),
        begin_group("vc", ("V-C 经济", "V-C Economy"), appearance=None),
        count(
            "v_income_per_capita_last",
            ("上年农民人均纯收入", "Per-capita net income, last year"),
            unit=("元", "yuan"),
            decimal=True,
        ),
        count(
            "v_income_per_capita_prev",
            ("前年农民人均纯收入", "Per-capita net income, the year before"),
            unit=("元", "yuan"),
            decimal=True,
        ),
        count(
            "v_collective_income",
            ("村级集体经济收入", "Village collective income"),
            unit=("万元", "10,000 yuan"),
            decimal=True,
        ),
        count("v_cooperatives", ("农民专业合作社个数", "Farmers' cooperatives")),
        yes_no("v_leading_industry", ("是否有主导产业", "Has a leading industry?")),
        end_group("vc"),
        begin_group("vd", ("V-D 监测对象", "V-D Monitored households"), appearance=None),
        count(
            "v_monitored_households",
            ("监测户数", "Monitored households"),
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        count(
            "v_monitored_dibao",
            ("其中：低保户数", "of which minimum-allowance"),
            unit=HH,
            at_most="v_monitored_households",
            at_most_label=("监测户数", "Monitored households"),
        ),
        count(
            "v_monitored_disabled",
            ("其中：有残疾人的户数", "of which with a disabled member"),
            unit=HH,
            at_most="v_monitored_households",
            at_most_label=("监测户数", "Monitored households"),
        ),
        count(
            "v_monitored_labour",
            ("监测户劳动力人数", "Labour force of monitored households"),
            unit=PERSONS,
        ),
        count(
            "v_monitored_migrants_out_province",
            ("外出务工：省外", "Migrants: outside the province"),
            unit=PERSONS,
        ),
        count(
            "v_monitored_migrants_in_province",
            ("外出务工：省内县外", "Migrants: in the province, outside the county"),
            unit=PERSONS,
        ),
        count(
            "v_monitored_migrants_in_county",
            ("外出务工：县内乡外", "Migrants: in the county, outside the township"),
            unit=PERSONS,
        ),
        count(
            "v_monitored_migrants_in_township",
            ("外出务工：乡内", "Migrants: inside the township"),
            unit=PERSONS,
        ),
        end_group("vd"),
        begin_group("ve", ("V-E 道路交通", "V-E Roads and transport"), appearance=None),
        yes_no(
            "v_hardened_road_to_township", ("是否通硬化路到乡镇", "Hardened road to the township?")
        ),
        count(
            "v_unpaved_km",
            ("未硬化道路里程", "Unpaved road length"),
            unit=("公里", "km"),
            decimal=True,
        ),
        count(
            "v_natural_villages_without_road",
            ("未通硬化路的自然村个数", "Natural villages without a hardened road"),
            at_most="v_natural_villages",
            at_most_label=("自然村个数", "Natural villages"),
        ),
        yes_no("v_bus_service", ("是否通客运班车", "Bus service?")),
        end_group("ve"),
        begin_group("vf", ("V-F 电力通信", "V-F Power and communications")),
        yes_no("v_power_for_production", ("是否通动力电", "Power for production?")),
        yes_no("v_broadband", ("是否通宽带互联网", "Broadband internet?")),
        yes_no("v_mobile_signal", ("是否通 4G 信号", "Mobile (4G) signal?")),
        yes_no("v_radio_tv", ("是否通广播电视信号", "Radio and TV signal?")),
        end_group("vf"),
        begin_group("vg", ("V-G 饮水", "V-G Water"), appearance=None),
        q(
            "select_one coverage",
            "v_central_water_supply",
            ("集中供水", "Central water supply"),
            required=True,
        ),
        yes_no("v_tap_water", ("是否通自来水", "Tap water?")),
        count(
            "v_households_unsafe_water",
            ("饮水不安全户数", "Households without safe water"),
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        count(
            "v_households_water_difficulty",
            ("饮水困难户数", "Households with water difficulty"),
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        end_group("vg"),
        begin_group("vh", ("V-H 医疗卫生", "V-H Health"), appearance=None),
        count("v_clinics", ("村卫生室个数", "Village clinics")),
        count(
            "v_licensed_doctors",
            ("执业（助理）医师人数", "Licensed (assistant) doctors"),
            unit=PERSONS,
        ),
        count("v_village_doctors", ("乡村医生人数", "Village doctors"), unit=PERSONS),
        yes_no("v_township_health_centre", ("所在乡镇是否有卫生院", "Township health centre?")),
        count("v_public_toilets", ("公共厕所个数", "Public toilets")),
        end_group("vh"),
        begin_group("vi", ("V-I 教育", "V-I Education")),
        count("v_primary_schools", ("村小学个数", "Village primary schools")),
        count("v_kindergartens", ("幼儿园个数", "Kindergartens")),
        count(
            "v_children_out_of_school",
            ("义务教育阶段失学辍学人数", "School-age children out of school"),
            unit=PERSONS,
        ),
        end_group("vi"),
        begin_group("vj", ("V-J 文化与服务", "V-J Culture and services")),
        count("v_culture_rooms", ("文化（图书）室个数", "Culture (library) rooms")),
        yes_no("v_service_facility", ("是否有村级综合服务设施", "Village service facility?")),
        yes_no("v_ecommerce_point", ("是否有电子商务配送站点", "E-commerce delivery point?")),
        end_group("vj"),
        begin_group("vk", ("V-K 人居环境", "V-K Environment")),
        q(
            "select_one coverage",
            "v_garbage_collection",
            ("垃圾集中收集处理", "Garbage collection"),
            required=True,
        ),
        count("v_garbage_points", ("垃圾收集点个数", "Garbage collection points")),
        count(
            "v_sanitary_toilet_households",
            ("使用卫生厕所户数", "Households with a sanitary toilet"),
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        end_group("vk"),
        begin_group("vl", ("V-L 住房", "V-L Housing")),
        q(
            "integer",
            "v_households_dangerous_house",
            ("危房户数", "Households in dangerous houses"),
            hint=("单位：户", "Unit: households"),
            required=True,
            constraint=(
                ". >= 0 and . + coalesce(${v_households_unsafe_water}, 0) <= "
                "coalesce(${v_households_total}, . + coalesce(${v_households_unsafe_water}, 0))"
            ),
            constraint_message=(
                "饮水不安全户数与危房户数之和不能超过户籍总户数。",
                "Households without safe water plus those in dangerous houses cannot exceed all households.",
            ),
        ),
        end_group("vl"),
        begin_group("vm", ("V-M 社会保障", "V-M Social security")),
        count(
            "v_medical_insurance_members",
            ("参加城乡居民基本医疗保险人数", "Members of resident medical insurance"),
            unit=PERSONS,
            at_most="v_population_total",
            at_most_label=total_pop,
        ),
        count(
            "v_pension_members",
            ("参加城乡居民基本养老保险人数", "Members of resident pension insurance"),
            unit=PERSONS,
            at_most="v_population_total",
            at_most_label=total_pop,
        ),
        end_group("vm"),
        begin_group(
            "vn",
            ("V-N 村级组织与驻村帮扶", "V-N Governance and the resident work team"),
            appearance=None,
        ),
        count(
            "v_work_team_members", ("驻村工作队人数", "Resident work-team members"), unit=PERSONS
        ),
        q(
            "text",
            "v_work_team_unit",
            ("驻村工作队派出单位", "Unit that sent the work team"),
            relevant="${v_work_team_members} > 0",
            required=True,
        ),
        q(
            "integer",
            "v_work_team_since",
            ("驻村起始年份", "Work team in place since (year)"),
            relevant="${v_work_team_members} > 0",
            required=True,
            constraint=". >= 2013 and . <= 2023",
            constraint_message=("年份应在 2013 到 2023 之间。", "The year must be 2013 to 2023."),
        ),
        yes_no("v_first_secretary", ("是否有驻村第一书记", "Has a first secretary?")),
        count("v_cadres", ("村干部人数", "Village cadres"), unit=PERSONS),
        count(
            "v_party_members",
            ("党员人数", "Party members"),
            unit=PERSONS,
            at_most="v_population_total",
            at_most_label=total_pop,
        ),
        end_group("vn"),
        begin_group("vo", ("V-O 土地", "V-O Land"), appearance=None),
        count("v_land_cultivated", ("耕地面积", "Cultivated land"), unit=MU, decimal=True),
        count(
            "v_land_irrigated",
            ("有效灌溉面积", "Irrigated land"),
            unit=MU,
            decimal=True,
            at_most="v_land_cultivated",
            at_most_label=("耕地面积", "Cultivated land"),
        ),
        count("v_land_forest", ("林地面积", "Forest land"), unit=MU, decimal=True),
        count(
            "v_land_grain_to_green", ("退耕还林面积", "Grain-to-green land"), unit=MU, decimal=True
        ),
        count("v_land_orchard", ("园地面积", "Orchard land"), unit=MU, decimal=True),
        count("v_land_pasture", ("牧草地面积", "Pasture land"), unit=MU, decimal=True),
        count("v_land_water", ("水面面积", "Water surface"), unit=MU, decimal=True),
        end_group("vo"),
        begin_group("vp", ("V-P 乡村旅游", "V-P Rural tourism"), appearance=None),
        count(
            "v_tourism_households",
            ("从事乡村旅游户数", "Households in rural tourism"),
            unit=HH,
            at_most="v_households_total",
            at_most_label=total_hh,
        ),
        count(
            "v_tourism_employees",
            ("乡村旅游从业人数", "People employed in rural tourism"),
            unit=PERSONS,
        ),
        count(
            "v_agritainment_households",
            ("农家乐户数", "Agritainment households"),
            unit=HH,
            at_most="v_tourism_households",
            at_most_label=("从事乡村旅游户数", "Households in rural tourism"),
        ),
        count(
            "v_tourism_income_avg",
            ("乡村旅游户均收入", "Average income per tourism household"),
            unit=("元", "yuan"),
            decimal=True,
        ),
        end_group("vp"),
        q("geopoint", "v_gps", ("村委会位置", "Location of the village committee")),
        q(
            "image",
            "v_seal_photo",
            ("盖章页照片", "Photo of the sealed page"),
            hint=(
                "村委会、镇人民政府审核确认后盖章的页面。",
                "The page sealed by the village committee and the township government.",
            ),
            required=True,
            parameters="max-pixels=1600",
        ),
        q("text", "v_note", ("备注", "Note"), appearance="multiline"),
    )
    form.choice_list("yes_no", c.YES_NO)
    form.choice_list(
        "village_type",
        [("1", "脱贫村", "Exited poor village"), ("2", "非贫困村", "Non-poor village")],
    )
    form.choice_list(
        "terrain",
        [
            ("1", "山区", "Mountain"),
            ("2", "丘陵", "Hill"),
            ("3", "平原", "Plain"),
            ("9", "其他", "Other"),
        ],
    )
    form.choice_list("coverage", [("1", "全部", "All"), ("2", "部分", "Part"), ("3", "无", "None")])
    return form
