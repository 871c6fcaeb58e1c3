"""Error codes of the register import.

File-level codes stop the import before any row is read.  Row-level codes are collected
for every row (a row may have several) and shown in the report; a commit is refused with
``register.rows_invalid`` unless only valid households were asked for.  Warnings (``W``
below) are shown but never block.  docs/register-import.md lists every code with an example.
"""

from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

# --- file level ---------------------------------------------------------------------------
FILE_UNREADABLE = ErrorCode("register.file_unreadable", _("无法读取名册文件：%(reason)s"))
MISSING_COLUMNS = ErrorCode(
    "register.missing_columns", _("名册文件找不到表头，或缺少必需的列：%(columns)s。")
)
EMPTY = ErrorCode("register.empty", _("名册文件没有数据行。"))
MAPPING_INVALID = ErrorCode("register.mapping_invalid", _("列映射文件有误：%(reason)s"))
ROWS_INVALID = ErrorCode(
    "register.rows_invalid",
    _("名册有 %(count)s 行存在错误，未导入任何数据。请修改后重新导入，或选择“仅导入无误的户”。"),
)
NOTHING_VALID = ErrorCode("register.nothing_valid", _("名册中没有一户完全无误，未导入任何数据。"))
CAMPAIGN_CLOSED = ErrorCode(
    "register.campaign_closed", _("调查项目“%(campaign)s”已结束，不能再导入名册。"), 409
)
JOB_NOT_DRY_RUN = ErrorCode(
    "register.job_not_checked", _("请先完成检查（试导入），再确认导入。"), 409
)

# --- row level: ID numbers (GB 11643 and disability certificates) ---------------------------
ID_SCIENTIFIC = ErrorCode(
    "register.id_scientific",
    _(
        "证件号码“%(value)s”被表格软件转成了科学计数法，后几位已丢失，无法恢复，请从原系统重新导出。"
    ),
)
ID_LENGTH = ErrorCode(
    "register.id_length",
    _("证件号码“%(value)s”位数或字符不对：身份证号码应为18位，残疾人证号应为20或22位。"),
)
ID_CHECKSUM = ErrorCode("register.id_checksum", _("证件号码“%(value)s”校验码错误（GB 11643）。"))
ID_BIRTH_DATE = ErrorCode(
    "register.id_birth_date", _("证件号码“%(value)s”中的出生日期无效或晚于标准时点。")
)
DISABILITY_NUMBER_INVALID = ErrorCode(
    "register.disability_number_invalid",
    _("残疾人证号“%(value)s”格式不对：应为18位身份证号码加2位（或4位）残疾类别和等级代码。"),
)
ID_REPAIRED = ErrorCode(  # W
    "register.id_repaired",
    _("证件号码“%(value)s”含全角数字、空格或撇号，已按原意更正为“%(repaired)s”。"),
)
SEX_ID_MISMATCH = ErrorCode(  # W
    "register.sex_id_mismatch", _("性别与证件号码第17位（奇数为男，偶数为女）不一致。")
)
DUPLICATE_ID_IN_HOUSEHOLD = ErrorCode(
    "register.duplicate_id_in_household",
    _("证件号码“%(value)s”在本户中重复出现（第 %(rows)s 行）。"),
)
DUPLICATE_ID_ACROSS_HOUSEHOLDS = ErrorCode(
    "register.duplicate_id_across_households",
    _("证件号码“%(value)s”同时出现在多户中（第 %(rows)s 行）。"),
)
ID_IN_OTHER_HOUSEHOLD = ErrorCode(
    "register.id_in_other_household",
    _("证件号码“%(value)s”已登记在名册的另一户（户编号 %(other)s）中，而该户不在本次导入文件里。"),
)

# --- row level: households ---------------------------------------------------------------
NO_HEAD = ErrorCode(
    "register.no_head", _("户编号 %(value)s 的户没有户主（与户主关系为“户主”的成员）。")
)
SEVERAL_HEADS = ErrorCode(
    "register.several_heads", _("户编号 %(value)s 的户有 %(count)s 名户主，只能有一名。")
)
HOUSEHOLD_INCONSISTENT = ErrorCode(
    "register.household_inconsistent",
    _("户编号 %(value)s 的各成员行%(field)s不一致。"),
)
SIZE_MISMATCH = ErrorCode(  # W
    "register.size_mismatch", _("家庭人口数 %(value)s 与本户成员行数 %(count)s 不一致。")
)
HEAD_NAME_MISMATCH = ErrorCode(  # W
    "register.head_name_mismatch", _("户主姓名“%(value)s”与户主本人所在行的姓名不一致。")
)

# --- row level: fields ---------------------------------------------------------------------
REQUIRED_MISSING = ErrorCode("register.required_missing", _("必填项“%(field)s”为空。"))
UNKNOWN_CODE = ErrorCode("register.unknown_code", _("%(field)s“%(value)s”不是代码表中的值。"))
VALUE_TOO_LONG = ErrorCode(
    "register.value_too_long", _("%(field)s“%(value)s”过长（最多 %(max)s 个字）。")
)
BAD_NUMBER = ErrorCode("register.bad_number", _("%(field)s“%(value)s”不是有效的数值。"))
UNKNOWN_VILLAGE = ErrorCode(
    "register.unknown_village",
    _("村代码“%(value)s”不是本调查项目范围内的行政村（请先导入行政区划）。"),
)
VILLAGE_OUT_OF_SCOPE = ErrorCode(
    "register.village_out_of_scope", _("村代码“%(value)s”不在您有权导入的区划范围内。")
)
RELATION_SEX_MISMATCH = ErrorCode(
    "register.relation_sex_mismatch", _("与户主关系为“%(value)s”，性别却为“%(sex)s”，二者矛盾。")
)

WARNINGS = frozenset(
    {
        ID_REPAIRED.code,
        SEX_ID_MISMATCH.code,
        SIZE_MISMATCH.code,
        HEAD_NAME_MISMATCH.code,
    }
)
