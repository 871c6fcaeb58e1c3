"""A returned case reaches ODK Collect: returns.csv in the household form's manifest."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

import pytest
from lxml import etree

from povcensus.collection.tests.collect_client import CollectClient
from povcensus.devtools.demo import DEMO_PASSWORD
from povcensus.review.services import case_transition
from povcensus.review.tests.conftest import household_numbers, submit_household

pytestmark = pytest.mark.django_db
NS = {"x": "http://openrosa.org/xforms/xformsList"}
MNS = {"m": "http://openrosa.org/xforms/xformsManifest"}


def _returns_csv(collect: CollectClient) -> tuple[str, list[dict[str, str]]]:
    listing = etree.fromstring(collect.get("/formList").content)
    manifest_url = next(
        e.findtext("x:manifestUrl", namespaces=NS)
        for e in listing.findall("x:xform", NS)
        if e.findtext("x:formID", namespaces=NS) == "household"
    )
    manifest = etree.fromstring(collect.get(manifest_url.replace("http://testserver", "")).content)
    media = next(
        f
        for f in manifest.findall("m:mediaFile", MNS)
        if f.findtext("m:filename", namespaces=MNS) == "returns.csv"
    )
    body = collect.get(
        media.findtext("m:downloadUrl", namespaces=MNS).replace("http://testserver", "")
    ).content
    assert media.findtext("m:hash", namespaces=MNS) == "md5:" + hashlib.md5(body).hexdigest()
    return media.findtext("m:hash", namespaces=MNS), list(
        csv.DictReader(io.StringIO(body.decode()))
    )


def test_collect_gets_the_returned_households_comments_with_their_last_answers(
    world: Any, client: Any, rules_pass: None
) -> None:
    done = submit_household(household_numbers()[0])
    collect = CollectClient(client, done.enumerator.username, DEMO_PASSWORD)
    empty_hash, rows = _returns_csv(collect)
    assert rows == []
    case_transition(
        actor=done.assignment.team.supervisor,
        case_id=done.case.pk,
        action="return",
        expected_version=1,
        reason="收入需核实",
        comments=[
            {"field": "h_wage_work", "text": "工资性收入偏高，请核实"},
            {"field": "m_age", "member_index": 3, "text": "年龄与身份证不符"},
        ],
    )
    new_hash, rows = _returns_csv(collect)
    assert new_hash != empty_hash  # Collect downloads the file again
    assert [r["name"] for r in rows] == [done.assignment.household.number]  # type: ignore[union-attr]
    text = rows[0]["comments"]
    assert "退回原因：收入需核实" in text
    assert "h_wage_work（原填：36000）：工资性收入偏高，请核实" in text
    assert "第3位成员 m_age（原填：12）：年龄与身份证不符" in text
    # The other team's device gets no rows.
    other = (
        type(done.assignment)
        .objects.exclude(team=done.assignment.team)
        .select_related("team")
        .filter(kind="household")
        .first()
    )
    assert other is not None
    client.logout()
    outsider = CollectClient(client, other.team.members.get(slot=1).user.username, DEMO_PASSWORD)
    assert _returns_csv(outsider)[1] == []
    # The form shows the comments on the device: it reads them from returns.csv.
    listing = etree.fromstring(collect.get("/formList").content)
    download = next(
        e.findtext("x:downloadUrl", namespaces=NS)
        for e in listing.findall("x:xform", NS)
        if e.findtext("x:formID", namespaces=NS) == "household"
    )
    xform = collect.get(download.replace("http://testserver", "")).content.decode()
    assert "pulldata('returns', 'comments', 'name', " in xform


def test_the_browser_worklist_lists_the_returned_case_first_with_its_comments(
    world: Any, client_for: Any, rules_pass: None
) -> None:
    """Review's own annotator, through the page the enumerator uses (/collect/units.json)."""
    numbers = household_numbers()
    done = submit_household(numbers[-1])  # the team's last household: not first by itself
    client = client_for(done.enumerator.username)
    before = client.get("/collect/units.json").json()["units"]
    assert before[0]["id"] != done.assignment.pk
    assert not any(u["returned"] for u in before)
    case_transition(
        actor=done.assignment.team.supervisor,
        case_id=done.case.pk,
        action="return",
        expected_version=1,
        reason="请核实成员信息",
        comments=[{"field": "m_name", "member_index": 2, "text": "姓名与户口本不一致"}],
    )
    units = client.get("/collect/units.json").json()["units"]
    first = units[0]
    assert first["id"] == done.assignment.pk
    assert first["returned"] is True
    assert [(c["field"], c["member_index"], c["text"]) for c in first["comments"]] == [
        ("m_name", 2, "姓名与户口本不一致")
    ]
    assert first["edit_of"] == done.submission.instance_id
    assert first["edit_url"] == f"/collect/edit/{done.submission.pk}/"
    assert sum(1 for u in units if u["returned"]) == 1
    # Once the edit arrives the case is submitted again and leaves the returned list.
    submit_household(done.assignment.household.number, deprecated_id=done.submission.instance_id)  # type: ignore[union-attr]
    assert not any(u["returned"] for u in client.get("/collect/units.json").json()["units"])
