from django.urls import path

from povcensus.campaign import views

app_name = "campaign"
urlpatterns = [
    path("", views.campaign_list_view, name="list"),
    path("new/", views.campaign_create_view, name="create"),
    path("<int:campaign_id>/", views.campaign_detail_view, name="detail"),
]
