import json

import pytest
from django.utils import translation

from povcensus.core.errors import NOT_FOUND, REGISTRY, ApplicationError, ErrorCode


def test_codes_are_unique_and_dotted() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        ErrorCode("core.not_found", "again")
    assert all("." in code for code in REGISTRY)


def test_every_app_declares_its_codes_under_its_own_prefix() -> None:
    import importlib

    for app in ("core", "geography", "accounts", "campaign", "team"):
        importlib.import_module(f"povcensus.{app}.errors")
    prefixes = {code.split(".")[0] for code in REGISTRY}
    assert {"core", "geography", "accounts", "campaign", "team"} <= prefixes


def test_message_follows_active_language_and_interpolates_details() -> None:
    from povcensus.geography.errors import BAD_CODE

    error = ApplicationError(BAD_CODE, row=3, code="12")
    with translation.override("zh-hans"):
        assert "第 3 行" in error.message
    with translation.override("en"):
        assert "row 3" in error.message.lower()
    assert error.as_dict()["details"] == {"row": 3, "code": "12"}


@pytest.mark.django_db
def test_api_renders_application_error_as_json_with_code(client_for) -> None:
    client = client_for("jinshan_office")
    response = client.get("/api/geography/areas/999999999999")
    assert response.status_code == 404
    body = json.loads(response.content)
    assert body["error"]["code"] == NOT_FOUND.code
    assert body["error"]["message"]


@pytest.mark.django_db
def test_api_refuses_anonymous_with_coded_401(client) -> None:
    response = client.get("/api/geography/areas/430000000000")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "core.not_authenticated"


@pytest.mark.django_db
def test_pages_render_application_error_with_code_and_status(client_for) -> None:
    client = client_for("jinshan_office")
    response = client.get("/areas/999999999999/")
    assert response.status_code == 404
    assert "core.not_found" in response.content.decode()
    assert "未找到" in response.content.decode()
