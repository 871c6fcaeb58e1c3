from django.utils.translation import gettext_lazy as _

from povcensus.audit.registry import register_actions

register_actions({"devtools.demo_loaded": _("载入演示数据")})
