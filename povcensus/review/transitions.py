"""The review state machine: the ONE table of allowed moves of a case and who may make them.

Pure (no ORM, no HTTP).  A case (household questionnaire, village questionnaire or
non-interview outcome) climbs the review chain of the census work plan: the enumerator's
initial review (初审) ends in *submitted*, then the supervisor's second review (复审), the
township office's check, and the county and province central acceptance (集中审核验收).

Invariants:

* every allowed move is a row of :data:`TRANSITIONS`, keyed by (from state, action); a
  pair that is not in the table is refused, whoever asks;
* each row names the one permission (``accounts.roles.Perm.REVIEW_*``) the actor needs;
  where the actor must hold it (the case's area, the case's team) is the service's job;
* forward actions move exactly one level up; a return moves from a level to ANY lower
  state, chosen by the reviewer, and is made with the permission of the level that holds
  the case (the level whose forward action would come next), so whoever may pass a case
  on may also send it back;
* *in_progress* is the only state in which the enumerator works on the case (after a
  return to the enumerator); it leaves it by submitting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from povcensus.accounts.roles import Perm


class CaseState(StrEnum):
    IN_PROGRESS = "in_progress"  # with the enumerator (returned for verification and correction)
    SUBMITTED = "submitted"  # submitted after the enumerator's initial review (初审)
    SUPERVISOR_APPROVED = "supervisor_approved"  # passed the supervisor's second review (复审)
    TOWNSHIP_CHECKED = "township_checked"  # checked by the township census office (乡镇审核)
    COUNTY_ACCEPTED = "county_accepted"  # accepted by the county (县级审核验收)
    PROVINCE_ACCEPTED = "province_accepted"  # accepted by the province (省级审核验收): final


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    CHECK = "check"
    ACCEPT_COUNTY = "accept_county"
    ACCEPT_PROVINCE = "accept_province"
    RETURN = "return"


# The audit action recorded for each action (registered in ``audit_actions``).
ACTION_AUDIT: dict[Action, str] = {
    Action.SUBMIT: "review.submitted",
    Action.APPROVE: "review.approved",
    Action.CHECK: "review.checked",
    Action.ACCEPT_COUNTY: "review.county_accepted",
    Action.ACCEPT_PROVINCE: "review.province_accepted",
    Action.RETURN: "review.returned",
}

# The chain, lowest first; a state's rank is its position.
ORDER: tuple[CaseState, ...] = (
    CaseState.IN_PROGRESS,
    CaseState.SUBMITTED,
    CaseState.SUPERVISOR_APPROVED,
    CaseState.TOWNSHIP_CHECKED,
    CaseState.COUNTY_ACCEPTED,
    CaseState.PROVINCE_ACCEPTED,
)

# Forward actions that pass a case to a higher level: the rule results must allow it
# (no open hard failure, every soft failure explained) and the actor must not be the
# case's collector.
PASSING_ACTIONS = frozenset(
    {Action.APPROVE, Action.CHECK, Action.ACCEPT_COUNTY, Action.ACCEPT_PROVINCE}
)


@dataclass(frozen=True)
class Transition:
    from_state: CaseState
    action: Action
    to_states: tuple[CaseState, ...]  # one for a forward move; the choices for a return
    perm: Perm

    @property
    def default_to(self) -> CaseState:
        """The target when the actor names none: the one target, or for a return the level just below."""
        return self.to_states[-1]


def _lower(state: CaseState) -> tuple[CaseState, ...]:
    return ORDER[: ORDER.index(state)]


def _build() -> dict[tuple[CaseState, Action], Transition]:
    forward = [
        (CaseState.IN_PROGRESS, Action.SUBMIT, CaseState.SUBMITTED, Perm.REVIEW_INITIAL),
        (CaseState.SUBMITTED, Action.APPROVE, CaseState.SUPERVISOR_APPROVED, Perm.REVIEW_SUPERVISOR),
        (CaseState.SUPERVISOR_APPROVED, Action.CHECK, CaseState.TOWNSHIP_CHECKED, Perm.REVIEW_TOWNSHIP),
        (CaseState.TOWNSHIP_CHECKED, Action.ACCEPT_COUNTY, CaseState.COUNTY_ACCEPTED, Perm.REVIEW_COUNTY),
        (CaseState.COUNTY_ACCEPTED, Action.ACCEPT_PROVINCE, CaseState.PROVINCE_ACCEPTED, Perm.REVIEW_PROVINCE),
    ]  # fmt: skip
    table: dict[tuple[CaseState, Action], Transition] = {}
    holder: dict[CaseState, Perm] = {}
    for from_state, action, to_state, perm in forward:
        table[(from_state, action)] = Transition(from_state, action, (to_state,), perm)
        holder[from_state] = perm
    # The province may reopen a case it accepted (and only the province).
    holder[CaseState.PROVINCE_ACCEPTED] = Perm.REVIEW_PROVINCE
    for state in ORDER:
        if state in (CaseState.IN_PROGRESS,):
            continue  # the enumerator's own state: nothing lower to return to
        table[(state, Action.RETURN)] = Transition(
            state, Action.RETURN, _lower(state), holder[state]
        )
    return table


TRANSITIONS: dict[tuple[CaseState, Action], Transition] = _build()


def transition_for(state: str, action: str) -> Transition | None:
    """The table row for (``state``, ``action``), or None when the move is not allowed."""
    try:
        return TRANSITIONS.get((CaseState(state), Action(action)))
    except ValueError:
        return None


def allowed_actions(state: str) -> list[Transition]:
    """Every row leaving ``state`` (forward first, then the return)."""
    return [t for (s, _a), t in TRANSITIONS.items() if s == state]


def rank(state: str) -> int:
    return ORDER.index(CaseState(state))
