"""Field schemas the rule book is checked against (pure: no ORM, no HTTP).

A schema maps each questionnaire field name to its XLSForm type and its level: a
household field, a member field (inside the ``members`` repeat) or a village field.  The
rule book resolves every ``${name}`` against it and takes the value type from it, because
every value arrives as an XForm string: ``"12"`` is a number only because the field is
an integer.

Invariants: a name belongs to one level only; every XLSForm type maps to exactly one
value type (:data:`VALUE_TYPES`); an unknown type is refused when the schema is built.
The questionnaire app's ``xform_schema`` produces the same mapping from a compiled form;
until then :mod:`povcensus.rules.builtin_schema` writes the built-in forms' fields out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Level(StrEnum):
    HOUSEHOLD = "household"
    MEMBER = "member"
    VILLAGE = "village"


class ValueType(StrEnum):
    BOOL = "bool"  # results of comparisons and tests; never a field type
    NUMBER = "number"  # int, decimal: float64 in both execution paths
    STRING = "string"  # text, select_one codes, geopoint, image file names …
    MULTI = "multi"  # select_multiple: space-separated codes
    DATE = "date"  # YYYY-MM-DD


VALUE_TYPES: dict[str, ValueType] = {
    **dict.fromkeys(("int", "integer", "decimal", "range"), ValueType.NUMBER),
    **dict.fromkeys(("select_multiple", "select", "rank"), ValueType.MULTI),
    "date": ValueType.DATE,
    **dict.fromkeys(
        (
            "text",
            "string",
            "select_one",
            "select1",
            "select_one_from_file",
            "barcode",
            "geopoint",
            "geotrace",
            "geoshape",
            "image",
            "audio",
            "video",
            "file",
            "binary",
            "note",
            "acknowledge",
            "datetime",
            "dateTime",
            "time",
            "start",
            "end",
            "today",
            "deviceid",
            "username",
            "phonenumber",
            "email",
        ),
        ValueType.STRING,
    ),
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str  # the XLSForm type, e.g. "integer", "select_one", "calculate:decimal" → "decimal"
    level: Level

    @property
    def value_type(self) -> ValueType:
        return VALUE_TYPES[self.type]


class Schema:
    """The fields a rule book may reference, by name and level.

    Household and member fields come from one form (the household questionnaire), so a
    name is either one or the other; village fields come from another form and may reuse
    a name (``start``, ``end``): a village-level expression sees only village fields, a
    household- or member-level expression never sees them.
    """

    def __init__(self, fields: Mapping[Level, Mapping[str, FieldSpec]]) -> None:
        self.by_level: dict[Level, dict[str, FieldSpec]] = {
            level: dict(fields.get(level, {})) for level in Level
        }
        clash = set(self.by_level[Level.HOUSEHOLD]) & set(self.by_level[Level.MEMBER])
        if clash:
            raise ValueError(f"fields on both household and member level: {sorted(clash)}")

    @classmethod
    def from_levels(
        cls,
        *,
        household: Mapping[str, str],
        member: Mapping[str, str] | None = None,
        village: Mapping[str, str] | None = None,
    ) -> Schema:
        """Build a schema from ``{name: XLSForm type}`` per level.

        ``calculate:<type>`` names a calculation whose value has ``<type>``.
        """
        fields: dict[Level, dict[str, FieldSpec]] = {}
        for level, mapping in (
            (Level.HOUSEHOLD, household),
            (Level.MEMBER, member or {}),
            (Level.VILLAGE, village or {}),
        ):
            specs = fields.setdefault(level, {})
            for name, xls_type in mapping.items():
                base = xls_type.split(":", 1)[1] if xls_type.startswith("calculate:") else xls_type
                if base not in VALUE_TYPES:
                    raise ValueError(f"field {name!r}: unknown XLSForm type {xls_type!r}")
                specs[name] = FieldSpec(name, base, level)
        return cls(fields)

    def lookup(self, name: str, scope: Level) -> FieldSpec | None:
        """The field ``name`` as seen from an expression at level ``scope``."""
        if scope == Level.VILLAGE:
            return self.by_level[Level.VILLAGE].get(name)
        return self.by_level[Level.MEMBER].get(name) or self.by_level[Level.HOUSEHOLD].get(name)

    def any_level(self, name: str) -> FieldSpec | None:
        for level in Level:
            spec = self.by_level[level].get(name)
            if spec is not None:
                return spec
        return None

    def names(self, level: Level) -> list[str]:
        return list(self.by_level[level])

    def __len__(self) -> int:
        return sum(len(specs) for specs in self.by_level.values())


# XForm bind types → the XLSForm types above (a select's kind decides over its bind type).
_BIND_TYPES = {
    "int": "integer",
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "string": "text",
    "geopoint": "geopoint",
    "geotrace": "geotrace",
    "geoshape": "geoshape",
    "binary": "image",
    "dateTime": "datetime",
    "time": "time",
    "barcode": "barcode",
}
_SKIPPED_KINDS = frozenset({"group", "repeat", "note", "meta", "trigger"})


def schema_from_forms(
    *,
    household: Any = None,
    village: Any = None,
    calculation_types: Mapping[str, str] | None = None,
) -> Schema:
    """The rule schema of compiled forms (``questionnaires.xform_schema.FormSchema``).

    Household-form fields inside a repeat are member fields, the others household fields;
    every village-form field is a village field.  Groups, notes and meta nodes are left out.
    A calculation bound as ``string`` (XLSForm's default for calculate) takes its value
    type from ``calculation_types`` (``{"h_size": "integer"}``): the field dictionary says
    what a calculation computes.
    """
    calculation_types = calculation_types or {}

    def levels(form: Any, *, repeats_are_members: bool) -> tuple[dict[str, str], dict[str, str]]:
        outside: dict[str, str] = {}
        inside: dict[str, str] = {}
        fields: Iterable[Any] = form.fields if form is not None else ()
        for field in fields:
            if field.kind in _SKIPPED_KINDS:
                continue
            if field.kind in ("select_one", "select_multiple"):
                xls_type = field.kind
            elif field.kind == "calculate" and field.type == "string":
                xls_type = calculation_types.get(field.name, "text")
            else:
                xls_type = _BIND_TYPES.get(field.type, "text")
            target = inside if (field.repeat and repeats_are_members) else outside
            target[field.name] = xls_type
        return outside, inside

    household_fields, member_fields = levels(household, repeats_are_members=True)
    village_fields, _ = levels(village, repeats_are_members=False)
    return Schema.from_levels(
        household=household_fields, member=member_fields, village=village_fields
    )
