from django.urls import path

from povcensus.review import views

app_name = "review"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("bulk-approve/", views.bulk_approve_view, name="bulk_approve"),
    path("cases/<int:case_id>/", views.case_view, name="case"),
    path("cases/<int:case_id>/act/", views.case_act_view, name="case_act"),
    path("cases/<int:case_id>/correct/", views.case_correct_view, name="case_correct"),
    path("cases/<int:case_id>/explain/", views.case_explain_view, name="case_explain"),
    path("areas/", views.areas_view, name="areas"),
    path("areas/<str:area_code>/", views.area_view, name="area"),
    path("areas/<str:area_code>/accept/", views.area_accept_view, name="area_accept"),
    path("areas/<str:area_code>/report.<str:kind>", views.area_report_view, name="area_report"),
]
