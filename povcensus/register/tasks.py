"""Background tasks of the register: an import (dry run or commit) as a job with progress."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.tasks import task

from povcensus.accounts.models import User
from povcensus.campaign.models import Campaign
from povcensus.core.jobs import job_execute
from povcensus.core.progress import Progress
from povcensus.register.exports import write_import_report
from povcensus.register.parsing import OpenedFile
from povcensus.register.report import ImportReport
from povcensus.register.services import ImportOptions, mapping_from_text, register_import
from povcensus.register.services.staging import Stage


@contextlib.contextmanager
def stored_file_as_path(name: str) -> Iterator[Path]:
    """A local copy of a stored upload (storage may be S3), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="povcensus-import-") as folder:
        local = Path(folder) / Path(name).name
        with default_storage.open(name, "rb") as source, local.open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        yield local


def run_import_job(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Work function of a register import job (see ``core.jobs``)."""
    actor = User.objects.get(pk=params["actor_id"])
    campaign = Campaign.objects.get(pk=params["campaign_id"])
    report_name = f"register/reports/{params['job_id']}.xlsx"

    def write_report(stage: Stage, report: ImportReport, opened: OpenedFile) -> None:
        with tempfile.TemporaryDirectory(prefix="povcensus-report-") as folder:
            local = Path(folder) / "report.xlsx"
            write_import_report(local, stage=stage, report=report, opened=opened)
            if default_storage.exists(report_name):
                default_storage.delete(report_name)
            with local.open("rb") as handle:
                report.report_file = default_storage.save(report_name, File(handle))

    with stored_file_as_path(params["file"]) as path:
        report = register_import(
            actor=actor,
            campaign=campaign,
            path=path,
            filename=params.get("filename", ""),
            options=ImportOptions(
                dry_run=params.get("dry_run", True), valid_only=params.get("valid_only", False)
            ),
            mapping=mapping_from_text(params.get("mapping")),
            progress=progress,
            write_report=write_report,
        )
    if report.committed:
        default_storage.delete(params["file"])  # the data is in the register now
    return report.as_dict()


@task(queue_name="imports")
def register_import_task(job_id: str) -> dict[str, Any]:
    return job_execute(job_id, run_import_job)
