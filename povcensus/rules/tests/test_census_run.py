"""The whole-census job stores exactly what the per-record path stores, and shows progress."""

from __future__ import annotations

from typing import Any

import pytest

from povcensus.audit.models import AuditEvent
from povcensus.collection.models import Submission, SubmissionMember
from povcensus.core.errors import ApplicationError
from povcensus.core.models import Job, JobStatus
from povcensus.devtools.questionnaire_data import census, to_records
from povcensus.questionnaires.models import FormKind
from povcensus.rules.census import census_check, census_check_start
from povcensus.rules.models import RuleFailure, SubmissionCheck
from povcensus.rules.services import submission_check
from povcensus.rules.tests.test_builtin_rules import VILLAGE
from povcensus.rules.tests.test_results import first, post  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def seed_submissions(template: Submission, count: int) -> list[int]:
    """Test set-up: ``count`` generated households (rich in edge cases) and one village,
    stored as current submissions of the campaign beside ``template``."""
    households, members = census(count, seed=5)
    ids = []
    for n, (household, rows) in enumerate(to_records(households, members)):
        clone = Submission.objects.get(pk=template.pk)
        clone.pk = None
        clone.instance_id = clone.root_instance_id = f"uuid:generated-{n}"
        clone.household = None
        clone.data = {k: v for k, v in household.items() if k != "household_id"}
        clone.save()
        SubmissionMember.objects.bulk_create(
            SubmissionMember(submission=clone, index=i, data=row)
            for i, row in enumerate(rows, start=1)
        )
        ids.append(clone.pk)
    village = Submission.objects.get(pk=template.pk)
    village.pk = None
    village.instance_id = village.root_instance_id = "uuid:generated-village"
    village.household = None
    village.kind = FormKind.VILLAGE
    village.data = {**VILLAGE, "v_clinics": "", "v_registered_households": "999"}
    village.save()
    ids.append(village.pk)
    return ids


def snapshot(campaign_id: int) -> tuple[dict[int, Any], set[tuple[Any, ...]]]:
    checks = {
        row["submission_id"]: (row["hard_failures"], row["soft_failures"], row["indicators"])
        for row in SubmissionCheck.objects.filter(campaign_id=campaign_id).values()
    }
    failures = list(
        RuleFailure.objects.filter(campaign_id=campaign_id).values_list(
            "submission_id",
            "rulebook_id",
            "rule_id",
            "severity",
            "level",
            "member_index",
            "message_zh",
            "message_en",
            "fields",
            "area_code",
            "team_id",
            "enumerator_id",
        )
    )
    return checks, {tuple(str(v) if isinstance(v, list) else v for v in f) for f in failures}


def test_census_job_stores_what_the_per_record_path_stores(
    first: Submission,  # noqa: F811
    world: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ids = [first.pk, *seed_submissions(first, 120)]
    for submission_id in ids:
        submission_check(submission_id=submission_id)
    per_record = snapshot(world.campaign.pk)
    assert len(per_record[0]) == 122
    assert any(f[2] == "ID-05" for f in per_record[1])  # census-wide duplicates are in play
    assert any(f[2] == "VL-01" for f in per_record[1])
    # VL-04 compares the village form with its approved roster (figures from the listing)
    vl04 = [f for f in per_record[1] if f[2] == "VL-04"]
    assert len(vl04) == 1
    assert "999" in vl04[0][6]
    assert "调查底册户数（不含户消亡）999" not in vl04[0][6]
    SubmissionCheck.objects.all().delete()
    RuleFailure.objects.all().delete()

    office = world.user("county_office")
    with django_capture_on_commit_callbacks(execute=True):
        job = census_check_start(actor=office, campaign=world.campaign)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["households"] == 121
    assert job.result["villages"] == 1
    assert snapshot(world.campaign.pk) == per_record
    event = AuditEvent.objects.get(action="rules.census_checked")
    assert event.actor_id == office.pk
    assert event.after is not None
    assert event.after["failures"] == len(per_record[1])

    # Running again replaces, never duplicates.
    census_check(actor=None, campaign=world.campaign)
    assert snapshot(world.campaign.pk)[1] == per_record[1]


def test_census_job_needs_rules_manage_and_runs_one_at_a_time(world: Any) -> None:
    for username in ("analyst", "jinshan_office"):  # a township office may not either
        with pytest.raises(ApplicationError) as refused:
            census_check_start(actor=world.user(username), campaign=world.campaign)
        assert refused.value.code == "core.permission_denied"
    office = world.user("county_office")
    census_check_start(actor=office, campaign=world.campaign)  # queued (on commit)
    with pytest.raises(ApplicationError) as busy:
        census_check_start(actor=office, campaign=world.campaign)
    assert busy.value.code == "rules.run_running"
    assert Job.objects.filter(kind="rules.census_check").count() == 1


def test_census_check_of_a_campaign_without_questionnaires(world: Any) -> None:
    result = census_check(actor=None, campaign=world.campaign)
    assert (result["households"], result["villages"], result["checks"]) == (0, 0, 0)
    assert not SubmissionCheck.objects.exists()
