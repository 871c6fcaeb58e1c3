from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "povcensus.devtools"
    label = "devtools"
    verbose_name = "演示数据"

    def ready(self) -> None:
        from povcensus.devtools import audit_actions  # noqa: F401
