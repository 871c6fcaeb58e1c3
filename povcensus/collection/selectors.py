"""Reads for collection: the forms a user may fill, their media, submissions in scope.

An enumerator is offered the live forms of the campaigns their team works on, and the
prefill media hold only the households assigned to their team (or teams, for a
supervisor); office staff get the households of their area.  Nothing else leaves the
server (the register's personal data of other households never reaches a device).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from povcensus.accounts.roles import Perm, Role
from povcensus.accounts.scope import scope_of
from povcensus.assignment.models import Assignment, UnitKind
from povcensus.assignment.selectors import assigned_households, teams_of, worklist
from povcensus.campaign.models import Campaign, CampaignStatus
from povcensus.collection.extensions import worklist_annotations
from povcensus.collection.hooks import device_media
from povcensus.collection.models import Submission, SubmissionAttachment
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


# --- browser collection ------------------------------------------------------------------

# Which questionnaire an assigned unit is surveyed with (assignment.UnitKind → FormKind).
FORM_KIND_OF_UNIT: dict[str, str] = {
    UnitKind.HOUSEHOLD: FormKind.HOUSEHOLD,
    UnitKind.VILLAGE: FormKind.VILLAGE,
}


@dataclass
class CollectUnit:
    """One unit of an enumerator's browser worklist."""

    assignment: Assignment
    appointment: Any  # assignment.Appointment | None
    today: bool
    form: FormEntry | None  # the live questionnaire for the unit's kind
    current: Submission | None = None  # the unit's current submission version, if any
    returned: bool = False
    comments: list[dict[str, Any]] = field(default_factory=list)
    edit_of: str = ""  # instanceID of the version to edit (returned cases)
    edit_submission_id: int | None = None

    @property
    def household(self) -> Household | None:
        return self.assignment.household

    @property
    def label(self) -> str:
        household = self.assignment.household
        return household.number if household is not None else self.assignment.village.name

    @property
    def prefill_field(self) -> str:
        return "hh_number" if self.assignment.kind == UnitKind.HOUSEHOLD else "village_code"

    @property
    def prefill_value(self) -> str:
        household = self.assignment.household
        return household.number if household is not None else self.assignment.village_id


@dataclass
class CollectWorklist:
    day: date
    campaign: Campaign | None
    teams: list[Any]
    units: list[CollectUnit]  # returned cases first, then the day's appointments, then the rest


def _live_forms_by_kind(actor: Any, campaign_id: int) -> dict[str, FormEntry]:
    return {
        entry.version.definition.kind: entry
        for entry in forms_for(actor=actor)
        if entry.campaign.pk == campaign_id
    }


def _current_submissions(units: list[Assignment], campaign_id: int) -> dict[int, Submission]:
    """The current submission version of each unit, in two queries.

    Household units are matched by household, village units by village.
    """
    household_ids = [u.household_id for u in units if u.household_id is not None]
    village_codes = [u.village_id for u in units if u.kind == UnitKind.VILLAGE]
    by_household: dict[int, Submission] = {}
    by_village: dict[str, Submission] = {}
    current = Submission.objects.filter(campaign_id=campaign_id, is_current=True).only(
        "pk", "instance_id", "household_id", "area_code", "kind", "received_at", "version_number"
    )
    if household_ids:
        for sub in current.filter(household_id__in=household_ids).order_by("received_at"):
            by_household[sub.household_id] = sub  # type: ignore[index]
    if village_codes:
        for sub in current.filter(
            kind=FormKind.VILLAGE, household__isnull=True, area_code__in=village_codes
        ).order_by("received_at"):
            by_village[sub.area_code] = sub
    found: dict[int, Submission] = {}
    for unit in units:
        latest = (
            by_household.get(unit.household_id)
            if unit.household_id is not None
            else by_village.get(unit.village_id)
        )
        if latest is not None:
            found[unit.pk] = latest
    return found


def collect_worklist(*, actor: Any, day: date, campaign: Campaign | None) -> CollectWorklist:
    """The units of ``actor``'s team(s) for browser collection (only the team's own units).

    Built on ``assignment.selectors.worklist`` (the day's appointments in time order, then
    the rest) with each unit's live questionnaire, its current submission and what the
    registered annotators add (returned cases first, with their comments).
    """
    if campaign is None:
        return CollectWorklist(day=day, campaign=None, teams=[], units=[])
    work = worklist(actor=actor, day=day, campaign_id=campaign.pk)
    if not work.teams:
        return CollectWorklist(day=day, campaign=campaign, teams=[], units=[])
    forms = _live_forms_by_kind(actor, campaign.pk)
    items = [(item, True) for item in work.today] + [(item, False) for item in work.others]
    assignments = [item.assignment for item, _ in items]
    current = _current_submissions(assignments, campaign.pk)
    units = [
        CollectUnit(
            assignment=item.assignment,
            appointment=item.appointment,
            today=today,
            form=forms.get(FORM_KIND_OF_UNIT.get(item.assignment.kind, "")),
            current=current.get(item.assignment.pk),
        )
        for item, today in items
    ]
    notes = worklist_annotations(actor=actor, unit_ids=[u.assignment.pk for u in units])
    edit_ids = {n["edit_of"] for n in notes.values() if n.get("edit_of")}
    submission_ids = dict(
        submission_list(actor=actor, current_only=False)
        .filter(instance_id__in=edit_ids)
        .values_list("instance_id", "pk")
    )
    for unit in units:
        note = notes.get(unit.assignment.pk)
        if not note:
            continue
        unit.returned = bool(note.get("returned"))
        unit.comments = list(note.get("comments", []))
        unit.edit_of = str(note.get("edit_of") or "")
        unit.edit_submission_id = submission_ids.get(unit.edit_of)
    units.sort(key=lambda u: not u.returned)  # stable: returned cases first, order kept
    return CollectWorklist(day=day, campaign=campaign, teams=work.teams, units=units)


def attachment_names(*, submission_ids: list[int]) -> dict[int, list[str]]:
    """Attachment names per submission (the caller read the submissions through a selector)."""
    names: dict[int, list[str]] = {}
    rows = SubmissionAttachment.objects.filter(submission_id__in=submission_ids).order_by("name")
    for submission_id, name in rows.values_list("submission_id", "name"):
        names.setdefault(submission_id, []).append(name)
    return names


def access_collect_unit(*, actor: Any, assignment_id: int) -> CollectUnit:
    """A unit of one of ``actor``'s teams with its live form; anything else is not found."""
    team_ids = list(teams_of(actor=actor).values_list("pk", flat=True))
    unit = (
        Assignment.objects.filter(pk=assignment_id, team_id__in=team_ids)
        .select_related("household", "village", "team", "campaign", "appointment")
        .first()
    )
    if unit is None:
        raise ApplicationError(NOT_FOUND)
    forms = _live_forms_by_kind(actor, unit.campaign_id)
    return CollectUnit(
        assignment=unit,
        appointment=getattr(unit, "appointment", None),
        today=False,
        form=forms.get(FORM_KIND_OF_UNIT.get(unit.kind, "")),
        current=_current_submissions([unit], unit.campaign_id).get(unit.pk),
    )


def access_collect_unit_of(*, actor: Any, submission: Submission) -> CollectUnit:
    """The unit a submission is about, if it is one of ``actor``'s teams' units."""
    units = Assignment.objects.filter(campaign_id=submission.campaign_id)
    if submission.household_id is not None:
        units = units.filter(household_id=submission.household_id)
    else:
        units = units.filter(village_id=submission.area_code, kind=UnitKind.VILLAGE)
    unit_id = units.values_list("pk", flat=True).first()
    if unit_id is None:
        raise ApplicationError(NOT_FOUND)
    return access_collect_unit(actor=actor, assignment_id=unit_id)


def access_editable_submission(*, actor: Any, submission_id: int) -> Submission:
    """A submission version of one of ``actor``'s teams, to open as an edit.

    Out of scope or of another team: not found.  An older version of the chain is
    answered with the chain's current version (an edit always replaces the newest one).
    """
    team_ids = list(teams_of(actor=actor).values_list("pk", flat=True))
    found = access_submission(actor=actor, submission_id=submission_id)
    if found.team_id not in team_ids:
        raise ApplicationError(NOT_FOUND)
    if not found.is_current:
        newest = Submission.objects.filter(
            root_instance_id=found.root_instance_id, is_current=True
        ).first()
        if newest is None:
            raise ApplicationError(NOT_FOUND)
        return access_editable_submission(actor=actor, submission_id=newest.pk)
    return found
