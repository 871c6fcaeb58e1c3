"""Every write of review: cases opened by submissions, transitions, bulk approval, corrections.

A transition is checked against the ONE table (``transitions.TRANSITIONS``), the actor's
permission where the case is, the rule results (``rules.selectors.review_blocker``) and
the collector (nobody approves a case they collected), and it is made on the version of
the case the reviewer saw: the row is locked (``SELECT … FOR UPDATE`` on PostgreSQL) and
the UPDATE repeats the version check in its WHERE clause, so of two reviewers acting on
one case at the same moment exactly one succeeds and the other gets ``review.conflict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.assignment.hooks import RecordedNonInterview
from povcensus.assignment.services.collection import unit_mark_returned
from povcensus.audit.services import audit_record
from povcensus.collection.hooks import StoredVersion
from povcensus.collection.models import SubmissionSource
from povcensus.core.errors import NOT_FOUND, ApplicationError
from povcensus.core.prepared import prepared_cursor
from povcensus.review import errors
from povcensus.review.models import (
    EVENT_CORRECT,
    STATE_LABELS,
    Case,
    CaseComment,
    CaseEvent,
    CaseKind,
    EventAction,
)
from povcensus.review.selectors import case_visible
from povcensus.review.transitions import (
    ACTION_AUDIT,
    PASSING_ACTIONS,
    Action,
    CaseState,
    Transition,
    transition_for,
)
from povcensus.team.models import TeamMember

# --- cases opened and moved by collection and assignment (hooks) ---------------------------


def _township_of(village_code: str) -> str:
    return village_code[:9] + "000"


# PostgreSQL: the same three steps in one statement (one round trip on the submission hot
# path).  ``prior`` reads the case as it was before the upsert (same snapshot).
_FOLLOW_SUBMISSION_PG = """
WITH prior AS (SELECT state FROM review_case WHERE assignment_id = %s),
upserted AS (
    INSERT INTO review_case (assignment_id, campaign_id, kind, area_code, township_code, team_id,
        state, version, current_submission_id, collected_by_id, returned, waiting_since,
        created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, 1, %s, %s, false, %s, %s, %s)
    ON CONFLICT (assignment_id) DO UPDATE SET
        state = EXCLUDED.state, version = review_case.version + 1, kind = EXCLUDED.kind,
        current_submission_id = EXCLUDED.current_submission_id,
        collected_by_id = EXCLUDED.collected_by_id, team_id = EXCLUDED.team_id,
        returned = false, waiting_since = EXCLUDED.waiting_since,
        updated_at = EXCLUDED.updated_at
    RETURNING id
)
INSERT INTO review_caseevent (case_id, action, from_state, to_state, actor_id, at, reason,
    submission_id, version_number)
SELECT id, %s, COALESCE((SELECT state FROM prior), ''), %s, %s, %s, '', %s, %s FROM upserted
"""


def case_follow_submission(version: StoredVersion) -> None:
    """Open or update the case of a stored submission version (collection hook).

    Runs inside ``submission_receive``'s transaction for every submission, so it is plain
    SQL (decision 0019): find the unit's case, insert or update it, append the ``submit``
    event — one statement on PostgreSQL, three on SQLite.  A new version from the device or the browser puts the case back
    to *submitted* (a returned case comes back; a case further up must be reviewed again,
    since its answers changed); its comments are kept.  Corrections are the review
    service's own (``case_correct``) and are skipped here.  Units without an assignment
    (a village form entered by the office for a village without a unit) have no case.
    """
    if version.assignment_id is None or version.source == SubmissionSource.CORRECTION:
        return
    if version.kind not in (CaseKind.HOUSEHOLD, CaseKind.VILLAGE):
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    submitted = CaseState.SUBMITTED.value
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(
                _FOLLOW_SUBMISSION_PG,
                [
                    version.assignment_id,
                    version.assignment_id,
                    version.campaign_id,
                    version.kind,
                    version.area_code,
                    _township_of(version.area_code),
                    version.team_id,
                    submitted,
                    version.submission_id,
                    version.submitted_by_id,
                    now,
                    now,
                    now,
                    Action.SUBMIT.value,
                    submitted,
                    version.submitted_by_id,
                    now,
                    version.submission_id,
                    version.version_number,
                ],
            )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, state FROM review_case WHERE assignment_id = %s", [version.assignment_id]
        )
        found = cursor.fetchone()
        if found is None:
            from_state = ""
            cursor.execute(
                "INSERT INTO review_case (assignment_id, campaign_id, kind, area_code, township_code, "
                "team_id, state, version, current_submission_id, collected_by_id, returned, "
                "waiting_since, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 1, %s, %s, %s, %s, %s, %s) RETURNING id",
                [
                    version.assignment_id,
                    version.campaign_id,
                    version.kind,
                    version.area_code,
                    _township_of(version.area_code),
                    version.team_id,
                    submitted,
                    version.submission_id,
                    version.submitted_by_id,
                    False,
                    now,
                    now,
                    now,
                ],
            )
            case_id = int(cursor.fetchone()[0])
        else:
            case_id, from_state = int(found[0]), str(found[1])
            cursor.execute(
                "UPDATE review_case SET state = %s, version = version + 1, kind = %s, "
                "current_submission_id = %s, collected_by_id = %s, team_id = %s, returned = %s, "
                "waiting_since = %s, updated_at = %s WHERE id = %s",
                [
                    submitted,
                    version.kind,
                    version.submission_id,
                    version.submitted_by_id,
                    version.team_id,
                    False,
                    now,
                    now,
                    case_id,
                ],
            )
        cursor.execute(
            "INSERT INTO review_caseevent (case_id, action, from_state, to_state, actor_id, at, "
            "reason, submission_id, version_number) VALUES (%s, %s, %s, %s, %s, %s, '', %s, %s)",
            [
                case_id,
                Action.SUBMIT.value,
                from_state,
                submitted,
                version.submitted_by_id,
                now,
                version.submission_id,
                version.version_number,
            ],
        )


def case_follow_non_interview(outcome: RecordedNonInterview) -> None:
    """Open or update the case of a non-interview outcome (assignment hook): *submitted*.

    Runs inside ``non_interview_record``'s transaction, whose audit event records it.
    """
    now = timezone.now()
    case = Case.objects.select_for_update().filter(assignment_id=outcome.assignment_id).first()
    from_state = ""
    if case is None:
        case = Case(
            assignment_id=outcome.assignment_id,
            campaign_id=outcome.campaign_id,
            area_code=outcome.area_code,
            township_code=_township_of(outcome.area_code),
            created_at=now,
        )
    else:
        from_state = case.state
        case.version += 1
    case.kind = CaseKind.NON_INTERVIEW
    case.team_id = outcome.team_id
    case.state = CaseState.SUBMITTED
    case.current_submission = None
    case.collected_by_id = outcome.recorded_by_id
    case.returned = False
    case.waiting_since = now
    case.updated_at = now
    case.save()
    CaseEvent.objects.create(
        case=case,
        action=Action.SUBMIT,
        from_state=from_state,
        to_state=CaseState.SUBMITTED,
        actor_id=outcome.recorded_by_id,
        at=now,
    )


# --- transitions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentInput:
    """A comment pinned to a question: ``field`` (blank: the whole case), member row, text."""

    text: str
    field: str = ""
    member_index: int | None = None


def _comment_inputs(comments: Iterable[CommentInput | Mapping[str, Any]]) -> list[CommentInput]:
    result = []
    for raw in comments:
        item = raw if isinstance(raw, CommentInput) else CommentInput(**dict(raw))
        text = (item.text or "").strip()
        if not text:
            continue
        name = (item.field or "").strip()
        if len(name) > 120:
            raise ApplicationError(errors.BAD_COMMENT, reason=name[:40])
        index = item.member_index
        if index is not None and (not isinstance(index, int) or index < 1):
            raise ApplicationError(errors.BAD_COMMENT, reason=str(index))
        result.append(CommentInput(text=text, field=name, member_index=index))
    return result


def _locked_case(actor: Any, case_id: int) -> Case:
    """The case, locked for the transaction on PostgreSQL; out of reach is not found.

    The row is locked by primary key alone and its visibility checked after (the same rule
    as ``selectors.case_scope_q``): a transition runs this for every click, and a lookup by
    key is cheaper than the scope's OR of area ranges and teams.
    """
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("team")  # the supervisor, for the second review
        .annotate(submission_version=F("current_submission__version_number"))
        .filter(pk=case_id)
        .first()
    )
    if case is None or not case_visible(actor, case):
        raise ApplicationError(NOT_FOUND)
    return case


def _label(state: str) -> str:
    return str(STATE_LABELS.get(CaseState(state), state))


def _may(actor: Any, case: Case, perm: Perm) -> bool:
    """Whether ``actor`` holds ``perm`` for this case: its area, and for the team levels its team.

    The enumerator's initial review belongs to the enumerators of the case's team, the
    supervisor's second review to the team's supervisor; the township, county and province
    levels to whoever holds the permission over the case's village.
    """
    scope = scope_of(actor)
    if not scope.allows(perm, case.area_code):
        return False
    if perm == Perm.REVIEW_INITIAL:
        return TeamMember.objects.filter(team_id=case.team_id, user_id=actor.pk).exists()
    if perm == Perm.REVIEW_SUPERVISOR:
        return bool(case.team.supervisor_id == actor.pk)
    return True


def _blocker(case: Case) -> ApplicationError | None:
    """Why the rule results forbid passing the case on (hard failures, unexplained soft ones)."""
    if case.current_submission_id is None:
        return None  # a non-interview outcome has no rule results
    from povcensus.rules import selectors as rules_selectors

    return rules_selectors.review_blocker(case.current_submission_id)


def _check(actor: Any, case: Case, action: str) -> Transition:
    """The table row for the actor's action on the case, or the reason it is refused."""
    row = transition_for(case.state, action)
    if row is None:
        try:
            action_label = str(EventAction(action).label)
        except ValueError:
            action_label = action
        raise ApplicationError(errors.NOT_ALLOWED, state=_label(case.state), action=action_label)
    if not _may(actor, case, row.perm):
        raise ApplicationError(errors.NO_PERMISSION, action=str(EventAction(action).label))
    if row.action in PASSING_ACTIONS:
        if case.collected_by_id is not None and case.collected_by_id == actor.pk:
            raise ApplicationError(errors.OWN_CASE)
        blocker = _blocker(case)
        if blocker is not None:
            raise blocker
    if row.action == Action.SUBMIT and (
        case.current_submission_id is None and case.kind != CaseKind.NON_INTERVIEW
    ):
        raise ApplicationError(errors.NOTHING_SUBMITTED)
    return row


def _update_versioned(case: Case, expected_version: int, **values: Any) -> None:
    """UPDATE the case WHERE its version is still ``expected_version``, or raise the conflict.

    The WHERE clause is what makes the check safe where no row lock is taken (SQLite): a
    writer that committed in between has moved the version on.
    """
    values["version"] = expected_version + 1
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(**values)
    if updated != 1:
        current = Case.objects.filter(pk=case.pk).values_list("state", flat=True).first()
        raise ApplicationError(errors.CONFLICT, state=_label(current or case.state))
    for name, value in values.items():
        setattr(case, name, value)


@transaction.atomic
def case_transition(
    *,
    actor: Any,
    case_id: int,
    action: str,
    expected_version: int,
    reason: str = "",
    comments: Iterable[CommentInput | Mapping[str, Any]] = (),
    to_state: str | None = None,
) -> Case:
    """Move a case along the review chain.

    Preconditions: ``actor`` can see the case (else ``core.not_found``) and acted on version
    ``expected_version`` of it (else ``review.conflict``, 409, naming its current state).
    The (state, action) pair must be in the table (``review.transition_not_allowed``) and
    ``actor`` must hold its permission for the case (``review.no_permission``).  Passing a
    case on (approve, check, accept_county, accept_province) needs clean rule results
    (``rules.not_checked``, ``rules.hard_failures_open``, ``rules.soft_failures_unexplained``)
    and an actor who did not collect it (``review.own_case``).  A return needs a reason
    (``review.reason_required``) and goes to ``to_state`` (any lower state; default the
    level just below, ``review.bad_target``); ``comments`` pin remarks to questions
    (``review.bad_comment``).  A return to the enumerator (*in_progress*) puts the unit
    back on the team's worklist (assignment status ``returned``).

    Writes the case (version + 1), a ``CaseEvent``, its ``CaseComment`` rows (passing the
    case on marks the open comments resolved); audit
    ``review.<submitted|approved|checked|county_accepted|province_accepted|returned>``.
    """
    case = _locked_case(actor, case_id)
    if case.version != expected_version:
        raise ApplicationError(errors.CONFLICT, state=_label(case.state))
    row = _check(actor, case, action)
    reason = (reason or "").strip()
    pinned = _comment_inputs(comments)
    target = row.default_to
    if row.action == Action.RETURN:
        if not reason:
            raise ApplicationError(errors.REASON_REQUIRED)
        if to_state:
            try:
                wanted = CaseState(to_state)
            except ValueError:
                raise ApplicationError(
                    errors.BAD_TARGET, state=_label(case.state), target=to_state
                ) from None
            if wanted not in row.to_states:
                raise ApplicationError(
                    errors.BAD_TARGET, state=_label(case.state), target=_label(wanted)
                )
            target = wanted
    now = timezone.now()
    from_state = case.state
    event = CaseEvent.objects.create(
        case=case,
        action=row.action.value,
        from_state=from_state,
        to_state=target.value,
        actor=actor,
        at=now,
        reason=reason,
        submission_id=case.current_submission_id,
        version_number=getattr(case, "submission_version", None),
    )
    to_enumerator = target == CaseState.IN_PROGRESS
    values: dict[str, Any] = {
        "state": target.value,
        "waiting_since": now,
        "updated_at": now,
        "returned": to_enumerator,
    }
    if row.action == Action.RETURN:
        values["last_return"] = event
    _update_versioned(case, expected_version, **values)
    CaseComment.objects.bulk_create(
        [
            CaseComment(
                case=case,
                event=event,
                field=c.field,
                member_index=c.member_index,
                text=c.text,
                author=actor,
                at=now,
            )
            for c in pinned
        ]
    )
    if row.action in PASSING_ACTIONS and case.last_return_id is not None:
        # Passing the case on settles the comments made before (they stay in the history);
        # a case never returned has none, and is spared the statement.
        CaseComment.objects.filter(case=case, resolved_at__isnull=True).update(resolved_at=now)
    if to_enumerator:
        unit_mark_returned(assignment_id=case.assignment_id)
    audit_record(
        actor=actor,
        action=ACTION_AUDIT[row.action],
        object_type="case",
        object_id=case.pk,
        area_code=case.area_code,
        before={"state": from_state, "version": expected_version},
        after={
            "state": target.value,
            "version": case.version,
            "reason": reason,
            "comments": [
                {"field": c.field, "member_index": c.member_index, "text": c.text} for c in pinned
            ],
            "submission": case.current_submission_id,
        },
    )
    return case


# --- bulk approval -------------------------------------------------------------------------


@dataclass
class BulkResult:
    approved: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # case id → reason (the message)
    skipped_codes: dict[int, str] = field(default_factory=dict)  # case id → error code


@transaction.atomic
def cases_bulk_approve(*, actor: Any, case_ids: Iterable[int]) -> BulkResult:
    """Approve (supervisor's second review) every listed case that may be approved now.

    Each case goes through the same checks as :func:`case_transition` (state, permission,
    own case, rule results); a case that fails one is skipped with the reason, never
    half-approved, and the others go on.  Cases out of reach are skipped as not found.
    Writes per approved case what ``case_transition`` writes, in one transaction, with one
    audit event per case (``review.approved``) plus ``review.bulk_approved`` summing up.
    """
    result = BulkResult()
    ids = sorted({int(i) for i in case_ids})
    for case_id in ids:
        try:
            with transaction.atomic():
                case = _locked_case(actor, case_id)
                case_transition(
                    actor=actor,
                    case_id=case_id,
                    action=Action.APPROVE,
                    expected_version=case.version,
                )
        except ApplicationError as refused:
            result.skipped[case_id] = refused.message
            result.skipped_codes[case_id] = refused.code
        else:
            result.approved.append(case_id)
    audit_record(
        actor=actor,
        action="review.bulk_approved",
        object_type="case",
        object_id="",
        after={"approved": result.approved, "skipped": result.skipped_codes},
    )
    return result


# --- corrections ---------------------------------------------------------------------------


@transaction.atomic
def case_correct(
    *,
    actor: Any,
    case_id: int,
    expected_version: int,
    changes: Mapping[str, str],
    member_changes: Mapping[int, Mapping[str, str]] | None = None,
    reason: str,
) -> Case:
    """Correct answers of a case as a reviewer: a new submission version with the reason.

    Preconditions: as for :func:`case_transition` (``core.not_found``, ``review.conflict``);
    the actor must hold the permission of the level holding the case (the one that would
    pass it on next, ``review.no_permission``); a non-interview case has no answers
    (``review.not_correctable``).  The new version is made by
    ``collection.services.submission_correct`` (source "correction", the reason stored,
    deprecatedID chain, its audit ``collection.submission_corrected``, the rule check
    queued); raises its ``collection.correction_*`` codes.  Writes the case (current
    version, version + 1; the state stays), a ``correct`` event; audit ``review.corrected``.
    """
    from povcensus.collection.models import Submission
    from povcensus.collection.services import submission_correct

    # Lock in the order submission_receive does (the submission, then the case): a device
    # edit and a correction arriving at the same moment queue up instead of deadlocking.
    current = Case.objects.filter(pk=case_id).values_list("current_submission_id", flat=True)
    list(Submission.objects.select_for_update().filter(pk__in=current).values_list("pk"))
    case = _locked_case(actor, case_id)
    if case.version != expected_version:
        raise ApplicationError(errors.CONFLICT, state=_label(case.state))
    if case.current_submission_id is None:
        raise ApplicationError(errors.NOT_CORRECTABLE)
    holder = transition_for(case.state, Action.RETURN)
    if holder is None or not _may(actor, case, holder.perm):
        raise ApplicationError(errors.NO_PERMISSION, action=str(EventAction.CORRECT.label))
    submission = submission_correct(
        actor=actor,
        submission_id=case.current_submission_id,
        changes=dict(changes),
        member_changes={int(k): dict(v) for k, v in (member_changes or {}).items()},
        reason=reason,
    )
    now = timezone.now()
    CaseEvent.objects.create(
        case=case,
        action=EVENT_CORRECT,
        from_state=case.state,
        to_state=case.state,
        actor=actor,
        at=now,
        reason=submission.reason,
        submission=submission,
        version_number=submission.version_number,
    )
    _update_versioned(case, expected_version, current_submission=submission, updated_at=now)
    audit_record(
        actor=actor,
        action="review.corrected",
        object_type="case",
        object_id=case.pk,
        area_code=case.area_code,
        before={"version": expected_version, "submission": submission.previous_id},
        after={
            "version": case.version,
            "submission": submission.pk,
            "submission_version": submission.version_number,
            "reason": submission.reason,
        },
    )
    return case
