from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

BAD_CODE = ErrorCode(
    "geography.bad_code",
    _("第 %(row)s 行：区划代码“%(code)s”不是12位（或村民小组15位）统计用区划代码。"),
)
MISSING_COLUMN = ErrorCode("geography.missing_column", _("区划文件缺少必需的列：%(columns)s。"))
NO_PARENT = ErrorCode(
    "geography.no_parent", _("第 %(row)s 行：找不到“%(code)s”的上级区划“%(parent)s”。")
)
BAD_SUCCESSOR = ErrorCode(
    "geography.bad_successor",
    _("第 %(row)s 行：调整后所属村“%(successor)s”不存在或不是现行行政村。"),
)
LEVEL_MISMATCH = ErrorCode(
    "geography.level_mismatch", _("第 %(row)s 行：层级“%(level)s”与代码“%(code)s”不符。")
)
EMPTY_NAME = ErrorCode("geography.empty_name", _("第 %(row)s 行：名称为空。"))
UNREADABLE_FILE = ErrorCode("geography.unreadable_file", _("无法读取区划文件：%(reason)s"))
