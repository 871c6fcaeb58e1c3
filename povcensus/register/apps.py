from django.apps import AppConfig


class RegisterConfig(AppConfig):
    name = "povcensus.register"
    label = "register"
    verbose_name = "建档立卡户名册"

    def ready(self) -> None:
        from povcensus.register import audit_actions  # noqa: F401
