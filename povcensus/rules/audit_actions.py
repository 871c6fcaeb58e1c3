from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "rules.rulebook_created": _("上传审核规则库新版本"),
        "rules.rulebook_activated": _("更换生效的审核规则库"),
        "rules.explanation_recorded": _("填写核实性审核说明"),
        "rules.census_checked": _("全面审核（按规则库重新审核全部问卷）"),
        "rules.failures_exported": _("导出审核结果与核实说明"),
    }
)
