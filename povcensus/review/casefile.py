"""Reads for the case view: answers beside the register, photos, GPS, history (selectors).

Every function here takes a case already obtained through ``queues.access_case`` (scope
applied there) and reads only what belongs to it.  Answers are shown with the labels of the
form version they were collected with (read through ``questionnaires.xform_schema``,
cached per version); the register's values are the household's and members' rows of the
register the questionnaire was prefilled from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language

from povcensus.collection.models import Submission, SubmissionAttachment, SubmissionSource
from povcensus.questionnaires.xform_schema import FormSchema, extract_schema
from povcensus.review import report
from povcensus.review.models import Case, CaseComment

_SCHEMAS: dict[int, FormSchema] = {}

# Answer field → register attribute (household) and member answer → register member field.
HOUSEHOLD_REGISTER = {
    "a_identification_standard": "identification_standard",
    "a_attribute": "attribute",
    "a_exit_status": "exit_status",
    "a_exit_year": "exit_year",
    "a_main_cause": "main_cause",
    "a_phone": "phone",
    "h_size": "size_registered",
}
MEMBER_REGISTER = {
    "m_name": "name",
    "m_sex": "sex",
    "m_id_number": "id_number",
    "m_relation": "relation",
    "m_education": "education",
    "m_health": "health",
    "m_work_status": "work_status",
}
GPS_FIELD_TYPES = {"geopoint"}


def form_schema(submission: Submission) -> FormSchema:
    """The schema of the form version ``submission`` was collected with (cached)."""
    schema = _SCHEMAS.get(submission.form_version_id)
    if schema is None:
        schema = extract_schema(submission.form_version.xform)
        _SCHEMAS[submission.form_version_id] = schema
    return schema


def _language_key(schema: FormSchema) -> str | None:
    wanted = (get_language() or "zh-hans")[:2]
    for key in schema.languages:
        if f"({wanted})" in key:
            return key
    return schema.default_language


def _display(schema: FormSchema, name: str, value: Any, language: str | None) -> str:
    text = "" if value is None else str(value)
    if not text:
        return ""
    try:
        list_name = schema.field(name).choice_list
    except KeyError:
        return text
    if not list_name:
        return text
    labels = {c.value: c.label(language) for c in schema.choice_lists.get(list_name, ())}
    if schema.field(name).select_multiple:
        return "、".join(labels.get(part, part) for part in text.split())
    return labels.get(text, text)


@dataclass
class AnswerRow:
    name: str
    label: str
    value: str
    register: str | None = None  # the register's value, where the field has one
    differs: bool = False
    comments: list[CaseComment] = field(default_factory=list)


@dataclass
class Section:
    label: str
    rows: list[AnswerRow] = field(default_factory=list)


@dataclass
class MemberBlock:
    index: int
    title: str
    rows: list[AnswerRow] = field(default_factory=list)


@dataclass
class CaseFile:
    sections: list[Section]
    members: list[MemberBlock]
    photos: list[SubmissionAttachment]
    files: list[SubmissionAttachment]
    gps: report.GeoPoint | None
    gps_svg: str
    field_choices: list[tuple[str, str]]  # (field name, label) for comments and corrections
    member_field_choices: list[tuple[str, str]]
    member_count: int


@dataclass
class Outcome:
    reason: str
    explanation: str
    recorded_by: str
    recorded_at: Any
    evidence_ids: list[int]


def non_interview_outcome(*, case: Case) -> Outcome | None:
    """The recorded non-interview outcome of a non-interview case (reason, account, evidence)."""
    from povcensus.assignment.models import NonInterview

    outcome = (
        NonInterview.objects.filter(assignment_id=case.assignment_id)
        .select_related("recorded_by")
        .first()
    )
    if outcome is None:
        return None
    return Outcome(
        reason=outcome.get_reason_display(),
        explanation=outcome.explanation,
        recorded_by=outcome.recorded_by.display_name,
        recorded_at=outcome.recorded_at,
        evidence_ids=list(outcome.evidence.values_list("pk", flat=True)),
    )


def _register_values(case: Case) -> tuple[dict[str, str], dict[int, dict[str, str]]]:
    household = case.assignment.household if case.assignment_id else None
    if household is None:
        return {}, {}
    values = {
        name: "" if getattr(household, attr) is None else str(getattr(household, attr))
        for name, attr in HOUSEHOLD_REGISTER.items()
    }
    members = {
        m.seq: {name: str(getattr(m, attr) or "") for name, attr in MEMBER_REGISTER.items()}
        for m in household.members.order_by("seq")
    }
    return values, members


def case_file(*, case: Case, comments: list[CaseComment]) -> CaseFile:
    """Everything the case view shows about the current submission of ``case``."""
    submission = case.current_submission
    if submission is None:
        return CaseFile([], [], [], [], None, "", [], [], 0)
    schema = form_schema(submission)
    language = _language_key(schema)
    register, register_members = _register_values(case)
    pinned: dict[tuple[str, int | None], list[CaseComment]] = {}
    for comment in comments:
        pinned.setdefault((comment.field, comment.member_index), []).append(comment)

    def row(name: str, label: str, value: Any, reg: str | None, member: int | None) -> AnswerRow:
        shown = _display(schema, name, value, language)
        reg_shown = None if reg is None else _display(schema, name, reg, language)
        return AnswerRow(
            name=name,
            label=label,
            value=shown,
            register=reg_shown,
            differs=reg is not None and str(value or "") != reg,
            comments=pinned.get((name, member), []),
        )

    sections: list[Section] = []
    field_choices: list[tuple[str, str]] = []
    member_fields = []
    gps_text = ""
    current = Section(label="")
    for item in schema.fields:
        if item.kind == "group" and item.repeat is None and item.path.count("/") == 2:
            if current.rows:
                sections.append(current)
            current = Section(label=item.label(language))
            continue
        if item.kind in ("group", "repeat", "note", "meta") or item.name.startswith("reg_"):
            continue
        if item.repeat is not None:
            member_fields.append(item)
            continue
        if item.type in GPS_FIELD_TYPES:
            gps_text = str(submission.data.get(item.name) or "")
        label = item.label(language)
        if item.kind not in ("calculate", "preload") and item.type != "binary":
            field_choices.append((item.name, label))
        if item.name not in submission.data:
            continue
        current.rows.append(
            row(item.name, label, submission.data.get(item.name), register.get(item.name), None)
        )
    if current.rows:
        sections.append(current)

    members = []
    member_rows = list(submission.members.order_by("index"))
    for member in member_rows:
        reg = register_members.get(member.index, {})
        block = MemberBlock(
            index=member.index,
            title=str(member.data.get("m_name") or member.data.get("m_reg_name") or ""),
        )
        for item in member_fields:
            if item.name.startswith("m_reg_") or item.name not in member.data:
                continue
            block.rows.append(
                row(
                    item.name,
                    item.label(language),
                    member.data.get(item.name),
                    reg.get(item.name) if reg else None,
                    member.index,
                )
            )
        members.append(block)
    member_field_choices = [
        (f.name, f.label(language))
        for f in member_fields
        if f.kind not in ("group", "repeat", "calculate", "preload", "note")
        and not f.name.startswith("m_reg_")
        and f.type != "binary"
    ]

    attachments = list(submission.attachments.all())
    photos = [a for a in attachments if a.content_type.startswith("image/")]
    files = [a for a in attachments if not a.content_type.startswith("image/")]
    point = report.parse_geopoint(gps_text)
    svg = report.gps_sketch(point, _village_points(case, submission)) if point else ""
    return CaseFile(
        sections=sections,
        members=members,
        photos=photos,
        files=files,
        gps=point,
        gps_svg=svg,
        field_choices=field_choices,
        member_field_choices=member_field_choices,
        member_count=len(member_rows),
    )


def _village_points(case: Case, submission: Submission, limit: int = 200) -> list[report.GeoPoint]:
    """GPS points of the other current submissions of the case's village (same campaign)."""
    rows = (
        Submission.objects.filter(
            campaign_id=case.campaign_id,
            area_code=case.area_code,
            kind=submission.kind,
            is_current=True,
        )
        .exclude(pk=submission.pk)
        .values_list("data__z_gps", flat=True)[:limit]
    )
    points = [report.parse_geopoint(text if isinstance(text, str) else "") for text in rows]
    return [p for p in points if p is not None]


@dataclass
class DiffRow:
    field: str
    label: str
    member_index: int | None
    old: str
    new: str


@dataclass
class HistoryStep:
    entry: Any  # selectors.HistoryEntry
    diff: list[
        DiffRow
    ]  # the field changes of the version this step brought (resubmission, correction)
    version: Any = None  # selectors.VersionDiff of that version
    source_label: str = ""  # where that version came from (device, browser, correction)


def case_history(*, actor: Any, case: Case) -> list[HistoryStep]:
    """The case's steps, oldest first, each with its comments and the diff of a new version."""
    from povcensus.review.selectors import case_history as history_of
    from povcensus.review.selectors import version_diff

    versions = {v.version_number: v for v in version_diff(actor=actor, case_id=case.pk)}
    labels: dict[str, str] = {}
    if case.current_submission is not None:
        schema = form_schema(case.current_submission)
        language = _language_key(schema)
        labels = {f.name: f.label(language) for f in schema.fields}
    shown: set[int] = set()
    steps = []
    for entry in history_of(actor=actor, case_id=case.pk):
        number = entry.version_number
        version = versions.get(number) if number else None
        diff: list[DiffRow] = []
        if (
            version is not None
            and number is not None
            and number not in shown
            and entry.action in ("submit", "correct")
        ):
            shown.add(number)
            diff = [
                DiffRow(
                    field=c.field,
                    label=labels.get(c.field, c.field),
                    member_index=c.member_index,
                    old=c.old or "",
                    new=c.new or "",
                )
                for c in version.changes
            ]
        source = ""
        if version is not None:
            try:
                source = str(SubmissionSource(version.source).label)
            except ValueError:
                source = version.source
        steps.append(HistoryStep(entry=entry, diff=diff, version=version, source_label=source))
    return steps
