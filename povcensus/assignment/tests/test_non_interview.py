"""Non-interview outcomes: recorded by the team's enumerators, with an explanation and
checked evidence photos; nobody else can record them or see the photos."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from povcensus.assignment.models import (
    Assignment,
    NonInterview,
    NonInterviewReason,
    UnitKind,
    UnitStatus,
)
from povcensus.assignment.services import assignment_status_set, non_interview_record
from povcensus.audit.models import AuditEvent
from povcensus.core.errors import ApplicationError
from povcensus.devtools.listing_demo import demo_evidence_png

pytestmark = pytest.mark.django_db
PHOTO = demo_evidence_png("门前照片")
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _unit(team: str = "T01") -> Assignment:
    unit = (
        Assignment.objects.filter(team__code=team, kind=UnitKind.HOUSEHOLD)
        .select_related("household")
        .first()
    )
    assert unit is not None
    return unit


def test_enumerator_records_a_refusal_with_photos(world: Any) -> None:
    unit = _unit()
    record = non_interview_record(
        actor=world.user("dcy02"),
        assignment_id=unit.pk,
        reason=NonInterviewReason.REFUSED,
        explanation="户主明确拒绝接受调查，村干部两次劝说无效。",
        photos=[("door.png", PHOTO), ("visit.jpg", JPEG)],
    )
    unit.refresh_from_db()
    assert unit.status == UnitStatus.NON_INTERVIEW
    assert record.team_id == unit.team_id
    evidence = list(record.evidence.order_by("id"))
    assert [e.content_type for e in evidence] == ["image/png", "image/jpeg"]
    assert evidence[0].sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert evidence[0].file.read() == PHOTO
    event = AuditEvent.objects.filter(action="assignment.non_interview_recorded").last()
    assert event is not None
    assert (event.after or {})["reason"] == "refused"
    assert (event.after or {})["evidence"] == [e.sha256 for e in evidence]
    # Revising keeps the photos and may add more.
    non_interview_record(
        actor=world.user("dcy01"),
        assignment_id=unit.pk,
        reason=NonInterviewReason.NO_FACE_TO_FACE,
        explanation="全家在外地住院，无法面访。",
    )
    record.refresh_from_db()
    assert (record.reason, record.evidence.count()) == ("no_face_to_face", 2)


@pytest.mark.parametrize(
    ("actor", "kwargs", "code"),
    [
        ("dcy03", {}, "core.not_found"),  # another team's enumerator
        ("zdy01", {}, "assignment.not_your_unit"),  # the team's supervisor reviews, not records
        ("jinshan_office", {}, "core.not_found"),
        ("dcy01", {"explanation": "  "}, "assignment.explanation_required"),
        ("dcy01", {"photos": []}, "assignment.evidence_required"),
        ("dcy01", {"photos": [("x.gif", b"GIF89a....")]}, "assignment.evidence_type"),
        ("dcy01", {"photos": [("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024))]},
         "assignment.evidence_size"),
        ("dcy01", {"photos": [(f"{i}.png", PHOTO) for i in range(7)]},
         "assignment.evidence_count"),
        ("dcy01", {"reason": "moved"}, "core.invalid_input"),
    ],
)  # fmt: skip
def test_refusals(world: Any, actor: str, kwargs: dict[str, Any], code: str) -> None:
    unit = _unit()
    arguments = {
        "reason": NonInterviewReason.LOST_CONTACT,
        "explanation": "全家外出，电话停机。",
        "photos": [("a.png", PHOTO)],
        **kwargs,
    }
    with pytest.raises(ApplicationError) as refusal:
        non_interview_record(actor=world.user(actor), assignment_id=unit.pk, **arguments)
    assert refusal.value.code == code
    assert not NonInterview.objects.filter(assignment=unit).exists()


def test_a_submitted_household_cannot_become_a_non_interview(world: Any) -> None:
    unit = _unit()
    assignment_status_set(actor=world.user("dcy01"), assignment_id=unit.pk, status="submitted")
    with pytest.raises(ApplicationError) as refusal:
        non_interview_record(
            actor=world.user("dcy01"),
            assignment_id=unit.pk,
            reason=NonInterviewReason.REFUSED,
            explanation="拒访",
            photos=[("a.png", PHOTO)],
        )
    assert refusal.value.code == "assignment.unit_already_submitted"


def test_village_units_have_no_non_interview(world: Any) -> None:
    unit = Assignment.objects.filter(team__code="T01", kind=UnitKind.VILLAGE).first()
    assert unit is not None
    with pytest.raises(ApplicationError) as refusal:
        non_interview_record(
            actor=world.user("dcy01"),
            assignment_id=unit.pk,
            reason=NonInterviewReason.REFUSED,
            explanation="x",
            photos=[("a.png", PHOTO)],
        )
    assert refusal.value.code == "assignment.not_household_unit"


def test_page_upload_and_photo_access(world: Any, client_for: Any) -> None:
    unit = _unit()
    client = client_for("dcy01")
    form = client.get(f"/assignment/units/{unit.pk}/non-interview/")
    assert form.status_code == 200
    done = client.post(
        f"/assignment/units/{unit.pk}/non-interview/",
        {
            "reason": "dissolved",
            "explanation": "户内唯一成员已于今年去世，户籍已注销。",
            "photos": [SimpleUploadedFile("a.png", PHOTO, content_type="image/png")],
        },
    )
    assert done.status_code == 302
    evidence = NonInterview.objects.get(assignment=unit).evidence.get()
    photo = client.get(f"/assignment/evidence/{evidence.pk}/")
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content) == PHOTO
    assert client_for("dcy03").get(f"/assignment/evidence/{evidence.pk}/").status_code == 404
    assert client_for("zdy01").get(f"/assignment/evidence/{evidence.pk}/").status_code == 200
    bad = client_for("dcy01").post(
        f"/assignment/units/{unit.pk}/non-interview/",
        {
            "reason": "dissolved",
            "explanation": "补充",
            "photos": [SimpleUploadedFile("a.txt", b"hello", content_type="image/png")],
        },
    )
    assert "assignment.evidence_type" in bad.content.decode()
