"""Rule books: load YAML, validate everything, produce typed rules (pure: no ORM, no HTTP).

A rule book is one or more YAML documents (the built-in one is ``builtin/household.yaml``
and ``builtin/village.yaml``) that share a ``version``.  Invariants:

* Loading either returns a complete :class:`RuleBook` or raises one
  ``ApplicationError``: the first problem's code (``rules.syntax``,
  ``rules.unknown_field``, ``rules.unknown_function``, ``rules.type``, ``rules.level``,
  ``rules.format``, ``rules.duplicate``, ``rules.yaml``, ``rules.version_mismatch``)
  with the file, the YAML line, the rule id, the part and the line/column inside the
  expression, and every problem found in ``details["errors"]``.  Nothing half-valid is
  returned.
* Every name is resolved (fields against the :class:`~povcensus.rules.schema.Schema`,
  context values, definitions, collections, indicators, functions) and every
  expression is typed before any data is seen, so the engines never fail on a rule.
* Levels are enforced: a household rule reaches member values only through
  count/sum/min/max/any/all; a village rule sees only village fields.

See docs/rules.md for the format an office edits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import yaml
from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ApplicationError, ErrorCode
from povcensus.rules import errors, ir
from povcensus.rules import expressions as syn
from povcensus.rules.schema import Level, Schema, ValueType


class Severity(StrEnum):
    HARD = "hard"  # 必要审核关系: must pass
    SOFT = "soft"  # 核实性审核关系: must be verified and explained


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"  # ``when`` not true, or the check had no value


RULE_LEVELS = ("household", "member", "village", "cross")
UNIT_LEVELS = {"household": Level.HOUSEHOLD, "member": Level.MEMBER, "village": Level.VILLAGE}
MEMBERS = "members"  # the collection of every member row

TYPE_LABELS = {
    ValueType.BOOL: _("真假值"),
    ValueType.NUMBER: _("数字"),
    ValueType.STRING: _("文本/代码"),
    ValueType.MULTI: _("多选"),
    ValueType.DATE: _("日期"),
}
CONTEXT_TYPES = {
    "number": ValueType.NUMBER,
    "decimal": ValueType.NUMBER,
    "integer": ValueType.NUMBER,
    "int": ValueType.NUMBER,
    "date": ValueType.DATE,
    "text": ValueType.STRING,
    "string": ValueType.STRING,
}
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_NAME_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_DATE_LITERAL = re.compile(r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$")
_PLACEHOLDER = re.compile(r"\$?\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Text:
    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A value shown in a message: a field's raw text, a context value, a definition, ``member``."""

    name: str
    expr: ir.Expr | None  # None for ``member``
    raw: bool  # a field or context value: shown as written, blank/missing marked


MessagePart = str | Placeholder


@dataclass(frozen=True, slots=True)
class Message:
    zh: tuple[MessagePart, ...]
    en: tuple[MessagePart, ...]
    zh_text: str
    en_text: str

    def placeholders(self) -> list[Placeholder]:
        return [p for p in (*self.zh, *self.en) if isinstance(p, Placeholder)]


@dataclass(frozen=True, slots=True)
class ContextSpec:
    name: str
    type: ValueType
    default: str | None
    label: Text | None


@dataclass(frozen=True, slots=True)
class DefinitionSpec:
    name: str
    expr: ir.Expr
    level: Level
    text: str


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    label: Text
    when: ir.Expr | None
    when_text: str


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    level: str  # household | member | village | cross, as written
    unit: Level  # the rows it runs over
    severity: Severity
    title: Text
    when: ir.Expr | None
    expression: ir.Expr
    on_null: Status
    message: Message
    fields: tuple[str, ...]
    derived: tuple[str, ...]
    group: str
    note: Text | None
    source: str
    line: int
    when_text: str
    expression_text: str


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    text: str


@dataclass(frozen=True)
class RuleBook:
    version: str
    title: Text
    schema: Schema
    context: dict[str, ContextSpec]
    definitions: dict[str, DefinitionSpec]  # in dependency order
    indicators: tuple[Indicator, ...]
    rules: tuple[Rule, ...]
    sources: tuple[Source, ...]
    digest: str
    aggregates: dict[str, ir.Aggregate] = field(default_factory=dict)
    census_counts: dict[str, ir.CensusCount] = field(default_factory=dict)

    def rules_for(self, unit: Level) -> list[Rule]:
        return [rule for rule in self.rules if rule.unit == unit]

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def indicator_rules(self, indicator: str) -> list[Rule]:
        return [rule for rule in self.rules if indicator in rule.derived]

    def counts(self) -> dict[str, int]:
        hard = sum(1 for rule in self.rules if rule.severity == Severity.HARD)
        return {"rules": len(self.rules), "hard": hard, "soft": len(self.rules) - hard}


# ---- loading ----------------------------------------------------------------------------------


@dataclass
class _Where:
    """Where a piece of text sits: file, YAML line, owner (rule id / definition), part."""

    file: str
    line: int
    owner: str
    part: str

    def label(self) -> str:
        return f"{self.file}:{self.line} {self.owner} {self.part}".strip()


class _Problems:
    def __init__(self) -> None:
        self.items: list[ApplicationError] = []

    def add(self, error: ErrorCode, where: _Where, **details: Any) -> None:
        self.items.append(
            ApplicationError(
                error,
                where=where.label(),
                file=where.file,
                yaml_line=where.line,
                owner=where.owner,
                part=where.part,
                **details,
            )
        )

    def add_expression(self, problem: syn.ExpressionError, where: _Where, text: str) -> None:
        line, column = syn.line_column(text, problem.pos)
        self.add(problem.error, where, line=line, column=column, **problem.details)


def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> list[str]:
    """Record the 1-based YAML line of every value by path; return duplicate-key paths."""
    out[path] = node.start_mark.line + 1
    duplicates: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key, value in node.value:
            name = key.value
            if name in seen:
                duplicates.append(f"{key.start_mark.line + 1}:{name}")
            seen.add(name)
            duplicates.extend(_lines(value, (*path, name), out))
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            duplicates.extend(_lines(value, (*path, index), out))
    return duplicates


@dataclass
class _Part:
    name: str
    data: dict[str, Any]
    lines: dict[tuple[Any, ...], int]

    def line(self, *path: Any) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


_TOP_KEYS = {"version", "title", "context", "definitions", "indicators", "rules"}
_RULE_KEYS = {
    "id",
    "level",
    "unit",
    "severity",
    "title",
    "when",
    "expression",
    "on_null",
    "message",
    "fields",
    "derived",
    "group",
    "note",
}


def _read_part(name: str, text: str, problems: _Problems) -> _Part | None:
    where = _Where(name, 1, "", "")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.items.append(
            ApplicationError(
                errors.YAML,
                file=name,
                line=(mark.line + 1) if mark else 1,
                reason=str(getattr(error, "problem", "") or error),
            )
        )
        return None
    if not isinstance(data, dict) or node is None:
        problems.add(errors.FORMAT, where, reason=_("文件应为一个映射（version、rules 等键）"))
        return None
    lines: dict[tuple[Any, ...], int] = {}
    for duplicate in _lines(node, (), lines):
        line, key = duplicate.split(":", 1)
        problems.add(errors.DUPLICATE, _Where(name, int(line), "", ""), name=key)
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        problems.add(
            errors.FORMAT,
            where,
            reason=_("未知的键 %(keys)s") % {"keys": ", ".join(unknown)},
        )
    return _Part(name, data, lines)


def _text(value: Any) -> Text | None:
    if isinstance(value, dict) and isinstance(value.get("zh"), str):
        en = value.get("en")
        return Text(value["zh"], en if isinstance(en, str) else value["zh"])
    if isinstance(value, str):
        return Text(value, value)
    return None


def _digest(sources: Sequence[Source]) -> str:
    hasher = hashlib.sha256()
    for source in sources:
        hasher.update(source.name.encode() + b"\0" + source.text.encode() + b"\0")
    return hasher.hexdigest()


def load_rulebook(sources: Iterable[tuple[str, str]], *, schema: Schema) -> RuleBook:
    """Load and validate a rule book from ``(file name, YAML text)`` pairs.

    Raises ``ApplicationError`` with the first problem's code and every problem in
    ``details["errors"]`` (see the module docstring).
    """
    loader = _Loader(schema, [Source(name, text) for name, text in sources])
    return loader.load()


class _Loader:
    def __init__(self, schema: Schema, sources: list[Source]) -> None:
        self.schema = schema
        self.sources = sources
        self.problems = _Problems()
        self.context: dict[str, ContextSpec] = {}
        self.definition_sources: dict[str, tuple[str, _Where]] = {}
        self.definitions: dict[str, DefinitionSpec] = {}
        self.resolving: list[str] = []
        self.failed_definitions: set[str] = set()
        self.indicator_ids: dict[str, _Where] = {}
        self.aggregates: dict[str, ir.Aggregate] = {}
        self.census_counts: dict[str, ir.CensusCount] = {}

    def load(self) -> RuleBook:
        parts = [
            part
            for source in self.sources
            if (part := _read_part(source.name, source.text, self.problems)) is not None
        ]
        if not self.sources:
            self.problems.add(errors.FORMAT, _Where("", 1, "", ""), reason=_("没有规则库文件"))
        versions = {str(p.data.get("version", "")).strip() for p in parts}
        for part in parts:
            if not str(part.data.get("version", "")).strip():
                self.problems.add(
                    errors.FORMAT,
                    _Where(part.name, 1, "", "version"),
                    reason=_("缺少版本号 version"),
                )
        versions.discard("")
        if len(versions) > 1:
            self.problems.items.append(
                ApplicationError(errors.VERSION_MISMATCH, versions=", ".join(sorted(versions)))
            )
        title = next((t for p in parts if (t := _text(p.data.get("title")))), None)

        for part in parts:
            self._collect_context(part)
        for part in parts:
            self._collect_definitions(part)
        for part in parts:
            self._collect_indicator_ids(part)
        for name in list(self.definition_sources):
            self._definition(name)
        indicators = [ind for part in parts for ind in self._indicators(part)]
        rules: list[Rule] = []
        seen: dict[str, _Where] = {}
        for part in parts:
            for rule in self._rules(part, seen):
                rules.append(rule)

        if self.problems.items:
            first = self.problems.items[0]
            raise ApplicationError(
                first.error,
                **first.details,
                errors=[problem.as_dict() for problem in self.problems.items],
                count=len(self.problems.items),
            )
        return RuleBook(
            version=next(iter(versions)),
            title=title or Text("审核规则库", "Rule book"),
            schema=self.schema,
            context=self.context,
            definitions=self.definitions,
            indicators=tuple(indicators),
            rules=tuple(rules),
            sources=tuple(self.sources),
            digest=_digest(self.sources),
            aggregates=self.aggregates,
            census_counts=self.census_counts,
        )

    # ---- sections ---------------------------------------------------------------------------

    def _collect_context(self, part: _Part) -> None:
        raw = part.data.get("context") or {}
        if not isinstance(raw, dict):
            self.problems.add(
                errors.FORMAT,
                _Where(part.name, part.line("context"), "context", ""),
                reason=_("context 应为“名称: 类型”的映射"),
            )
            return
        for name, spec in raw.items():
            where = _Where(part.name, part.line("context", name), f"context {name}", "")
            type_name, default, label = spec, None, None
            if isinstance(spec, dict):
                type_name = spec.get("type")
                default = None if spec.get("default") is None else str(spec["default"])
                label = _text(spec.get("label"))
            if not isinstance(name, str) or not _NAME_PATTERN.match(name):
                self.problems.add(
                    errors.FORMAT, where, reason=_("名称只能用小写字母、数字和下划线")
                )
                continue
            if type_name not in CONTEXT_TYPES:
                self.problems.add(
                    errors.FORMAT,
                    where,
                    reason=_("类型应为 number、date 或 text，而不是“%(type)s”")
                    % {"type": type_name},
                )
                continue
            if name in self.context:
                self.problems.add(errors.DUPLICATE, where, name=name)
                continue
            self.context[name] = ContextSpec(name, CONTEXT_TYPES[type_name], default, label)

    def _collect_definitions(self, part: _Part) -> None:
        raw = part.data.get("definitions") or {}
        if not isinstance(raw, dict):
            self.problems.add(
                errors.FORMAT,
                _Where(part.name, part.line("definitions"), "definitions", ""),
                reason=_("definitions 应为“名称: 表达式”的映射"),
            )
            return
        for name, text in raw.items():
            where = _Where(part.name, part.line("definitions", name), f"definition {name}", "")
            if not isinstance(name, str) or not _NAME_PATTERN.match(name) or name == MEMBERS:
                self.problems.add(
                    errors.FORMAT, where, reason=_("名称只能用小写字母、数字和下划线")
                )
                continue
            if (
                name in self.definition_sources
                or name in self.context
                or self.schema.any_level(name) is not None
            ):
                self.problems.add(errors.DUPLICATE, where, name=name)
                continue
            if not isinstance(text, str | int | float):
                self.problems.add(errors.FORMAT, where, reason=_("定义应为一个表达式"))
                continue
            self.definition_sources[name] = (str(text), where)

    def _collect_indicator_ids(self, part: _Part) -> None:
        raw = part.data.get("indicators") or []
        if not isinstance(raw, list):
            return
        for index, item in enumerate(raw):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                where = _Where(part.name, part.line("indicators", index), item["id"], "")
                if item["id"] in self.indicator_ids:
                    self.problems.add(errors.DUPLICATE, where, name=item["id"])
                self.indicator_ids[item["id"]] = where

    def uses_aggregate(self, expr: ir.Expr) -> bool:
        """Whether ``expr`` (through definitions too) uses an aggregate or a census count."""
        for node in ir.walk(expr):
            if isinstance(node, ir.Aggregate | ir.CensusCount):
                return True
            if isinstance(node, ir.Definition):
                spec = self.definitions.get(node.name)
                if spec is not None and self.uses_aggregate(spec.expr):
                    return True
        return False

    def _definition(self, name: str) -> DefinitionSpec | None:
        if name in self.definitions:
            return self.definitions[name]
        if name in self.failed_definitions or name not in self.definition_sources:
            return None
        text, where = self.definition_sources[name]
        if name in self.resolving:
            cycle = " → ".join([*self.resolving[self.resolving.index(name) :], name])
            self.problems.add(
                errors.FORMAT, where, reason=_("定义循环引用：%(cycle)s") % {"cycle": cycle}
            )
            self.failed_definitions.add(name)
            return None
        self.resolving.append(name)
        try:
            where = _Where(where.file, where.line, where.owner, "expression")
            tree = self._parse(text, where)
            if tree is None:
                self.failed_definitions.add(name)
                return None
            scope = self._definition_scope(tree)
            resolver = _Resolver(self, scope, where, text, allow_assured=False)
            expr = resolver.resolve_or_report(tree)
            if expr is None:
                self.failed_definitions.add(name)
                return None
            if scope == Level.VILLAGE:
                level = Level.VILLAGE
            elif resolver.member_values:
                level = Level.MEMBER
            else:
                level = Level.HOUSEHOLD
            spec = DefinitionSpec(name, expr, level, text)
            self.definitions[name] = spec
            return spec
        finally:
            self.resolving.pop()

    def _definition_scope(self, tree: syn.Node) -> Level:
        """A definition is village-level when it names only village fields."""
        names = syn.field_names(tree)
        fields = [n for n in names if n not in self.context and n not in self.definition_sources]
        if fields and all(
            self.schema.lookup(n, Level.VILLAGE) and not self.schema.lookup(n, Level.MEMBER)
            for n in fields
        ):
            return Level.VILLAGE
        for n in names:
            if n in self.definition_sources and n not in self.resolving:
                spec = self._definition(n)
                if spec is not None and spec.level == Level.VILLAGE:
                    return Level.VILLAGE
        return Level.MEMBER

    def _indicators(self, part: _Part) -> list[Indicator]:
        raw = part.data.get("indicators") or []
        if not isinstance(raw, list):
            self.problems.add(
                errors.FORMAT,
                _Where(part.name, part.line("indicators"), "indicators", ""),
                reason=_("indicators 应为列表"),
            )
            return []
        found: list[Indicator] = []
        for index, item in enumerate(raw):
            where = _Where(part.name, part.line("indicators", index), f"indicator {index + 1}", "")
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                self.problems.add(errors.FORMAT, where, reason=_("每个指标须有 id"))
                continue
            where.owner = item["id"]
            label = _text(item.get("label"))
            if label is None:
                self.problems.add(errors.FORMAT, where, reason=_("缺少 label（zh、en）"))
                continue
            when_text = str(item.get("when") or "").strip()
            when = None
            if when_text:
                when = self._expression(
                    when_text,
                    _Where(part.name, part.line("indicators", index, "when"), item["id"], "when"),
                    Level.HOUSEHOLD,
                    want=ValueType.BOOL,
                    allow_assured=False,
                )
                if when is None:
                    continue
            found.append(Indicator(item["id"], label, when, when_text))
        return found

    def _rules(self, part: _Part, seen: dict[str, _Where]) -> list[Rule]:
        raw = part.data.get("rules") or []
        if not isinstance(raw, list):
            self.problems.add(
                errors.FORMAT,
                _Where(part.name, part.line("rules"), "rules", ""),
                reason=_("rules 应为列表"),
            )
            return []
        rules: list[Rule] = []
        for index, item in enumerate(raw):
            where = _Where(part.name, part.line("rules", index), f"rule {index + 1}", "")
            if not isinstance(item, dict):
                self.problems.add(errors.FORMAT, where, reason=_("每条规则应为一个映射"))
                continue
            rule = self._rule(part, index, item, where, seen)
            if rule is not None:
                rules.append(rule)
        return rules

    def _rule(
        self, part: _Part, index: int, item: dict[str, Any], where: _Where, seen: dict[str, _Where]
    ) -> Rule | None:
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not _ID_PATTERN.match(rule_id):
            self.problems.add(
                errors.FORMAT, where, reason=_("规则编号 id 缺失或格式不对（如 ID-01）")
            )
            return None
        where.owner = rule_id
        if rule_id in seen:
            self.problems.add(errors.DUPLICATE, where, name=rule_id)
            return None
        seen[rule_id] = where
        ok = True
        unknown = sorted(set(map(str, item)) - _RULE_KEYS)
        if unknown:
            self.problems.add(
                errors.FORMAT, where, reason=_("未知的键 %(keys)s") % {"keys": ", ".join(unknown)}
            )
            ok = False

        def at(key: str) -> _Where:
            return _Where(part.name, part.line("rules", index, key), rule_id, key)

        level = item.get("level")
        if level not in RULE_LEVELS:
            self.problems.add(
                errors.FORMAT,
                at("level"),
                reason=_("level 应为 household、member、village 或 cross"),
            )
            return None
        if level == "cross":
            unit_name = item.get("unit")
            if unit_name not in UNIT_LEVELS:
                self.problems.add(
                    errors.FORMAT,
                    at("unit"),
                    reason=_("跨表规则须写明 unit：household、member 或 village"),
                )
                return None
            unit = UNIT_LEVELS[unit_name]
        else:
            unit = UNIT_LEVELS[level]
        try:
            severity = Severity(str(item.get("severity")))
        except ValueError:
            self.problems.add(errors.FORMAT, at("severity"), reason=_("severity 应为 hard 或 soft"))
            ok = False
            severity = Severity.HARD
        on_null_raw = item.get("on_null", Status.NOT_APPLICABLE.value)
        try:
            on_null = Status(on_null_raw)
        except ValueError:
            self.problems.add(
                errors.FORMAT,
                at("on_null"),
                reason=_("on_null 应为 passed、failed 或 not_applicable"),
            )
            ok = False
            on_null = Status.NOT_APPLICABLE
        derived_raw = item.get("derived") or []
        derived = tuple([derived_raw] if isinstance(derived_raw, str) else derived_raw)
        for name in derived:
            if name not in self.indicator_ids:
                self.problems.add(
                    errors.FORMAT,
                    at("derived"),
                    reason=_("没有名为“%(name)s”的指标（indicators）") % {"name": name},
                )
                ok = False
        if derived and unit == Level.VILLAGE:
            self.problems.add(errors.FORMAT, at("derived"), reason=_("村级规则不能推导住户指标"))
            ok = False

        expression_text = str(item.get("expression") or "").strip()
        if not expression_text:
            self.problems.add(errors.FORMAT, at("expression"), reason=_("缺少表达式 expression"))
            return None
        expression = self._expression(
            expression_text, at("expression"), unit, want=ValueType.BOOL, allow_assured=not derived
        )
        when_text = str(item.get("when") or "").strip()
        when = None
        if when_text:
            when = self._expression(
                when_text, at("when"), unit, want=ValueType.BOOL, allow_assured=not derived
            )
            ok = ok and when is not None
        message = self._message(item.get("message"), at("message"), unit)
        title = _text(item.get("title")) or Text(rule_id, rule_id)
        fields = self._fields(item, at("fields"), unit, [e for e in (expression, when) if e])
        if expression is None or message is None or fields is None or not ok:
            return None
        return Rule(
            id=rule_id,
            level=level,
            unit=unit,
            severity=severity,
            title=title,
            when=when,
            expression=expression,
            on_null=on_null,
            message=message,
            fields=fields,
            derived=derived,
            group=str(item.get("group") or ""),
            note=_text(item.get("note")),
            source=part.name,
            line=where.line,
            when_text=when_text,
            expression_text=expression_text,
        )

    def _fields(
        self, item: dict[str, Any], where: _Where, unit: Level, exprs: list[ir.Expr]
    ) -> tuple[str, ...] | None:
        raw = item.get("fields")
        if raw is None:
            return tuple(sorted(self.referenced_fields(exprs)))
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
            self.problems.add(errors.FORMAT, where, reason=_("fields 应为字段名列表"))
            return None
        for name in raw:
            if self.schema.lookup(name, unit) is None:
                self.problems.add(errors.UNKNOWN_FIELD, where, field=name, line=1, column=1)
                return None
        return tuple(raw)

    def referenced_fields(self, exprs: Iterable[ir.Expr]) -> set[str]:
        """Questionnaire fields ``exprs`` read, through definitions and collections too."""
        found: set[str] = set()
        for expr in exprs:
            for node in ir.walk(expr):
                if isinstance(node, ir.Field):
                    found.add(node.name)
                elif isinstance(node, ir.Definition) and node.name in self.definitions:
                    found |= self.referenced_fields([self.definitions[node.name].expr])
                if isinstance(node, ir.Aggregate | ir.CensusCount) and node.collection:
                    spec = self.definitions.get(node.collection)
                    if spec is not None:
                        found |= self.referenced_fields([spec.expr])
        return found

    def _message(self, raw: Any, where: _Where, unit: Level) -> Message | None:
        text = _text(raw)
        if text is None or not isinstance(raw, dict) or "en" not in raw:
            self.problems.add(errors.FORMAT, where, reason=_("message 须有中文 zh 和英文 en"))
            return None
        zh = self._template(
            text.zh, _Where(where.file, where.line, where.owner, "message.zh"), unit
        )
        en = self._template(
            text.en, _Where(where.file, where.line, where.owner, "message.en"), unit
        )
        if zh is None or en is None:
            return None
        return Message(zh, en, text.zh, text.en)

    def _template(self, text: str, where: _Where, unit: Level) -> tuple[MessagePart, ...] | None:
        parts: list[MessagePart] = []
        cursor = 0
        for match in _PLACEHOLDER.finditer(text):
            if match.start() > cursor:
                parts.append(text[cursor : match.start()])
            cursor = match.end()
            name = match.group(1)
            line, column = syn.line_column(text, match.start())
            if name == "member":
                if unit != Level.MEMBER:
                    self.problems.add(
                        errors.LEVEL,
                        where,
                        line=line,
                        column=column,
                        reason=_("只有成员级规则的消息可以使用 {member}"),
                    )
                    return None
                parts.append(Placeholder(name, None, raw=False))
                continue
            resolver = _Resolver(self, unit, where, text, allow_assured=False)
            try:
                expr = resolver.resolve(syn.FieldRef(match.start(), name), in_aggregate=False)
            except syn.ExpressionError as problem:
                self.problems.add_expression(problem, where, text)
                return None
            parts.append(Placeholder(name, expr, raw=isinstance(expr, ir.Field | ir.Context)))
        if cursor < len(text):
            parts.append(text[cursor:])
        return tuple(parts)

    # ---- expressions ------------------------------------------------------------------------

    def _parse(self, text: str, where: _Where) -> syn.Node | None:
        try:
            return syn.parse(text)
        except syn.ExpressionError as problem:
            self.problems.add_expression(problem, where, text)
            return None

    def _expression(
        self, text: str, where: _Where, scope: Level, *, want: ValueType, allow_assured: bool
    ) -> ir.Expr | None:
        tree = self._parse(text, where)
        if tree is None:
            return None
        resolver = _Resolver(self, scope, where, text, allow_assured=allow_assured)
        expr = resolver.resolve_or_report(tree)
        if expr is None:
            return None
        if expr.type != want:
            self.problems.add(
                errors.TYPE,
                where,
                line=1,
                column=1,
                reason=_("整个表达式应得出%(want)s，却得出%(got)s")
                % {"want": TYPE_LABELS[want], "got": TYPE_LABELS[expr.type]},
            )
            return None
        return expr


# ---- name resolution and type checking -------------------------------------------------------

_SCALAR_FUNCTIONS = {
    # name: (argument types, result type); None = any type
    "id_checksum_ok": ((ValueType.STRING,), ValueType.BOOL),
    "id_length": ((ValueType.STRING,), ValueType.NUMBER),
    "sex_from_id": ((ValueType.STRING,), ValueType.STRING),
    "len": ((ValueType.STRING,), ValueType.NUMBER),
    "abs": ((ValueType.NUMBER,), ValueType.NUMBER),
    "number": ((ValueType.STRING,), ValueType.NUMBER),
    "count_selected": ((ValueType.MULTI,), ValueType.NUMBER),
}
_AGGREGATES = frozenset({"count", "sum", "min", "max", "any", "all"})
FUNCTIONS = frozenset(
    {
        *_SCALAR_FUNCTIONS,
        *_AGGREGATES,
        "age_from_id",
        "birth_date_valid",
        "regex",
        "selected",
        "if",
        "coalesce",
        "is_empty",
        "is_missing",
        "census_count",
        "assured",
        "date",
        "true",
        "false",
        "not",
    }
)


class _Resolver:
    def __init__(
        self, loader: _Loader, scope: Level, where: _Where, text: str, *, allow_assured: bool
    ) -> None:
        self.loader = loader
        self.scope = scope
        self.where = where
        self.text = text
        self.allow_assured = allow_assured
        self.member_values = False  # a member value is used outside an aggregate

    def resolve_or_report(self, tree: syn.Node) -> ir.Expr | None:
        try:
            return self.resolve(tree, in_aggregate=False)
        except syn.ExpressionError as problem:
            self.loader.problems.add_expression(problem, self.where, self.text)
            return None

    def type_error(self, node: syn.Node, reason: Any) -> syn.ExpressionError:
        """A type error at the start of ``node`` (the operator, for a comparison)."""
        return syn.ExpressionError(errors.TYPE, _start(node), reason=reason)

    def expect(self, node: syn.Node, expr: ir.Expr, *types: ValueType) -> ir.Expr:
        if expr.type not in types:
            raise self.type_error(
                node,
                _("此处应为%(want)s，却是%(got)s")
                % {
                    "want": "/".join(str(TYPE_LABELS[t]) for t in types),
                    "got": TYPE_LABELS[expr.type],
                },
            )
        return expr

    def resolve(self, node: syn.Node, *, in_aggregate: bool) -> ir.Expr:
        match node:
            case syn.Number(value=value):
                return ir.Lit(ValueType.NUMBER, value)
            case syn.String(value=value):
                return ir.Lit(ValueType.STRING, value)
            case syn.FieldRef(name=name):
                return self.field(node, name, in_aggregate)
            case syn.NameRef(name=name):
                raise syn.ExpressionError(
                    errors.SYNTAX,
                    node.pos,
                    reason=_(
                        "“%(name)s”只能作为 count/sum/any/all 等函数的第一个参数；字段请写成 ${%(name)s}"
                    )
                    % {"name": name},
                )
            case syn.Unary(op="-", operand=operand):
                inner = self.expect(
                    operand, self.resolve(operand, in_aggregate=in_aggregate), ValueType.NUMBER
                )
                return ir.Neg(ValueType.NUMBER, inner)
            case syn.Unary(op="not", operand=operand):
                inner = self.expect(
                    operand, self.resolve(operand, in_aggregate=in_aggregate), ValueType.BOOL
                )
                return ir.Not(ValueType.BOOL, inner)
            case syn.Binary(op=op, left=left, right=right):
                return self.binary(node, op, left, right, in_aggregate)
            case syn.InList(operand=operand, items=items, negated=negated):
                return self.in_list(node, operand, items, negated, in_aggregate)
            case syn.Call(name=name, args=args):
                return self.call(node, name, args, in_aggregate)
        raise syn.ExpressionError(errors.SYNTAX, node.pos, reason=_("无法理解的表达式"))

    def field(self, node: syn.Node, name: str, in_aggregate: bool) -> ir.Expr:
        loader = self.loader
        if name in loader.context:
            return ir.Context(loader.context[name].type, name)
        if name in loader.definition_sources:
            spec = loader._definition(name)
            if spec is None:
                raise syn.ExpressionError(
                    errors.FORMAT, node.pos, reason=_("定义“%(name)s”有错误") % {"name": name}
                )
            self.check_level(node, name, spec.level, in_aggregate)
            return ir.Definition(spec.expr.type, name, spec.level)
        spec_field = loader.schema.lookup(name, self.scope)
        if spec_field is None:
            other = loader.schema.any_level(name)
            if other is not None:
                raise syn.ExpressionError(
                    errors.LEVEL,
                    node.pos,
                    reason=_("%(level)s级字段“%(field)s”不能用在%(scope)s级规则中")
                    % {
                        "level": _LEVEL_LABELS[other.level],
                        "field": name,
                        "scope": _LEVEL_LABELS[self.scope],
                    },
                )
            raise syn.ExpressionError(errors.UNKNOWN_FIELD, node.pos, field=name)
        self.check_level(node, name, spec_field.level, in_aggregate)
        return ir.Field(spec_field.value_type, name, spec_field.level)

    def check_level(self, node: syn.Node, name: str, level: Level, in_aggregate: bool) -> None:
        if level == Level.MEMBER and not in_aggregate:
            if self.scope == Level.HOUSEHOLD:
                raise syn.ExpressionError(
                    errors.LEVEL,
                    node.pos,
                    reason=_(
                        "成员字段“%(field)s”在住户级规则中只能出现在 count/sum/min/max/any/all(…) 之内"
                    )
                    % {"field": name},
                )
            self.member_values = True
        if (level == Level.VILLAGE) != (self.scope == Level.VILLAGE):
            raise syn.ExpressionError(
                errors.LEVEL,
                node.pos,
                reason=_("%(level)s级的“%(field)s”不能用在%(scope)s级规则中")
                % {
                    "level": _LEVEL_LABELS[level],
                    "field": name,
                    "scope": _LEVEL_LABELS[self.scope],
                },
            )

    def binary(
        self, node: syn.Node, op: str, left: syn.Node, right: syn.Node, in_aggregate: bool
    ) -> ir.Expr:
        a = self.resolve(left, in_aggregate=in_aggregate)
        b = self.resolve(right, in_aggregate=in_aggregate)
        if op in ("and", "or"):
            self.expect(left, a, ValueType.BOOL)
            self.expect(right, b, ValueType.BOOL)
            return ir.Logic(ValueType.BOOL, op, a, b)
        if op in ("+", "-", "*", "/", "mod"):
            self.expect(left, a, ValueType.NUMBER)
            self.expect(right, b, ValueType.NUMBER)
            return ir.Arith(ValueType.NUMBER, op, a, b)
        # comparison
        ta = ValueType.STRING if a.type == ValueType.MULTI else a.type
        tb = ValueType.STRING if b.type == ValueType.MULTI else b.type
        if ta != tb:
            hint = ""
            if {ta, tb} == {ValueType.STRING, ValueType.NUMBER}:
                hint = str(_("；选项代码是文本，请加引号，如 '1'"))
            raise syn.ExpressionError(
                errors.TYPE,
                node.pos,
                reason=_("“%(op)s”两边类型不同：%(left)s 与 %(right)s%(hint)s")
                % {
                    "op": op,
                    "left": TYPE_LABELS[a.type],
                    "right": TYPE_LABELS[b.type],
                    "hint": hint,
                },
            )
        if ta == ValueType.BOOL and op not in ("=", "!="):
            raise syn.ExpressionError(errors.TYPE, node.pos, reason=_("真假值只能用 = 或 != 比较"))
        return ir.Compare(ValueType.BOOL, op, a, b)

    def in_list(
        self,
        node: syn.Node,
        operand: syn.Node,
        items: tuple[syn.Number | syn.String, ...],
        negated: bool,
        in_aggregate: bool,
    ) -> ir.Expr:
        value = self.resolve(operand, in_aggregate=in_aggregate)
        self.expect(operand, value, ValueType.STRING, ValueType.NUMBER)
        values: list[ir.Scalar] = []
        for item in items:
            if (value.type == ValueType.NUMBER and isinstance(item, syn.Number)) or (
                value.type == ValueType.STRING and isinstance(item, syn.String)
            ):
                values.append(item.value)
            else:
                hint = (
                    str(_("；选项代码是文本，请加引号，如 '1'"))
                    if value.type == ValueType.STRING
                    else ""
                )
                raise self.type_error(
                    item,
                    _("in (…) 中的值应为%(want)s%(hint)s")
                    % {"want": TYPE_LABELS[value.type], "hint": hint},
                )
        return ir.In(ValueType.BOOL, value, tuple(values), negated)

    def args_count(self, node: syn.Call, low: int, high: int) -> None:
        if not low <= len(node.args) <= high:
            expected = str(low) if low == high else f"{low}–{high}"
            raise self.type_error(
                node,
                _("%(function)s() 需要 %(expected)s 个参数，却给了 %(given)s 个")
                % {"function": node.name, "expected": expected, "given": len(node.args)},
            )

    def call(
        self, node: syn.Call, name: str, args: tuple[syn.Node, ...], in_aggregate: bool
    ) -> ir.Expr:
        if name not in FUNCTIONS:
            raise syn.ExpressionError(errors.UNKNOWN_FUNCTION, node.pos, function=name)
        if name in _AGGREGATES:
            return self.aggregate(node, name, args, in_aggregate)
        if name == "census_count":
            return self.census_count(node, args, in_aggregate)
        if name in ("true", "false"):
            self.args_count(node, 0, 0)
            return ir.Lit(ValueType.BOOL, name == "true")
        if name == "not":
            self.args_count(node, 1, 1)
            inner = self.expect(
                args[0], self.resolve(args[0], in_aggregate=in_aggregate), ValueType.BOOL
            )
            return ir.Not(ValueType.BOOL, inner)
        if name == "assured":
            self.args_count(node, 1, 1)
            arg = args[0]
            indicator = arg.value if isinstance(arg, syn.String) else getattr(arg, "name", None)
            if not self.allow_assured or self.scope != Level.HOUSEHOLD or in_aggregate:
                raise syn.ExpressionError(
                    errors.LEVEL,
                    node.pos,
                    reason=_("assured() 只能用于不推导指标的住户级规则"),
                )
            if indicator not in self.loader.indicator_ids:
                raise self.type_error(arg, _("没有名为“%(name)s”的指标") % {"name": indicator})
            return ir.Assured(ValueType.BOOL, str(indicator))
        if name == "date":
            self.args_count(node, 1, 1)
            arg = args[0]
            if not isinstance(arg, syn.String) or not _DATE_LITERAL.match(arg.value):
                raise self.type_error(arg, _("date() 需要 'YYYY-MM-DD' 形式的日期"))
            try:
                day = date.fromisoformat(arg.value)
            except ValueError:
                raise self.type_error(
                    arg, _("“%(text)s”不是有效日期") % {"text": arg.value}
                ) from None
            return ir.Lit(ValueType.DATE, day)
        if name in ("is_empty", "is_missing"):
            self.args_count(node, 1, 1)
            arg = args[0]
            if not isinstance(arg, syn.FieldRef):
                raise self.type_error(
                    arg, _("%(function)s() 的参数须是一个字段 ${…}") % {"function": name}
                )
            resolved = self.resolve(arg, in_aggregate=in_aggregate)
            if not isinstance(resolved, ir.Field):
                raise self.type_error(
                    arg, _("%(function)s() 的参数须是问卷字段") % {"function": name}
                )
            cls = ir.IsEmpty if name == "is_empty" else ir.IsMissing
            return cls(ValueType.BOOL, resolved)
        resolved_args = [self.resolve(arg, in_aggregate=in_aggregate) for arg in args]
        if name == "if":
            self.args_count(node, 3, 3)
            self.expect(args[0], resolved_args[0], ValueType.BOOL)
            then, otherwise = resolved_args[1], resolved_args[2]
            self.expect(args[2], otherwise, then.type)
            return ir.If(then.type, resolved_args[0], then, otherwise)
        if name == "coalesce":
            self.args_count(node, 2, 16)
            first = resolved_args[0]
            textual = (ValueType.STRING, ValueType.MULTI)
            for arg, resolved in zip(args[1:], resolved_args[1:], strict=True):
                if first.type in textual:
                    self.expect(arg, resolved, *textual)
                else:
                    self.expect(arg, resolved, first.type)
            return ir.Coalesce(first.type, tuple(resolved_args))
        if name in ("age_from_id", "birth_date_valid"):
            self.args_count(node, 1, 2)
            self.expect(args[0], resolved_args[0], ValueType.STRING)
            if len(resolved_args) == 1:
                spec = self.loader.context.get("reference_date")
                if spec is None or spec.type != ValueType.DATE:
                    raise self.type_error(
                        node,
                        _(
                            "%(function)s() 只给一个参数时，规则库须在 context 中声明 reference_date: date"
                        )
                        % {"function": name},
                    )
                resolved_args.append(ir.Context(ValueType.DATE, "reference_date"))
            else:
                self.expect(args[1], resolved_args[1], ValueType.DATE)
            result = ValueType.NUMBER if name == "age_from_id" else ValueType.BOOL
            return ir.Func(result, name, tuple(resolved_args))
        if name == "regex":
            self.args_count(node, 2, 2)
            self.expect(args[0], resolved_args[0], ValueType.STRING, ValueType.MULTI)
            pattern = args[1]
            if not isinstance(pattern, syn.String):
                raise self.type_error(pattern, _("regex() 的第二个参数须是带引号的正则表达式"))
            _check_pattern(pattern)
            return ir.Func(
                ValueType.BOOL, name, (resolved_args[0], ir.Lit(ValueType.STRING, pattern.value))
            )
        if name == "selected":
            self.args_count(node, 2, 2)
            self.expect(args[0], resolved_args[0], ValueType.MULTI, ValueType.STRING)
            self.expect(args[1], resolved_args[1], ValueType.STRING)
            return ir.Func(ValueType.BOOL, name, tuple(resolved_args))
        signature, result_type = _SCALAR_FUNCTIONS[name]
        self.args_count(node, len(signature), len(signature))
        for arg, resolved, want in zip(args, resolved_args, signature, strict=True):
            if want == ValueType.MULTI:
                self.expect(arg, resolved, ValueType.MULTI, ValueType.STRING)
            else:
                self.expect(arg, resolved, want)
        return ir.Func(result_type, name, tuple(resolved_args))

    def collection(self, node: syn.Node) -> str | None:
        if not isinstance(node, syn.NameRef):
            raise self.type_error(node, _("第一个参数应为成员集合：members 或一个成员级定义的名称"))
        if node.name == MEMBERS:
            return None
        spec = (
            self.loader._definition(node.name)
            if node.name in self.loader.definition_sources
            else None
        )
        if spec is None or spec.level != Level.MEMBER or spec.expr.type != ValueType.BOOL:
            raise self.type_error(
                node,
                _("“%(name)s”不是成员集合（members 或成员级的真假值定义）") % {"name": node.name},
            )
        if self.loader.uses_aggregate(spec.expr):
            raise syn.ExpressionError(
                errors.LEVEL,
                node.pos,
                reason=_("成员集合的定义中不能再用聚合函数或 census_count()"),
            )
        return node.name

    def aggregate(
        self, node: syn.Call, name: str, args: tuple[syn.Node, ...], in_aggregate: bool
    ) -> ir.Expr:
        if in_aggregate:
            raise syn.ExpressionError(errors.LEVEL, node.pos, reason=_("聚合函数不能嵌套"))
        if self.scope == Level.VILLAGE:
            raise syn.ExpressionError(errors.LEVEL, node.pos, reason=_("村级规则没有成员可汇总"))
        if name == "count":
            self.args_count(node, 1, 2)
        else:
            self.args_count(node, 2, 2)
        collection = self.collection(args[0])
        arg: ir.Expr | None = None
        if len(args) == 2:
            arg = self.resolve(args[1], in_aggregate=True)
            if self.loader.uses_aggregate(arg):
                raise syn.ExpressionError(errors.LEVEL, args[1].pos, reason=_("聚合函数不能嵌套"))
            if name in ("count", "any", "all"):
                self.expect(args[1], arg, ValueType.BOOL)
            elif name == "sum":
                self.expect(args[1], arg, ValueType.NUMBER)
            else:
                self.expect(args[1], arg, ValueType.NUMBER, ValueType.STRING, ValueType.DATE)
        result = {
            "count": ValueType.NUMBER,
            "sum": ValueType.NUMBER,
            "any": ValueType.BOOL,
            "all": ValueType.BOOL,
        }.get(name, arg.type if arg is not None else ValueType.NUMBER)
        node_ir = ir.Aggregate(result, name, collection, arg)
        key = (
            "agg_"
            + hashlib.sha1(ir.canon(node_ir).encode(), usedforsecurity=False).hexdigest()[:12]
        )
        node_ir = ir.Aggregate(result, name, collection, arg, key)
        self.loader.aggregates.setdefault(key, node_ir)
        return self.loader.aggregates[key]

    def census_count(
        self, node: syn.Call, args: tuple[syn.Node, ...], in_aggregate: bool
    ) -> ir.Expr:
        self.args_count(node, 2, 2)
        if in_aggregate or self.scope != Level.MEMBER:
            raise syn.ExpressionError(
                errors.LEVEL,
                node.pos,
                reason=_("census_count() 只能用于成员级（或 unit: member 的跨表）规则"),
            )
        collection = self.collection(args[0])
        key_node = args[1]
        resolved = (
            self.resolve(key_node, in_aggregate=False)
            if isinstance(key_node, syn.FieldRef)
            else None
        )
        if not isinstance(resolved, ir.Field) or resolved.level != Level.MEMBER:
            raise self.type_error(key_node, _("census_count() 的第二个参数须是成员字段 ${…}"))
        node_ir = ir.CensusCount(ValueType.NUMBER, collection, resolved)
        key = (
            "cc_" + hashlib.sha1(ir.canon(node_ir).encode(), usedforsecurity=False).hexdigest()[:12]
        )
        node_ir = ir.CensusCount(ValueType.NUMBER, collection, resolved, key)
        self.loader.census_counts.setdefault(key, node_ir)
        return self.loader.census_counts[key]


def _start(node: syn.Node) -> int:
    """Where ``node`` begins in the text (a binary node's ``pos`` is its operator)."""
    while isinstance(node, syn.Binary | syn.InList):
        node = node.left if isinstance(node, syn.Binary) else node.operand
    return node.pos


_LEVEL_LABELS = {Level.HOUSEHOLD: _("住户"), Level.MEMBER: _("成员"), Level.VILLAGE: _("村")}


def _check_pattern(pattern: syn.String) -> None:
    """A regex must compile for both engines (Python ``re`` and Polars' Rust regex)."""
    import polars as pl

    reason = None
    try:
        re.compile(pattern.value)
    except re.error as error:
        reason = str(error)
    if reason is None:
        try:
            pl.Series([""]).str.contains(pattern.value)
        except Exception as error:  # Polars raises ComputeError for Rust-only syntax errors
            reason = str(error).splitlines()[0]
    if reason is not None:
        raise syn.ExpressionError(
            errors.SYNTAX, pattern.pos, reason=_("正则表达式无效：%(reason)s") % {"reason": reason}
        )


def context_values(book: RuleBook, supplied: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The context a run uses: supplied values (as text) over the book's defaults."""
    supplied = supplied or {}
    values: dict[str, str | None] = {}
    for name, spec in book.context.items():
        value = supplied.get(name, spec.default)
        values[name] = None if value is None else str(value)
    return values
