"""Reads for the review pages: the queues per level, the counts, the neighbours of a case.

Selectors (every read depends on who asks and applies the area scope):

* a *level* is a review permission (``Perm.REVIEW_*``); its queue holds the cases in the
  state whose forward move needs that permission (``transitions.TRANSITIONS``): the
  enumerator's returned cases, the supervisor's submitted cases, and so on up to the
  province;
* an enumerator reaches only the cases of their own team(s), a supervisor only the cases
  of the teams they supervise (inside their area grant), offices and acceptance reviewers
  the cases inside the areas where they hold the level's permission;
* a case outside every queue and every area of the actor is ``core.not_found``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext_lazy as _

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.review.models import Case, CaseComment
from povcensus.review.transitions import TRANSITIONS, Action, CaseState, Transition
from povcensus.team.models import Team, TeamMember


@dataclass(frozen=True)
class Level:
    perm: Perm
    state: CaseState  # the cases waiting for this level
    action: Action  # the forward action of this level
    label: Promise


LEVELS: tuple[Level, ...] = (
    Level(Perm.REVIEW_INITIAL, CaseState.IN_PROGRESS, Action.SUBMIT, _("调查员初审（退回修改）")),
    Level(Perm.REVIEW_SUPERVISOR, CaseState.SUBMITTED, Action.APPROVE, _("调查指导员复审")),
    Level(Perm.REVIEW_TOWNSHIP, CaseState.SUPERVISOR_APPROVED, Action.CHECK, _("乡镇审核")),
    Level(Perm.REVIEW_COUNTY, CaseState.TOWNSHIP_CHECKED, Action.ACCEPT_COUNTY, _("县级验收")),
    Level(Perm.REVIEW_PROVINCE, CaseState.COUNTY_ACCEPTED, Action.ACCEPT_PROVINCE, _("省级验收")),
)
LEVEL_BY_KEY = {level.perm.value: level for level in LEVELS}
# Each level's forward transition must be a row of the one table.
assert all((lv.state, lv.action) in TRANSITIONS for lv in LEVELS)

WAITING_CHOICES: tuple[tuple[str, Promise], ...] = (
    ("1", _("超过 1 天")),
    ("3", _("超过 3 天")),
    ("7", _("超过 7 天")),
)
FAILURE_CHOICES: tuple[tuple[str, Promise], ...] = (
    ("hard", _("有强制性错误")),
    ("soft", _("有核实性提示")),
    ("clean", _("无错误")),
    ("unchecked", _("尚未审核")),
)


# Team ids are read into a list first (a handful): a literal IN list lets the planner use
# the (team, state) index of the cases instead of a semi-join.
def _team_ids_of_member(actor: Any) -> list[int]:
    return list(TeamMember.objects.filter(user=actor).values_list("team_id", flat=True))


def _team_ids_supervised(actor: Any) -> list[int]:
    return list(Team.objects.filter(supervisor=actor).values_list("pk", flat=True))


def level_q(actor: Any, perm: Perm) -> Q:
    """Cases ``actor`` may act on with ``perm`` as far as *where* goes (not the state)."""
    scope = scope_of(actor)
    if not scope.has_perm(perm):
        return Q(pk__in=[])
    where = scope.q(perm, "area_code")
    if perm == Perm.REVIEW_INITIAL:
        return where & Q(team_id__in=_team_ids_of_member(actor))
    if perm == Perm.REVIEW_SUPERVISOR:
        return where & Q(team_id__in=_team_ids_supervised(actor))
    return where


def actor_may(actor: Any, perm: Perm, case: Case) -> bool:
    """Whether ``actor`` holds ``perm`` over ``case`` (its area, and its team where it counts).

    The same answer as the guard of ``services.case_transition``; pages use it to show only
    the actions the service would accept.
    """
    scope = scope_of(actor)
    if not scope.allows(perm, case.area_code):
        return False
    if perm == Perm.REVIEW_INITIAL:
        return TeamMember.objects.filter(user=actor, team_id=case.team_id).exists()
    if perm == Perm.REVIEW_SUPERVISOR:
        return Team.objects.filter(pk=case.team_id, supervisor=actor).exists()
    return True


def visible_q(actor: Any) -> Q:
    """Cases ``actor`` may open (``selectors.case_scope_q``): any state."""
    from povcensus.review.selectors import case_scope_q

    return case_scope_q(actor)


def levels_of(actor: Any) -> list[Level]:
    """The review levels ``actor`` holds somewhere, lowest first."""
    scope = scope_of(actor)
    return [level for level in LEVELS if scope.has_perm(level.perm)]


@dataclass(frozen=True)
class QueueFilters:
    failures: str = ""  # one of FAILURE_CHOICES or ""
    comments: bool = False  # with open comments only
    village: str = ""
    team: int | None = None
    enumerator: int | None = None
    waiting_days: int | None = None

    def query(self) -> dict[str, str]:
        """The filters as query-string values (for links that keep them)."""
        values = {
            "failures": self.failures,
            "comments": "1" if self.comments else "",
            "village": self.village,
            "team": str(self.team or ""),
            "enumerator": str(self.enumerator or ""),
            "waiting": str(self.waiting_days or ""),
        }
        return {k: v for k, v in values.items() if v}


def _rule_checks() -> QuerySet[Any]:
    """The check of the case's current submission under the active rule book (a subquery)."""
    from povcensus.rules.models import SubmissionCheck

    return SubmissionCheck.objects.filter(
        submission_id=OuterRef("current_submission_id"), rulebook__is_active=True
    )


def _unexplained_soft_failures() -> QuerySet[Any]:
    """Soft failures of the case's current version that nobody has explained yet.

    A subquery on the active rule book's results; explanations are keyed by case (root
    instance), rule and member (0 for none).
    """
    from povcensus.rules.models import Explanation, RuleFailure

    explained = Explanation.objects.annotate(member=Coalesce("member_index", Value(0))).filter(
        root_instance_id=OuterRef("submission__root_instance_id"),
        rule_id=OuterRef("rule_id"),
        member=OuterRef("member"),
    )
    return (
        RuleFailure.objects.filter(
            submission_id=OuterRef("current_submission_id"),
            rulebook__is_active=True,
            severity="soft",
        )
        .annotate(member=Coalesce("member_index", Value(0)))
        .filter(~Exists(explained))
    )


def review_queue(
    *, actor: Any, campaign_id: int, level: Level, filters: QueueFilters | None = None
) -> QuerySet[Case]:
    """The cases waiting for ``actor`` at ``level``, oldest first, filtered.

    Reads only; the failure filters use the rule results stored for each case's current
    submission version under the campaign's active rule book (``rules.SubmissionCheck``).
    """
    filters = filters or QueueFilters()
    cases = Case.objects.filter(
        level_q(actor, level.perm), campaign_id=campaign_id, state=level.state.value
    )
    if filters.village:
        cases = cases.filter(area_code=filters.village)
    if filters.team:
        cases = cases.filter(team_id=filters.team)
    if filters.enumerator:
        cases = cases.filter(collected_by_id=filters.enumerator)
    if filters.waiting_days:
        cases = cases.filter(
            waiting_since__lte=timezone.now() - timedelta(days=filters.waiting_days)
        )
    if filters.comments:
        cases = cases.filter(
            Exists(CaseComment.objects.filter(case_id=OuterRef("pk"), resolved_at__isnull=True))
        )
    if filters.failures:
        checks = _rule_checks()
        if filters.failures == "hard":
            cases = cases.filter(Exists(checks.filter(hard_failures__gt=0)))
        elif filters.failures == "soft":
            cases = cases.filter(Exists(_unexplained_soft_failures()))
        elif filters.failures == "clean":
            cases = cases.filter(Exists(checks.filter(hard_failures=0, soft_failures=0)))
        elif filters.failures == "unchecked":
            cases = cases.filter(~Exists(checks))
    return cases.order_by("waiting_since", "pk")


def queue_rows(cases: list[Case]) -> list[dict[str, Any]]:
    """Decorate one page of a queue: rule status, open comments, household, collector."""
    from povcensus.rules.selectors import submission_rule_statuses

    submission_ids = [c.current_submission_id for c in cases if c.current_submission_id]
    statuses = submission_rule_statuses(submission_ids)
    open_comments = dict(
        CaseComment.objects.filter(case__in=cases, resolved_at__isnull=True)
        .values_list("case_id")
        .annotate(n=Count("pk"))
    )
    now = timezone.now()
    rows = []
    for case in cases:
        status = statuses.get(case.current_submission_id or 0)
        rows.append(
            {
                "case": case,
                "status": status,
                "clean": bool(
                    status
                    and status.checked
                    and not status.hard_open
                    and not status.soft_unexplained
                ),
                "comments": open_comments.get(case.pk, 0),
                "waiting": now - case.waiting_since,
            }
        )
    return rows


def queue_page(ids: list[int]) -> list[Case]:
    """The cases of one queue page with what the page shows, in the order of ``ids``.

    The page's ids come from the queue alone (an ordered, limited read of ``review_case``),
    then one query joins the rows the page shows: the planner never sorts a join.
    """
    rows = {
        c.pk: c
        for c in Case.objects.filter(pk__in=ids).select_related(
            "assignment__household", "assignment__village", "team", "collected_by"
        )
    }
    return [rows[i] for i in ids if i in rows]


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``COUNT_CAP + 1`` (pages beyond it: narrow the filters)."""

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list)  # type: ignore[arg-type]  # a QuerySet here

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


# Counts on the pages stop here ("1000+"): a count must not scan a province's cases on
# every page view.  Exact figures are in the acceptance report.
COUNT_CAP = 1_000


def capped_count(cases: QuerySet[Any], cap: int = COUNT_CAP) -> int:
    """``cases.count()``, but at most ``cap + 1`` (one query reading at most that many rows)."""
    return cases.order_by()[: cap + 1].count()


def state_counts(*, actor: Any, campaign_id: int) -> dict[str, int]:
    """Cases ``actor`` may open, by state, each count capped (one bounded query per state)."""
    visible = Case.objects.filter(visible_q(actor), campaign_id=campaign_id)
    return {state.value: capped_count(visible.filter(state=state.value)) for state in CaseState}


def level_counts(*, actor: Any, campaign_id: int, levels: list[Level]) -> dict[str, int]:
    """Cases waiting at each of ``levels`` for ``actor`` (capped)."""
    return {
        level.perm.value: capped_count(
            Case.objects.filter(
                level_q(actor, level.perm), campaign_id=campaign_id, state=level.state.value
            )
        )
        for level in levels
    }


def case_neighbours(
    *, queue: QuerySet[Case], waiting_since: datetime, case_id: int
) -> tuple[int | None, int | None]:
    """(previous, next) case ids around a position of a queue (ordered by waiting time, id)."""
    after = Q(waiting_since__gt=waiting_since) | Q(waiting_since=waiting_since, pk__gt=case_id)
    before = Q(waiting_since__lt=waiting_since) | Q(waiting_since=waiting_since, pk__lt=case_id)
    following = queue.filter(after).order_by("waiting_since", "pk").values_list("pk", flat=True)
    preceding = queue.filter(before).order_by("-waiting_since", "-pk").values_list("pk", flat=True)
    return (preceding.first(), following.first())


def actions_for(*, actor: Any, case: Case) -> list[Transition]:
    """The table's rows ``actor`` may use on ``case`` now (the service guards them again)."""
    from povcensus.review.transitions import allowed_actions

    return [t for t in allowed_actions(case.state) if actor_may(actor, t.perm, case)]


def _level_teams(actor: Any, campaign_id: int, level: Level) -> QuerySet[Team]:
    """The teams whose cases ``actor`` may reach at ``level`` (small tables only)."""
    teams = Team.objects.filter(campaign_id=campaign_id)
    if level.perm == Perm.REVIEW_INITIAL:
        return teams.filter(pk__in=_team_ids_of_member(actor))
    if level.perm == Perm.REVIEW_SUPERVISOR:
        return teams.filter(pk__in=_team_ids_supervised(actor))
    return teams


def team_choices(*, actor: Any, campaign_id: int, level: Level) -> list[Team]:
    """Teams to filter a queue by (from the team table, not the cases)."""
    return list(_level_teams(actor, campaign_id, level).order_by("code"))


def village_choices(*, actor: Any, campaign_id: int, level: Level) -> list[tuple[str, str]]:
    """(code, name) of the census villages of the campaign where ``actor`` holds the level.

    Read from the division tree, never from the cases or units (a province has millions).
    """
    from povcensus.campaign.models import Campaign
    from povcensus.geography.selectors import area_villages

    area_code = Campaign.objects.filter(pk=campaign_id).values_list("area_id", flat=True).first()
    if area_code is None:
        return []
    villages = area_villages(area_code=area_code).filter(scope_of(actor).q(level.perm, "code"))
    return list(villages.values_list("code", "name"))


def enumerator_choices(*, actor: Any, campaign_id: int, level: Level) -> list[Any]:
    """The enumerators of the teams of the level (the collectors of its cases)."""
    from povcensus.accounts.models import User

    members = TeamMember.objects.filter(
        team_id__in=list(_level_teams(actor, campaign_id, level).values_list("pk", flat=True))
    ).values("user_id")
    return list(User.objects.filter(pk__in=members).order_by("username"))


def open_comments_by_case(case_ids: list[int]) -> dict[int, list[CaseComment]]:
    """Unresolved comments of ``case_ids`` (already scoped by the caller), oldest first."""
    result: dict[int, list[CaseComment]] = {}
    for comment in CaseComment.objects.filter(
        case_id__in=case_ids, resolved_at__isnull=True
    ).order_by("at", "pk"):
        result.setdefault(comment.case_id, []).append(comment)
    return result
