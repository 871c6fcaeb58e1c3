from django.urls import path

from povcensus.listing import views

app_name = "listing"
urlpatterns = [
    path("", views.listing_list_view, name="list"),
    path("progress/", views.progress_view, name="progress"),
    path("roster/", views.roster_view, name="roster"),
    path("roster.<str:kind>", views.roster_export_view, name="roster_export"),
    path("<int:listing_id>/", views.listing_detail_view, name="detail"),
    path("<int:listing_id>/sign-village/", views.sign_village_view, name="sign_village"),
    path("<int:listing_id>/sign-township/", views.sign_township_view, name="sign_township"),
    path("<int:listing_id>/reopen/", views.reopen_view, name="reopen"),
    path("<int:listing_id>/sheet.xlsx", views.sheet_xlsx_view, name="sheet_xlsx"),
    path("<int:listing_id>/sheet.pdf", views.sheet_pdf_view, name="sheet_pdf"),
    path("<int:listing_id>/scans/", views.scan_upload_view, name="scan_upload"),
    path("scans/<int:scan_id>/", views.scan_view, name="scan"),
    path("entries/<int:entry_id>/", views.entry_view, name="entry"),
    path("evidence/<int:evidence_id>/", views.evidence_view, name="evidence"),
    path("evidence/<int:evidence_id>/remove/", views.evidence_remove_view, name="evidence_remove"),
]
