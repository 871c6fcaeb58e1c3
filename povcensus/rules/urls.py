from django.urls import path

from povcensus.rules import views

app_name = "rules"
urlpatterns = [
    path("", views.rulebook_view, name="book"),
    path("upload/", views.rulebook_upload_view, name="upload"),
    path("builtin/<str:name>", views.builtin_source_view, name="builtin_source"),
    path("<int:rulebook_id>/", views.rulebook_version_view, name="version"),
    path("<int:rulebook_id>/activate/", views.rulebook_activate_view, name="activate"),
    path("<int:rulebook_id>/files/<str:name>", views.rulebook_source_view, name="source"),
]
