from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "assignment.assigned": _("分配调查单位"),
        "assignment.auto_applied": _("自动分配调查单位"),
        "assignment.upload_committed": _("批量导入分配表"),
        "assignment.reassigned": _("调整调查单位的分配"),
        "assignment.status_changed": _("调查单位状态变化"),
        "assignment.appointment_recorded": _("预约上门访问时间"),
        "assignment.appointment_rescheduled": _("改约上门访问时间"),
        "assignment.guide_recorded": _("安排引导人员"),
        "assignment.guide_removed": _("取消引导人员安排"),
        "assignment.non_interview_recorded": _("登记未访问情况"),
        "assignment.notice_list_exported": _("导出预约通知名单"),
    }
)
