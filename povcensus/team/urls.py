from django.urls import path

from povcensus.team import views

app_name = "team"
urlpatterns = [
    path("", views.team_list_view, name="list"),
    path("new/", views.team_create_view, name="create"),
    path("staff-import/", views.staff_import_view, name="staff_import"),
    path("staff-import/template.xlsx", views.staff_template_view, name="staff_template"),
    path(
        "staff-import/credentials/<str:batch>.xlsx",
        views.credentials_download_view,
        name="credentials",
    ),
    path("<int:team_id>/", views.team_detail_view, name="detail"),
]
