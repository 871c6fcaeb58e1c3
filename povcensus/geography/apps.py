from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "povcensus.geography"
    label = "geography"
    verbose_name = "行政区划"

    def ready(self) -> None:
        from povcensus.core.api import api
        from povcensus.geography import audit_actions  # noqa: F401
        from povcensus.geography.api import router

        api.add_router("/geography", router)
