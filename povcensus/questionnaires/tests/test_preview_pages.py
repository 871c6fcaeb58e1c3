"""The preview page, its prefill media (scoped to the register) and the submission check."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from povcensus.accounts.models import RoleGrant, User
from povcensus.accounts.roles import Role
from povcensus.questionnaires.builtin.dsl import q, workbook_bytes
from povcensus.questionnaires.models import FormKind, FormVersion
from povcensus.questionnaires.selectors import live_version
from povcensus.questionnaires.tests.conftest import tiny_form
from povcensus.register.models import Household

pytestmark = pytest.mark.django_db


def _household_version(world: Any) -> FormVersion:
    version = live_version(campaign=world.campaign, kind=FormKind.HOUSEHOLD)
    assert version is not None
    return version


def _first_household(world: Any, village: str = "431202110201") -> Household:
    household = (
        Household.objects.filter(campaign=world.campaign, village_id=village).order_by("pk").first()
    )
    assert household is not None
    return household


def _media(client: Any, version: FormVersion, name: str, household: Household | None) -> Any:
    url = reverse("questionnaires:preview_media", args=[version.pk, name])
    return client.get(url, {"household": household.pk} if household else {})


def test_preview_page_mounts_the_engine_with_the_chosen_household(
    world: Any, client_for: Any
) -> None:
    version = _household_version(world)
    household = _first_household(world)
    page = client_for("jinshan_office").get(
        reverse("questionnaires:preview", args=[version.pk]),
        {"household": household.pk, "lang": "en"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "questionnaires/webforms/preview.js" in html
    assert 'data-language="en"' in html
    assert f"media/FILE?household={household.pk}" in html
    form = client_for("jinshan_office").get(
        reverse("questionnaires:preview_form", args=[version.pk])
    )
    assert form.content.decode() == version.xform


def test_prefill_media_hold_only_the_chosen_household(world: Any, client_for: Any) -> None:
    version = _household_version(world)
    household = _first_household(world)
    client = client_for("jinshan_office")
    rows = list(
        csv.DictReader(
            io.StringIO(_media(client, version, "households.csv", household).content.decode())
        )
    )
    assert [r["name"] for r in rows] == [household.number]
    assert rows[0]["head_name"] == household.head_name
    assert rows[0]["member_count"] == str(household.members.count())
    members = list(
        csv.DictReader(
            io.StringIO(_media(client, version, "members.csv", household).content.decode())
        )
    )
    assert [m["id_number"] for m in members] == list(
        household.members.order_by("seq").values_list("id_number", flat=True)
    )
    assert members[0]["key"] == f"{household.number}-1"
    campaign = _media(client, version, "campaign.csv", None).content.decode()
    assert "2023-09-08" in campaign
    assert "4000" in campaign
    unknown = _media(client, version, "villages.csv", household)  # not a file of this form
    assert unknown.status_code == 404


def test_prefill_media_of_a_household_outside_the_register_scope_is_not_found(
    world: Any, client_for: Any
) -> None:
    """An office grant on one village sees that village's households only."""
    user = User.objects.create_user(username="village_office", password="x-Jinshan2023")
    RoleGrant.objects.create(user=user, role=Role.OFFICE.value, area_id="431202110201")
    version = _household_version(world)
    client = client_for("village_office")
    inside = _media(client, version, "households.csv", _first_household(world))
    assert inside.status_code == 200
    outside = _media(
        client, version, "households.csv", _first_household(world, village="431202110202")
    )
    assert outside.status_code == 404
    preview = client.get(
        reverse("questionnaires:preview", args=[version.pk]),
        {"household": _first_household(world, village="431202110202").pk},
    )
    assert preview.status_code == 404


def test_village_cadres_cannot_preview(world: Any, client_for: Any) -> None:
    version = _household_version(world)
    response = client_for("cun01").get(reverse("questionnaires:preview", args=[version.pk]))
    assert response.status_code == 403


def _submission(household: Household, *, head: str, per_capita: str) -> bytes:
    members = list(household.members.order_by("seq"))
    rows = "".join(
        f"<members><m_reg_name>{m.name}</m_reg_name><m_reg_id_number>{m.id_number}"
        f"</m_reg_id_number><m_reg_relation>{m.relation}</m_reg_relation>"
        f"<m_reg_sex>{m.sex}</m_reg_sex><m_status>1</m_status><m_name>{m.name}</m_name>"
        f"<m_sex>{m.sex}</m_sex><m_id_number>{m.id_number}</m_id_number>"
        f"<m_relation>{m.relation}</m_relation></members>"
        for m in members
    )
    return (
        f'<data id="household" version="2023090101"><hh_number>{household.number}</hh_number>'
        f"<reg_head_name>{head}</reg_head_name><reg_village_code>{household.village_id}"
        f"</reg_village_code><reg_size>{household.size_registered}</reg_size>"
        f"<reg_attribute>{household.attribute}</reg_attribute><reg_exit_status>"
        f"{household.exit_status}</reg_exit_status><reg_main_cause>{household.main_cause}"
        f"</reg_main_cause><reg_phone>{household.phone}</reg_phone>"
        f"<a><a_identification_standard>{household.identification_standard}"
        f"</a_identification_standard><a_attribute>{household.attribute}</a_attribute>"
        f"<a_exit_status>{household.exit_status}</a_exit_status><a_main_cause>"
        f"{household.main_cause}</a_main_cause></a><z_outcome>1</z_outcome>"
        f"<b><b_member_rows>{len(members)}</b_member_rows>{rows}</b>"
        f"<h><h_wage_work>10000</h_wage_work><h_prod_crops>2000</h_prod_crops>"
        f"<h_expenditure>500</h_expenditure><h_net_income>11500</h_net_income>"
        f"<h_per_capita>{per_capita}</h_per_capita></h>"
        f"<meta><instanceID>uuid:0b1f</instanceID></meta></data>"
    ).encode()


def test_preview_check_compares_with_the_register_and_recomputes_income(
    world: Any, client_for: Any
) -> None:
    version = _household_version(world)
    household = _first_household(world)
    size = household.members.count()
    right = f"{11500 / size:.2f}"
    client = client_for("jinshan_office")
    url = reverse("questionnaires:preview_check", args=[version.pk]) + f"?household={household.pk}"
    good = client.post(
        url,
        {
            "xml_submission_file": SimpleUploadedFile(
                "s.xml", _submission(household, head=household.head_name, per_capita=right)
            )
        },
    )
    html = good.content.decode()
    assert good.status_code == 200
    assert 'id="prefill-status" data-ok="true"' in html
    assert 'id="income-status" data-ok="true"' in html
    assert f'id="result-per-capita-expected">{right}<' in html
    bad = client.post(
        url,
        {
            "xml_submission_file": SimpleUploadedFile(
                "s.xml", _submission(household, head="别人", per_capita="1.00")
            )
        },
    )
    html = bad.content.decode()
    assert 'id="prefill-status" data-ok="false"' in html
    assert 'id="income-status" data-ok="false"' in html
    broken = client.post(url, {"xml_submission_file": SimpleUploadedFile("s.xml", b"<data")})
    assert broken.status_code == 400
    assert "questionnaires.submission_unreadable" in broken.content.decode()


def test_version_page_shows_structure_and_section_bars(world: Any, client_for: Any) -> None:
    version = _household_version(world)
    html = (
        client_for("jinshan_office")
        .get(reverse("questionnaires:version", args=[version.pk]))
        .content.decode()
    )
    assert "m_id_number" in html
    assert "B. 家庭成员" in html
    assert 'class="section-bars"' in html
    assert version.md5 in html


def test_forms_compile_command_prints_locations(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook_bytes(tiny_form()))
    out = io.StringIO()
    call_command("forms", "compile", str(good), stdout=out)
    assert "OK: form tiny v1" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes(tiny_form(q("text", "x", ("x", "x"), relevant="${zz} = 1"))))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("forms", "compile", str(bad), stdout=out)
    assert "ERROR survey, row 4, column relevant (J)" in out.getvalue()
