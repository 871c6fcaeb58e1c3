"""Error codes of review."""

from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

CONFLICT = ErrorCode(
    "review.conflict",
    _("该案例已被他人处理（当前状态：%(state)s），请刷新后查看最新情况再操作。"),
    409,
)
NOT_ALLOWED = ErrorCode(
    "review.transition_not_allowed",
    _("案例当前状态为“%(state)s”，不能执行“%(action)s”。"),
    409,
)
NO_PERMISSION = ErrorCode("review.no_permission", _("您没有对本案例执行“%(action)s”的权限。"), 403)
OWN_CASE = ErrorCode("review.own_case", _("不能审核自己采集的案例，请由其他审核人员处理。"), 403)
REASON_REQUIRED = ErrorCode("review.reason_required", _("请填写退回原因。"))
BAD_TARGET = ErrorCode(
    "review.bad_target", _("案例不能从“%(state)s”退回到“%(target)s”，只能退回到更低的审核层级。")
)
BAD_COMMENT = ErrorCode("review.bad_comment", _("审核意见有误：%(reason)s"))
NOTHING_SUBMITTED = ErrorCode("review.nothing_submitted", _("本案例还没有问卷数据，不能报送。"))
NOT_CORRECTABLE = ErrorCode(
    "review.not_correctable", _("未能访问记录没有问卷数据，不能更正；请退回调查员补充说明。")
)

# Area acceptance (审核验收).
AREA_LEVEL = ErrorCode("review.area_level", _("只能对乡镇或县进行验收。"))
AREA_NOT_READY = ErrorCode(
    "review.area_not_ready",
    _(
        "尚不能验收：%(below)s 个案例未达到本级审核，%(uncollected)s 个调查单位尚未报送，"
        "%(listings)s 个村清查摸底表未审核，%(townships)s 个乡镇未验收。"
    ),
    409,
)
AREA_ALREADY_ACCEPTED = ErrorCode(
    "review.area_already_accepted", _("%(name)s 已经验收，不能重复验收。"), 409
)
