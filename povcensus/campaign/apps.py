from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "povcensus.campaign"
    label = "campaign"
    verbose_name = "调查项目"

    def ready(self) -> None:
        from povcensus.campaign import audit_actions  # noqa: F401
