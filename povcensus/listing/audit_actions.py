from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions(
    {
        "listing.entries_created": _("生成清查摸底表（按村）"),
        "listing.entry_updated": _("清查摸底：核查一户"),
        "listing.evidence_added": _("清查摸底：上传佐证材料"),
        "listing.evidence_removed": _("清查摸底：删除佐证材料"),
        "listing.village_signed": _("清查摸底表：村委会审核"),
        "listing.township_signed": _("清查摸底表：镇人民政府审核（形成调查底册）"),
        "listing.reopened": _("清查摸底表：重新打开"),
        "listing.scan_added": _("清查摸底表：上传纸质表扫描件"),
        "listing.sheet_exported": _("导出清查摸底表（含个人信息）"),
        "listing.roster_exported": _("导出调查底册（含个人信息）"),
    }
)
