"""Reads of review cases, their history, returns and version differences.

Who sees which cases:

* census offices, supervisors and acceptance reviewers see the cases of the villages where
  they hold ``submission.view`` or one of the review permissions of the township, county
  or province (their area grant);
* enumerators see only their own team's cases (never through an area grant), and a
  supervisor also sees the cases of the teams they supervise;
* a case out of reach is "not found", exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment.selectors import teams_of
from povcensus.collection.models import Submission, SubmissionMember
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.review.models import Case, CaseComment, CaseEvent
from povcensus.review.transitions import CaseState

AREA_PERMS = (Perm.SUBMISSION_VIEW, Perm.REVIEW_TOWNSHIP, Perm.REVIEW_COUNTY, Perm.REVIEW_PROVINCE)


def case_scope_q(actor: Any) -> Q:
    """The cases ``actor`` may see (see the module docstring); nothing for a stranger."""
    scope = scope_of(actor)
    visible = Q(pk__in=[])
    for perm in AREA_PERMS:
        if scope.has_perm(perm):
            visible |= scope.q(perm, "area_code")
    team_ids = list(teams_of(actor=actor).values_list("pk", flat=True))
    if team_ids:
        visible |= Q(team_id__in=team_ids)
    return visible


def case_visible(actor: Any, case: Case) -> bool:
    """Whether ``actor`` may see ``case`` (the rule of :func:`case_scope_q`, for one row)."""
    scope = scope_of(actor)
    if any(scope.allows(perm, case.area_code) for perm in AREA_PERMS):
        return True
    return teams_of(actor=actor).filter(pk=case.team_id).exists()


def case_list(
    *,
    actor: Any,
    campaign_id: int | None = None,
    state: str | None = None,
    area_code: str | None = None,
    team_id: int | None = None,
    kind: str | None = None,
    returned: bool | None = None,
) -> QuerySet[Case]:
    """Cases ``actor`` may see, longest waiting first, optionally filtered."""
    qs = Case.objects.filter(case_scope_q(actor))
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if state:
        qs = qs.filter(state=state)
    if area_code:
        from povcensus.geography.selectors import within_area_q

        qs = qs.filter(within_area_q("area_code", area_code))
    if team_id:
        qs = qs.filter(team_id=team_id)
    if kind:
        qs = qs.filter(kind=kind)
    if returned is not None:
        qs = qs.filter(returned=returned)
    return qs.select_related(
        "assignment__household", "team", "collected_by", "current_submission"
    ).order_by("waiting_since", "id")


def access_case(*, actor: Any, case_id: int) -> Case:
    """Return a case ``actor`` may see, or raise ``core.not_found`` (also when out of reach)."""
    found = (
        Case.objects.filter(case_scope_q(actor), pk=case_id)
        .select_related(
            "assignment__household",
            "assignment__village",
            "team",
            "campaign",
            "collected_by",
            "current_submission",
        )
        .first()
    )
    if found is None:
        raise ApplicationError(NOT_FOUND)
    return found


@dataclass(frozen=True)
class CommentView:
    field: str
    member_index: int | None
    text: str
    author: str
    at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class HistoryEntry:
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    reason: str
    version_number: int | None
    comments: list[CommentView] = field(default_factory=list)


def _comment_view(comment: CaseComment) -> CommentView:
    return CommentView(
        field=comment.field,
        member_index=comment.member_index,
        text=comment.text,
        author=comment.author.display_name,
        at=comment.at,
        resolved_at=comment.resolved_at,
    )


def case_history(*, actor: Any, case_id: int) -> list[HistoryEntry]:
    """Every step of the case, oldest first, with the comments made at each step."""
    case = access_case(actor=actor, case_id=case_id)
    events = list(
        CaseEvent.objects.filter(case=case)
        .select_related("actor")
        .prefetch_related("comments__author")
        .order_by("at", "id")
    )
    return [
        HistoryEntry(
            action=event.action,
            action_label=event.get_action_display(),
            from_state=event.from_state,
            to_state=event.to_state,
            actor=event.actor.display_name,
            at=event.at,
            reason=event.reason,
            version_number=event.version_number,
            comments=[_comment_view(c) for c in event.comments.all()],
        )
        for event in events
    ]


def case_comments(*, actor: Any, case_id: int, open_only: bool = False) -> list[CommentView]:
    """The comments pinned to the case's questions, oldest first."""
    case = access_case(actor=actor, case_id=case_id)
    qs = CaseComment.objects.filter(case=case).select_related("author").order_by("at", "id")
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    return [_comment_view(c) for c in qs]


def returned_cases_for(*, actor: Any, unit_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Returned cases among the units ``unit_ids`` (assignment ids) of ``actor``'s teams.

    The worklist annotator of the browser collection (``collection.extensions``): per
    assignment id ``{"returned": True, "case_id", "comments": [{"field", "member_index",
    "text", "author", "at"}], "edit_of": <instanceID of the version to edit> | None,
    "submission_id": <its id> | None, "reason": <the return's reason>}``.  Only cases with
    the enumerator (state in_progress) are returned; other units are absent.
    """
    ids = [int(i) for i in unit_ids]
    team_ids = list(teams_of(actor=actor).values_list("pk", flat=True))
    if not ids or not team_ids:
        return {}
    cases = list(
        Case.objects.filter(
            assignment_id__in=ids,
            team_id__in=team_ids,
            state=CaseState.IN_PROGRESS,
            returned=True,
        ).select_related("current_submission", "last_return")
    )
    if not cases:
        return {}
    by_case: dict[int, list[dict[str, Any]]] = {c.pk: [] for c in cases}
    comments = (
        CaseComment.objects.filter(case_id__in=list(by_case), resolved_at__isnull=True)
        .select_related("author")
        .order_by("at", "id")
    )
    for comment in comments:
        by_case[comment.case_id].append(
            {
                "field": comment.field,
                "member_index": comment.member_index,
                "text": comment.text,
                "author": comment.author.display_name,
                "at": comment.at.isoformat(),
            }
        )
    result: dict[int, dict[str, Any]] = {}
    for case in cases:
        submission = case.current_submission
        result[case.assignment_id] = {
            "returned": True,
            "case_id": case.pk,
            "comments": by_case[case.pk],
            "edit_of": submission.instance_id if submission is not None else None,
            "submission_id": submission.pk if submission is not None else None,
            "reason": case.last_return.reason if case.last_return is not None else "",
        }
    return result


# --- version differences ------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    member_index: int | None  # None: a household-level (or village-level) field
    old: str | None  # None: absent in the older version
    new: str | None  # None: absent in the newer version


@dataclass(frozen=True)
class VersionDiff:
    version_number: int
    instance_id: str
    source: str
    submitted_by: str
    received_at: datetime
    reason: str  # a correction's reason (blank for versions from the device)
    changes: list[FieldChange]


# Fields that change with every version and say nothing about the answers.
_VOLATILE = frozenset({"start", "end", "today", "meta/instanceID", "meta/deprecatedID"})


def _diff_dicts(old: dict[str, str], new: dict[str, str], member: int | None) -> list[FieldChange]:
    changes = []
    for name in sorted(set(old) | set(new)):
        if member is None and name in _VOLATILE:
            continue
        before, after = old.get(name), new.get(name)
        if before != after:
            changes.append(FieldChange(name, member, before, after))
    return changes


def version_diff(*, actor: Any, case_id: int) -> list[VersionDiff]:
    """The case's submission versions, oldest first, each with its changes from the one before.

    Field by field, household (or village) fields then members by index: old → new, with
    who made the version, when, from where (device, browser, correction) and why.  The first
    version lists no changes.  A non-interview case without a questionnaire has none.
    """
    case = access_case(actor=actor, case_id=case_id)
    if case.current_submission_id is None:
        return []
    root = Submission.objects.filter(pk=case.current_submission_id).values_list(
        "root_instance_id", flat=True
    )
    versions = list(
        Submission.objects.filter(root_instance_id__in=root)
        .select_related("submitted_by")
        .order_by("version_number", "id")
    )
    members: dict[int, dict[int, dict[str, str]]] = {v.pk: {} for v in versions}
    for row in SubmissionMember.objects.filter(submission_id__in=list(members)).values(
        "submission_id", "index", "data"
    ):
        members[row["submission_id"]][row["index"]] = row["data"]
    result: list[VersionDiff] = []
    previous: Submission | None = None
    for version in versions:
        changes: list[FieldChange] = []
        if previous is not None:
            changes = _diff_dicts(previous.data, version.data, None)
            old_members, new_members = members[previous.pk], members[version.pk]
            for index in sorted(set(old_members) | set(new_members)):
                changes += _diff_dicts(
                    old_members.get(index, {}), new_members.get(index, {}), index
                )
        result.append(
            VersionDiff(
                version_number=version.version_number,
                instance_id=version.instance_id,
                source=version.source,
                submitted_by=version.submitted_by.display_name,
                received_at=version.received_at,
                reason=version.reason,
                changes=changes,
            )
        )
        previous = version
    return result


def returns_media(*, actor: Any, campaign_id: int, wanted: set[str]) -> dict[str, Any]:
    """``returns.csv`` for ``actor``'s device: their teams' households returned to them.

    One row per returned household case of the campaign: the household number and one text
    with the return's reason and every open comment, each with the question (and member)
    it is pinned to and the answer of the version the reviewer saw, so ODK Collect shows
    what to verify while the enumerator fills the household again (collection's
    device-media hook).  Other users' devices get no rows.
    """
    from povcensus.questionnaires.prefill import returns_csv

    if "returns.csv" not in wanted:
        return {}
    team_ids = list(teams_of(actor=actor, campaign_id=campaign_id).values_list("pk", flat=True))
    if not team_ids:
        return {"returns.csv": returns_csv()}
    cases = list(
        Case.objects.filter(
            campaign_id=campaign_id,
            team_id__in=team_ids,
            state=CaseState.IN_PROGRESS,
            returned=True,
            assignment__household__isnull=False,
        ).select_related("assignment__household", "current_submission", "last_return")
    )
    comments: dict[int, list[CaseComment]] = {c.pk: [] for c in cases}
    for comment in CaseComment.objects.filter(
        case_id__in=list(comments), resolved_at__isnull=True
    ).order_by("at", "id"):
        comments[comment.case_id].append(comment)
    members: dict[tuple[int, int], dict[str, str]] = {}
    submission_ids = [c.current_submission_id for c in cases if c.current_submission_id]
    for row in SubmissionMember.objects.filter(submission_id__in=submission_ids).values(
        "submission_id", "index", "data"
    ):
        members[(row["submission_id"], row["index"])] = row["data"]
    rows = []
    for case in cases:
        household = case.assignment.household
        assert household is not None
        data = case.current_submission.data if case.current_submission is not None else {}
        parts = []
        if case.last_return is not None:
            parts.append(f"退回原因：{case.last_return.reason}")
        for comment in comments[case.pk]:
            where = comment.field or "整份问卷"
            answer = data.get(comment.field)
            if comment.member_index is not None:
                where = f"第{comment.member_index}位成员 {where}"
                answer = members.get(
                    (case.current_submission_id or 0, comment.member_index), {}
                ).get(comment.field)
            was = f"（原填：{answer}）" if answer not in (None, "") else ""
            parts.append(f"{where}{was}：{comment.text}")
        rows.append((household.number, "；".join(parts)))
    return {"returns.csv": returns_csv(rows)}
