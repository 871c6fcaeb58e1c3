from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "povcensus.team"
    label = "team"
    verbose_name = "调查小组"

    def ready(self) -> None:
        from povcensus.team import audit_actions  # noqa: F401
