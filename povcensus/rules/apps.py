from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "povcensus.rules"
    label = "rules"
    verbose_name = "审核规则"
