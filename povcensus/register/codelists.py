"""Code lists of the register and the questionnaires (pure).

Each list maps a code to its Chinese and English label.  Sources are in
docs/census-domain notes (census-domain.md §2–§3): where a list is read from the national
poverty information system's configuration ([G5]) the codes are kept; where the source
gives only categories, the codes are ours ([inferred]) and documented here.  The XLSForm
choice lists, the register import and the rule book all use these codes.
"""

from __future__ import annotations

CodeList = dict[str, tuple[str, str]]

SEX: CodeList = {"1": ("男", "Male"), "2": ("女", "Female")}

ID_TYPE: CodeList = {
    "1": ("居民身份证", "Resident ID card"),
    "2": ("残疾人证", "Disability certificate"),
    "9": ("其他", "Other"),
}

# 与户主关系 ([G5] YHZGX)
RELATION: CodeList = {
    "01": ("户主", "Head"),
    "02": ("配偶", "Spouse"),
    "03": ("之子", "Son"),
    "04": ("之女", "Daughter"),
    "05": ("之儿媳", "Daughter-in-law"),
    "06": ("之女婿", "Son-in-law"),
    "07": ("之孙子", "Grandson"),
    "08": ("之孙女", "Granddaughter"),
    "09": ("之外孙子", "Daughter's son"),
    "10": ("之外孙女", "Daughter's daughter"),
    "11": ("之父", "Father"),
    "12": ("之母", "Mother"),
    "13": ("之岳父", "Wife's father"),
    "14": ("之岳母", "Wife's mother"),
    "15": ("之公公", "Husband's father"),
    "16": ("之婆婆", "Husband's mother"),
    "17": ("之祖父", "Paternal grandfather"),
    "18": ("之祖母", "Paternal grandmother"),
    "19": ("之外祖父", "Maternal grandfather"),
    "20": ("之外祖母", "Maternal grandmother"),
    "99": ("其他", "Other"),
}
RELATIONS_MALE = frozenset({"03", "06", "07", "09", "11", "13", "15", "17", "19"})
RELATIONS_FEMALE = frozenset({"04", "05", "08", "10", "12", "14", "16", "18", "20"})

# 民族 (GB 3304)
ETHNICITY: CodeList = {
    code: (name, name)
    for code, name in [
        ("01", "汉族"),
        ("02", "蒙古族"),
        ("03", "回族"),
        ("04", "藏族"),
        ("05", "维吾尔族"),
        ("06", "苗族"),
        ("07", "彝族"),
        ("08", "壮族"),
        ("09", "布依族"),
        ("10", "朝鲜族"),
        ("11", "满族"),
        ("12", "侗族"),
        ("13", "瑶族"),
        ("14", "白族"),
        ("15", "土家族"),
        ("16", "哈尼族"),
        ("17", "哈萨克族"),
        ("18", "傣族"),
        ("19", "黎族"),
        ("20", "傈僳族"),
        ("21", "佤族"),
        ("22", "畲族"),
        ("23", "高山族"),
        ("24", "拉祜族"),
        ("25", "水族"),
        ("26", "东乡族"),
        ("27", "纳西族"),
        ("28", "景颇族"),
        ("29", "柯尔克孜族"),
        ("30", "土族"),
        ("31", "达斡尔族"),
        ("32", "仫佬族"),
        ("33", "羌族"),
        ("34", "布朗族"),
        ("35", "撒拉族"),
        ("36", "毛南族"),
        ("37", "仡佬族"),
        ("38", "锡伯族"),
        ("39", "阿昌族"),
        ("40", "普米族"),
        ("41", "塔吉克族"),
        ("42", "怒族"),
        ("43", "乌孜别克族"),
        ("44", "俄罗斯族"),
        ("45", "鄂温克族"),
        ("46", "德昂族"),
        ("47", "保安族"),
        ("48", "裕固族"),
        ("49", "京族"),
        ("50", "塔塔尔族"),
        ("51", "独龙族"),
        ("52", "鄂伦春族"),
        ("53", "赫哲族"),
        ("54", "门巴族"),
        ("55", "珞巴族"),
        ("56", "基诺族"),
        ("97", "其他未识别民族"),
        ("98", "外国血统中国籍人士"),
    ]
}
ETHNICITY["01"] = ("汉族", "Han")

# 文化程度 ([G5] WHCD, extended with the 2023 list; codes ours)
EDUCATION: CodeList = {
    "1": ("文盲或半文盲", "Illiterate or semi-literate"),
    "2": ("小学", "Primary"),
    "3": ("初中", "Junior secondary"),
    "4": ("高中", "Senior secondary"),
    "5": ("中职（中专、技校）", "Secondary vocational"),
    "6": ("高职高专、大专", "Higher vocational / college"),
    "7": ("本科及以上", "Bachelor or above"),
    "8": ("学龄前儿童", "Preschool child"),
}

# 在校生状况 ([G5] ZXQK; codes ours: tens = stage, units = grade)
STUDENT_STATUS: CodeList = {
    "00": ("非在校生", "Not a student"),
    "10": ("学前教育", "Preschool"),
    "11": ("小学一年级", "Primary grade 1"),
    "12": ("小学二年级", "Primary grade 2"),
    "13": ("小学三年级", "Primary grade 3"),
    "14": ("小学四年级", "Primary grade 4"),
    "15": ("小学五年级", "Primary grade 5"),
    "16": ("小学六年级", "Primary grade 6"),
    "21": ("七年级", "Grade 7"),
    "22": ("八年级", "Grade 8"),
    "23": ("九年级", "Grade 9"),
    "31": ("普通高中一年级", "Senior secondary year 1"),
    "32": ("普通高中二年级", "Senior secondary year 2"),
    "33": ("普通高中三年级", "Senior secondary year 3"),
    "41": ("中职一年级", "Secondary vocational year 1"),
    "42": ("中职二年级", "Secondary vocational year 2"),
    "43": ("中职三年级", "Secondary vocational year 3"),
    "51": ("高职一年级", "Higher vocational year 1"),
    "52": ("高职二年级", "Higher vocational year 2"),
    "53": ("高职三年级", "Higher vocational year 3"),
    "60": ("大专及以上", "College or above"),
}

# 健康状况 ([G5] JKZK)
HEALTH: CodeList = {
    "1": ("健康", "Healthy"),
    "2": ("长期慢性病", "Long-term chronic illness"),
    "3": ("患有大病", "Serious illness"),
    "4": ("残疾", "Disability"),
}

# 劳动技能 ([G5] LDJL, 2023 list)
LABOUR_SKILL: CodeList = {
    "1": ("普通劳动力", "Ordinary labour"),
    "2": ("技能劳动力", "Skilled labour"),
    "3": ("弱劳动力或半劳动力", "Weak or half labour"),
    "4": ("丧失劳动力", "Lost labour ability"),
    "5": ("无劳动力", "No labour ability"),
}

# 务工状况 / 务工所在地 ([G5] WGQK)
WORK_STATUS: CodeList = {
    "0": ("未务工", "Not working away"),
    "1": ("乡（镇）内务工", "Within the township"),
    "2": ("乡（镇）外县内务工", "Outside the township, within the county"),
    "3": ("县外省内务工", "Outside the county, within the province"),
    "4": ("省外务工", "Outside the province"),
    "9": ("其他", "Other"),
}

# 贫困户属性 ([S19] A2; [G5])
ATTRIBUTE: CodeList = {
    "1": ("一般贫困户", "Ordinary poor household"),
    "2": ("低保贫困户", "Minimum-living-allowance poor household"),
    "3": ("特困供养贫困户", "Extreme-poverty-support (five-guarantee) poor household"),
}

# 脱贫状态 ([G5] tpqk; codes kept)
EXIT_STATUS: CodeList = {
    "05": ("新脱贫", "Newly exited"),
    "02": ("返贫", "Returned to poverty"),
    "03": ("历史已脱贫", "Exited earlier"),
    "04": ("未脱贫", "Not yet exited"),
}

# 识别标准 ([S19] A1)
IDENTIFICATION_STANDARD: CodeList = {
    "1": ("国家标准", "National standard"),
    "2": ("省定标准", "Provincial standard"),
    "3": ("市定标准", "Municipal standard"),
}

# 主要致贫原因 ([S19] A3a; [G5] A22)
POVERTY_CAUSE: CodeList = {
    "01": ("因病", "Illness"),
    "02": ("因残", "Disability"),
    "03": ("因学", "Schooling"),
    "04": ("因灾", "Disaster"),
    "05": ("缺土地", "Lack of land"),
    "06": ("缺水", "Lack of water"),
    "07": ("缺技术", "Lack of skills"),
    "08": ("缺劳动力", "Lack of labour"),
    "09": ("缺资金", "Lack of funds"),
    "10": ("交通条件落后", "Poor transport"),
    "11": ("自身发展动力不足", "Lack of own drive"),
    "12": ("其他", "Other"),
}

ALL_LISTS: dict[str, CodeList] = {
    "sex": SEX,
    "id_type": ID_TYPE,
    "relation": RELATION,
    "ethnicity": ETHNICITY,
    "education": EDUCATION,
    "student_status": STUDENT_STATUS,
    "health": HEALTH,
    "labour_skill": LABOUR_SKILL,
    "work_status": WORK_STATUS,
    "attribute": ATTRIBUTE,
    "exit_status": EXIT_STATUS,
    "identification_standard": IDENTIFICATION_STANDARD,
    "poverty_cause": POVERTY_CAUSE,
}


def code_for_label(code_list: CodeList, text: str) -> str | None:
    """Accept a code or a Chinese/English label; return the code or None."""
    text = text.strip()
    if text in code_list:
        return text
    if text.isdigit():
        padded = text.zfill(len(next(iter(code_list))))
        if padded in code_list:
            return padded
    for code, (zh, en) in code_list.items():
        if text in (zh, en) or text == zh.removeprefix("之"):
            return code
    return None
