from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "povcensus.rules"
    label = "rules"
    verbose_name = "审核规则"

    def ready(self) -> None:
        from povcensus.accounts.context_processors import register_navigation
        from povcensus.accounts.roles import Perm
        from povcensus.rules import audit_actions  # noqa: F401

        register_navigation("rules:book", _("审核规则"), Perm.AREA_VIEW)
        register_navigation("rules:reports", _("审核结果统计"), Perm.AGGREGATE_VIEW)
