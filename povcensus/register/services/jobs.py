"""Starting a register import as a background job (the web upload's path)."""

from __future__ import annotations

import uuid
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.campaign.models import Campaign
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.core.jobs import job_create
from povcensus.core.models import Job, JobStatus
from povcensus.geography import codes
from povcensus.register import errors
from povcensus.register.selectors import IMPORT_JOB_KIND
from povcensus.register.services.importing import mapping_from_text


def _job_area(actor: Any, campaign: Campaign) -> str:
    scope = scope_of(actor)
    if scope.allows(Perm.REGISTER_IMPORT, campaign.area_id):
        return campaign.area_id
    for area in scope.areas_for(Perm.REGISTER_IMPORT):
        if area and codes.is_within(area, campaign.area_id):
            return area
    raise ApplicationError(PERMISSION_DENIED)


def _enqueue(job: Job) -> None:
    from povcensus.register.tasks import register_import_task

    transaction.on_commit(lambda: register_import_task.enqueue(job_id=str(job.pk)))


@transaction.atomic
def import_job_start(
    *,
    actor: Any,
    campaign: Campaign,
    filename: str,
    content: IO[bytes],
    valid_only: bool = False,
    mapping_text: str = "",
) -> Job:
    """Store an uploaded register file and queue its dry run (检查) as a background job.

    Needs ``register.import`` in the campaign's area.  The mapping (YAML) is checked now
    so that a broken one is refused at once (``register.mapping_invalid``).
    """
    area = _job_area(actor, campaign)
    mapping_from_text(mapping_text or None)
    safe = "".join(c for c in filename if c.isalnum() or c in "._-")[-80:] or "register"
    stored = default_storage.save(f"register/uploads/{uuid.uuid4().hex}/{safe}", File(content))
    job = job_create(
        actor=actor,
        kind=IMPORT_JOB_KIND,
        area_code=area,
        params={
            "actor_id": actor.pk,
            "campaign_id": campaign.pk,
            "file": stored,
            "filename": filename[:200],
            "dry_run": True,
            "valid_only": valid_only,
            "mapping": mapping_text,
        },
    )
    job.params["job_id"] = str(job.pk)
    job.save(update_fields=["params"])
    _enqueue(job)
    return job


@transaction.atomic
def import_job_commit(*, actor: Any, checked: Job, valid_only: bool) -> Job:
    """Queue the commit of a file whose dry run has finished (same file, same mapping).

    The commit runs every check again: the register may have changed since the dry run.
    Raises ``register.job_not_checked`` unless ``checked`` is a finished dry run.
    """
    if (
        checked.kind != IMPORT_JOB_KIND
        or not checked.params.get("dry_run")
        or checked.status != JobStatus.SUCCEEDED
    ):
        raise ApplicationError(errors.JOB_NOT_DRY_RUN)
    campaign = Campaign.objects.get(pk=checked.params["campaign_id"])
    area = _job_area(actor, campaign)
    params = {
        **checked.params,
        "actor_id": actor.pk,
        "dry_run": False,
        "valid_only": valid_only,
        "checked_job": str(checked.pk),
    }
    job = job_create(actor=actor, kind=IMPORT_JOB_KIND, area_code=area, params=params)
    job.params["job_id"] = str(job.pk)
    job.save(update_fields=["params"])
    _enqueue(job)
    return job
