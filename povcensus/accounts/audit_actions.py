from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "accounts.user_created": _("创建账号"),
        "accounts.user_updated": _("修改账号"),
        "accounts.user_deactivated": _("停用账号"),
        "accounts.password_reset": _("重置密码"),
        "accounts.password_changed": _("修改密码"),
        "accounts.grant_added": _("授予角色"),
        "accounts.grant_removed": _("收回角色"),
        "accounts.login": _("登录"),
    }
)
