"""Uploading, publishing and choosing questionnaire versions (services and pages).

A broken XLSForm is refused with located messages and writes nothing; a published version
never changes; a new upload makes a new version and the old one stays downloadable by
form id + version; the version a campaign uses is a setting with an audit record.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.questionnaires.builtin.dsl import q, workbook_bytes
from povcensus.questionnaires.models import FormDefinition, FormKind, FormVersion, LiveForm
from povcensus.questionnaires.selectors import live_version, published_version
from povcensus.questionnaires.services import (
    form_live_set,
    form_upload,
    form_version_discard,
    form_version_publish,
)
from povcensus.questionnaires.tests.conftest import tiny_form

pytestmark = pytest.mark.django_db
TOWN = "431202110000"


def _last_event() -> Any:
    return AuditEvent.objects.order_by("-id").first()


def _upload(actor: Any, version: str = "1", *rows: dict[str, str]) -> FormVersion:
    return form_upload(
        actor=actor,
        data=workbook_bytes(tiny_form(*rows, version=version)),
        filename=f"tiny-{version}.xlsx",
        kind=FormKind.OTHER,
        area_code=TOWN,
    )


def test_demo_campaign_uses_the_published_builtin_forms(world: Any) -> None:
    for kind in (FormKind.HOUSEHOLD, FormKind.VILLAGE, FormKind.LISTING):
        version = live_version(campaign=world.campaign, kind=kind)
        assert version is not None
        assert version.is_published
        assert version.validated
        assert version.definition.builtin


def test_upload_publish_and_new_version_never_change_the_old_one(world: Any) -> None:
    office = world.user("jinshan_office")
    first = _upload(office, "1")
    assert first.state == "draft"
    first = form_version_publish(actor=office, version=first)
    frozen = FormVersion.objects.get(pk=first.pk)
    snapshot = (bytes(frozen.xlsx), frozen.xform, frozen.md5, frozen.xlsx_sha256)

    with pytest.raises(ApplicationError) as refused:
        _upload(office, "1", q("text", "extra", ("附加", "Extra")))
    assert refused.value.code == "questionnaires.version_published"
    with pytest.raises(ApplicationError) as again:
        form_version_publish(actor=office, version=first)
    assert again.value.code == "questionnaires.not_draft"
    with pytest.raises(ApplicationError) as discard:
        form_version_discard(actor=office, version=first)
    assert discard.value.code == "questionnaires.not_draft"

    second = form_version_publish(
        actor=office, version=_upload(office, "2", q("text", "extra", ("附加", "Extra")))
    )
    assert second.pk != first.pk
    assert second.md5 != first.md5
    frozen = FormVersion.objects.get(pk=first.pk)
    assert (bytes(frozen.xlsx), frozen.xform, frozen.md5, frozen.xlsx_sha256) == snapshot
    assert published_version(form_id="tiny", version="1") == frozen
    assert FormDefinition.objects.get(form_id="tiny").versions.count() == 2


def test_old_published_version_stays_downloadable_by_form_id_and_version(
    world: Any, client_for: Any
) -> None:
    office = world.user("jinshan_office")
    old = form_version_publish(actor=office, version=_upload(office, "1"))
    form_version_publish(
        actor=office, version=_upload(office, "2", q("text", "extra", ("附加", "Extra")))
    )
    client = client_for("jinshan_office")
    xml = client.get(reverse("questionnaires:published_download", args=["tiny", "1", "xml"]))
    assert xml.status_code == 200
    assert xml.content.decode() == old.xform
    assert xml["X-Content-MD5"] == old.md5
    xlsx = client.get(reverse("questionnaires:published_download", args=["tiny", "1", "xlsx"]))
    assert xlsx.content == bytes(old.xlsx)
    missing = client.get(reverse("questionnaires:published_download", args=["tiny", "9", "xml"]))
    assert missing.status_code == 404


def test_a_draft_is_replaced_by_uploading_its_version_again(world: Any) -> None:
    office = world.user("jinshan_office")
    draft = _upload(office, "5")
    edited = _upload(office, "5", q("text", "extra", ("附加", "Extra")))
    assert edited.pk == draft.pk
    assert "extra" in FormVersion.objects.get(pk=draft.pk).xform
    form_version_discard(actor=office, version=edited)
    assert not FormVersion.objects.filter(pk=draft.pk).exists()


def test_broken_upload_on_the_page_shows_sheet_row_column_and_writes_nothing(
    world: Any, client_for: Any
) -> None:
    client = client_for("jinshan_office")
    broken = workbook_bytes(tiny_form(q("text", "why", ("原因", "Why"), relevant="${agee} > 1")))
    from django.core.files.uploadedfile import SimpleUploadedFile

    counts = (
        FormVersion.objects.count(),
        FormDefinition.objects.count(),
        AuditEvent.objects.count(),
    )
    response = client.post(
        reverse("questionnaires:list"),
        {"kind": "other", "file": SimpleUploadedFile("broken.xlsx", broken)},
    )
    assert response.status_code == 400
    assert response.context["upload_messages"][0]["sheet"] == "survey"
    assert response.context["upload_messages"][0]["row"] == 4
    assert response.context["upload_messages"][0]["column"] == "relevant"
    page = response.content.decode()
    assert "questionnaires.xlsform_invalid" in page
    assert '<td>survey</td><td class="num">4</td><td>relevant (J)</td>' in page
    assert (
        FormVersion.objects.count(),
        FormDefinition.objects.count(),
        AuditEvent.objects.count(),
    ) == counts


def test_good_upload_on_the_page_makes_a_draft_and_an_audit_event(
    world: Any, client_for: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("jinshan_office")
    response = client.post(
        reverse("questionnaires:list"),
        {"kind": "other", "file": SimpleUploadedFile("t.xlsx", workbook_bytes(tiny_form()))},
    )
    version = FormVersion.objects.get(definition__form_id="tiny")
    assert response.status_code == 302
    assert response["Location"] == reverse("questionnaires:version", args=[version.pk])
    event = _last_event()
    assert event is not None
    assert event.action == "questionnaires.version_uploaded"
    assert event.after["md5"] == version.md5
    page = client.get(response["Location"]).content.decode()
    assert "age" in page
    assert "发布此版本" in page


def test_live_setting_is_audited_with_before_and_after(world: Any) -> None:
    office = world.user("jinshan_office")
    household = live_version(campaign=world.campaign, kind=FormKind.HOUSEHOLD)
    assert household is not None
    other = form_version_publish(actor=office, version=_upload(office, "1"))
    form_live_set(actor=office, campaign=world.campaign, version=other)
    assert live_version(campaign=world.campaign, kind=FormKind.OTHER) == other
    event = _last_event()
    assert event is not None
    assert event.action == "questionnaires.live_set"
    assert event.before is None
    assert event.after["form_id"] == "tiny"
    draft = _upload(office, "2", q("text", "extra", ("附加", "Extra")))
    with pytest.raises(ApplicationError) as refused:
        form_live_set(actor=office, campaign=world.campaign, version=draft)
    assert refused.value.code == "questionnaires.not_published"
    again = form_version_publish(actor=office, version=draft)
    form_live_set(actor=office, campaign=world.campaign, version=again)
    event = _last_event()
    assert event is not None
    assert event.before["version"] == "1"
    assert event.after["version"] == "2"
    assert LiveForm.objects.filter(campaign=world.campaign).count() == 4


@pytest.mark.parametrize("username", ["cun01", "dcy01", "analyst"])
def test_only_form_managers_upload_publish_or_set_live(world: Any, username: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        _upload(world.user(username), "1")
    assert refused.value.code == "core.permission_denied"
    office = world.user("jinshan_office")
    draft = _upload(office, "1")
    with pytest.raises(ApplicationError) as publish:
        form_version_publish(actor=world.user(username), version=draft)
    assert publish.value.code == "core.permission_denied"


def test_a_township_office_sees_county_forms_but_cannot_manage_them(
    world: Any, client_for: Any
) -> None:
    county = world.user("county_office")
    version = form_upload(
        actor=county,
        data=workbook_bytes(tiny_form(form_id="county_form")),
        filename="c.xlsx",
        kind=FormKind.OTHER,
        area_code="431202000000",
    )
    # The township office sees forms of its county (above it) but cannot manage them.
    office_page = client_for("jinshan_office").get(
        reverse("questionnaires:version", args=[version.pk])
    )
    assert office_page.status_code == 200
    assert "发布此版本" not in office_page.content.decode()
    with pytest.raises(ApplicationError) as refused:
        form_version_publish(actor=world.user("jinshan_office"), version=version)
    assert refused.value.code == "core.permission_denied"


def test_enumerators_and_village_cadres_have_no_questionnaire_pages(
    world: Any, client_for: Any
) -> None:
    version = live_version(campaign=world.campaign, kind=FormKind.HOUSEHOLD)
    assert version is not None
    for username in ("dcy01", "cun01"):
        client = client_for(username)
        assert client.get(reverse("questionnaires:list")).status_code == 403
        assert client.get(reverse("questionnaires:version", args=[version.pk])).status_code == 404


def test_list_and_menu_for_the_office(world: Any, client_for: Any) -> None:
    page = client_for("jinshan_office").get(reverse("questionnaires:list")).content.decode()
    assert "建档立卡户调查表" in page
    assert "行政村调查表" in page
    assert "清查摸底表" in page
    assert "使用中" in page
    assert f'href="{reverse("questionnaires:list")}"' in page  # the menu entry


def test_the_database_refuses_to_change_a_published_version(world: Any) -> None:
    from django.db import DatabaseError, transaction

    office = world.user("jinshan_office")
    version = form_version_publish(actor=office, version=_upload(office, "1"))
    for change in ({"xform": "<changed/>"}, {"md5": "0" * 32}, {"state": "draft"}):
        with pytest.raises(DatabaseError), transaction.atomic():
            FormVersion.objects.filter(pk=version.pk).update(**change)
    assert FormVersion.objects.get(pk=version.pk).xform == version.xform
    FormVersion.objects.filter(pk=version.pk).update(field_count=99)  # bookkeeping may change


def test_api_lists_versions_live_forms_and_a_schema(world: Any, client_for: Any) -> None:
    client = client_for("jinshan_office")
    live = client.get(f"/api/questionnaires/campaigns/{world.campaign.pk}/live").json()
    kinds = {row["kind"]: row["version"] for row in live}
    assert set(kinds) == {"household", "village", "listing"}
    household = kinds["household"]
    assert household["state"] == "published"
    assert "members.csv" in household["media_files"]
    schema = client.get(f"/api/questionnaires/versions/{household['id']}/schema").json()
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["m_name"]["repeat"] == "/data/b/members"
    assert fields["a_other_causes"]["select_multiple"] is True
    assert schema["default_language"] == "中文 (zh)"
    assert [c["value"] for c in schema["choice_lists"]["outcome"]] == ["1", "2", "3", "4", "5"]
    listed = client.get("/api/questionnaires/versions").json()
    assert household["id"] in [v["id"] for v in listed]
    denied = client_for("dcy01").get("/api/questionnaires/versions")
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "core.permission_denied"
