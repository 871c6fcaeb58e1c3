"""URLs of collection.

OpenRosa endpoints at the site root (ODK Collect appends /formList and /submission), and
the browser collection pages under /collect/.
"""

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
    path("collect/", views.collect_view, name="collect"),
    path("collect/units.json", views.collect_units_view, name="collect_units"),
    path("collect/sw.js", views.collect_service_worker, name="collect_sw"),
    path("collect/unit/<int:assignment_id>/", views.collect_unit_view, name="collect_unit"),
    path("collect/edit/<int:submission_id>/", views.collect_edit_view, name="collect_edit"),
    path(
        "collect/edit/<int:submission_id>/instance.xml",
        views.collect_instance_view,
        name="collect_instance",
    ),
    path("collect/settings/", views.collect_settings, name="collect_settings"),
    path(
        "collect/submissions/<int:submission_id>/attachments/<str:name>",
        views.attachment_download,
        name="attachment",
    ),
]
