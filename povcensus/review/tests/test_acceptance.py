"""Area acceptance: a township, then its county, accepted once everything below is done."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from povcensus.assignment.models import Assignment
from povcensus.audit.models import AuditEvent
from povcensus.geography import codes
from povcensus.listing.models import ListingState, VillageListing
from povcensus.review.models import AreaAcceptance, Case
from povcensus.review.tests.conftest import household_numbers
from povcensus.review.tests.pages import submit_clean

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(world: Any) -> str:
    return world.campaign.area_id


def everything_reviewed_to(world: Any, state: str) -> int:
    """Bring every unit of the campaign to ``state`` (cases for the units that have none).

    Test set-up only: the chain itself is tested through the pages and the service.
    """
    now = timezone.now()
    missing = Assignment.objects.filter(campaign=world.campaign, case__isnull=True)
    Case.objects.bulk_create(
        Case(
            assignment=unit,
            campaign=world.campaign,
            kind=unit.kind,
            area_code=unit.village_id,
            township_code=unit.township_code,
            team_id=unit.team_id,
            state=state,
            waiting_since=now,
            created_at=now,
            updated_at=now,
        )
        for unit in missing
    )
    Case.objects.filter(campaign=world.campaign).update(state=state)
    office = world.user("jinshan_office")
    VillageListing.objects.filter(campaign=world.campaign).exclude(
        state=ListingState.APPROVED
    ).update(
        state=ListingState.APPROVED,
        village_signed_by=office,
        village_signed_at=now,
        township_signed_by=office,
        township_signed_at=now,
    )
    return Case.objects.filter(campaign=world.campaign).count()


def test_township_not_ready_shows_what_is_open_and_refuses(
    world: Any, town: str, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """With one case submitted and the rest not collected, acceptance is refused with counts."""
    with django_capture_on_commit_callbacks(execute=True):
        submit_clean(household_numbers()[0])
    client = client_for("jinshan_office")
    areas = client.get("/review/areas/").content.decode()
    assert f'data-area="{town}"' in areas
    page = client.get(f"/review/areas/{town}/").content.decode()
    assert "尚未报送" in page
    assert "案卷未达本级" in page
    assert 'id="accept-area"' not in page
    refused = client.post(f"/review/areas/{town}/accept/")
    assert refused.status_code == 409
    assert b"review.area_not_ready" in refused.content
    assert not AreaAcceptance.objects.exists()


def test_township_then_county_accepted_with_report(world: Any, town: str, client_for: Any) -> None:
    """Township accepted when all is checked; the county after its townships; reports list who."""
    total = everything_reviewed_to(world, "township_checked")
    office = client_for("jinshan_office")
    page = office.get(f"/review/areas/{town}/").content.decode()
    assert 'id="accept-area"' in page
    assert office.post(f"/review/areas/{town}/accept/").status_code == 302
    accepted = AreaAcceptance.objects.get(area_id=town)
    assert accepted.level == "township"
    assert accepted.accepted_by == world.user("jinshan_office")
    assert accepted.summary["total_cases"] == total
    assert AuditEvent.objects.filter(action="review.area_accepted", object_id=str(accepted.pk))
    again = office.post(f"/review/areas/{town}/accept/")
    assert again.status_code == 409
    assert b"review.area_already_accepted" in again.content

    workbook = office.get(f"/review/areas/{town}/report.xlsx")
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content))
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert summary["案卷总数"] == total
    assert summary["乡镇已审核"] == total
    assert summary["未结事项"] == 0
    signer = next(book["验收记录"].iter_rows(min_row=2, values_only=True))
    assert signer[2] == accepted.accepted_name
    pdf = office.get(f"/review/areas/{town}/report.pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="review.acceptance_report_exported").count() == 2

    county = codes.county_of(town)
    reviewer = client_for("county_reviewer")
    not_yet = reviewer.post(f"/review/areas/{county}/accept/")
    assert not_yet.status_code == 409  # cases are township-checked, not county-accepted
    everything_reviewed_to(world, "county_accepted")
    assert reviewer.post(f"/review/areas/{county}/accept/").status_code == 302
    assert AreaAcceptance.objects.get(area_id=county).level == "county"
    report = load_workbook(io.BytesIO(reviewer.get(f"/review/areas/{county}/report.xlsx").content))
    areas = [r[0] for r in report["验收记录"].iter_rows(min_row=2, values_only=True)]
    assert len(areas) == 2  # the county, then its township
    assert town in areas[1]


def test_county_waits_for_its_townships(world: Any, town: str, client_for: Any) -> None:
    """All cases county-accepted but the township not accepted: the county is not ready."""
    everything_reviewed_to(world, "county_accepted")
    county = codes.county_of(town)
    reviewer = client_for("county_reviewer")
    html = reviewer.get(f"/review/areas/{county}/").content.decode()
    assert "乡镇未验收" in html
    assert reviewer.post(f"/review/areas/{county}/accept/").status_code == 409


def test_acceptance_is_scoped_and_permission_checked(
    world: Any, town: str, client_for: Any
) -> None:
    """Out of the actor's level or area is not found; a village is no acceptance area."""
    everything_reviewed_to(world, "township_checked")
    county = codes.county_of(town)
    office = client_for("jinshan_office")
    assert office.get(f"/review/areas/{county}/").status_code == 404  # no county grant
    assert office.get(f"/review/areas/{county}/report.pdf").status_code == 404
    supervisor = client_for("zdy01")
    assert supervisor.get(f"/review/areas/{town}/").status_code == 404
    assert supervisor.post(f"/review/areas/{town}/accept/").status_code == 404
    assert not AreaAcceptance.objects.exists()
    unit = Assignment.objects.filter(campaign=world.campaign).first()
    assert unit is not None
    refused = office.get(f"/review/areas/{unit.village_id}/")
    assert refused.status_code == 400
    assert b"review.area_level" in refused.content
