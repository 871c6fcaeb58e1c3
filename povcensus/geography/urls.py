from django.urls import path

from povcensus.geography import views

app_name = "geography"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<str:code>/", views.area_detail, name="detail"),
]
