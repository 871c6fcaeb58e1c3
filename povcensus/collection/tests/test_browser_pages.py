"""Browser collection pages and their JSON: only the team's own units, edits, returned cases.

The end-to-end run in Chromium (offline queue, service worker) is in test_browser_e2e.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from povcensus.assignment.models import Appointment, Assignment
from povcensus.collection.extensions import (
    register_worklist_annotator,
    unregister_worklist_annotator,
)
from povcensus.collection.models import Submission, SubmissionSource
from povcensus.collection.tests.collect_client import CollectClient
from povcensus.devtools.demo import DEMO_PASSWORD
from povcensus.team.models import TeamMember

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
HOUSEHOLD = "4312021102010001"


@pytest.fixture
def unit(world: Any) -> Assignment:
    return Assignment.objects.select_related("team", "household").get(household__number=HOUSEHOLD)


@pytest.fixture
def enumerator(unit: Assignment) -> str:
    return str(unit.team.members.get(slot=1).user.username)


@pytest.fixture
def other_enumerator(unit: Assignment) -> str:
    other = TeamMember.objects.exclude(team_id=unit.team_id).order_by("user__username").first()
    assert other is not None
    return str(other.user.username)


@pytest.fixture
def stored(unit: Assignment, enumerator: str, client: Any) -> Submission:
    response = CollectClient(client, enumerator, DEMO_PASSWORD).post(
        "/submission", (DATA / "household-first.multipart").read_bytes()
    )
    assert response.status_code == 201
    client.logout()
    return Submission.objects.get(household__number=HOUSEHOLD)


def test_worklist_page_and_json_list_only_the_teams_units(
    unit: Assignment, enumerator: str, client_for: Any
) -> None:
    client = client_for(enumerator)
    team_units = set(Assignment.objects.filter(team_id=unit.team_id).values_list("pk", flat=True))
    others = Assignment.objects.exclude(team_id=unit.team_id).select_related("household")

    page = client.get("/collect/")
    assert page.status_code == 200
    html = page.content.decode()
    assert HOUSEHOLD in html
    assert unit.household is not None
    assert unit.household.head_name in html
    outsider = others.filter(household__isnull=False).first()
    assert outsider is not None
    assert outsider.household is not None
    assert outsider.household.number not in html
    assert "待发送队列" in html
    assert 'id="collect-i18n"' in html

    body = client.get("/collect/units.json").json()
    ids = [u["id"] for u in body["units"]]
    assert set(ids) == team_units
    mine = next(u for u in body["units"] if u["id"] == unit.pk)
    assert mine["household_number"] == HOUSEHOLD
    assert mine["form"]["form_id"] == "household"
    assert mine["open_url"] == f"/collect/unit/{unit.pk}/"
    assert mine["current_submission"] is None
    assert mine["edit_url"] is None
    assert mine["returned"] is False
    booked = {
        a.assignment_id: a for a in Appointment.objects.filter(assignment__team_id=unit.team_id)
    }
    for listed in body["units"]:
        appointment = booked.get(listed["id"])
        if appointment is None:
            assert listed["appointment"] is None
        else:
            assert listed["appointment"]["day"] == appointment.day.isoformat()
            assert listed["appointment"]["starts_at"] == appointment.starts_at.strftime("%H:%M")
    offline = body["offline_urls"]
    assert "/collect/" in offline
    assert mine["open_url"] in offline
    assert mine["form"]["xml_url"] in offline
    assert any(url.endswith("/media/households.csv") for url in offline)
    assert any("/static/questionnaires/webforms/collect" in url for url in offline)
    # Every URL the service worker is asked to keep answers this user.
    for url in offline:
        assert client.get(url).status_code == 200, url


def test_unit_page_opens_the_live_form_prefilled_with_the_household(
    unit: Assignment, enumerator: str, client_for: Any
) -> None:
    client = client_for(enumerator)
    page = client.get(f"/collect/unit/{unit.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-prefill-field="hh_number"' in html
    assert f'data-prefill-value="{HOUSEHOLD}"' in html
    assert 'data-form-url="/openrosa/forms/household/' in html
    assert "data-edit-of" not in html
    # The prefill media are the same files ODK Collect gets: the team's households only.
    households = client.get("/openrosa/forms/household/2023090101/media/households.csv")
    assert households.status_code == 200
    rows = households.content.decode().splitlines()[1:]
    team_numbers = set(
        Assignment.objects.filter(team_id=unit.team_id, household__isnull=False).values_list(
            "household__number", flat=True
        )
    )
    assert {row.split(",")[0] for row in rows} == team_numbers


def test_another_teams_unit_and_submission_are_not_found(
    unit: Assignment, stored: Submission, other_enumerator: str, client_for: Any
) -> None:
    client = client_for(other_enumerator)
    for url in (
        f"/collect/unit/{unit.pk}/",
        f"/collect/edit/{stored.pk}/",
        f"/collect/edit/{stored.pk}/instance.xml",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
    assert unit.pk not in [u["id"] for u in client.get("/collect/units.json").json()["units"]]


def test_staff_without_collection_rights_are_refused(client_for: Any) -> None:
    client = client_for("analyst")
    assert client.get("/collect/").status_code == 403
    assert client.get("/collect/units.json").status_code == 403


def test_edit_opens_the_last_version(
    unit: Assignment, stored: Submission, enumerator: str, client_for: Any
) -> None:
    client = client_for(enumerator)
    mine = next(u for u in client.get("/collect/units.json").json()["units"] if u["id"] == unit.pk)
    assert mine["current_submission"]["instance_id"] == stored.instance_id
    assert mine["edit_url"] == f"/collect/edit/{stored.pk}/"
    offline = client.get("/collect/units.json").json()["offline_urls"]
    assert f"/collect/edit/{stored.pk}/instance.xml" in offline
    assert f"/collect/submissions/{stored.pk}/attachments/hukou-1694226001.jpg" in offline
    page = client.get(mine["edit_url"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-edit-of="{stored.instance_id}"' in html
    assert f'data-instance-url="/collect/edit/{stored.pk}/instance.xml"' in html
    assert "hukou-1694226001.jpg" in html  # attachments the edit carries over
    xml = client.get(f"/collect/edit/{stored.pk}/instance.xml")
    assert xml.status_code == 200
    assert xml.content.decode() == stored.xml

    # After a newer version arrives, the old one's edit page leads to the newest.
    client.logout()
    response = CollectClient(client, enumerator, DEMO_PASSWORD).post(
        "/submission", (DATA / "household-edit.multipart").read_bytes()
    )
    assert response.status_code == 201
    newest = Submission.objects.get(household__number=HOUSEHOLD, is_current=True)
    client = client_for(enumerator)
    old = client.get(f"/collect/edit/{stored.pk}/")
    assert old.status_code == 302
    assert old["Location"] == f"/collect/edit/{newest.pk}/"


@pytest.fixture
def returned(unit: Assignment, stored: Submission) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def annotate(*, actor: Any, unit_ids: list[int]) -> dict[int, dict[str, Any]]:
        calls.append({"actor": actor.username, "unit_ids": unit_ids})
        return {
            unit.pk: {
                "returned": True,
                "comments": [
                    {
                        "field": "m_name",
                        "member_index": 2,
                        "text": "姓名与户口本不一致",
                        "author": "督导员",
                        "at": "2023-09-10T10:00:00+08:00",
                    }
                ],
                "edit_of": stored.instance_id,
            },
            -1: {"returned": True},  # a unit the page does not show is ignored
        }

    register_worklist_annotator(annotate)
    try:
        yield calls
    finally:
        unregister_worklist_annotator(annotate)


def test_returned_case_comes_first_with_comments_and_opens_as_an_edit(
    unit: Assignment, stored: Submission, enumerator: str, client_for: Any, returned: Any
) -> None:
    client = client_for(enumerator)
    body = client.get("/collect/units.json").json()
    first = body["units"][0]
    assert first["id"] == unit.pk
    assert first["returned"] is True
    assert first["comments"][0]["text"] == "姓名与户口本不一致"
    assert first["edit_of"] == stored.instance_id
    assert first["edit_url"] == f"/collect/edit/{stored.pk}/"
    assert sum(1 for u in body["units"] if u["returned"]) == 1
    assert returned[0]["actor"] == enumerator
    assert unit.pk in returned[0]["unit_ids"]

    html = client.get("/collect/").content.decode()
    first_row = html.index("<tr class=", html.index("<tbody>"))
    assert f'data-unit="{unit.pk}" data-returned="true"' in html[first_row : first_row + 200]
    assert "姓名与户口本不一致" in html
    assert "修改退回问卷" in html
    assert f'href="/collect/edit/{stored.pk}/"' in html


def test_session_submission_needs_the_csrf_token_and_is_recorded_as_browser(
    unit: Assignment, enumerator: str
) -> None:
    from povcensus.accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username=enumerator))
    client.get("/collect/")
    token = client.cookies["csrftoken"].value
    xml = (DATA / "household-first.xml").read_bytes()

    def post(**headers: str) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(
            "/submission",
            {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")},
            headers={"X-Povcensus-Client": "browser", **headers},
        )

    assert post().status_code == 403
    assert not Submission.objects.filter(household__number=HOUSEHOLD).exists()
    first = post(**{"X-CSRFToken": token})
    assert first.status_code == 201
    again = post(**{"X-CSRFToken": token})  # a resend after a lost reply
    assert again.status_code == 201
    assert "无需重复提交" in again.content.decode()
    stored = Submission.objects.get(household__number=HOUSEHOLD)
    assert stored.source == SubmissionSource.BROWSER
    assert Submission.objects.filter(household__number=HOUSEHOLD).count() == 1


def test_service_worker_and_home_card(enumerator: str, client_for: Any) -> None:
    client = client_for(enumerator)
    worker = client.get("/collect/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    source = worker.content.decode()
    assert "/static/questionnaires/webforms/collect.js" in source
    assert "povcensus-collect-" in source
    home = client.get("/").content.decode()
    assert 'href="/collect/"' in home
    assert "个调查单位待填报" in home


def test_village_unit_opens_the_village_form_prefilled_with_the_village(
    world: Any, client_for: Any
) -> None:
    village = Assignment.objects.select_related("team", "village").filter(kind="village").first()
    assert village is not None
    client = client_for(village.team.members.get(slot=1).user.username)
    units = client.get("/collect/units.json").json()["units"]
    listed = next(u for u in units if u["id"] == village.pk)
    assert listed["kind"] == "village"
    assert listed["form"]["form_id"] == "village"
    assert listed["household_number"] is None
    html = client.get(listed["open_url"]).content.decode()
    assert 'data-prefill-field="village_code"' in html
    assert f'data-prefill-value="{village.village_id}"' in html


def test_interface_in_english(unit: Assignment, enumerator: str, client_for: Any) -> None:
    client = client_for(enumerator)
    html = client.get("/collect/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Outbox" in html
    assert "Fill in" in html
    assert '"waiting": "Waiting"' in html  # the script's texts
    form = client.get(f"/collect/unit/{unit.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-language="en"' in form
