"""Review cases, their history and the comments reviewers pin to questions.

A *case* is one unit's way through review: the household questionnaire of a household,
the village questionnaire of a village, or a household's non-interview outcome.  It is one
row per assigned unit (``assignment``), created when the first submission (or outcome)
arrives and moved along the chain of ``transitions.TRANSITIONS`` by
``services.case_transition``.

Invariants (enforced by the database where they can be):

* ``state`` is one of ``transitions.CaseState`` (CHECK constraint);
* ``version`` grows by one with every change of the row: a reviewer acts on the version
  they saw, and a stale version is a conflict (optimistic locking), so two reviewers can
  never both act on one case;
* ``CaseEvent`` rows are append-only history: every submission, return, approval and
  correction of the case, with who, when, why and the submission version it concerned.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from povcensus.review.transitions import Action, CaseState


class CaseKind(models.TextChoices):
    HOUSEHOLD = "household", _("住户问卷")
    VILLAGE = "village", _("行政村问卷")
    NON_INTERVIEW = "non_interview", _("未能访问")


STATE_LABELS = {
    CaseState.IN_PROGRESS: _("退回调查员"),
    CaseState.SUBMITTED: _("已报送（待复审）"),
    CaseState.SUPERVISOR_APPROVED: _("指导员已复审"),
    CaseState.TOWNSHIP_CHECKED: _("乡镇已审核"),
    CaseState.COUNTY_ACCEPTED: _("县级已验收"),
    CaseState.PROVINCE_ACCEPTED: _("省级已验收"),
}
ACTION_LABELS = {
    Action.SUBMIT: _("报送"),
    Action.APPROVE: _("复审通过"),
    Action.CHECK: _("乡镇审核通过"),
    Action.ACCEPT_COUNTY: _("县级验收通过"),
    Action.ACCEPT_PROVINCE: _("省级验收通过"),
    Action.RETURN: _("退回"),
}
# Events that are not transitions of the table.
EVENT_CORRECT = "correct"
EVENT_OPEN = "open"


class State(models.TextChoices):
    IN_PROGRESS = CaseState.IN_PROGRESS.value, STATE_LABELS[CaseState.IN_PROGRESS]
    SUBMITTED = CaseState.SUBMITTED.value, STATE_LABELS[CaseState.SUBMITTED]
    SUPERVISOR_APPROVED = (
        CaseState.SUPERVISOR_APPROVED.value,
        STATE_LABELS[CaseState.SUPERVISOR_APPROVED],
    )
    TOWNSHIP_CHECKED = CaseState.TOWNSHIP_CHECKED.value, STATE_LABELS[CaseState.TOWNSHIP_CHECKED]
    COUNTY_ACCEPTED = CaseState.COUNTY_ACCEPTED.value, STATE_LABELS[CaseState.COUNTY_ACCEPTED]
    PROVINCE_ACCEPTED = CaseState.PROVINCE_ACCEPTED.value, STATE_LABELS[CaseState.PROVINCE_ACCEPTED]


class EventAction(models.TextChoices):
    SUBMIT = Action.SUBMIT.value, ACTION_LABELS[Action.SUBMIT]
    APPROVE = Action.APPROVE.value, ACTION_LABELS[Action.APPROVE]
    CHECK = Action.CHECK.value, ACTION_LABELS[Action.CHECK]
    ACCEPT_COUNTY = Action.ACCEPT_COUNTY.value, ACTION_LABELS[Action.ACCEPT_COUNTY]
    ACCEPT_PROVINCE = Action.ACCEPT_PROVINCE.value, ACTION_LABELS[Action.ACCEPT_PROVINCE]
    RETURN = Action.RETURN.value, ACTION_LABELS[Action.RETURN]
    CORRECT = EVENT_CORRECT, _("审核更正")


class Case(models.Model):
    # Cases are written by plain SQL on the submission hot path (decision 0019); the
    # references to rows of other apps carry no database constraint where a check per row
    # would cost every submission, and Django's PROTECT still guards deletes.
    assignment = models.OneToOneField(
        "assignment.Assignment", on_delete=models.PROTECT, related_name="case"
    )
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(_("类别"), max_length=16, choices=CaseKind)
    area_code = models.CharField(_("行政村代码"), max_length=15)  # the unit's village
    township_code = models.CharField(_("乡镇代码"), max_length=12)
    team = models.ForeignKey(
        "team.Team", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    state = models.CharField(_("审核状态"), max_length=24, choices=State)
    version = models.PositiveIntegerField(default=1)
    current_submission = models.ForeignKey(
        "collection.Submission",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Returned to the enumerator and not yet submitted again.
    returned = models.BooleanField(_("已退回"), default=False)
    last_return = models.ForeignKey(
        "CaseEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    waiting_since = models.DateTimeField(_("进入当前状态时间"))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["waiting_since", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in CaseState]),
                name="review_case_known_state",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in CaseKind]),
                name="review_case_known_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="review_case_version_positive"
            ),
        ]
        indexes = [
            # Queues: one level's cases, oldest first — of an area (a village, a small
            # township), of a whole campaign (read in order, areas filtered on the way:
            # decision 0020's measurement), of a team (the supervisor's queue).
            models.Index(
                fields=["campaign", "state", "area_code", "waiting_since"],
                name="review_case_queue",
            ),
            models.Index(
                fields=["campaign", "state", "waiting_since", "id"], name="review_case_state_queue"
            ),
            models.Index(
                fields=["team", "state", "waiting_since", "id"], name="review_case_team_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} ({self.kind}, {self.state})"


class CaseEvent(models.Model):
    """One step of a case's history (append-only)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=20, choices=EventAction)
    from_state = models.CharField(max_length=24, blank=True)  # blank: the case was opened
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    reason = models.TextField(_("原因"), blank=True)
    submission = models.ForeignKey(
        "collection.Submission",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    version_number = models.PositiveIntegerField(null=True, blank=True)  # of the submission

    class Meta:
        ordering = ["case", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(action="return") | ~models.Q(reason=""),
                name="review_event_return_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(action="correct") | ~models.Q(reason=""),
                name="review_event_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} → {self.to_state} ({self.action})"


class CaseComment(models.Model):
    """A reviewer's comment pinned to a question (and a member row) of the case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="comments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="comments"
    )
    field = models.CharField(_("题目"), max_length=120, blank=True)  # field name; blank: whole case
    member_index = models.PositiveSmallIntegerField(_("成员序号"), null=True, blank=True)
    text = models.TextField(_("意见"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(text=""), name="review_comment_has_text"),
            models.CheckConstraint(
                condition=models.Q(member_index__isnull=True) | models.Q(member_index__gte=1),
                name="review_comment_member_index_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.field}: {self.text[:20]}"


# Area acceptance lives in its own module (written only by ``acceptance.area_accept``).
from povcensus.review.models_acceptance import AcceptanceLevel, AreaAcceptance  # noqa: E402

__all__ = [
    "ACTION_LABELS",
    "EVENT_CORRECT",
    "EVENT_OPEN",
    "STATE_LABELS",
    "AcceptanceLevel",
    "AreaAcceptance",
    "Case",
    "CaseComment",
    "CaseEvent",
    "CaseKind",
    "EventAction",
    "State",
]
