from typing import Any

from django.apps import AppConfig


def _home_card(request: Any, campaign: Any) -> dict[str, Any]:
    from povcensus.listing.views import home_card_context

    return home_card_context(request, campaign)


class ListingConfig(AppConfig):
    name = "povcensus.listing"
    label = "listing"
    verbose_name = "清查摸底"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from povcensus.accounts.context_processors import register_navigation
        from povcensus.accounts.roles import Perm
        from povcensus.core.db_triggers import register_guard
        from povcensus.core.views import register_home_card
        from povcensus.listing import audit_actions  # noqa: F401
        from povcensus.listing.db_guard import GUARD
        from povcensus.listing.services import on_register_imported
        from povcensus.register.hooks import on_households_imported

        register_guard(GUARD)
        on_households_imported(on_register_imported)
        register_navigation("listing:list", _("清查摸底"), Perm.AGGREGATE_VIEW)
        register_home_card("listing/_home_card.html", Perm.AGGREGATE_VIEW, _home_card)
