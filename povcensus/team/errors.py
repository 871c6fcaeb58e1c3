from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

TEAM_CODE_TAKEN = ErrorCode("team.code_taken", _("调查小组编号“%(code)s”在本项目中已存在。"), 409)
TEAM_NEEDS_TWO = ErrorCode(
    "team.needs_two_enumerators", _("调查小组“%(code)s”须恰好有两名调查员（现有 %(count)s 名）。")
)
TEAM_NEEDS_ONE_SUPERVISOR = ErrorCode(
    "team.needs_one_supervisor",
    _("调查小组“%(code)s”须恰好有一名调查指导员（现有 %(count)s 名）。"),
)
NOT_ENUMERATOR = ErrorCode(
    "team.member_not_enumerator", _("“%(username)s”不是调查员，不能编入调查小组。")
)
NOT_SUPERVISOR = ErrorCode("team.not_supervisor", _("“%(username)s”不是调查指导员。"))
MEMBER_BUSY = ErrorCode(
    "team.member_busy", _("调查员“%(username)s”已在本项目的调查小组“%(team)s”中。"), 409
)
SAME_ENUMERATOR_TWICE = ErrorCode(
    "team.same_enumerator_twice", _("调查小组的两名调查员不能是同一人。")
)
CROSS_TOWNSHIP = ErrorCode(
    "team.cross_township",
    _("违反“乡级交叉”原则：%(username)s 的所在乡镇就是派驻乡镇 %(township)s。"),
    409,
)
POSTED_AREA_LEVEL = ErrorCode("team.posted_area_level", _("派驻区划“%(code)s”须为乡镇或县区。"))
POSTED_AREA_MISMATCH = ErrorCode(
    "team.posted_area_mismatch", _("调查小组“%(code)s”两名调查员的工作区划不一致（%(areas)s）。")
)
POSTED_OUTSIDE_CAMPAIGN = ErrorCode(
    "team.posted_outside_campaign", _("派驻区划“%(code)s”不在调查项目范围内。")
)
STAFF_FILE_UNREADABLE = ErrorCode(
    "team.staff_file_unreadable", _("无法读取调查人员账号表：%(reason)s")
)
STAFF_MISSING_COLUMNS = ErrorCode(
    "team.staff_missing_columns", _("调查人员账号表缺少必需的列：%(columns)s。")
)
STAFF_ROWS_INVALID = ErrorCode(
    "team.staff_rows_invalid", _("调查人员账号表有 %(count)s 处错误，未创建任何账号。"), 400
)
STAFF_UNKNOWN_ROLE = ErrorCode("team.staff_unknown_role", _("未知角色“%(role)s”。"))
STAFF_DUPLICATE_USERNAME = ErrorCode(
    "team.staff_duplicate_username",
    _("用户名“%(username)s”在表中重复（首次出现于第 %(first_row)s 行）。"),
)
STAFF_USERNAME_TAKEN = ErrorCode("team.staff_username_taken", _("用户名“%(username)s”已被使用。"))
STAFF_TEAM_WITHOUT_ENUMERATOR_ROLE = ErrorCode(
    "team.staff_team_for_wrong_role",
    _("只有调查员和调查指导员可以填写调查小组（本行角色：%(role)s）。"),
)
STAFF_EMPTY = ErrorCode("team.staff_empty", _("调查人员账号表没有数据行。"))
CREDENTIALS_GONE = ErrorCode(
    "team.credentials_gone",
    _("初始密码只能下载一次，已下载或已过期。如有需要，请为相应账号重置密码。"),
    410,
)
