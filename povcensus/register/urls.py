from django.urls import path

from povcensus.register import views

app_name = "register"
urlpatterns = [
    path("", views.household_list_view, name="list"),
    path("<int:household_id>/", views.household_detail_view, name="detail"),
    path("import/", views.import_view, name="import"),
    path("import/mapping.yaml", views.mapping_download_view, name="mapping"),
    path("import/<uuid:job_id>/", views.import_job_view, name="import_job"),
    path("import/<uuid:job_id>/commit/", views.import_job_commit_view, name="import_commit"),
    path("import/<uuid:job_id>/report.xlsx", views.import_job_report_view, name="import_report"),
]
