from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions({"geography.imported": _("导入行政区划")})
