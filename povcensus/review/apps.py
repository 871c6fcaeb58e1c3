from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "povcensus.review"
    label = "review"
    verbose_name = "审核验收"
