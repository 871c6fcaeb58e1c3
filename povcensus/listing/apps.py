from django.apps import AppConfig


class ListingConfig(AppConfig):
    name = "povcensus.listing"
    label = "listing"
    verbose_name = "清查摸底"
