from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "collection.submission_received": _("收到问卷"),
        "collection.submission_edited": _("收到问卷修改版本"),
        "collection.attachments_received": _("收到问卷附件"),
        "collection.submission_corrected": _("审核更正：生成问卷新版本"),
        "collection.submission_exported": _("导出问卷数据"),
    }
)
