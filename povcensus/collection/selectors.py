"""Reads for collection: the forms a user may fill, their media, submissions in scope.

An enumerator is offered the live forms of the campaigns their team works on, and the
prefill media hold only the households assigned to their team (or teams, for a
supervisor); office staff get the households of their area.  Nothing else leaves the
server (the register's personal data of other households never reaches a device).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from povcensus.accounts.roles import Perm, Role
from povcensus.accounts.scope import scope_of
from povcensus.assignment.selectors import assigned_households, teams_of
from povcensus.campaign.models import Campaign, CampaignStatus
from povcensus.collection.hooks import device_media
from povcensus.collection.models import Submission
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.geography.selectors import area_villages
from povcensus.questionnaires.models import FormKind, FormVersion, LiveForm, VersionState
from povcensus.questionnaires.prefill import MediaFile
from povcensus.questionnaires.selectors import version_media
from povcensus.register.models import Household

# Which kinds of form each role fills (work plan 四(二), 六(二)).
KINDS_BY_ROLE: dict[Role, frozenset[str]] = {
    Role.ENUMERATOR: frozenset({FormKind.HOUSEHOLD, FormKind.VILLAGE}),
    Role.SUPERVISOR: frozenset({FormKind.HOUSEHOLD, FormKind.VILLAGE}),
    Role.OFFICE: frozenset({FormKind.HOUSEHOLD, FormKind.VILLAGE, FormKind.LISTING}),
    Role.VILLAGE_CADRE: frozenset({FormKind.LISTING}),
}


@dataclass(frozen=True)
class FormEntry:
    version: FormVersion
    campaign: Campaign
    title: str

    @property
    def campaign_name(self) -> str:
        return self.campaign.name


def _campaigns_and_kinds(actor: Any) -> dict[int, set[str]]:
    scope = scope_of(actor)
    wanted: dict[int, set[str]] = {}
    team_kinds = set().union(
        *(KINDS_BY_ROLE[r] for r in (Role.ENUMERATOR, Role.SUPERVISOR) if scope.has_role(r))
    )
    for campaign_id in teams_of(actor=actor).values_list("campaign_id", flat=True):
        wanted.setdefault(campaign_id, set()).update(team_kinds)
    area_kinds = set().union(
        *(KINDS_BY_ROLE[r] for r in (Role.OFFICE, Role.VILLAGE_CADRE) if scope.has_role(r))
    )
    if area_kinds:
        for campaign in Campaign.objects.filter(status=CampaignStatus.ACTIVE).only("pk", "area_id"):
            if scope.overlaps(Perm.AREA_VIEW, campaign.area_id):
                wanted.setdefault(campaign.pk, set()).update(area_kinds)
    return wanted


def forms_for(
    *, actor: Any, form_id: str | None = None, include_older: bool = False
) -> list[FormEntry]:
    """The form versions ``actor`` may fill: live ones, or any published version of a live form.

    ``include_older`` keeps older published versions of a live form downloadable, so a
    device that still holds one can open it (its submissions are accepted too).
    """
    entries: list[FormEntry] = []
    wanted = _campaigns_and_kinds(actor)
    if not wanted:
        return entries
    lives = LiveForm.objects.filter(campaign_id__in=list(wanted)).select_related(
        "campaign", "version", "version__definition"
    )
    for live in lives:
        if live.kind not in wanted[live.campaign_id]:
            continue
        if form_id and live.version.definition.form_id != form_id:
            continue
        versions = [live.version]
        if include_older:
            versions = list(
                FormVersion.objects.filter(
                    definition_id=live.version.definition_id, state=VersionState.PUBLISHED
                ).select_related("definition")
            )
        for version in versions:
            entries.append(
                FormEntry(
                    version=version,
                    campaign=live.campaign,
                    title=version.title or version.definition.title,
                )
            )
    return entries


def households_for_device(*, actor: Any, campaign: Campaign) -> QuerySet[Household]:
    """The households whose register part may go to ``actor``'s device."""
    scope = scope_of(actor)
    if scope.has_role(Role.OFFICE) and scope.has_perm(Perm.SUBMISSION_CREATE):
        return Household.objects.filter(
            scope.q(Perm.SUBMISSION_CREATE, "village_id"), campaign=campaign
        )
    return assigned_households(actor=actor, campaign_id=campaign.pk)


def media_for(*, actor: Any, entry: FormEntry) -> list[MediaFile]:
    households = households_for_device(actor=actor, campaign=entry.campaign)
    villages = None
    if entry.version.definition.kind in (FormKind.VILLAGE, FormKind.LISTING):
        villages = list(area_villages(area_code=entry.campaign.area_id))
    media = version_media(
        version=entry.version, campaign=entry.campaign, households=households, villages=villages
    )
    # Files later apps fill for this user's device (review: returns.csv).
    media.update(device_media(actor=actor, campaign_id=entry.campaign.pk, wanted=set(media)))
    return [media[name] for name in sorted(media)]


def submission_list(
    *, actor: Any, campaign_id: int | None = None, current_only: bool = True
) -> QuerySet[Submission]:
    """Submissions ``actor`` may read: by area (submission.view) or by their teams."""
    scope = scope_of(actor)
    visible = scope.q(Perm.SUBMISSION_VIEW, "area_code")
    team_ids = list(teams_of(actor=actor).values_list("pk", flat=True))
    if team_ids:
        visible |= Q(team_id__in=team_ids)
    if not scope.areas_for(Perm.SUBMISSION_VIEW) and not team_ids:
        return Submission.objects.none()
    qs = Submission.objects.filter(visible)
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.select_related("form_version__definition", "household", "submitted_by")


def access_submission(*, actor: Any, submission_id: int) -> Submission:
    found = submission_list(actor=actor, current_only=False).filter(pk=submission_id).first()
    if found is None:
        raise ApplicationError(NOT_FOUND)
    return found
