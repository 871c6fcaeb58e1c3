"""The column mapping of a register import: which header holds which field (pure).

Invariants:

* the set of fields is fixed here (:data:`FIELDS`); a mapping file only says which header
  texts stand for a field, whether it is required, and extra spellings of coded values;
* every header text maps to exactly one field (a text claimed by two fields is refused);
* coded fields accept the code, its zero-padded or unpadded form, the official Chinese and
  English labels of ``register.codelists`` and the mapping's synonyms: :func:`value_codes`
  gives that complete table, so parsing never guesses.

The default mapping is ``mappings/default.yaml`` (documented in docs/register-import.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from povcensus.core.spreadsheets import header_key
from povcensus.register import codelists

DEFAULT_MAPPING = Path(__file__).resolve().parent / "mappings" / "default.yaml"


class Level(StrEnum):
    HOUSEHOLD = "household"  # repeated on each member row; taken from the head's row
    MEMBER = "member"


class Kind(StrEnum):
    TEXT = "text"
    AREA_CODE = "area_code"  # a statistical division code
    CODE = "code"  # one value of a code list
    CODES = "codes"  # several values of a code list (其他致贫原因)
    COUNT = "count"  # a small whole number
    YEAR = "year"
    ID_NUMBER = "id_number"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str | Promise
    level: Level
    kind: Kind = Kind.TEXT
    max_length: int = 50
    code_list: str = ""
    low: int = 0
    high: int = 0


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("county_name", _("县（市、区）"), Level.HOUSEHOLD),
    FieldSpec("county_code", _("县代码"), Level.HOUSEHOLD, Kind.AREA_CODE, 12),
    FieldSpec("township_name", _("乡（镇）"), Level.HOUSEHOLD),
    FieldSpec("township_code", _("乡代码"), Level.HOUSEHOLD, Kind.AREA_CODE, 12),
    FieldSpec("village_name", _("行政村"), Level.HOUSEHOLD),
    FieldSpec("village_code", _("村代码"), Level.HOUSEHOLD, Kind.AREA_CODE, 12),
    FieldSpec("group_name", _("村民小组"), Level.HOUSEHOLD),
    FieldSpec("group_code", _("组代码"), Level.HOUSEHOLD, Kind.TEXT, 15),
    FieldSpec("natural_village", _("自然村"), Level.HOUSEHOLD),
    FieldSpec("number", _("户编号"), Level.HOUSEHOLD, Kind.TEXT, 40),
    FieldSpec("head_name", _("户主姓名"), Level.HOUSEHOLD),
    FieldSpec("size_registered", _("家庭人口数"), Level.HOUSEHOLD, Kind.COUNT, low=0, high=99),
    FieldSpec("phone", _("联系电话"), Level.HOUSEHOLD, Kind.TEXT, 20),
    FieldSpec(
        "identification_standard",
        _("识别标准"),
        Level.HOUSEHOLD,
        Kind.CODE,
        code_list="identification_standard",
    ),
    FieldSpec("attribute", _("贫困户属性"), Level.HOUSEHOLD, Kind.CODE, code_list="attribute"),
    FieldSpec("exit_status", _("脱贫状态"), Level.HOUSEHOLD, Kind.CODE, code_list="exit_status"),
    FieldSpec(
        "identified_year", _("建档立卡年份"), Level.HOUSEHOLD, Kind.YEAR, low=1980, high=2100
    ),
    FieldSpec("exit_year", _("脱贫年度"), Level.HOUSEHOLD, Kind.YEAR, low=1980, high=2100),
    FieldSpec(
        "main_cause", _("主要致贫原因"), Level.HOUSEHOLD, Kind.CODE, code_list="poverty_cause"
    ),
    FieldSpec(
        "other_causes", _("其他致贫原因"), Level.HOUSEHOLD, Kind.CODES, code_list="poverty_cause"
    ),
    FieldSpec("name", _("姓名"), Level.MEMBER),
    FieldSpec("sex", _("性别"), Level.MEMBER, Kind.CODE, code_list="sex"),
    FieldSpec("id_type", _("证件类型"), Level.MEMBER, Kind.CODE, code_list="id_type"),
    FieldSpec("id_number", _("证件号码"), Level.MEMBER, Kind.ID_NUMBER, 22),
    FieldSpec("relation", _("与户主关系"), Level.MEMBER, Kind.CODE, code_list="relation"),
    FieldSpec("ethnicity", _("民族"), Level.MEMBER, Kind.CODE, code_list="ethnicity"),
    FieldSpec("education", _("文化程度"), Level.MEMBER, Kind.CODE, code_list="education"),
    FieldSpec(
        "student_status", _("在校生状况"), Level.MEMBER, Kind.CODE, code_list="student_status"
    ),
    FieldSpec("health", _("健康状况"), Level.MEMBER, Kind.CODE, code_list="health"),
    FieldSpec("labour_skill", _("劳动技能"), Level.MEMBER, Kind.CODE, code_list="labour_skill"),
    FieldSpec("work_status", _("务工状况"), Level.MEMBER, Kind.CODE, code_list="work_status"),
    FieldSpec("work_months", _("务工时间（月）"), Level.MEMBER, Kind.COUNT, low=0, high=12),
)
FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}


class MappingError(ValueError):
    """The mapping file is not a valid mapping (reason in English for the log)."""


@dataclass(frozen=True)
class Mapping:
    headers: dict[str, tuple[str, ...]]  # field -> accepted header texts (normalised)
    required: frozenset[str]
    synonyms: dict[str, dict[str, str]] = field(default_factory=dict)  # code list -> text -> code

    def lookup(self) -> dict[str, str]:
        """Normalised header text -> field name."""
        return {text: name for name, texts in self.headers.items() for text in texts}

    def label(self, name: str) -> str:
        spec = FIELDS_BY_NAME.get(name)
        return str(spec.label) if spec else name

    def value_codes(self, code_list: str) -> dict[str, str]:
        """Every accepted spelling of a code list's values -> the code."""
        return value_codes(codelists.ALL_LISTS[code_list], self.synonyms.get(code_list, {}))


def value_codes(code_list: codelists.CodeList, synonyms: dict[str, str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for code, (zh, en) in code_list.items():
        for spelling in (zh, en, en.lower(), zh.removeprefix("之")):
            table.setdefault(spelling, code)
    for spelling, code in synonyms.items():
        table[spelling] = code
    for code in code_list:  # codes last: they always mean themselves
        table[code] = code
        if code.isdigit():
            table.setdefault(code.lstrip("0") or "0", code)
    return table


def parse_mapping(text: str) -> Mapping:
    """Parse a mapping file's YAML; raise :class:`MappingError` on anything unexpected."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"not YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("fields"), dict):
        raise MappingError("the mapping needs a 'fields' section")
    headers: dict[str, tuple[str, ...]] = {}
    required: set[str] = set()
    owner: dict[str, str] = {}
    for name, entry in document["fields"].items():
        if name not in FIELDS_BY_NAME:
            raise MappingError(f"unknown field {name!r}")
        entry = entry or {}
        if not isinstance(entry, dict):
            raise MappingError(f"field {name!r}: expected headers/required")
        texts = entry.get("headers") or []
        if not isinstance(texts, list) or not all(isinstance(t, str | int) for t in texts):
            raise MappingError(f"field {name!r}: headers must be a list of texts")
        normalised = tuple(dict.fromkeys(header_key(str(t)) for t in texts if str(t).strip()))
        for text in normalised:
            if text in owner and owner[text] != name:
                raise MappingError(f"header {text!r} claimed by {owner[text]!r} and {name!r}")
            owner[text] = name
        headers[name] = normalised
        if entry.get("required"):
            required.add(name)
    for must in ("number", "village_code", "name", "relation"):
        if must not in headers or not headers[must]:
            raise MappingError(f"field {must!r} needs at least one header")
    required |= {"number", "village_code", "name", "relation"}
    synonyms: dict[str, dict[str, str]] = {}
    for list_name, table in (document.get("synonyms") or {}).items():
        if list_name not in codelists.ALL_LISTS:
            raise MappingError(f"synonyms for unknown code list {list_name!r}")
        if not isinstance(table, dict):
            raise MappingError(f"synonyms of {list_name!r} must be a table")
        known = codelists.ALL_LISTS[list_name]
        clean: dict[str, str] = {}
        for spelling, code in table.items():
            if str(code) not in known:
                raise MappingError(f"synonym {spelling!r} of {list_name!r}: no code {code!r}")
            clean[str(spelling).strip()] = str(code)
        synonyms[list_name] = clean
    return Mapping(headers=headers, required=frozenset(required), synonyms=synonyms)


def load_mapping(path: Path | None = None) -> Mapping:
    return parse_mapping((path or DEFAULT_MAPPING).read_text(encoding="utf-8"))


def describe(mapping: Mapping) -> list[dict[str, Any]]:
    """The mapping as rows for documentation and the upload page."""
    return [
        {
            "field": spec.name,
            "label": spec.label,
            "headers": mapping.headers.get(spec.name, ()),
            "required": spec.name in mapping.required,
            "level": spec.level,
        }
        for spec in FIELDS
    ]
