"""Reading a submission made in the office preview (pure: lxml, no ORM, no HTTP).

The preview never stores what it receives: the page hands the engine's OpenRosa payload
to the server, which reads it with the form's schema and answers with a summary, so an
office can see exactly what a device would send.  Invariants:

* :func:`read_submission` parses untrusted XML without entities or network access and
  returns values by field *name*: one string for a field outside repeats, a list (one
  entry per repeat instance) inside a repeat; a missing (non-relevant) node is absent,
  never an empty string.
* :func:`income_check` recomputes net and per-capita income from the submitted items,
  exactly as the household form's calculates define them, so the two can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from povcensus.questionnaires.xform_schema import FormSchema

INCOME_ITEMS = (
    "h_wage_work",
    "h_wage_pwj",
    "h_wage_other",
    "h_prod_crops",
    "h_prod_livestock",
    "h_prod_forestry",
    "h_prod_other",
    "h_prop_dividends",
    "h_prop_land_rent",
    "h_prop_other",
    "h_trans_family_planning",
    "h_trans_dibao",
    "h_trans_tekun",
    "h_trans_pension",
    "h_trans_eco",
    "h_trans_other",
)
CURRENT_MEMBER = ("1", "4")


class SubmissionUnreadable(ValueError):  # noqa: N818  (a result for the caller to show)
    pass


@dataclass(frozen=True)
class Submission:
    form_id: str
    version: str
    instance_id: str
    values: dict[str, str]
    repeats: dict[str, list[dict[str, str]]]  # repeat name → one dict per instance

    def get(self, name: str) -> str | None:
        return self.values.get(name)


def read_submission(xml: bytes, schema: FormSchema) -> Submission:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False
    )
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        raise SubmissionUnreadable(str(error)) from error
    repeat_paths = {r.path: r.name for r in schema.repeats}
    root_path = f"/{etree.QName(root).localname}"
    values: dict[str, str] = {}
    repeats: dict[str, list[dict[str, str]]] = {name: [] for name in repeat_paths.values()}

    def walk(node: etree._Element, path: str, target: dict[str, str]) -> None:
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            child_path = f"{path}/{name}"
            if child_path in repeat_paths:
                row: dict[str, str] = {}
                walk(child, child_path, row)
                repeats[repeat_paths[child_path]].append(row)
            elif len(child):
                walk(child, child_path, target)
            else:
                target[name] = (child.text or "").strip()

    walk(root, root_path, values)
    return Submission(
        form_id=root.get("id", ""),
        version=root.get("version", ""),
        instance_id=values.get("instanceID", ""),
        values=values,
        repeats=repeats,
    )


def _number(text: str | None) -> Decimal:
    try:
        return Decimal(text) if text not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True)
class IncomeCheck:
    current_members: int
    net_income: Decimal
    per_capita: Decimal | None
    submitted_net_income: str | None
    submitted_per_capita: str | None

    @property
    def per_capita_matches(self) -> bool:
        if self.per_capita is None or self.submitted_per_capita in (None, ""):
            return self.per_capita is None and self.submitted_per_capita in (None, "")
        return abs(_number(self.submitted_per_capita) - self.per_capita) < Decimal("0.01")


def income_check(submission: Submission) -> IncomeCheck:
    members = submission.repeats.get("members", [])
    current = sum(1 for m in members if m.get("m_status") in CURRENT_MEMBER)
    net = sum((_number(submission.get(item)) for item in INCOME_ITEMS), Decimal(0)) - _number(
        submission.get("h_expenditure")
    )
    per_capita = (
        (net / current).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if current else None
    )
    return IncomeCheck(
        current_members=current,
        net_income=net,
        per_capita=per_capita,
        submitted_net_income=submission.get("h_net_income"),
        submitted_per_capita=submission.get("h_per_capita"),
    )
