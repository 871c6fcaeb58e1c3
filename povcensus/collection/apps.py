from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "povcensus.collection"
    label = "collection"
    verbose_name = "数据采集"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from povcensus.accounts.context_processors import register_navigation
        from povcensus.accounts.roles import Perm
        from povcensus.collection import audit_actions  # noqa: F401
        from povcensus.collection.api import router
        from povcensus.collection.views import home_card_context
        from povcensus.core.api import api
        from povcensus.core.views import register_home_card

        api.add_router("/", router)
        register_navigation("collection:collect", _("调查采集"), Perm.SUBMISSION_CREATE)
        register_navigation(
            "collection:collect_settings", _("ODK Collect 设置"), Perm.SUBMISSION_CREATE
        )
        register_home_card("collection/_home_card.html", Perm.SUBMISSION_CREATE, home_card_context)
