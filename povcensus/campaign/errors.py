from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

CODE_TAKEN = ErrorCode("campaign.code_taken", _("项目代码“%(code)s”已被使用。"), 409)
NO_INCOME_LINE = ErrorCode(
    "campaign.no_income_line", _("%(year)s 年没有适用于该地区的收入标准线，请先设置。")
)
PHASE_DATES = ErrorCode("campaign.phase_dates", _("阶段“%(phase)s”的开始日期晚于截止日期。"))
CLOSED = ErrorCode("campaign.closed", _("调查项目“%(name)s”已结束，不能再修改。"), 409)
