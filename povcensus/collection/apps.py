from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "povcensus.collection"
    label = "collection"
    verbose_name = "数据采集"

    def ready(self) -> None:
        from povcensus.collection import audit_actions  # noqa: F401
