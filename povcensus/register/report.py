"""The outcome of a register import, and its problems as messages (pure).

Invariants: an :class:`ImportReport` is plain JSON-able data (it is kept in the job's
``result``) and holds at most :data:`SAMPLE_ROWS` problem rows, :data:`SAMPLE_HOUSEHOLDS`
changed and missing households: the full lists go to the XLSX report, streamed.  Messages
are rendered when shown, in the reader's language, from the stored codes and values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from povcensus.core.errors import REGISTRY
from povcensus.register import errors
from povcensus.register.mapping import FIELDS_BY_NAME
from povcensus.register.parsing import Problem, parse_tokens

SAMPLE_ROWS = 200
SAMPLE_HOUSEHOLDS = 100


@dataclass
class ImportReport:
    filename: str = ""
    sha256: str = ""
    dry_run: bool = True
    valid_only: bool = False
    committed: bool = False
    rows: int = 0  # data rows read
    households: int = 0  # distinct household numbers in the file
    error_rows: int = 0
    warning_rows: int = 0
    error_counts: dict[str, int] = field(default_factory=dict)
    warning_counts: dict[str, int] = field(default_factory=dict)
    problem_rows: list[dict[str, Any]] = field(default_factory=list)  # first SAMPLE_ROWS
    households_new: int = 0
    households_changed: int = 0
    households_unchanged: int = 0
    households_skipped: int = 0  # with errors: left out ("valid households only")
    members_new: int = 0
    households_missing: int = 0  # in the register (same townships) but not in the file
    missing_numbers: list[str] = field(default_factory=list)
    changed_samples: list[dict[str, Any]] = field(default_factory=list)
    first_load: bool = False  # written in one pass into an empty register (no staging)
    report_file: str = ""  # storage name of the XLSX report, when written

    @property
    def ok(self) -> bool:
        return self.error_rows == 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _details(problem: Problem) -> dict[str, Any]:
    spec = FIELDS_BY_NAME.get(problem.field)
    details: dict[str, Any] = {
        "field": str(spec.label) if spec else problem.field,
        "value": problem.value,
        "max": spec.max_length if spec else "",
    }
    if problem.code == errors.ID_REPAIRED.code:
        raw, _, repaired = problem.value.partition("→")
        details.update(value=raw, repaired=repaired)
    elif problem.code in (
        errors.DUPLICATE_ID_IN_HOUSEHOLD.code,
        errors.DUPLICATE_ID_ACROSS_HOUSEHOLDS.code,
    ):
        details["rows"] = problem.arg.replace(",", "、")
    elif problem.code == errors.ID_IN_OTHER_HOUSEHOLD.code:
        details["other"] = problem.arg
    elif problem.code in (errors.SEVERAL_HEADS.code, errors.SIZE_MISMATCH.code):
        details["count"] = problem.arg
    elif problem.code == errors.RELATION_SEX_MISMATCH.code:
        details["sex"] = problem.arg
    return details


def describe(problem: Problem) -> dict[str, Any]:
    """A problem as shown: code, message in the active language, warning or not."""
    error = REGISTRY.get(problem.code)
    message = error.render(_details(problem)) if error else problem.code
    return {
        "code": problem.code,
        "message": message,
        "warning": problem.code in errors.WARNINGS,
    }


def describe_tokens(text: str) -> list[dict[str, Any]]:
    return [describe(problem) for problem in parse_tokens(text)]


def messages_text(problems: str, notes: str) -> str:
    """One cell of the XLSX report's error column."""
    lines = [f"[{d['code']}] {d['message']}" for d in describe_tokens(problems)]
    hint = _("提示")
    lines += [f"（{hint}）[{d['code']}] {d['message']}" for d in describe_tokens(notes)]
    return "\n".join(lines)
