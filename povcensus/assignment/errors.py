from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

CROSS_TOWNSHIP = ErrorCode(
    "assignment.cross_township",
    _(
        "违反“乡级交叉”原则：调查员不得调查本人所在乡镇的户或村"
        "（调查员：%(username)s；乡镇：%(township)s）。"
    ),
    409,
)
UNIT_MISMATCH = ErrorCode(
    "assignment.unit_mismatch",
    _("分配记录与调查单位的行政村、调查项目或调查小组不一致。"),
    409,
)
OUTSIDE_POSTED_AREA = ErrorCode(
    "assignment.outside_posted_area",
    _("调查小组“%(team)s”派驻在%(posted)s，不能调查%(village)s的单位。"),
)
TEAM_INACTIVE = ErrorCode("assignment.team_inactive", _("调查小组“%(team)s”已不在岗。"))
AREA_LEVEL = ErrorCode("assignment.area_level", _("自动分配的范围须为乡镇或县区（%(code)s）。"))
AREA_OUTSIDE_CAMPAIGN = ErrorCode(
    "assignment.area_outside_campaign", _("区划“%(code)s”不在调查项目范围内。")
)
NOT_ON_ROSTER = ErrorCode(
    "assignment.not_on_roster", _("户“%(number)s”不在已审定的调查底册上（或无需入户调查）。")
)
NOT_A_CENSUS_VILLAGE = ErrorCode(
    "assignment.not_a_census_village", _("“%(code)s”不是本项目的调查行政村。")
)
ALREADY_ASSIGNED = ErrorCode(
    "assignment.already_assigned", _("%(unit)s 已分配给调查小组“%(team)s”，请使用调整分配。"), 409
)
SAME_TEAM = ErrorCode("assignment.same_team", _("该单位已属于调查小组“%(team)s”。"))
REASON_REQUIRED = ErrorCode("assignment.reason_required", _("请填写原因。"))
NO_FIELD_PHASE = ErrorCode(
    "assignment.no_field_phase",
    _("调查项目尚未设置“调查现场登记”阶段的开始和截止日期，无法计算各小组的调查能力。"),
)
PLAN_STALE = ErrorCode(
    "assignment.plan_stale",
    _("预览之后分配情况已发生变化，请重新预览后再确认。"),
    409,
)
NOTHING_TO_ASSIGN = ErrorCode("assignment.nothing_to_assign", _("该范围内没有待分配的调查单位。"))
NO_TEAMS = ErrorCode("assignment.no_teams", _("没有派驻在该范围的在岗调查小组。"))
NOT_HOUSEHOLD_UNIT = ErrorCode(
    "assignment.not_household_unit", _("只有建档立卡户才能预约上门时间或登记未访问情况。")
)
APPOINTMENT_OUTSIDE_FIELDWORK = ErrorCode(
    "assignment.appointment_outside_fieldwork",
    _("预约日期 %(day)s 不在调查现场登记期间（%(start)s 至 %(end)s）。"),
)
APPOINTMENT_BAD_TIME = ErrorCode("assignment.appointment_bad_time", _("结束时间须晚于开始时间。"))
DAY_FULL = ErrorCode(
    "assignment.day_full",
    _("调查小组“%(team)s”在 %(day)s 已预约 %(count)s 户，达到每日可调查户数。"),
    409,
)
APPOINTMENT_MISSING = ErrorCode("assignment.appointment_missing", _("该户尚未预约，无法改约。"))
APPOINTMENT_EXISTS = ErrorCode(
    "assignment.appointment_exists", _("该户已有预约，请使用改约并填写原因。"), 409
)
UNKNOWN_DOCUMENT = ErrorCode("assignment.unknown_document", _("未知的资料类别“%(code)s”。"))
GUIDE_NAME_REQUIRED = ErrorCode("assignment.guide_name_required", _("请填写引导人员姓名。"))
GUIDE_TEAM_NOT_IN_VILLAGE = ErrorCode(
    "assignment.guide_team_not_in_village",
    _("调查小组“%(team)s”在该村没有分配的调查单位。"),
)
BAD_PHONE = ErrorCode("assignment.bad_phone", _("联系电话“%(phone)s”格式不正确。"))
NOT_YOUR_UNIT = ErrorCode(
    "assignment.not_your_unit", _("只有该户所属调查小组的调查员才能登记未访问情况。"), 403
)
UNIT_ALREADY_DONE = ErrorCode(
    "assignment.unit_already_submitted", _("该户已报送调查表，不能再登记为未访问。"), 409
)
EXPLANATION_REQUIRED = ErrorCode(
    "assignment.explanation_required", _("请填写情况说明（说明佐证）。")
)
EVIDENCE_REQUIRED = ErrorCode("assignment.evidence_required", _("请上传至少一张佐证照片。"))
EVIDENCE_TYPE = ErrorCode(
    "assignment.evidence_type", _("佐证文件“%(name)s”不是 JPEG、PNG 或 WebP 图片。")
)
EVIDENCE_SIZE = ErrorCode("assignment.evidence_size", _("佐证文件“%(name)s”超过 %(limit)s MB。"))
EVIDENCE_COUNT = ErrorCode("assignment.evidence_count", _("每户最多上传 %(limit)s 张佐证照片。"))
UPLOAD_UNREADABLE = ErrorCode("assignment.upload_unreadable", _("无法读取分配表：%(reason)s"))
UPLOAD_MISSING_COLUMNS = ErrorCode(
    "assignment.upload_missing_columns", _("分配表缺少必需的列：%(columns)s。")
)
UPLOAD_ROWS_INVALID = ErrorCode(
    "assignment.upload_rows_invalid", _("分配表有 %(count)s 处错误，未做任何分配。"), 400
)
UPLOAD_EMPTY = ErrorCode("assignment.upload_empty", _("分配表没有数据行。"))
UPLOAD_UNKNOWN_TEAM = ErrorCode("assignment.upload_unknown_team", _("调查小组“%(team)s”不存在。"))
UPLOAD_UNKNOWN_UNIT = ErrorCode(
    "assignment.upload_unknown_unit", _("户编号或行政村代码“%(unit)s”不存在。")
)
UPLOAD_DUPLICATE_UNIT = ErrorCode(
    "assignment.upload_duplicate_unit",
    _("“%(unit)s”在表中重复（首次出现于第 %(first_row)s 行）。"),
)
BAD_STATUS = ErrorCode("assignment.bad_status", _("不能把状态从“%(old)s”改为“%(new)s”。"), 409)
