from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "team.created": _("组建调查小组"),
        "team.updated": _("调整调查小组"),
        "team.staff_import_committed": _("批量创建调查人员账号"),
        "team.credentials_downloaded": _("下载调查人员初始密码"),
    }
)
