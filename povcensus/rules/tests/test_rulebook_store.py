"""Rule books per campaign: the page, upload of a new version, activation (audited), the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.rules.builtin import HERE as BUILTIN_DIR
from povcensus.rules.builtin import builtin_sources
from povcensus.rules.models import RuleBookVersion
from povcensus.rules.selectors import compiled_rulebook, rulebook_active
from povcensus.rules.services import rulebook_activate, rulebook_create, rulebook_install_builtin

pytestmark = pytest.mark.django_db

SMALL = """version: "2021.1"
title: {zh: 测试规则库, en: Test rule book}
rules:
  - id: WT-01
    level: household
    severity: soft
    expression: ${g_quantity} = '1'
    message: {zh: 水量不达标, en: Water quantity fails}
"""
BROKEN = SMALL.replace("${g_quantity} = '1'", "${g_quantity} = '1' and (")


def test_the_demo_campaign_checks_against_the_builtin_book(world: Any) -> None:
    active = rulebook_active(campaign=world.campaign)
    assert active is not None
    assert active.is_builtin
    assert active.number == 1
    assert compiled_rulebook(active, campaign=world.campaign).counts()["rules"] == 58
    assert active.rule_count == 58
    assert AuditEvent.objects.filter(
        action="rules.rulebook_activated", object_id=str(active.pk)
    ).exists()


def test_demo_households_check_against_the_campaign_context(world: Any) -> None:
    """The campaign's line (4,000) and reference date reach the rules; results serialise."""
    from povcensus.rules.record import check_household
    from povcensus.rules.selectors import campaign_context
    from povcensus.rules.tests.test_builtin_rules import clean

    context = campaign_context(campaign=world.campaign)
    assert context == {
        "reference_date": world.campaign.reference_date.isoformat(),
        "income_line": "4000.00",
    }
    context["reference_date"] = "2020-12-31"  # the date the clean household's ages fit
    household, members = clean()
    household["h_per_capita"] = "4000"
    stored = check_household(
        compiled_rulebook(rulebook_active(campaign=world.campaign), campaign=world.campaign),
        household,
        members,
        context=context,
    ).as_dict()
    assert [f["rule_id"] for f in stored["failures"]] == ["IN-01", "IN-02"]  # 8,250 ≠ 4,000
    assert stored["indicators"]["income"] == {"status": "not_assured", "reasons": [["IN-02", None]]}


def test_rules_are_checked_against_the_campaigns_live_forms(world: Any) -> None:
    """The demo's live built-in forms give the schema; it agrees with builtin_schema.py."""
    from povcensus.rules.builtin_schema import BUILTIN_SCHEMA
    from povcensus.rules.schema import Level
    from povcensus.rules.selectors import campaign_schema

    key, schema = campaign_schema(campaign=world.campaign)
    assert key.startswith("forms:")
    for level in Level:
        ours = {n: f.value_type for n, f in BUILTIN_SCHEMA.by_level[level].items()}
        forms = {n: f.value_type for n, f in schema.by_level[level].items()}
        assert set(ours) <= set(forms), (level, sorted(set(ours) - set(forms)))
        differ = {n for n in ours if forms[n] != ours[n] and n != "today"}
        assert differ == set(), (level, differ)
    book = compiled_rulebook(rulebook_active(campaign=world.campaign), campaign=world.campaign)
    assert book.schema is schema


def test_the_schema_follows_the_live_forms_by_their_ids(world: Any) -> None:
    """The key names the live versions' ids; a new live version gets a schema of its own."""
    from povcensus.questionnaires.models import LiveForm
    from povcensus.rules.builtin_schema import BUILTIN_SCHEMA
    from povcensus.rules.selectors import campaign_schema

    live = {row.kind: row for row in LiveForm.objects.filter(campaign=world.campaign)}
    household, village = live["household"].version, live["village"].version
    key, schema = campaign_schema(campaign=world.campaign)
    assert key == f"forms:{household.pk}:{village.pk}"
    assert campaign_schema(campaign=world.campaign)[1] is schema  # cached by its key
    # Another household version goes live: a new key, a schema read from that version.
    household.pk = None
    household.version = "2099010101"
    household.save()
    live["household"].version = household
    live["household"].save()
    newer_key, newer = campaign_schema(campaign=world.campaign)
    assert newer_key == f"forms:{household.pk}:{village.pk}"
    assert newer is not schema
    LiveForm.objects.filter(campaign=world.campaign).delete()
    assert campaign_schema(campaign=world.campaign) == ("builtin", BUILTIN_SCHEMA)


def test_an_upload_naming_a_field_the_live_form_lacks_is_refused(world: Any) -> None:
    with pytest.raises(ApplicationError) as caught:
        rulebook_create(
            actor=world.user("county_office"),
            campaign=world.campaign,
            sources=[("x.yaml", SMALL.replace("g_quantity", "g_quantity_liters"))],
        )
    assert caught.value.code == "rules.unknown_field"
    assert caught.value.details["field"] == "g_quantity_liters"


def test_installing_the_builtin_book_again_changes_nothing(world: Any) -> None:
    before = RuleBookVersion.objects.count()
    again = rulebook_install_builtin(actor=world.user("county_office"), campaign=world.campaign)
    assert again.number == 1
    assert RuleBookVersion.objects.count() == before


def test_the_page_lists_every_rule_with_its_parts(world: Any, client_for: Any) -> None:
    page = client_for("dcy01").get("/rules/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("ID-02", "id_checksum_ok(${m_id_number})", "证件号码", "硬性", "软性", "VL-04"):
        assert text in html
    assert "义务教育有保障" in html  # indicators
    assert "上传新版本" not in html  # an enumerator cannot manage rules


def test_the_page_filters_by_severity_and_text(world: Any, client_for: Any) -> None:
    client = client_for("jinshan_office")
    hard = client.get("/rules/", {"severity": "hard"}).content.decode()
    assert 'id="rule-ID-02"' in hard
    assert 'id="rule-ED-01"' not in hard
    found = client.get("/rules/", {"q": "m_in_school"}).content.decode()
    assert 'id="rule-ED-01"' in found
    assert 'id="rule-ID-02"' not in found


def test_builtin_files_download(world: Any, client_for: Any) -> None:
    client = client_for("jinshan_office")
    active = rulebook_active(campaign=world.campaign)
    assert active is not None
    response = client.get(f"/rules/{active.pk}/files/household.yaml")
    assert response.status_code == 200
    assert response.content.decode() == dict(builtin_sources())["household.yaml"]
    assert client.get("/rules/builtin/village.yaml").status_code == 200
    assert client.get("/rules/builtin/nothing.yaml").status_code == 404


def test_county_office_uploads_and_activates_a_version(world: Any, client_for: Any) -> None:
    client = client_for("county_office")
    response = client.post(
        "/rules/upload/",
        {
            "files": SimpleUploadedFile("water.yaml", SMALL.encode(), "application/yaml"),
            "note": "只查水量",
        },
    )
    version = RuleBookVersion.objects.get(campaign=world.campaign, label="2021.1")
    assert response.status_code == 302
    assert response["Location"] == f"/rules/{version.pk}/"
    assert (version.number, version.rule_count, version.is_active) == (2, 1, False)
    created = AuditEvent.objects.get(action="rules.rulebook_created", object_id=str(version.pk))
    assert created.actor_username == "county_office"

    response = client.post(f"/rules/{version.pk}/activate/")
    assert response.status_code == 302
    active = rulebook_active(campaign=world.campaign)
    assert active is not None
    assert active.pk == version.pk
    event = AuditEvent.objects.get(action="rules.rulebook_activated", object_id=str(version.pk))
    assert event.before == {"number": 1, "version": "2020.1"}
    assert event.after == {"number": 2, "version": "2021.1", "digest": version.digest}
    assert "测试规则库" in client.get("/rules/").content.decode()
    with pytest.raises(ApplicationError) as again:
        rulebook_activate(actor=world.user("county_office"), rulebook=version)
    assert again.value.code == "rules.already_active"


def test_a_broken_upload_shows_coded_errors_and_saves_nothing(world: Any, client_for: Any) -> None:
    before = RuleBookVersion.objects.count()
    response = client_for("county_office").post(
        "/rules/upload/",
        {"files": SimpleUploadedFile("water.yaml", BROKEN.encode(), "application/yaml")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "rules.syntax" in html
    assert "water.yaml:7 WT-01 expression" in html
    assert RuleBookVersion.objects.count() == before
    assert not AuditEvent.objects.filter(
        action="rules.rulebook_created", after__version="2021.1"
    ).exists()


def test_township_office_may_read_but_not_change_rules(world: Any, client_for: Any) -> None:
    """Changing rules needs rules.manage at county level or above."""
    client = client_for("jinshan_office")
    assert "上传新版本" not in client.get("/rules/").content.decode()
    response = client.post(
        "/rules/upload/",
        {"files": SimpleUploadedFile("water.yaml", SMALL.encode(), "application/yaml")},
    )
    assert response.status_code == 403
    with pytest.raises(ApplicationError) as denied:
        rulebook_create(
            actor=world.user("jinshan_office"),
            campaign=world.campaign,
            sources=[("water.yaml", SMALL)],
        )
    assert denied.value.code == "core.permission_denied"


def test_a_version_outside_the_users_campaigns_is_not_found(world: Any, client_for: Any) -> None:
    active = rulebook_active(campaign=world.campaign)
    assert active is not None
    assert client_for("dcy01").get(f"/rules/{active.pk + 999}/").status_code == 404


def test_service_refuses_an_empty_upload(world: Any) -> None:
    with pytest.raises(ApplicationError) as caught:
        rulebook_create(actor=world.user("county_office"), campaign=world.campaign, sources=[])
    assert caught.value.code == "rules.no_sources"


def test_cli_check_accepts_the_builtin_files(capsys: Any) -> None:
    call_command(
        "rules", "check", str(BUILTIN_DIR / "household.yaml"), str(BUILTIN_DIR / "village.yaml")
    )
    assert "OK: version 2020.1, 58 rules (20 hard, 38 soft)" in capsys.readouterr().out


def test_cli_check_prints_every_problem_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        BROKEN + "  - id: X-1\n    level: member\n    severity: hard\n"
        "    expression: ${nope} = '1'\n    message: {zh: a, en: b}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        call_command("rules", "check", str(path))
    assert caught.value.returncode == 2
    text = str(caught.value)
    assert "[rules.syntax] bad.yaml:7 WT-01 expression" in text
    assert "[rules.unknown_field] bad.yaml:12 X-1 expression" in text
    assert "2 problem(s)" in text
