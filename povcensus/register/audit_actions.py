from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "register.import.committed": _("导入建档立卡户名册"),
        "register.household.created": _("新增建档立卡户"),
        "register.household.changed": _("名册更新：户信息变更"),
        "register.personal_data.exported": _("导出含个人信息的名册"),
    }
)
