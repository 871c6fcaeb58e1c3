from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "rules.rulebook_created": _("上传审核规则库新版本"),
        "rules.rulebook_activated": _("更换生效的审核规则库"),
    }
)
