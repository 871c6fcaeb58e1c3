"""Area acceptance (审核验收): readiness, the acceptance itself and its report.

A township is accepted when every case of its villages is township-checked or higher, every
unit assigned there has a case (something was submitted), and every village listing is
approved (listing sign-off).  A county is accepted when every case is county-accepted or
higher, every listing approved and every township of the county accepted.  The rule
results are part of the report (pass rates), not a separate condition: a case with an open
hard failure or an unexplained soft one cannot pass a level (``case_transition`` guards it),
so it stays an open item.

Selectors here take ``actor`` and refuse areas where the actor does not hold the level's
permission (``core.not_found``, as for any out-of-scope object); the one write,
:func:`area_accept`, runs in one transaction with its audit record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment.models import Assignment
from povcensus.audit.services import audit_record
from povcensus.campaign.models import Campaign
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area
from povcensus.listing.models import ListingState, VillageListing
from povcensus.review import errors, report
from povcensus.review.models import STATE_LABELS, Case
from povcensus.review.models_acceptance import AcceptanceLevel, AreaAcceptance
from povcensus.review.transitions import ORDER, CaseState

OPEN_ITEMS_SHOWN = 200


@dataclass(frozen=True)
class LevelRule:
    level: AcceptanceLevel
    perm: Perm
    geo_level: codes.Level
    required: CaseState  # every case at this state or higher


RULES = {
    codes.Level.TOWNSHIP: LevelRule(
        AcceptanceLevel.TOWNSHIP,
        Perm.REVIEW_TOWNSHIP,
        codes.Level.TOWNSHIP,
        CaseState.TOWNSHIP_CHECKED,
    ),
    codes.Level.COUNTY: LevelRule(
        AcceptanceLevel.COUNTY, Perm.REVIEW_COUNTY, codes.Level.COUNTY, CaseState.COUNTY_ACCEPTED
    ),
}


@dataclass
class Readiness:
    campaign: Campaign
    area: Area
    rule: LevelRule
    total_cases: int
    state_counts: dict[str, int]
    below: int  # cases not yet at the required state
    uncollected: int  # assigned units with no case yet
    listings_open: int
    townships_open: int  # county only
    open_items: list[report.OpenItem] = field(default_factory=list)
    acceptance: AreaAcceptance | None = None
    may_accept: bool = False

    @property
    def ready(self) -> bool:
        return not (self.below or self.uncollected or self.listings_open or self.townships_open)

    @property
    def open_total(self) -> int:
        return self.below + self.uncollected + self.listings_open + self.townships_open

    @property
    def level_label(self) -> str | Promise:
        return self.rule.level.label

    @property
    def required_label(self) -> Any:
        return STATE_LABELS[self.rule.required]

    def state_rows(self) -> list[tuple[Any, int, str]]:
        return [(STATE_LABELS[s], self.state_counts.get(s.value, 0), s.value) for s in ORDER]


def _rule_for(area_code: str) -> LevelRule:
    try:
        level = codes.level_of(area_code)
    except ValueError:
        raise ApplicationError(NOT_FOUND) from None
    rule = RULES.get(level)
    if rule is None:
        raise ApplicationError(errors.AREA_LEVEL)
    return rule


def _range_q(field_name: str, area_code: str) -> Q:
    low, high = codes.code_range(area_code)
    return Q(**{f"{field_name}__gte": low, f"{field_name}__lte": high})


def _visible_area(actor: Any, campaign: Campaign, area_code: str) -> tuple[Area, LevelRule]:
    rule = _rule_for(area_code)
    scope = scope_of(actor)
    inside_campaign = codes.is_within(area_code, campaign.area_id) or codes.is_within(
        campaign.area_id, area_code
    )
    area = Area.objects.filter(code=area_code).first()
    if area is None or not inside_campaign or not scope.allows(rule.perm, area_code):
        raise ApplicationError(NOT_FOUND)
    return area, rule


def _readiness(
    actor: Any, campaign: Campaign, area: Area, rule: LevelRule, *, items: bool
) -> Readiness:
    cases = Case.objects.filter(_range_q("area_code", area.code), campaign=campaign)
    counts = dict(cases.values_list("state").annotate(n=Count("pk")).order_by())
    lower = [s.value for s in ORDER[: ORDER.index(rule.required)]]
    below = sum(counts.get(s, 0) for s in lower)
    units = Assignment.objects.filter(_range_q("village_id", area.code), campaign=campaign)
    # Every case belongs to one unit of its village, so the units without a case are the
    # difference of two index counts (no anti-join over a province's units).
    uncollected = max(units.count() - sum(counts.values()), 0)
    uncollected_units = units.filter(~Exists(Case.objects.filter(assignment_id=OuterRef("pk"))))
    listings = VillageListing.objects.filter(
        _range_q("village_id", area.code), campaign=campaign
    ).exclude(state=ListingState.APPROVED)
    townships_open = 0
    open_townships: list[Area] = []
    if rule.level == AcceptanceLevel.COUNTY:
        township_codes = set(
            Assignment.objects.filter(_range_q("village_id", area.code), campaign=campaign)
            .values_list("township_code", flat=True)
            .distinct()
        )
        accepted = set(
            AreaAcceptance.objects.filter(
                campaign=campaign, area_id__in=township_codes
            ).values_list("area_id", flat=True)
        )
        open_townships = list(Area.objects.filter(code__in=township_codes - accepted))
        townships_open = len(open_townships)
    result = Readiness(
        campaign=campaign,
        area=area,
        rule=rule,
        total_cases=sum(counts.values()),
        state_counts=counts,
        below=below,
        uncollected=uncollected,
        listings_open=listings.count(),
        townships_open=townships_open,
        acceptance=AreaAcceptance.objects.filter(campaign=campaign, area=area)
        .select_related("accepted_by")
        .first(),
    )
    result.may_accept = result.ready and result.acceptance is None
    if items:
        result.open_items = _open_items(
            cases.filter(state__in=lower) if below else cases.none(),
            uncollected_units if uncollected else units.none(),
            listings,
            open_townships,
        )
    return result


def _open_items(
    cases: Any, units: Any, listings: Any, townships: list[Area]
) -> list[report.OpenItem]:
    names = {}
    found: list[report.OpenItem] = []
    for item in townships:
        found.append(report.OpenItem("乡镇未验收", f"{item.name}（{item.code}）", ""))
    for listing in listings.select_related("village")[:OPEN_ITEMS_SHOWN]:
        found.append(
            report.OpenItem(
                "清查摸底未审核",
                f"{listing.village.name}（{listing.village_id}）",
                str(ListingState(listing.state).label),
            )
        )
    # Ids first (a limited read of one table), then the rows the report shows.
    case_ids = list(cases.order_by("pk").values_list("pk", flat=True)[:OPEN_ITEMS_SHOWN])
    for case in (
        Case.objects.filter(pk__in=case_ids)
        .select_related("assignment__household", "assignment__village")
        .order_by("pk")
    ):
        village = case.assignment.village
        names[village.code] = village.name
        household = case.assignment.household
        label = household.number if household is not None else village.name
        found.append(
            report.OpenItem(
                "案卷未达本级",
                f"{village.name}（{village.code}）",
                f"{label}：{STATE_LABELS[CaseState(case.state)]}",
            )
        )
    unit_ids = list(units.order_by("pk").values_list("pk", flat=True)[:OPEN_ITEMS_SHOWN])
    for assigned in (
        Assignment.objects.filter(pk__in=unit_ids).select_related("household", "village")
    ).order_by("pk"):
        household = assigned.household
        name = household.number if household is not None else assigned.village.name
        found.append(
            report.OpenItem(
                "尚未报送", f"{assigned.village.name}（{assigned.village_id}）", str(name)
            )
        )
    return found[:OPEN_ITEMS_SHOWN]


def area_readiness(*, actor: Any, campaign: Campaign, area_code: str) -> Readiness:
    """Whether the township or county ``area_code`` may be accepted now, and what is open.

    Raises ``core.not_found`` for an area outside the campaign or where ``actor`` lacks the
    level's permission, ``review.area_level`` for an area that is neither a township nor a
    county.
    """
    area, rule = _visible_area(actor, campaign, area_code)
    return _readiness(actor, campaign, area, rule, items=True)


def acceptance_areas(*, actor: Any, campaign: Campaign) -> list[Readiness]:
    """The townships and counties of ``campaign`` that ``actor`` may accept, with their state."""
    scope = scope_of(actor)
    found: list[Readiness] = []
    campaign_level = codes.level_of(campaign.area_id)
    for geo_level in (codes.Level.COUNTY, codes.Level.TOWNSHIP):
        rule = RULES[geo_level]
        if not scope.has_perm(rule.perm):
            continue
        if campaign_level > geo_level:  # the campaign sits below: its own ancestor
            candidates = Area.objects.filter(code=codes.ancestor_code(campaign.area_id, geo_level))
        else:
            candidates = Area.objects.filter(
                _range_q("code", campaign.area_id), level=int(geo_level), is_current=True
            )
        for area in candidates.order_by("code"):
            if scope.allows(rule.perm, area.code):
                found.append(_readiness(actor, campaign, area, rule, items=False))
    return found


def area_accept(*, actor: Any, campaign_id: int, area_code: str) -> AreaAcceptance:
    """Accept the township or county ``area_code`` for the campaign.

    Needs: ``actor`` holds ``review.township`` (township) or ``review.county`` (county) over
    the area; every case there at the level's state or higher; no unit without a case; every
    village listing approved; for a county, every township accepted.  Locks the campaign row
    so two acceptances of one area cannot interleave.  Writes one ``AreaAcceptance`` and the
    audit event ``review.area_accepted``.  Raises ``core.not_found``, ``review.area_level``,
    ``review.area_not_ready`` (with the open counts) and ``review.area_already_accepted``.
    """
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        area, rule = _visible_area(actor, campaign, area_code)
        readiness = _readiness(actor, campaign, area, rule, items=False)
        if readiness.acceptance is not None:
            raise ApplicationError(errors.AREA_ALREADY_ACCEPTED, name=area.name)
        if not readiness.ready:
            raise ApplicationError(
                errors.AREA_NOT_READY,
                below=readiness.below,
                uncollected=readiness.uncollected,
                listings=readiness.listings_open,
                townships=readiness.townships_open,
            )
        summary = {
            "total_cases": readiness.total_cases,
            "states": readiness.state_counts,
        }
        acceptance = AreaAcceptance(
            campaign=campaign,
            area=area,
            level=rule.level,
            accepted_by=actor,
            accepted_name=(getattr(actor, "display_name", "") or actor.get_username())[:50],
            accepted_at=timezone.now(),
            summary=summary,
        )
        acceptance.full_clean()
        acceptance.save()
        audit_record(
            actor=actor,
            action="review.area_accepted",
            object_type="review.areaacceptance",
            object_id=acceptance.pk,
            area_code=area.code,
            after={"campaign": campaign.pk, "area": area.code, "level": rule.level, **summary},
        )
    return acceptance


def _acceptance_row(item: AreaAcceptance) -> report.Acceptance:
    return report.Acceptance(
        area=f"{item.area.name}（{item.area_id}）",
        level=str(AcceptanceLevel(item.level).label),
        accepted_by=item.accepted_name,
        accepted_at=timezone.localtime(item.accepted_at),
    )


def _rule_figures(campaign: Campaign, area_code: str) -> tuple[int, int, list[report.RuleRate]]:
    """(checked cases, cases without open hard failure, pass rate of every failed rule)."""
    from povcensus.rules.models import RuleFailure, SubmissionCheck

    current = Case.objects.filter(
        _range_q("area_code", area_code), campaign=campaign, current_submission__isnull=False
    ).values("current_submission_id")
    checks = SubmissionCheck.objects.filter(submission_id__in=current, rulebook__is_active=True)
    checked = checks.count()
    clean = checks.filter(hard_failures=0).count()
    failures = (
        RuleFailure.objects.filter(submission_id__in=current, rulebook__is_active=True)
        .values("rule_id", "severity")
        .annotate(cases=Count("submission_id", distinct=True))
        .order_by("rule_id")
    )
    messages = dict(
        RuleFailure.objects.filter(submission_id__in=current, rulebook__is_active=True)
        .order_by("rule_id", "pk")
        .values_list("rule_id", "message_zh")
    )
    rates = [
        report.RuleRate(
            rule_id=row["rule_id"],
            severity="强制性" if row["severity"] == "hard" else "核实性",
            message=messages.get(row["rule_id"], ""),
            failed=row["cases"],
            checked=checked,
        )
        for row in failures
    ]
    return checked, clean, rates


def area_report(*, actor: Any, campaign: Campaign, area_code: str, kind: str) -> report.ReportData:
    """The acceptance report's figures for the area (no personal data but household numbers).

    Same scope as :func:`area_readiness`.  The download is audited
    (``review.acceptance_report_exported``), in its own transaction.
    """
    readiness = area_readiness(actor=actor, campaign=campaign, area_code=area_code)
    checked, clean, rates = _rule_figures(campaign, area_code)
    area = readiness.area
    below = AreaAcceptance.objects.filter(
        _range_q("area_id", area.code), campaign=campaign
    ).exclude(area=area)
    acceptances = [_acceptance_row(a) for a in below.select_related("area").order_by("area_id")]
    accepted = _acceptance_row(readiness.acceptance) if readiness.acceptance else None
    data = report.ReportData(
        campaign=campaign.name,
        area=f"{area.name}（{area.code}）",
        level=str(readiness.rule.level.label),
        printed_at=timezone.localtime(),
        total_cases=readiness.total_cases,
        state_counts=[(str(label), n) for label, n, _ in readiness.state_rows()],
        checked_cases=checked,
        hard_clean_cases=clean,
        rules=rates,
        open_items=readiness.open_items,
        open_items_total=readiness.open_total,
        acceptances=([accepted] if accepted else []) + acceptances,
        accepted=accepted,
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="review.acceptance_report_exported",
            object_type="geography.area",
            object_id=area.code,
            area_code=area.code,
            after={"campaign": campaign.pk, "format": kind},
        )
    return data
