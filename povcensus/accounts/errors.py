from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

USERNAME_TAKEN = ErrorCode("accounts.username_taken", _("用户名“%(username)s”已被使用。"), 409)
BAD_USERNAME = ErrorCode(
    "accounts.bad_username", _("用户名“%(username)s”只能包含字母、数字和 . _ -，长度 3–30。")
)
UNKNOWN_ROLE = ErrorCode("accounts.unknown_role", _("未知角色“%(role)s”。可用角色：%(roles)s。"))
UNKNOWN_AREA = ErrorCode("accounts.unknown_area", _("区划代码“%(code)s”不存在。"))
HOME_TOWNSHIP_REQUIRED = ErrorCode(
    "accounts.home_township_required", _("%(role)s 必须填写所在乡镇（用于乡级交叉）。")
)
HOME_NOT_TOWNSHIP = ErrorCode("accounts.home_not_township", _("所在乡镇“%(code)s”不是乡镇级区划。"))
BAD_PHONE = ErrorCode("accounts.bad_phone", _("手机号“%(phone)s”不是11位手机号码。"))
NAME_REQUIRED = ErrorCode("accounts.name_required", _("姓名不能为空。"))
OUT_OF_SCOPE_GRANT = ErrorCode(
    "accounts.grant_out_of_scope", _("您不能在自己管辖范围（%(area)s）以外授予角色。"), 403
)
ROLE_NOT_GRANTABLE = ErrorCode("accounts.role_not_grantable", _("您不能授予“%(role)s”角色。"), 403)
PASSWORD_WRONG = ErrorCode("accounts.password_wrong", _("原密码不正确。"))
PASSWORD_WEAK = ErrorCode("accounts.password_weak", _("新密码不符合要求：%(reasons)s"))
