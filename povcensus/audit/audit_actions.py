from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "audit.verified": _("校验审计日志哈希链"),
        "audit.exported": _("导出审计日志"),
    }
)
