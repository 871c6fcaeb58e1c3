from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class CoreConfig(AppConfig):
    name = "povcensus.core"
    label = "core"
    verbose_name = "核心"

    def ready(self) -> None:
        from povcensus.core.db_triggers import ensure_installed, lift_for_migrate

        # The trigger guards other apps register (core.db_triggers): lifted on SQLite for
        # migrations (table rebuilds), installed after them.
        pre_migrate.connect(lift_for_migrate, sender=self, dispatch_uid="core_db_refs_lift")
        post_migrate.connect(ensure_installed, sender=self, dispatch_uid="core_db_refs_install")
