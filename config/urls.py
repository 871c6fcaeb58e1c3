"""Root URLs.  OpenRosa endpoints answer at the site root (/formList, /submission)."""

from django.contrib import admin
from django.urls import include, path

from povcensus.campaign.views import home
from povcensus.core.api import api

urlpatterns = [
    path("", home, name="home"),
    path("", include("povcensus.core.urls")),
    path("", include("povcensus.collection.urls")),
    path("accounts/", include("povcensus.accounts.urls")),
    path("areas/", include("povcensus.geography.urls")),
    path("campaigns/", include("povcensus.campaign.urls")),
    path("teams/", include("povcensus.team.urls")),
    path("register/", include("povcensus.register.urls")),
    path("listing/", include("povcensus.listing.urls")),
    path("questionnaires/", include("povcensus.questionnaires.urls")),
    path("assignment/", include("povcensus.assignment.urls")),
    path("rules/", include("povcensus.rules.urls")),
    path("review/", include("povcensus.review.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
