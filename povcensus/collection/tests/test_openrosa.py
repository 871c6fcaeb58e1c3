"""OpenRosa as ODK Collect speaks it: real multipart payloads from tests/data, each answered
with the right status and message, and nothing half-stored."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from lxml import etree

from povcensus.assignment.models import Assignment, UnitStatus
from povcensus.audit.models import AuditEvent
from povcensus.collection.models import Submission, SubmissionAttachment, SubmissionMember
from povcensus.collection.tests.collect_client import DEVICE_ID, CollectClient
from povcensus.devtools.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
FIRST_ID = "uuid:5b1e5c4e-2f0a-4f6e-9c4b-1a2b3c4d5e6f"
EDIT_ID = "uuid:8c9d0e1f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"


def payload(name: str) -> bytes:
    return (DATA / name).read_bytes()


def enumerator_of(number: str) -> str:
    assignment = Assignment.objects.select_related("team").get(household__number=number)
    return assignment.team.members.get(slot=1).user.username


@pytest.fixture
def collect(world: Any, client: Any) -> CollectClient:
    return CollectClient(client, enumerator_of("4312021102010001"), DEMO_PASSWORD)


def counts() -> tuple[int, int, int, int]:
    return (
        Submission.objects.count(),
        SubmissionMember.objects.count(),
        SubmissionAttachment.objects.count(),
        AuditEvent.objects.count(),
    )


def message(response: Any) -> str:
    root = etree.fromstring(response.content)
    return root.findtext("{http://openrosa.org/http/response}message") or ""


def test_form_list_needs_digest_and_speaks_openrosa(world: Any, client: Any) -> None:
    anonymous = client.get("/formList", HTTP_X_OPENROSA_VERSION="1.0")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith('Digest realm="povcensus", qop="auth"')
    collect = CollectClient(client, enumerator_of("4312021102010001"), DEMO_PASSWORD)
    response = collect.get("/formList")
    assert response.status_code == 200
    assert "text/xml" in response["Content-Type"]
    assert response["X-OpenRosa-Version"] == "1.0"
    root = etree.fromstring(response.content)
    ns = {"x": "http://openrosa.org/xforms/xformsList"}
    forms = {e.findtext("x:formID", namespaces=ns): e for e in root.findall("x:xform", ns)}
    assert set(forms) == {"household", "village"}  # enumerators fill these two
    household = forms["household"]
    download = collect.get(
        household.findtext("x:downloadUrl", namespaces=ns).replace("http://testserver", "")
    )
    assert download.status_code == 200
    assert (
        household.findtext("x:hash", namespaces=ns)
        == "md5:" + hashlib.md5(download.content).hexdigest()
    )


def test_wrong_password_is_refused_without_a_new_prompt_loop(world: Any, client: Any) -> None:
    collect = CollectClient(client, enumerator_of("4312021102010001"), "not-the-password")
    assert collect.get("/formList").status_code == 401
    assert collect.challenges == 1


def test_manifest_media_hold_only_the_teams_households(collect: CollectClient) -> None:
    listing = etree.fromstring(collect.get("/formList").content)
    ns = {"x": "http://openrosa.org/xforms/xformsList"}
    manifest_url: str = next(
        e.findtext("x:manifestUrl", namespaces=ns)
        for e in listing.findall("x:xform", ns)
        if e.findtext("x:formID", namespaces=ns) == "household"
    )
    manifest = collect.get(manifest_url.replace("http://testserver", ""))
    assert manifest.status_code == 200
    assert "text/xml" in manifest["Content-Type"]
    mns = {"m": "http://openrosa.org/xforms/xformsManifest"}
    files = etree.fromstring(manifest.content).findall("m:mediaFile", mns)
    names = {f.findtext("m:filename", namespaces=mns) for f in files}
    assert {"households.csv", "members.csv", "campaign.csv"} <= names
    team = Assignment.objects.get(household__number="4312021102010001").team
    expected = set(
        Assignment.objects.filter(team=team, kind="household").values_list(
            "household__number", flat=True
        )
    )
    for media in files:
        body = collect.get(
            media.findtext("m:downloadUrl", namespaces=mns).replace("http://testserver", "")
        )
        assert (
            media.findtext("m:hash", namespaces=mns)
            == "md5:" + hashlib.md5(body.content).hexdigest()
        )
        if media.findtext("m:filename", namespaces=mns) == "households.csv":
            numbers = {line.split(",")[0] for line in body.content.decode().splitlines()[1:]}
            assert numbers == expected


def test_head_probe_answers_204_with_accepted_length(collect: CollectClient) -> None:
    response = collect.head("/submission")
    assert response.status_code == 204
    assert int(response["X-OpenRosa-Accept-Content-Length"]) >= 10_000_000
    assert response["X-OpenRosa-Version"] == "1.0"


def test_submission_is_stored_whole_with_device_and_unit_progress(collect: CollectClient) -> None:
    response = collect.post("/submission", payload("household-first.multipart"))
    assert response.status_code == 201, response.content
    assert "成功" in message(response)
    submission = Submission.objects.get(instance_id=FIRST_ID)
    assert submission.device_id == DEVICE_ID
    assert submission.is_current
    assert submission.data["hh_number"] == "4312021102010001"
    assert submission.data["h_per_capita"] == "13100.00"
    assert [m.data["m_name"] for m in submission.members.order_by("index")] == [
        "张建国",
        "李秀英",
        "张小明",
    ]
    assert submission.members.get(index=3).data["m_in_school"] == "1"  # nested group flattened
    # The database keeps each member's ID number in its own indexed column.
    assert list(submission.members.order_by("index").values_list("id_number", flat=True)) == [
        "431202197503120019",
        "431202197708230027",
        "431202201105150011",
    ]
    assert sorted(submission.attachments.values_list("name", flat=True)) == [
        "hukou-1694226001.jpg",
        "signature-1694226011.png",
    ]
    assert submission.attachments_complete
    assert (
        Assignment.objects.get(household__number="4312021102010001").status == UnitStatus.SUBMITTED
    )
    event = AuditEvent.objects.get(action="collection.submission_received", object_id=FIRST_ID)
    assert event.area_code == "431202110201"
    assert event.after is not None
    assert event.after["device_id"] == DEVICE_ID


def test_the_member_id_number_column_follows_the_member_data(collect: CollectClient) -> None:
    assert collect.post("/submission", payload("household-first.multipart")).status_code == 201
    submission = Submission.objects.get(instance_id=FIRST_ID)
    rows = [
        SubmissionMember.objects.create(submission=submission, index=90 + i, data=data)
        for i, data in enumerate(
            [{"m_id_number": "43120219750312001X"}, {"m_id_number": ""}, {"m_name": "张三"}]
        )
    ]
    stored = SubmissionMember.objects.filter(pk__in=[r.pk for r in rows]).order_by("index")
    assert list(stored.values_list("id_number", flat=True)) == ["43120219750312001X", "", None]
    rows[1].data = {"m_id_number": "431202197708230027"}
    rows[1].save()
    assert SubmissionMember.objects.get(pk=rows[1].pk).id_number == "431202197708230027"


def test_split_upload_merges_attachments_into_one_submission(collect: CollectClient) -> None:
    first = collect.post("/submission", payload("household-first-part1.multipart"))
    assert first.status_code == 201
    assert not Submission.objects.get(instance_id=FIRST_ID).attachments_complete
    second = collect.post("/submission", payload("household-first-part2.multipart"))
    assert second.status_code == 201
    assert Submission.objects.filter(instance_id=FIRST_ID).count() == 1
    submission = Submission.objects.get(instance_id=FIRST_ID)
    assert submission.attachments.count() == 2
    assert submission.attachments_complete


def test_identical_resend_is_success_without_a_second_record(collect: CollectClient) -> None:
    assert collect.post("/submission", payload("household-first.multipart")).status_code == 201
    before = counts()
    again = collect.post("/submission", payload("household-first.multipart"))
    assert again.status_code == 201
    assert "无需重复提交" in message(again)
    assert counts() == before


def test_resend_after_the_household_moved_to_another_team_is_still_a_duplicate(
    collect: CollectClient, world: Any
) -> None:
    # The enumerator's phone resends what was stored before the household was moved: the
    # answer stays "already received", not "not assigned to you".
    from django.db import transaction

    from povcensus.assignment.services import assignment_reassign
    from povcensus.core.errors import ApplicationError
    from povcensus.team.models import Team

    assert collect.post("/submission", payload("household-first.multipart")).status_code == 201
    unit = Assignment.objects.get(household__number="4312021102010001")
    for team in Team.objects.filter(campaign=world.campaign).exclude(pk=unit.team_id):
        try:
            with transaction.atomic():
                assignment_reassign(
                    actor=world.user("jinshan_office"),
                    assignment_id=unit.pk,
                    team_id=team.pk,
                    reason="调查员调整",
                )
            break
        except ApplicationError:
            continue
    else:
        pytest.fail("no team may take the household")
    before = counts()
    again = collect.post("/submission", payload("household-first.multipart"))
    assert again.status_code == 201
    assert "无需重复提交" in message(again)
    assert counts() == before
    # A new instance for the moved household is refused.
    other = payload("household-first.multipart").replace(FIRST_ID.encode(), EDIT_ID.encode())
    refused = collect.post("/submission", other)
    assert refused.status_code == 403
    assert counts() == before


def test_with_the_database_task_backend_the_rule_check_is_queued_and_run_by_the_worker(
    collect: CollectClient, monkeypatch: Any
) -> None:
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from povcensus.rules.models import SubmissionCheck

    tasks = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=tasks):
        assert collect.post("/submission", payload("household-first.multipart")).status_code == 201
        submission = Submission.objects.get(instance_id=FIRST_ID)
        (row,) = DBTaskResult.objects.all()
        assert (row.task_path, row.args_kwargs["kwargs"]) == (
            "povcensus.rules.tasks.check_submission",
            {"submission_id": submission.pk},
        )
        assert not SubmissionCheck.objects.exists()
        # The worker recycles connections between tasks; the test's transaction must stay.
        monkeypatch.setattr(
            "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
        )
        call_command("db_worker", "--batch", "--queue-name", "*", verbosity=0)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL", row.traceback
    assert SubmissionCheck.objects.filter(submission=submission).count() == 1


def test_conflicting_resend_is_409_and_changes_nothing(collect: CollectClient) -> None:
    assert collect.post("/submission", payload("household-first.multipart")).status_code == 201
    before = counts()
    conflict = collect.post("/submission", payload("household-conflict.multipart"))
    assert conflict.status_code == 409
    assert "collection.instance_conflict" in message(conflict)
    assert counts() == before
    assert Submission.objects.get(instance_id=FIRST_ID).data["h_wage_work"] == "36000"


def test_edit_with_deprecated_id_keeps_the_version_chain(collect: CollectClient) -> None:
    assert collect.post("/submission", payload("household-first.multipart")).status_code == 201
    edit = collect.post("/submission", payload("household-edit.multipart"))
    assert edit.status_code == 201
    old, new = (
        Submission.objects.get(instance_id=FIRST_ID),
        Submission.objects.get(instance_id=EDIT_ID),
    )
    assert (old.is_current, new.is_current) == (False, True)
    assert new.previous_id == old.pk
    assert new.root_instance_id == FIRST_ID
    assert new.version_number == 2
    assert new.data["h_wage_work"] == "38000"
    # Attachments carry over by name when not re-sent.
    assert sorted(new.attachments.values_list("name", flat=True)) == [
        "hukou-1694226001.jpg",
        "signature-1694226011.png",
    ]
    assert AuditEvent.objects.filter(
        action="collection.submission_edited", object_id=EDIT_ID
    ).exists()
    # Editing the old version again is refused: it is no longer current.
    before = counts()
    again = collect.post(
        "/submission",
        payload("household-edit.multipart").replace(
            EDIT_ID.encode(), b"uuid:99999999-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
        ),
    )
    assert again.status_code == 409
    assert "collection.already_edited" in message(again)
    assert counts() == before


REFUSALS = [
    ("malformed.multipart", 400, "collection.xml_malformed"),
    ("xxe.multipart", 400, "collection.xml_dtd_refused"),
    ("entity-bomb.multipart", 400, "collection.xml_dtd_refused"),
    ("household-unknown-version.multipart", 404, "collection.unknown_form_version"),
    ("household-other-team.multipart", 403, "collection.not_assigned"),
]


@pytest.mark.parametrize(("name", "status", "code"), REFUSALS)
def test_bad_submissions_are_refused_with_status_code_and_message(
    collect: CollectClient, name: str, status: int, code: str
) -> None:
    if name == "household-other-team.multipart":
        mine = Assignment.objects.get(household__number="4312021102010001").team_id
        assert Assignment.objects.get(household__number="4312021102160001").team_id != mine
    before = counts()
    response = collect.post("/submission", payload(name))
    assert response.status_code == status
    assert code in message(response)
    assert response["X-Povcensus-Error-Code"] == code
    assert counts() == before


@override_settings(POVCENSUS_OPENROSA_MAX_ATTACHMENT=50)
def test_oversized_attachment_is_413_and_nothing_is_stored(collect: CollectClient) -> None:
    before = counts()
    response = collect.post("/submission", payload("household-first.multipart"))
    assert response.status_code == 413
    assert "collection.attachment_too_large" in message(response)
    assert counts() == before


def test_message_follows_the_users_language(collect: CollectClient) -> None:
    from povcensus.accounts.models import User

    User.objects.filter(username=enumerator_of("4312021102010001")).update(language="en")
    from povcensus.collection.openrosa.auth import forget_cached_users

    forget_cached_users()
    response = collect.post("/submission", payload("household-unknown-version.multipart"))
    assert re.search(r"no published form", message(response), re.IGNORECASE)


def test_stale_nonce_gets_stale_true_and_a_retry_succeeds(
    collect: CollectClient, monkeypatch: Any
) -> None:
    from povcensus.collection.openrosa import auth

    assert collect.get("/formList").status_code == 200
    monkeypatch.setattr(auth, "NONCE_LIFETIME", -1)
    stale = collect.client.get(
        "/formList",
        HTTP_AUTHORIZATION=collect.auth.build_digest_header("GET", "http://testserver/formList"),
    )
    assert stale.status_code == 401
    assert "stale=true" in stale["WWW-Authenticate"]


def test_basic_auth_is_refused_over_plain_http(world: Any, client: Any) -> None:
    response = client.get("/formList", HTTP_AUTHORIZATION="Basic ZGN5MDE6Smluc2hhbjIwMjM=")
    assert response.status_code == 401
    assert "collection.basic_needs_https" in message(response)


def test_basic_auth_over_https_works(world: Any, client: Any) -> None:
    import base64

    username = enumerator_of("4312021102010001")
    token = base64.b64encode(f"{username}:{DEMO_PASSWORD}".encode()).decode()
    response = client.get("/formList", HTTP_AUTHORIZATION=f"Basic {token}", secure=True)
    assert response.status_code == 200
