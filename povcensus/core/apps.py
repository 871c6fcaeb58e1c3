from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "povcensus.core"
    label = "core"
    verbose_name = "核心"
