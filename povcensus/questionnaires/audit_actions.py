from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "questionnaires.version_uploaded": _("上传调查问卷（XLSForm）草稿"),
        "questionnaires.version_published": _("发布调查问卷版本"),
        "questionnaires.version_discarded": _("删除调查问卷草稿"),
        "questionnaires.live_set": _("设置调查项目使用的问卷版本"),
    }
)
