from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "review.submitted": _("审核：调查员报送"),
        "review.approved": _("审核：调查指导员复审通过"),
        "review.checked": _("审核：乡镇审核通过"),
        "review.county_accepted": _("审核：县级验收通过"),
        "review.province_accepted": _("审核：省级验收通过"),
        "review.returned": _("审核：退回"),
        "review.corrected": _("审核：更正问卷数据"),
        "review.bulk_approved": _("审核：批量复审通过"),
        "review.area_accepted": _("审核验收：地区（乡镇/县）验收"),
        "review.acceptance_report_exported": _("导出审核验收报告"),
    }
)
