"""Reads of the register: every read of personal data goes through here.

``household_list`` and ``access_household`` apply the actor's area scope for
``register.view``; an out-of-scope household is "not found", exactly like a missing one.
Enumerators reach households through their team's assignments (assignment selectors),
not through this area scope.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.register.models import Household


def household_list(
    *, actor: Any, campaign_id: int, area_code: str | None = None, search: str | None = None
) -> QuerySet[Household]:
    scope = scope_of(actor)
    qs = Household.objects.filter(
        scope.q(Perm.REGISTER_VIEW, "village_id"), campaign_id=campaign_id
    )
    if area_code:
        from povcensus.geography.selectors import within_area_q

        qs = qs.filter(within_area_q("village_id", area_code))
    if search:
        qs = qs.filter(
            Q(number__startswith=search) | Q(head_name__contains=search) | Q(head_id_number=search)
        )
    return qs.select_related("village").order_by("village_id", "number")


def access_household(*, actor: Any, household_id: int) -> Household:
    """Return the household if ``actor`` may read its personal data, else not-found."""
    scope = scope_of(actor)
    household = (
        Household.objects.filter(scope.q(Perm.REGISTER_VIEW, "village_id"), pk=household_id)
        .select_related("village", "campaign")
        .first()
    )
    if household is None:
        raise ApplicationError(NOT_FOUND)
    return household


def household_members(*, household: Household) -> QuerySet[Any]:
    """Members of a household already obtained through :func:`access_household`."""
    return household.members.order_by("seq")


IMPORT_JOB_KIND = "register.import"


def import_job_list(*, actor: Any, limit: int = 20) -> list[Any]:
    """Recent register import jobs the actor started or may import in."""
    from povcensus.core.models import Job

    scope = scope_of(actor)
    if not scope.has_perm(Perm.REGISTER_IMPORT):
        return []
    jobs = Job.objects.filter(kind=IMPORT_JOB_KIND).select_related("created_by")[: limit * 5]
    return [
        job
        for job in jobs
        if job.created_by_id == actor.pk
        or (job.area_code and scope.allows(Perm.REGISTER_IMPORT, job.area_code))
    ][:limit]


def access_import_job(*, actor: Any, job_id: Any) -> Any:
    """A register import job (its report names people): its starter, or an importer of its area."""
    from povcensus.core.models import Job

    scope = scope_of(actor)
    job = Job.objects.filter(pk=job_id, kind=IMPORT_JOB_KIND).select_related("created_by").first()
    if job is None or not (
        job.created_by_id == actor.pk
        or (job.area_code and scope.allows(Perm.REGISTER_IMPORT, job.area_code))
    ):
        raise ApplicationError(NOT_FOUND)
    return job
