"""OpenRosa endpoints at the site root (ODK Collect appends /formList and /submission)."""

from django.urls import path

from povcensus.collection import views
from povcensus.collection.openrosa import views as openrosa

app_name = "collection"
urlpatterns = [
    path("formList", openrosa.form_list, name="form_list"),
    path("submission", openrosa.submission, name="submission"),
    path(
        "openrosa/forms/<str:form_id>/<str:version>.xml",
        openrosa.form_download,
        name="form_download",
    ),
    path("openrosa/forms/<str:form_id>/<str:version>/manifest", openrosa.manifest, name="manifest"),
    path(
        "openrosa/forms/<str:form_id>/<str:version>/media/<str:filename>",
        openrosa.media_download,
        name="media",
    ),
    path("collect/settings/", views.collect_settings, name="collect_settings"),
    path(
        "collect/submissions/<int:submission_id>/attachments/<str:name>",
        views.attachment_download,
        name="attachment",
    ),
]
