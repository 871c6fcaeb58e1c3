from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "campaign.created": _("创建调查项目"),
        "campaign.updated": _("修改调查项目"),
        "campaign.phase_set": _("设置工作阶段与截止日期"),
        "campaign.income_line_set": _("设置收入标准线"),
    }
)
