from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "povcensus.questionnaires"
    label = "questionnaires"
    verbose_name = "调查问卷"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from povcensus.accounts.context_processors import register_navigation
        from povcensus.accounts.roles import Perm
        from povcensus.core.api import api
        from povcensus.questionnaires import audit_actions  # noqa: F401
        from povcensus.questionnaires.api import router

        register_navigation("questionnaires:list", _("调查问卷"), Perm.FORM_MANAGE)
        api.add_router("/questionnaires", router)
