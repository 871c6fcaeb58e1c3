"""The register import through the interfaces people use: the web upload with its background
job and report, the command line, and the household pages."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from povcensus.audit.models import AuditEvent
from povcensus.core.idnumbers import (
    birth_date,
    checksum_ok,
    is_disability_number,
    make_id,
    repair_id,
)
from povcensus.core.models import Job, JobStatus
from povcensus.register.mapping import load_mapping
from povcensus.register.models import Household
from povcensus.register.parsing import CheckContext, check_batch

DATA = Path(__file__).resolve().parent / "data"


def _upload(client: Any, name: str) -> Any:
    with (DATA / name).open("rb") as handle:
        return client.post(reverse("register:import"), {"file": handle})


@pytest.mark.django_db
def test_web_upload_checks_in_the_background_then_commits(
    client_for: Any, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = client_for("jinshan_office")
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(office, "register_problems.csv")
    assert response.status_code == 302
    job = Job.objects.get(kind="register.import")
    assert job.status == JobStatus.SUCCEEDED
    page = office.get(response.url).content.decode()
    assert "register.id_scientific" in page
    assert "仅导入无误的户" in page
    assert not Household.objects.filter(number="4312021102019107").exists()

    before = AuditEvent.objects.filter(action="register.personal_data.exported").count()
    report = office.get(reverse("register:import_report", args=[job.pk]))
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)))["名册及错误说明"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "行号"
    assert rows[0][-2:] == ("错误说明", "提示")
    assert len(rows) == 1 + 21  # every input row, with the error column
    assert any("register.id_scientific" in (row[-2] or "") for row in rows[1:])
    assert AuditEvent.objects.filter(action="register.personal_data.exported").count() == before + 1

    with django_capture_on_commit_callbacks(execute=True):
        committed = office.post(
            reverse("register:import_commit", args=[job.pk]), {"valid_only": "1"}
        )
    commit_job = Job.objects.exclude(pk=job.pk).get(kind="register.import")
    assert committed.url == reverse("register:import_job", args=[commit_job.pk])
    assert commit_job.status == JobStatus.SUCCEEDED
    assert commit_job.result["committed"] is True
    assert Household.objects.filter(number="4312021102019107").exists()
    assert "已导入" in office.get(committed.url).content.decode()


@pytest.mark.django_db
def test_commit_of_a_file_with_errors_fails_the_job_and_writes_nothing(
    client_for: Any, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    office = client_for("jinshan_office")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(office, "register_problems.csv")
    job = Job.objects.get(kind="register.import")
    households = Household.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        office.post(reverse("register:import_commit", args=[job.pk]))
    failed = Job.objects.exclude(pk=job.pk).get(kind="register.import")
    assert failed.status == JobStatus.FAILED
    assert failed.error["code"] == "register.rows_invalid"
    assert Household.objects.count() == households


@pytest.mark.django_db
def test_import_pages_are_for_importers_only(client_for: Any, world: Any) -> None:
    cadre = client_for("cun01")
    assert cadre.get(reverse("register:import")).status_code == 403
    office = client_for("jinshan_office")
    page = office.get(reverse("register:import"))
    assert page.status_code == 200
    assert "证件号码" in page.content.decode()  # the mapping table
    assert office.get(reverse("register:mapping")).content.startswith(b"#")
    job = Job.objects.create(
        kind="register.import", created_by=world.user("jinshan_office"), area_code="431202110000"
    )
    cadre = client_for("cun01")  # (the same test client, signed in again)
    assert cadre.get(reverse("register:import_job", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_household_pages_are_scoped(client_for: Any, world: Any) -> None:
    household = Household.objects.filter(village_id="431202110201").first()
    assert household is not None
    cadre = client_for("cun01")
    assert household.head_name in cadre.get(reverse("register:list")).content.decode()
    assert cadre.get(reverse("register:detail", args=[household.pk])).status_code == 200
    assert (
        client_for("cun02").get(reverse("register:detail", args=[household.pk])).status_code == 404
    )
    assert (
        client_for("analyst").get(reverse("register:detail", args=[household.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_command_line_dry_run_with_report_then_import(
    world: Any, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "report.xlsx"
    with pytest.raises(CommandError) as caught:
        call_command(
            "register",
            "import",
            str(DATA / "register_merged_header.xlsx"),
            "--dry-run",
            "--quiet",
            "--report",
            str(out),
        )
    assert caught.value.returncode == 1
    printed = capsys.readouterr().out
    assert "register.id_scientific: 1" in printed
    assert "checked (nothing written)" in printed
    assert load_workbook(out)["名册及错误说明"].max_row == 1 + 8
    call_command(
        "register",
        "import",
        str(DATA / "register_gb18030.csv"),
        "--quiet",
        "--user",
        "jinshan_office",
    )
    assert "imported" in capsys.readouterr().out
    assert Household.objects.filter(number="4312021102029003").exists()
    event = AuditEvent.objects.filter(action="register.import.committed").last()
    assert event is not None
    assert event.actor_username == "jinshan_office"


# --- the vectorised ID checks agree with core.idnumbers ---------------------------------------

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@st.composite
def damaged_ids(draw: Any) -> str:
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2023, 9, 1)))
    value = make_id("431221", born, draw(st.integers(0, 999)))
    damage = draw(
        st.sampled_from(
            ["none", "digit", "fullwidth", "spaces", "lower", "short", "disability", "date"]
        )
    )
    if damage == "digit":
        position = draw(st.integers(0, 17))
        value = (
            value[:position]
            + str((int(value[position]) + 1) % 10 if value[position] != "X" else 1)
            + value[position + 1 :]
        )
    elif damage == "fullwidth":
        value = value.translate(FULLWIDTH)
    elif damage == "spaces":
        value = f"{value[:6]} {value[6:]}"
    elif damage == "lower":
        value = value.lower()
    elif damage == "short":
        value = value[:15]
    elif damage == "disability":
        value = value + draw(st.sampled_from(["11", "42", "1122"]))
    elif damage == "date":
        value = value[:10] + "13" + value[12:]
    return value


@settings(max_examples=25, deadline=None)
@given(st.lists(damaged_ids(), min_size=1, max_size=40))
def test_vectorised_id_checks_agree_with_core_idnumbers(values: list[str]) -> None:
    frame = pl.DataFrame(
        {
            "row_number": list(range(len(values))),
            "number": ["H"] * len(values),
            "village_code": ["431202110201"] * len(values),
            "name": ["张三"] * len(values),
            "relation": ["户主"] * len(values),
            "id_number": values,
        }
    )
    context = CheckContext(
        mapping=load_mapping(),
        reference_date=date(2023, 9, 8),
        known_villages={"431202110201"},
        allowed_villages=None,
    )
    checked = check_batch(frame, context)
    for raw, (id_number, valid) in zip(
        values, checked.select("id_number", "id_valid").iter_rows(), strict=True
    ):
        repaired = repair_id(raw).value
        born = birth_date(repaired)
        expected = bool(
            (
                checksum_ok(repaired)
                or (is_disability_number(repaired) and checksum_ok(repaired[:18]))
            )
            and born is not None
            and date(1900, 1, 1) <= born <= date(2023, 9, 8)
        )
        assert id_number == repaired
        assert bool(valid) == expected, raw
