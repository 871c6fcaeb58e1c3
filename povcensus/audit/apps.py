from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "povcensus.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from povcensus.audit import audit_actions  # noqa: F401
