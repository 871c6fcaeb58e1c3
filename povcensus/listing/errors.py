"""Error codes of the listing (清查摸底) and the survey roster."""

from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

LOCKED = ErrorCode(
    "listing.locked",
    _("本村清查摸底表当前状态为“%(state)s”，不能再修改；如需修改请由镇普查办重新打开。"),
    409,
)
WRONG_STATE = ErrorCode(
    "listing.wrong_state", _("本村清查摸底表当前状态为“%(state)s”，不能执行此操作。"), 409
)
STATUS_REQUIRED = ErrorCode("listing.status_required", _("请选择户状态。"))
EXPLANATION_REQUIRED = ErrorCode(
    "listing.explanation_required", _("户状态为“%(status)s”时须填写情况说明。")
)
EVIDENCE_REQUIRED = ErrorCode(
    "listing.evidence_required", _("户状态为“%(status)s”时须上传至少一张佐证照片。")
)
MEMBER_COUNT_INVALID = ErrorCode(
    "listing.member_count_invalid", _("核实人口数须为 0 到 %(max)s 之间的整数。")
)
MEMBER_COUNT_REQUIRED = ErrorCode(
    "listing.member_count_required", _("户状态为“%(status)s”时须填写核实人口数。")
)
MERGED_INTO_REQUIRED = ErrorCode(
    "listing.merged_into_required", _("并入其他建档立卡户时须填写并入户的户编号。")
)
MERGED_INTO_UNKNOWN = ErrorCode(
    "listing.merged_into_unknown", _("户编号“%(number)s”不是本调查项目中的另一户建档立卡户。")
)
MEMBER_CHANGE_INVALID = ErrorCode("listing.member_change_invalid", _("人员变动有误：%(reason)s"))
INCOMPLETE = ErrorCode(
    "listing.incomplete",
    _("还有 %(count)s 户未完成核查（未选择户状态，或缺少情况说明、佐证照片），不能审核。"),
    409,
)
REASON_REQUIRED = ErrorCode("listing.reason_required", _("重新打开清查摸底表须填写原因。"))
FILE_TYPE = ErrorCode(
    "listing.file_type", _("文件“%(name)s”的格式不被接受（可接受：%(accepted)s）。")
)
FILE_TOO_LARGE = ErrorCode("listing.file_too_large", _("文件“%(name)s”超过 %(max)s MB。"))
