"""Units assigned to teams, their history, appointments, village guides, non-interview outcomes.

A *unit* is what a team surveys: a household on the approved roster (household
questionnaire) or a census village (village questionnaire).  Each unit has one
``Assignment`` row per campaign, which says how, when and by whom it was first assigned;
every later move changes the row's team and appends an ``AssignmentChange``, so a unit
that moves keeps its status, its data and its whole history.

The cross-township rule (乡级交叉, work plan 五 and 七6) is enforced by the services and,
independently, by database triggers (``assignment.db_guard``): an assignment's team may
have no enumerator whose home township is the unit's township.  The unit's township code
is denormalised onto the row for the triggers and checked against its village code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Concat, Left
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    HOUSEHOLD = "household", _("建档立卡户")  # household questionnaire
    VILLAGE = "village", _("行政村")  # village questionnaire (filled with the village cadres)


class UnitStatus(models.TextChoices):
    PENDING = "pending", _("待调查")  # assigned, nobody has started it
    STARTED = "started", _("调查中")  # collection has begun (data exists): never replanned
    SUBMITTED = "submitted", _("已报送")  # a questionnaire was submitted
    NON_INTERVIEW = "non_interview", _("未能访问")  # a non-interview outcome was recorded
    # A reviewer returned the case to the enumerator for verification and correction
    # (review app): the unit is back on the team's worklist until it is submitted again.
    RETURNED = "returned", _("已退回")


# Statuses of a unit that has data: automatic re-planning leaves these where they are.
STARTED_STATUSES = frozenset(
    {UnitStatus.STARTED, UnitStatus.SUBMITTED, UnitStatus.NON_INTERVIEW, UnitStatus.RETURNED}
)


class ChangeHow(models.TextChoices):
    AUTO = "auto", _("自动分配")
    MANUAL = "manual", _("手工分配")
    UPLOAD = "upload", _("批量导入")
    REASSIGN = "reassign", _("调整分配")


class Assignment(models.Model):
    # A county's plan writes tens of thousands of rows at once (a province's, a million),
    # so the references carry no foreign-key *constraint*: per-row checks (and row locks
    # on every household) made bulk writes several times slower.  The ``db_guard``
    # triggers check them set-wise instead, and more strictly (a household unit names its
    # household's own village and campaign, the team is of that campaign); Django's
    # PROTECT still refuses deleting a referenced row through the ORM.  Foreign keys that
    # a composite index below starts with get no index of their own.
    campaign = models.ForeignKey(
        "campaign.Campaign",
        on_delete=models.PROTECT,
        related_name="assignments",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("调查单位"), max_length=10, choices=UnitKind)
    household = models.OneToOneField(
        "register.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignment",
        db_constraint=False,
    )
    village = models.ForeignKey(
        "geography.Area",
        on_delete=models.PROTECT,
        related_name="+",
        db_column="village_code",
        db_index=False,
        db_constraint=False,
        verbose_name=_("行政村"),
    )
    # Denormalised from the village code for the cross-township triggers (and checked).
    township_code = models.CharField(_("乡镇代码"), max_length=12)
    team = models.ForeignKey(
        "team.Team",
        on_delete=models.PROTECT,
        related_name="assignments",
        db_index=False,
        db_constraint=False,
        verbose_name=_("调查小组"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=UnitStatus, default=UnitStatus.PENDING
    )
    # The first assignment; later moves are in ``changes``.
    assigned_how = models.CharField(_("分配方式"), max_length=10, choices=ChangeHow)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # checked set-wise by the db_guard triggers
    )
    assigned_at = models.DateTimeField(_("分配时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "village_id", "household_id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="household") & models.Q(household__isnull=False))
                | (models.Q(kind="village") & models.Q(household__isnull=True)),
                name="assignment_kind_matches_unit",
            ),
            models.UniqueConstraint(
                fields=["campaign", "village"],
                condition=models.Q(kind="village"),
                name="assignment_one_village_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    township_code=Concat(Left("village_id", 9), models.Value("000"))
                ),
                name="assignment_township_of_village",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in UnitStatus]),
                name="assignment_known_status",
            ),
            models.CheckConstraint(
                condition=models.Q(assigned_how__in=["auto", "manual", "upload"]),
                name="assignment_known_first_how",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status"], name="assignment_team_status"),
            models.Index(fields=["campaign", "village"], name="assignment_campaign_village"),
        ]

    def __str__(self) -> str:
        unit = self.household_id if self.kind == UnitKind.HOUSEHOLD else self.village_id
        return f"{self.kind}:{unit} → {self.team_id}"


class AssignmentChange(models.Model):
    """A move of a unit from one team to another (append-only: rows are never changed)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="changes")
    # History is read per unit; the team columns need no index of their own.
    from_team = models.ForeignKey(
        "team.Team", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_team = models.ForeignKey(
        "team.Team", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    how = models.CharField(_("方式"), max_length=10, choices=ChangeHow)
    reason = models.TextField(_("原因"), blank=True)
    status_then = models.CharField(_("当时状态"), max_length=16, choices=UnitStatus)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(how="reassign") | ~models.Q(reason=""),
                name="assignment_change_reassign_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_team=models.F("to_team")),
                name="assignment_change_moves",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.from_team_id} → {self.to_team_id}"


class Document(models.TextChoices):
    """Documents a household prepares for the visit (work plan 六(三))."""

    HUKOU = "hukou", _("户口本")
    AID_BOOK = "aid_book", _("帮扶（扶贫）手册")
    EXIT_PROOF = "exit_proof", _("脱贫达标资料")
    POLICY_PROOF = "policy_proof", _("医保、社保、低保、残疾人补助等佐证资料（如一卡通、残疾人证）")


ALL_DOCUMENTS = [d.value for d in Document]


def default_documents() -> list[str]:
    return list(ALL_DOCUMENTS)


class Appointment(models.Model):
    """预约上门访问时间: when the team will visit a household, booked by the village cadres."""

    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, related_name="appointment"
    )
    day = models.DateField(_("访问日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    documents = models.JSONField(_("需准备的资料"), default=default_documents)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "starts_at", "assignment_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="assignment_appointment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["day", "starts_at"], name="assignment_appt_day")]

    def __str__(self) -> str:
        return f"{self.assignment_id} @ {self.day} {self.starts_at}"


class AppointmentChange(models.Model):
    """A rescheduling, with its reason (append-only)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="changes")
    old_day = models.DateField()
    old_starts_at = models.TimeField()
    new_day = models.DateField()
    new_starts_at = models.TimeField()
    reason = models.TextField(_("改约原因"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appointment", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id}: {self.old_day} → {self.new_day}"


class GuideDuty(models.Model):
    """引导人员: who guides a team in a village on a day (a person, possibly a cadre account)."""

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("team.Team", on_delete=models.PROTECT, related_name="guide_duties")
    village = models.ForeignKey(
        "geography.Area", on_delete=models.PROTECT, related_name="+", db_column="village_code"
    )
    day = models.DateField(_("日期"))
    name = models.CharField(_("引导人员"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "village_id", "team_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "village", "day"], name="assignment_one_guide_per_team_village_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.team_id} @ {self.village_id} {self.day}"


class NonInterviewReason(models.TextChoices):
    """Why an assigned household could not be interviewed (work plan 七6: 说明佐证)."""

    DISSOLVED = "dissolved", _("户消亡")  # every member deceased or removed
    LOST_CONTACT = "lost_contact", _("整户失联")  # nobody reachable, by any means
    REFUSED = "refused", _("拒访")  # the household refuses the interview
    NO_FACE_TO_FACE = "no_face_to_face", _("无法面访")  # e.g. the whole household is in hospital


class NonInterview(models.Model):
    """A non-interview outcome of an assigned household, with its explanation and evidence.

    Reviewed like an interview later (review app); ``team`` is the team that recorded it.
    """

    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, related_name="non_interview"
    )
    team = models.ForeignKey("team.Team", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("未访问原因"), max_length=20, choices=NonInterviewReason)
    explanation = models.TextField(_("情况说明"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment_id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reason__in=[r.value for r in NonInterviewReason]),
                name="assignment_non_interview_known_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(explanation=""), name="assignment_non_interview_explained"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.reason}"


class NonInterviewEvidence(models.Model):
    """说明佐证: a photo supporting a non-interview outcome."""

    non_interview = models.ForeignKey(
        NonInterview, on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(upload_to="assignment/evidence/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["non_interview", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.file.name or ""
