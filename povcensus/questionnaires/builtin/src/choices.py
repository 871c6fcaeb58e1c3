"""Choice lists of the built-in questionnaires (docs/questionnaires/*-fields.md).

Lists shared with the register come from ``register.codelists``; the others are written
here with the codes the field dictionaries fix.
"""

from __future__ import annotations

from povcensus.register import codelists

Items = list[tuple[str, str, str]]


def _from(code_list: codelists.CodeList) -> Items:
    return [(code, zh, en) for code, (zh, en) in code_list.items()]


YES_NO: Items = [("1", "是", "Yes"), ("2", "否", "No")]
YES_NO_DK: Items = [("1", "是", "Yes"), ("2", "否", "No"), ("3", "不清楚", "Don't know")]
OUTCOME: Items = [
    ("1", "完成调查", "Interview completed"),
    ("2", "户消亡", "Household dissolved"),
    ("3", "整户失联", "Whole household lost contact"),
    ("4", "拒访", "Refused"),
    ("5", "无法当面访问", "Cannot be interviewed in person"),
]
MEMBER_STATUS: Items = [
    ("1", "在户", "Present"),
    ("2", "自然减少", "Natural decrease"),
    ("3", "迁出", "Moved out"),
    ("4", "新增", "New member"),
]
MEMBER_CHANGE: Items = [
    ("death", "死亡", "Death"),
    ("married_out", "嫁出", "Married out"),
    ("emigrated", "出国定居", "Emigrated"),
    ("imprisoned", "判刑收监", "Imprisoned"),
    ("moved_out", "其他转出", "Other transfer out"),
    ("married_in", "嫁入", "Married in"),
    ("newborn", "新生儿", "Newborn"),
    ("moved_in", "其他转入", "Other transfer in"),
]
DISABILITY_CATEGORY: Items = [
    ("1", "视力", "Visual"),
    ("2", "听力", "Hearing"),
    ("3", "言语", "Speech"),
    ("4", "肢体", "Physical"),
    ("5", "智力", "Intellectual"),
    ("6", "精神", "Mental"),
    ("7", "多重", "Multiple"),
]
DISABILITY_GRADE: Items = [
    ("1", "一级", "Grade 1"),
    ("2", "二级", "Grade 2"),
    ("3", "三级", "Grade 3"),
    ("4", "四级", "Grade 4"),
]
DIBAO: Items = [
    ("0", "不享受", "None"),
    ("1", "农村低保", "Rural minimum living allowance"),
    ("2", "城市低保", "Urban minimum living allowance"),
]
TEKUN: Items = [
    ("0", "不享受", "None"),
    ("1", "农村特困供养", "Rural extreme-poverty support"),
    ("2", "城市特困供养", "Urban extreme-poverty support"),
]
TEKUN_MODE: Items = [
    ("1", "分散供养", "Dispersed support"),
    ("2", "集中供养", "Institutional support"),
]
PWJ_TYPE: Items = [
    ("1", "村级公益岗位", "Village public-welfare job"),
    ("2", "乡镇公益岗位", "Township public-welfare job"),
    ("3", "部门公益岗位", "Sector public-welfare job"),
]
OUT_OF_SCHOOL: Items = [
    ("1", "送教上门", "Taught at home"),
    ("2", "因身体原因不具备学习条件", "Not fit to study for physical reasons"),
    ("3", "失学辍学", "Dropped out"),
    ("9", "其他", "Other"),
]
EDU_ASSISTANCE: Items = [
    ("1", "两免一补", "Two exemptions, one subsidy"),
    ("2", "营养餐", "Nutrition meals"),
    ("3", "寄宿生生活补助", "Boarding allowance"),
    ("4", "雨露计划", "Yulu vocational plan"),
    ("9", "其他", "Other"),
]
STRUCTURE: Items = [
    ("1", "钢筋混凝土", "Reinforced concrete"),
    ("2", "砖混", "Brick and concrete"),
    ("3", "砖木", "Brick and wood"),
    ("4", "土木（土坯、窑洞）", "Earth and wood (adobe, cave)"),
    ("5", "竹草", "Bamboo and thatch"),
    ("9", "其他", "Other"),
]
HOUSING_GRADE: Items = [
    ("A", "A级", "Grade A"),
    ("B", "B级", "Grade B"),
    ("C", "C级", "Grade C"),
    ("D", "D级", "Grade D"),
    ("0", "未鉴定", "Not appraised"),
]
SAFETY_ROUTE: Items = [
    ("1", "原住房经鉴定（评定）安全", "Own house appraised safe"),
    ("2", "危房改造已完成并验收", "Dangerous-house renovation completed and accepted"),
    ("3", "易地扶贫搬迁", "Poverty-alleviation relocation"),
    ("4", "其他方式保障安全住房", "Safe housing assured otherwise"),
]
PLACEMENT: Items = [
    ("1", "集中安置", "Collective resettlement"),
    ("2", "分散安置", "Dispersed resettlement"),
]
WATER_SOURCE: Items = [
    ("1", "自来水/集中供水", "Tap water / central supply"),
    ("2", "深井水", "Deep well"),
    ("3", "浅井水", "Shallow well"),
    ("4", "受保护的泉水", "Protected spring"),
    ("5", "水窖/水柜", "Cistern"),
    ("6", "雨水收集", "Rainwater collection"),
    ("7", "江河湖塘水", "River, lake or pond"),
    ("8", "桶装水", "Bottled water"),
    ("9", "其他", "Other"),
]
MEETS: Items = [("1", "达标", "Meets the standard"), ("2", "不达标", "Below the standard")]
MEASURE: Items = [
    ("industry", "产业帮扶", "Industry support"),
    ("employment", "就业帮扶", "Employment support"),
    ("finance", "金融帮扶", "Financial support"),
    ("pwj", "公益岗位", "Public-welfare job"),
    ("housing", "住房安全保障", "Housing safety guarantee"),
    ("water", "饮水安全保障", "Drinking-water guarantee"),
    ("health", "健康帮扶", "Health support"),
    ("education", "义务教育保障", "Compulsory-education guarantee"),
    ("other_education", "其他教育帮扶", "Other education support"),
    ("guarantee", "综合保障", "Comprehensive guarantee"),
    ("social", "社会帮扶", "Social support"),
    ("relocation", "易地搬迁", "Relocation"),
    ("conditions", "生产生活条件改善", "Better production and living conditions"),
]
EFFECT: Items = [
    ("1", "很有效", "Very effective"),
    ("2", "比较有效", "Fairly effective"),
    ("3", "一般", "Average"),
    ("4", "效果不明显", "Not clearly effective"),
]
PROJECT: Items = [
    ("1", "产业项目", "Industry project"),
    ("2", "基础设施项目", "Infrastructure project"),
    ("3", "公共服务项目", "Public-service project"),
    ("4", "就业培训项目", "Employment training project"),
    ("9", "其他", "Other"),
]
RECOGNITION: Items = [("1", "认可", "Recognises"), ("2", "不认可", "Does not recognise")]
SATISFACTION: Items = [
    ("1", "很满意", "Very satisfied"),
    ("2", "满意", "Satisfied"),
    ("3", "一般", "Neutral"),
    ("4", "不满意", "Dissatisfied"),
    ("5", "很不满意", "Very dissatisfied"),
]
ROAD_TYPE: Items = [
    ("1", "土路", "Earth road"),
    ("2", "砂石路", "Gravel road"),
    ("3", "水泥路", "Cement road"),
    ("4", "柏油路", "Asphalt road"),
]
FUEL: Items = [
    ("1", "柴草", "Firewood and straw"),
    ("2", "干畜粪", "Dry dung"),
    ("3", "煤炭", "Coal"),
    ("4", "清洁能源", "Clean energy"),
    ("9", "其他", "Other"),
]

SEX = _from(codelists.SEX)
ID_TYPE = _from(codelists.ID_TYPE)
RELATION = _from(codelists.RELATION)
ETHNICITY = _from(codelists.ETHNICITY)
EDUCATION = _from(codelists.EDUCATION)
STUDENT_STATUS = _from(codelists.STUDENT_STATUS)
HEALTH = _from(codelists.HEALTH)
LABOUR_SKILL = _from(codelists.LABOUR_SKILL)
WORK_STATUS = _from(codelists.WORK_STATUS)
ATTRIBUTE = _from(codelists.ATTRIBUTE)
EXIT_STATUS = _from(codelists.EXIT_STATUS)
IDENTIFICATION_STANDARD = _from(codelists.IDENTIFICATION_STANDARD)
POVERTY_CAUSE = _from(codelists.POVERTY_CAUSE)
