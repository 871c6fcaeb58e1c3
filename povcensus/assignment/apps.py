from django.apps import AppConfig


class AssignmentConfig(AppConfig):
    name = "povcensus.assignment"
    label = "assignment"
    verbose_name = "任务分配"
