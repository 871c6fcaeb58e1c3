"""The submissions API and collection pages, scoped like every read of personal data."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from povcensus.assignment.models import Assignment
from povcensus.collection.models import Submission
from povcensus.collection.tests.collect_client import CollectClient
from povcensus.collection.views import collect_settings_payload
from povcensus.devtools.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


@pytest.fixture
def stored(world: Any, client: Any) -> Submission:
    team = Assignment.objects.select_related("team").get(household__number="4312021102010001").team
    username = team.members.get(slot=1).user.username
    response = CollectClient(client, username, DEMO_PASSWORD).post(
        "/submission", (DATA / "household-first.multipart").read_bytes()
    )
    assert response.status_code == 201
    client.logout()
    return Submission.objects.get(household__number="4312021102010001")


def _other_team_enumerator(submission: Submission) -> str:
    from povcensus.team.models import TeamMember

    other = (
        TeamMember.objects.exclude(team_id=submission.team_id or 0)
        .order_by("user__username")
        .first()
    )
    assert other is not None
    return str(other.user.username)


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("team", True),
        ("jinshan_office", True),
        ("zdy", True),
        ("other_team", False),
        ("analyst", False),
        ("cun02", False),
    ],
)
def test_list_and_detail_are_scoped(
    stored: Submission, client_for: Any, who: str, sees: bool
) -> None:
    assert stored.team is not None
    username = {
        "team": stored.team.members.get(slot=1).user.username,
        "zdy": stored.team.supervisor.username,
        "other_team": _other_team_enumerator(stored),
    }.get(who, who)
    client = client_for(username)
    listing = client.get("/api/submissions").json()
    assert (listing["count"] == 1) is sees
    detail = client.get(f"/api/submissions/{stored.pk}")
    if sees:
        body = detail.json()
        assert body["household_number"] == "4312021102010001"
        assert [m["m_name"] for m in body["members"]] == ["张建国", "李秀英", "张小明"]
        attachment = client.get(body["attachments"][0]["url"])
        assert attachment.status_code == 200
    else:
        assert detail.status_code == 404
        assert detail.json()["error"]["code"] == "core.not_found"
        url = f"/collect/submissions/{stored.pk}/attachments/hukou-1694226001.jpg"
        assert client.get(url).status_code == 404


def test_paging_and_versions(stored: Submission, client_for: Any) -> None:
    client = client_for("jinshan_office")
    page = client.get("/api/submissions?page_size=1&page=1&all_versions=true").json()
    assert page["page_size"] == 1
    assert page["count"] >= 1
    assert client.get("/api/submissions?page_size=100000").json()["page_size"] == 500


def test_openapi_describes_the_submissions_api(client_for: Any, world: Any) -> None:
    spec = client_for("jinshan_office").get("/api/openapi.json").json()
    assert "/api/submissions" in spec["paths"]
    assert "/api/submissions/{submission_id}" in spec["paths"]


def test_collect_settings_qr_holds_server_and_username_not_the_password(
    client_for: Any, world: Any
) -> None:
    payload = collect_settings_payload(
        server_url="https://pc.example.org", username="dcy01", project="脱贫攻坚调查"
    )
    settings = json.loads(zlib.decompress(base64.b64decode(payload)))
    assert settings["general"]["server_url"] == "https://pc.example.org"
    assert settings["general"]["username"] == "dcy01"
    assert "password" not in settings["general"]
    page = client_for("dcy01").get("/collect/settings/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    assert "dcy01" in page.content.decode()
