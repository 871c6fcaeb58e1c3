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
    path("run/", views.census_run_view, name="census_run"),
    path("runs/<str:job_id>/", views.census_job_view, name="census_job"),
    path("submissions/<int:submission_id>/", views.submission_failures_view, name="submission"),
    path("submissions/<int:submission_id>/explain/", views.explanation_view, name="explain"),
    path("reports/", views.reports_view, name="reports"),
    path("reports.xlsx", views.reports_export_view, name="reports_export"),
    path("failures.xlsx", views.failures_export_view, name="failures_export"),
]
