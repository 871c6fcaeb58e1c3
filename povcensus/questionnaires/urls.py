from django.urls import path

from povcensus.questionnaires import views

app_name = "questionnaires"
urlpatterns = [
    path("", views.form_list_view, name="list"),
    path("versions/<int:version_id>/", views.version_detail_view, name="version"),
    path("versions/<int:version_id>/publish/", views.version_publish_view, name="publish"),
    path("versions/<int:version_id>/discard/", views.version_discard_view, name="discard"),
    path("versions/<int:version_id>/live/", views.version_live_view, name="live"),
    path(
        "versions/<int:version_id>/download.<str:what>",
        views.version_download_view,
        name="download",
    ),
    path("versions/<int:version_id>/preview/", views.preview_view, name="preview"),
    path(
        "versions/<int:version_id>/preview/form.xml", views.preview_form_view, name="preview_form"
    ),
    path(
        "versions/<int:version_id>/preview/media/<str:filename>",
        views.preview_media_view,
        name="preview_media",
    ),
    path(
        "versions/<int:version_id>/preview/check/",
        views.preview_check_view,
        name="preview_check",
    ),
    path(
        "forms/<str:form_id>/<str:version>.<str:what>",
        views.published_download_view,
        name="published_download",
    ),
]
