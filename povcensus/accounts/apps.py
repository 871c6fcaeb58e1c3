from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "povcensus.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from povcensus.accounts import audit_actions  # noqa: F401
