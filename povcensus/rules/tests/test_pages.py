"""Pages and CLI of the results: whole-census runs, a submission's failures with
explanations, the export, the reports."""

from __future__ import annotations

import io
import math
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from povcensus.audit.models import AuditEvent
from povcensus.collection.models import Submission
from povcensus.core.models import Job, JobStatus
from povcensus.rules.models import RuleBookVersion, SubmissionCheck
from povcensus.rules.reports import bar_chart_svg, enumerator_rates
from povcensus.rules.services import explanation_record, rulebook_create
from povcensus.rules.tests.test_census_run import seed_submissions
from povcensus.rules.tests.test_results import enumerator_of, first, post  # noqa: F401
from povcensus.team.models import TeamMember

pytestmark = pytest.mark.django_db
NUMBER = "4312021102010001"


def test_county_office_runs_the_census_check_from_the_page(
    first: Submission,  # noqa: F811
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("county_office")
    page = client.get("/rules/")
    assert "开始全面审核" in page.content.decode()
    SubmissionCheck.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/rules/run/")
    assert response.status_code == 302
    job = Job.objects.get(kind="rules.census_check")
    assert response["Location"] == f"/rules/runs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED
    assert SubmissionCheck.objects.filter(submission=first).exists()
    shown = client.get(response["Location"]).content.decode()
    assert "已完成" in shown
    assert "未通过的规则" in shown
    poll = client.get(f"/rules/runs/{job.pk}/?poll=1", HTTP_HX_REQUEST="true")
    assert poll.status_code == 204
    assert poll["HX-Refresh"] == "true"
    assert "最近一次" in client.get("/rules/").content.decode()


def test_a_queued_run_polls_its_progress_and_a_second_start_is_refused(
    world: Any, client_for: Any
) -> None:
    client = client_for("county_office")
    client.post("/rules/run/")  # queued: the task runs on commit, which never comes here
    job = Job.objects.get(kind="rules.census_check")
    poll = client.get(f"/rules/runs/{job.pk}/?poll=1", HTTP_HX_REQUEST="true")
    assert poll.status_code == 200
    assert 'hx-trigger="every 1s"' in poll.content.decode()
    again = client.post("/rules/run/")
    assert again["Location"] == f"/rules/runs/{job.pk}/"
    assert Job.objects.filter(kind="rules.census_check").count() == 1
    # Township offices and enumerators see no button and may not start one.
    township = client_for("jinshan_office")
    assert "开始全面审核" not in township.get("/rules/").content.decode()
    assert township.post("/rules/run/").status_code == 403


def test_activating_a_rule_book_checks_the_census_again(
    first: Submission,  # noqa: F811
    world: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from povcensus.rules.builtin import builtin_sources

    version = rulebook_create(
        actor=world.user("county_office"),
        campaign=world.campaign,
        sources=[
            (name, text.replace('version: "2020.1"', 'version: "2020.3"'))
            for name, text in builtin_sources()
        ],
    )
    client = client_for("county_office")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/rules/{version.pk}/activate/")
    assert RuleBookVersion.objects.get(pk=version.pk).is_active
    job = Job.objects.get(kind="rules.census_check")
    assert job.status == JobStatus.SUCCEEDED
    assert SubmissionCheck.objects.filter(submission=first, rulebook=version).exists()


def test_enumerator_explains_a_soft_failure_on_the_page(
    first: Submission,  # noqa: F811
    client_for: Any,
) -> None:
    client = client_for(enumerator_of(NUMBER).username)
    page = client.get(f"/rules/submissions/{first.pk}/").content.decode()
    assert "ID-02" in page
    assert "IN-08" in page
    assert "软性错误待说明 1 处" in page
    assert "须更正，不能以说明代替" in page
    assert "退出标准" in page
    blank = client.post(
        f"/rules/submissions/{first.pk}/explain/",
        {"rule_id": "IN-08", "member_index": "", "text": "  "},
        HTTP_HX_REQUEST="true",
    )
    assert blank.status_code == 400
    assert "rules.explanation_empty" in blank.content.decode()
    saved = client.post(
        f"/rules/submissions/{first.pk}/explain/",
        {"rule_id": "IN-08", "member_index": "", "text": "户主曾患病，已康复，按建档原因填写。"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    fragment = saved.content.decode()
    assert fragment.startswith("<tr")
    assert "户主曾患病，已康复，按建档原因填写。" in fragment
    assert "修改说明" in fragment
    assert "已说明 1 处" in client.get(f"/rules/submissions/{first.pk}/").content.decode()
    assert AuditEvent.objects.filter(action="rules.explanation_recorded").count() == 1


def test_failure_page_is_scoped(first: Submission, client_for: Any) -> None:  # noqa: F811
    outsider = (
        TeamMember.objects.exclude(team_id=first.team_id or 0).order_by("user__username").first()
    )
    assert outsider is not None
    assert (
        client_for(outsider.user.username).get(f"/rules/submissions/{first.pk}/").status_code == 404
    )
    response = client_for(outsider.user.username).post(
        f"/rules/submissions/{first.pk}/explain/",
        {"rule_id": "IN-08", "member_index": "", "text": "x"},
    )
    assert response.status_code == 404
    office = client_for("jinshan_office").get(f"/rules/submissions/{first.pk}/")
    assert office.status_code == 200
    assert "保存说明" in office.content.decode()  # offices over the village may explain too


def test_failures_export_holds_explanations_and_is_audited(
    first: Submission,  # noqa: F811
    client_for: Any,
) -> None:
    explanation_record(
        actor=enumerator_of(NUMBER),
        submission_id=first.pk,
        rule_id="IN-08",
        member_index=None,
        text="核实无误。",
    )
    response = client_for("jinshan_office").get("/rules/failures.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert len(rows) == 4
    in08 = next(r for r in rows if r[7] == "IN-08")
    assert in08[1] == NUMBER
    assert in08[8] == "软性"
    assert in08[11] == "核实无误。"
    event = AuditEvent.objects.get(action="rules.failures_exported")
    assert event.after == {"rows": 4}
    # A supervisor reviews but may not download personal data in bulk.
    supervisor = first.team.supervisor.username if first.team else ""
    assert client_for(supervisor).get("/rules/failures.xlsx").status_code == 403


def test_reports_by_rule_village_team_and_enumerator(
    first: Submission,  # noqa: F811
    client_for: Any,
) -> None:
    from povcensus.rules.census import census_check

    seed_submissions(first, 40)
    census_check(actor=None, campaign=first.campaign)
    client = client_for("county_office")
    page = client.get("/rules/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "ID-02" in html
    assert "431202110201" in html
    assert "二项分布" in html
    download = client.get("/rules/reports.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["按规则", "按村", "按调查小组", "按调查员"]
    by_rule = list(book["按规则"].iter_rows(min_row=2, values_only=True))
    assert sum(int(r[4]) for r in by_rule if r[0] == "ID-02") >= 1
    enumerators = list(book["按调查员"].iter_rows(min_row=2, values_only=True))
    assert sum(int(r[2]) for r in enumerators) == 42  # every checked questionnaire counted once
    # Enumerators see no aggregates.
    assert client_for(enumerator_of(NUMBER).username).get("/rules/reports/").status_code == 403


def test_binomial_z_scores_flag_unusual_enumerators() -> None:
    counts = [("a", 100, 10), ("b", 100, 12), ("c", 100, 11), ("d", 100, 45), ("e", 100, 0)]
    rates = {r.key: r for r in enumerator_rates([*counts, ("f", 5, 5)])}
    # d against the others: p0 = (10+12+11+0+5) / 405, z = (45 − 100·p0) / √(100·p0·(1−p0))
    pool = 38 / 405
    assert rates["d"].pool_rate == pytest.approx(pool)
    assert rates["d"].z == pytest.approx((45 - 100 * pool) / math.sqrt(100 * pool * (1 - pool)))
    assert rates["d"].flag == "many"
    assert rates["e"].flag == "few"
    assert rates["a"].flag == ""
    assert rates["f"].z is None  # too few questionnaires for the approximation
    assert enumerator_rates([("only", 50, 5)])[0].z is None


def test_bar_chart_escapes_labels() -> None:
    svg = bar_chart_svg([("<b>&", 3, 1)], title='a "t"', hard_label="硬性", soft_label="软性")
    assert "<b>" not in svg
    assert "&lt;b&gt;&amp;" in svg
    assert svg.startswith("<svg")


def test_cli_runs_the_census_check_with_a_job_record(
    first: Submission,  # noqa: F811
) -> None:
    SubmissionCheck.objects.all().delete()
    out = io.StringIO()
    call_command("rules", "run", "--quiet", stdout=out)
    assert "checked 1 households and 0 villages" in out.getvalue()
    job = Job.objects.get(kind="rules.census_check")
    assert job.status == JobStatus.SUCCEEDED
    assert SubmissionCheck.objects.filter(submission=first).exists()
