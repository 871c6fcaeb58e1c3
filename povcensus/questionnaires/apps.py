from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "povcensus.questionnaires"
    label = "questionnaires"
    verbose_name = "调查问卷"
