from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "povcensus.register"
    label = "register"
    verbose_name = "建档立卡户名册"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from povcensus.accounts.context_processors import register_navigation
        from povcensus.accounts.roles import Perm
        from povcensus.core.db_triggers import register_guard
        from povcensus.register import audit_actions  # noqa: F401
        from povcensus.register.db_guard import GUARD

        register_guard(GUARD)

        register_navigation("register:list", _("建档立卡户名册"), Perm.REGISTER_VIEW)
