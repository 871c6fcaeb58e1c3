from django.urls import path

from povcensus.assignment import views

app_name = "assignment"
urlpatterns = [
    path("", views.overview_view, name="overview"),
    path("preview/", views.preview_view, name="preview"),
    path("apply/", views.apply_view, name="apply"),
    path("units/", views.units_view, name="units"),
    path("units/unassigned/", views.unassigned_view, name="unassigned"),
    path("units/<int:assignment_id>/", views.unit_detail_view, name="unit"),
    path("units/<int:assignment_id>/reassign/", views.reassign_view, name="reassign"),
    path("units/<int:assignment_id>/appointment/", views.appointment_view, name="appointment"),
    path(
        "units/<int:assignment_id>/non-interview/", views.non_interview_view, name="non_interview"
    ),
    path("evidence/<int:evidence_id>/", views.evidence_view, name="evidence"),
    path("upload/", views.upload_view, name="upload"),
    path("upload/template.xlsx", views.upload_template_view, name="upload_template"),
    path("appointments/", views.appointments_view, name="appointments"),
    path("appointments/<str:village_code>/", views.village_view, name="village"),
    path(
        "appointments/<str:village_code>/notice.xlsx",
        views.notice_list_view,
        {"fmt": "xlsx"},
        name="notice_xlsx",
    ),
    path(
        "appointments/<str:village_code>/notice.pdf",
        views.notice_list_view,
        {"fmt": "pdf"},
        name="notice_pdf",
    ),
    path("guides/<int:duty_id>/remove/", views.guide_remove_view, name="guide_remove"),
    path("my/", views.worklist_view, name="worklist"),
    path("teams/<int:team_id>/plan/", views.daily_plan_view, name="daily_plan"),
]
