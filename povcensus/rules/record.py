"""The per-record execution path: one household (or village) at a time (pure).

Input is what a submission holds: a household dict and a list of member dicts, XForm
field names to string values, a field absent when it was not relevant.  Each rule is
compiled once into Python closures (:func:`engine_for` caches the compiled book), then
run for every record.  Invariants:

* results are the same as the vectorized path's (:mod:`povcensus.rules.vectorized`) for
  the same data: the same rule ids, statuses, member indexes, messages and indicators
  (tests/test_equivalence.py proves it on generated households);
* a check never raises on data: any value that does not fit becomes null and the rule
  says *not applicable* (or what its ``on_null`` says);
* a member-level rule gives one result per member row, with the 1-based ``member_index``
  (the repeat position);
* ``census_count()`` counts over the population the caller supplies in ``census_counts``
  (see :func:`census_counts_of`); without it, over this household only.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from povcensus.rules import ir, values
from povcensus.rules.rulebook import Placeholder, Rule, RuleBook, Severity, Status, context_values
from povcensus.rules.schema import Level

Record = Mapping[str, str | None]
CensusCounts = Mapping[str, Mapping[str, int]]


class IndicatorStatus(StrEnum):
    ASSURED = "assured"
    NOT_ASSURED = "not_assured"
    NOT_APPLICABLE = "not_applicable"  # the indicator's ``when`` is not true (not interviewed)


class RuleResult(NamedTuple):
    """One rule's outcome for a household, a member (``member_index``) or a village."""

    rule_id: str
    status: Status
    severity: Severity
    level: str
    member_index: int | None
    message_zh: str
    message_en: str
    fields: tuple[str, ...]

    @property
    def key(self) -> tuple[str, int | None]:
        """What an explanation of a soft failure is attached to."""
        return (self.rule_id, self.member_index)

    def message(self, language: str) -> str:
        return self.message_en if language.startswith("en") else self.message_zh

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, for storing with a submission version."""
        return {
            "rule_id": self.rule_id,
            "status": self.status.value,
            "severity": self.severity.value,
            "level": self.level,
            "member_index": self.member_index,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "fields": list(self.fields),
        }


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    indicator: str
    status: IndicatorStatus
    reasons: tuple[RuleResult, ...]  # the failed rules that make it "not assured"


@dataclass(frozen=True)
class HouseholdCheck:
    results: tuple[RuleResult, ...]
    indicators: tuple[IndicatorResult, ...]

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == Status.FAILED]

    @property
    def hard_failures(self) -> list[RuleResult]:
        return [r for r in self.failures if r.severity == Severity.HARD]

    @property
    def soft_failures(self) -> list[RuleResult]:
        return [r for r in self.failures if r.severity == Severity.SOFT]

    def blocking(self, explained: Collection[tuple[str, int | None]] = ()) -> list[RuleResult]:
        """Failures that block review: every hard failure, and soft ones not yet explained."""
        return [
            r
            for r in self.failures
            if r.severity == Severity.HARD or (r.rule_id, r.member_index) not in explained
        ]

    def indicator(self, name: str) -> IndicatorResult:
        for result in self.indicators:
            if result.indicator == name:
                return result
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: the failures (passes are implied) and the indicators with reasons."""
        return {
            "failures": [r.as_dict() for r in self.failures],
            "indicators": {
                i.indicator: {
                    "status": i.status.value,
                    "reasons": [[r.rule_id, r.member_index] for r in i.reasons],
                }
                for i in self.indicators
            },
        }


# ---- evaluation environment ---------------------------------------------------------------


class _Household:
    """Per-household state: raw values, typed-value cache, aggregates, indicators."""

    __slots__ = ("assured", "cache", "context", "counts", "members", "raw")

    def __init__(
        self,
        raw: Record,
        members: list[_Env],
        context: Mapping[str, str | None],
        counts: CensusCounts | None,
    ) -> None:
        self.raw = raw
        self.members = members
        self.context = context
        self.counts = counts
        self.cache: dict[str, Any] = {}
        self.assured: dict[str, bool | None] = {}


class _Env:
    __slots__ = ("cache", "hh", "index", "raw")

    def __init__(self, hh: _Household | None, raw: Record | None, index: int | None) -> None:
        self.hh = hh
        self.raw = raw
        self.index = index
        self.cache: dict[str, Any] = {}


Compiled = Callable[[_Env], Any]
_MISSING = object()

_COMPARE = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _arith(op: str) -> Callable[[float, float], float | None]:
    if op == "+":
        return operator.add
    if op == "-":
        return operator.sub
    if op == "*":
        return operator.mul
    if op == "/":
        return lambda a, b: None if b == 0 else a / b
    return lambda a, b: None if b == 0 else a % b


class _Compiler:
    def __init__(self, book: RuleBook) -> None:
        self.book = book
        self.definitions: dict[str, Compiled] = {}

    def definition(self, name: str) -> Compiled:
        if name not in self.definitions:
            spec = self.book.definitions[name]
            inner = self.compile(spec.expr)
            key = "def:" + name
            member_level = spec.level == Level.MEMBER

            def evaluate(env: _Env) -> Any:
                cache = env.cache if member_level or env.hh is None else env.hh.cache
                value = cache.get(key, _MISSING)
                if value is _MISSING:
                    value = inner(env)
                    cache[key] = value
                return value

            self.definitions[name] = evaluate
        return self.definitions[name]

    def field(self, node: ir.Field) -> Compiled:
        name, value_type = node.name, node.type
        key = "f:" + name
        if node.level in (Level.MEMBER, Level.VILLAGE):

            def member_value(env: _Env) -> Any:
                value = env.cache.get(key, _MISSING)
                if value is _MISSING:
                    value = values.convert(env.raw.get(name) if env.raw else None, value_type)
                    env.cache[key] = value
                return value

            return member_value

        def household_value(env: _Env) -> Any:
            hh = env.hh
            assert hh is not None
            value = hh.cache.get(key, _MISSING)
            if value is _MISSING:
                value = values.convert(hh.raw.get(name), value_type)
                hh.cache[key] = value
            return value

        return household_value

    def raw_source(self, node: ir.Field) -> Callable[[_Env], str | None]:
        name = node.name
        if node.level == Level.MEMBER or node.level == Level.VILLAGE:
            return lambda env: env.raw.get(name) if env.raw else None
        return lambda env: env.hh.raw.get(name) if env.hh is not None else None

    def compile(self, node: ir.Expr) -> Compiled:
        match node:
            case ir.Lit(value=value):
                return lambda env: value
            case ir.Field():
                return self.field(node)
            case ir.Context(name=name, type=value_type):
                key = "ctx:" + name

                def context_value(env: _Env) -> Any:
                    hh = env.hh
                    assert hh is not None
                    value = hh.cache.get(key, _MISSING)
                    if value is _MISSING:
                        value = values.convert(hh.context.get(name), value_type)
                        hh.cache[key] = value
                    return value

                return context_value
            case ir.Definition(name=name):
                return self.definition(name)
            case ir.Neg(operand=operand):
                inner = self.compile(operand)
                return lambda env: None if (v := inner(env)) is None else -v
            case ir.Not(operand=operand):
                inner = self.compile(operand)
                return lambda env: None if (v := inner(env)) is None else not v
            case ir.Arith(op=op, left=left, right=right):
                a, b, fn = self.compile(left), self.compile(right), _arith(op)

                def arith(env: _Env) -> Any:
                    x = a(env)
                    if x is None:
                        return None
                    y = b(env)
                    return None if y is None else fn(x, y)

                return arith
            case ir.Compare(op=op, left=left, right=right):
                a, b, cmp = self.compile(left), self.compile(right), _COMPARE[op]

                def compare(env: _Env) -> Any:
                    x = a(env)
                    if x is None:
                        return None
                    y = b(env)
                    return None if y is None else cmp(x, y)

                return compare
            case ir.Logic(op="and", left=left, right=right):
                a, b = self.compile(left), self.compile(right)

                def logic_and(env: _Env) -> Any:
                    x = a(env)
                    if x is False:
                        return False
                    y = b(env)
                    if y is False:
                        return False
                    return None if x is None or y is None else True

                return logic_and
            case ir.Logic(op="or", left=left, right=right):
                a, b = self.compile(left), self.compile(right)

                def logic_or(env: _Env) -> Any:
                    x = a(env)
                    if x is True:
                        return True
                    y = b(env)
                    if y is True:
                        return True
                    return None if x is None or y is None else False

                return logic_or
            case ir.In(operand=operand, values=items, negated=negated):
                inner, members = self.compile(operand), frozenset(items)
                return lambda env: None if (v := inner(env)) is None else (v in members) != negated
            case ir.If(condition=condition, then=then, otherwise=otherwise):
                c, t, o = self.compile(condition), self.compile(then), self.compile(otherwise)
                return lambda env: t(env) if c(env) is True else o(env)
            case ir.Coalesce(args=args):
                compiled = [self.compile(arg) for arg in args]

                def coalesce(env: _Env) -> Any:
                    for fn in compiled:
                        value = fn(env)
                        if value is not None:
                            return value
                    return None

                return coalesce
            case ir.IsEmpty(field=field):
                raw = self.raw_source(field)
                return lambda env: values.is_blank(raw(env))
            case ir.IsMissing(field=field):
                raw = self.raw_source(field)
                return lambda env: raw(env) is None
            case ir.Func():
                return self.function(node)
            case ir.Aggregate():
                return self.aggregate(node)
            case ir.CensusCount():
                return self.census_count(node)
            case ir.Assured(indicator=name):
                return lambda env: env.hh.assured.get(name) if env.hh is not None else None
        raise TypeError(f"cannot compile {node!r}")

    def function(self, node: ir.Func) -> Compiled:
        args = [self.compile(arg) for arg in node.args]
        name = node.name
        first = args[0] if args else None
        assert first is not None

        def unary(fn: Callable[[Any], Any]) -> Compiled:
            return lambda env: None if (v := first(env)) is None else fn(v)

        if name == "id_checksum_ok":
            return unary(values.id_checksum_ok)
        if name == "id_length":
            return unary(lambda v: float(len(v.strip(values.WHITESPACE))))
        if name == "sex_from_id":
            return unary(values.sex_from_id)
        if name == "len":
            return unary(lambda v: float(len(v)))
        if name == "abs":
            return unary(abs)
        if name == "number":
            return unary(values.to_number)
        if name == "count_selected":
            return unary(lambda v: float(len(re.findall("[^ ]+", v))))
        if name == "regex":
            pattern = re.compile(str(node.args[1].value))  # type: ignore[attr-defined]
            return unary(lambda v: pattern.search(v) is not None)
        if name in ("age_from_id", "birth_date_valid"):
            second = args[1]
            age = name == "age_from_id"

            def id_date(env: _Env) -> Any:
                text = first(env)
                reference = second(env)
                if text is None or reference is None:
                    return None
                if age:
                    return values.age_on(text, reference)
                born = values.id_birth_date(text)
                return born is not None and born <= reference

            return id_date
        if name == "selected":
            second = args[1]

            def selected(env: _Env) -> Any:
                answer = first(env)
                if answer is None:
                    return None
                code = second(env)
                return None if code is None else code in answer.split(" ")

            return selected
        raise TypeError(f"unknown function {name}")

    def collection_filter(self, collection: str | None) -> Callable[[_Env], bool]:
        if collection is None:
            return lambda env: True
        test = self.definition(collection)
        return lambda env: test(env) is True

    def aggregate(self, node: ir.Aggregate) -> Compiled:
        key, func = node.key, node.func
        keep = self.collection_filter(node.collection)
        arg = self.compile(node.arg) if node.arg is not None else None

        def compute(members: list[_Env]) -> Any:
            rows = [m for m in members if keep(m)]
            if arg is None:
                return float(len(rows))
            found = [arg(m) for m in rows]
            if func == "count":
                return float(sum(1 for v in found if v is True))
            if func == "any":
                return any(v is True for v in found)
            if func == "all":
                return not any(v is False for v in found)
            present = [v for v in found if v is not None]
            if func == "sum":
                return values.kahan_sum(present)
            if not present:
                return None
            return min(present) if func == "min" else max(present)

        def aggregate(env: _Env) -> Any:
            hh = env.hh
            assert hh is not None
            value = hh.cache.get(key, _MISSING)
            if value is _MISSING:
                value = compute(hh.members)
                hh.cache[key] = value
            return value

        return aggregate

    def census_count(self, node: ir.CensusCount) -> Compiled:
        key = node.key
        field_value = self.compile(node.key_field)
        keep = self.collection_filter(node.collection)

        def census_count(env: _Env) -> Any:
            value = field_value(env)
            if value is None:
                return None
            hh = env.hh
            assert hh is not None
            if hh.counts is not None:
                return float(hh.counts.get(key, {}).get(value, 0))
            return float(sum(1 for m in hh.members if keep(m) and field_value(m) == value))

        return census_count


# ---- messages --------------------------------------------------------------------------------


Renderer = Callable[[_Env], str]


def _message_renderer(
    parts: Sequence[str | Placeholder], language: str, compiler: _Compiler
) -> Renderer:
    """Compile a message template once: literal text and one function per placeholder."""
    pieces: list[str | Callable[[_Env], str]] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
        elif part.expr is None:  # {member}
            pieces.append(lambda env: str(env.index))
        elif isinstance(part.expr, ir.Field):
            raw = compiler.raw_source(part.expr)
            pieces.append(lambda env, raw=raw: values.format_raw(raw(env), language))  # type: ignore[misc]
        elif isinstance(part.expr, ir.Context):
            name = part.expr.name
            pieces.append(
                lambda env, name=name: values.format_raw(  # type: ignore[misc]
                    env.hh.context.get(name) if env.hh is not None else None, language
                )
            )
        else:
            value = compiler.compile(part.expr)
            pieces.append(lambda env, value=value: values.format_value(value(env), language))  # type: ignore[misc]

    def render(env: _Env) -> str:
        return "".join(p if isinstance(p, str) else p(env) for p in pieces)

    return render


# ---- the engine ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    when: Compiled | None
    check: Compiled
    uses_assured: bool
    message_zh: Renderer
    message_en: Renderer


class RecordEngine:
    """A rule book compiled for the per-record path."""

    def __init__(self, book: RuleBook) -> None:
        self.book = book
        self.compiler = _Compiler(book)
        self.rules = [self._compile(rule) for rule in book.rules]
        self.indicator_when = {
            ind.id: (self.compiler.compile(ind.when) if ind.when is not None else None)
            for ind in book.indicators
        }
        self.indicator_rules = {ind.id: book.indicator_rules(ind.id) for ind in book.indicators}

    def _compile(self, rule: Rule) -> _CompiledRule:
        uses_assured = any(
            isinstance(n, ir.Assured)
            for expr in (rule.when, rule.expression)
            if expr is not None
            for n in ir.walk(expr)
        )
        return _CompiledRule(
            rule,
            self.compiler.compile(rule.when) if rule.when is not None else None,
            self.compiler.compile(rule.expression),
            uses_assured,
            _message_renderer(rule.message.zh, "zh", self.compiler),
            _message_renderer(rule.message.en, "en", self.compiler),
        )

    def _run(self, compiled: _CompiledRule, env: _Env) -> RuleResult:
        rule = compiled.rule
        if compiled.when is not None and compiled.when(env) is not True:
            status = Status.NOT_APPLICABLE
        else:
            outcome = compiled.check(env)
            if outcome is True:
                status = Status.PASSED
            elif outcome is False:
                status = Status.FAILED
            else:
                status = rule.on_null
        zh = en = ""
        if status == Status.FAILED:
            zh = compiled.message_zh(env)
            en = compiled.message_en(env)
        index = env.index if rule.unit == Level.MEMBER else None
        return RuleResult(rule.id, status, rule.severity, rule.level, index, zh, en, rule.fields)

    def check_household(
        self,
        household: Record,
        members: Sequence[Record],
        *,
        context: Mapping[str, Any] | None = None,
        census_counts: CensusCounts | None = None,
    ) -> HouseholdCheck:
        """Check one household; ``context`` supplies context values (text) by name."""
        member_envs: list[_Env] = []
        hh = _Household(household, member_envs, context_values(self.book, context), census_counts)
        for index, member in enumerate(members, start=1):
            member_envs.append(_Env(hh, member, index))
        env = _Env(hh, None, None)
        results: dict[int, list[RuleResult]] = {}

        def run(position: int, compiled: _CompiledRule) -> None:
            unit = compiled.rule.unit
            if unit == Level.HOUSEHOLD:
                results[position] = [self._run(compiled, env)]
            elif unit == Level.MEMBER:
                results[position] = [self._run(compiled, m) for m in member_envs]

        for position, compiled in enumerate(self.rules):
            if not compiled.uses_assured:
                run(position, compiled)
        indicators = self._indicators(env, results)
        for result in indicators:
            hh.assured[result.indicator] = (
                None
                if result.status == IndicatorStatus.NOT_APPLICABLE
                else result.status == IndicatorStatus.ASSURED
            )
        for position, compiled in enumerate(self.rules):
            if compiled.uses_assured:
                run(position, compiled)
        ordered = tuple(r for position in sorted(results) for r in results[position])
        return HouseholdCheck(ordered, tuple(indicators))

    def _indicators(
        self, env: _Env, results: Mapping[int, list[RuleResult]]
    ) -> list[IndicatorResult]:
        failures_by_rule: dict[str, list[RuleResult]] = {}
        for position, compiled in enumerate(self.rules):
            if compiled.rule.derived:
                failures_by_rule[compiled.rule.id] = [
                    r for r in results.get(position, []) if r.status == Status.FAILED
                ]
        found = []
        for indicator in self.book.indicators:
            when = self.indicator_when[indicator.id]
            if when is not None and when(env) is not True:
                found.append(IndicatorResult(indicator.id, IndicatorStatus.NOT_APPLICABLE, ()))
                continue
            reasons = tuple(
                r
                for rule in self.indicator_rules[indicator.id]
                for r in failures_by_rule.get(rule.id, [])
            )
            status = IndicatorStatus.NOT_ASSURED if reasons else IndicatorStatus.ASSURED
            found.append(IndicatorResult(indicator.id, status, reasons))
        return found

    def check_village(
        self, village: Record, *, context: Mapping[str, Any] | None = None
    ) -> list[RuleResult]:
        """Check one village record (village-level rules, and cross rules with unit village)."""
        # The village's own fields are the env's record; context values come through a
        # household-like holder with no household fields and no members.
        holder = _Household({}, [], context_values(self.book, context), None)
        env = _Env(holder, village, None)
        return [
            self._run(compiled, env)
            for compiled in self.rules
            if compiled.rule.unit == Level.VILLAGE
        ]


_ENGINES: dict[tuple[str, int], RecordEngine] = {}


def engine_for(book: RuleBook) -> RecordEngine:
    """The compiled per-record engine of ``book`` (compiled once per book)."""
    key = (book.digest, id(book.schema))
    engine = _ENGINES.get(key)
    if engine is None or engine.book is not book:
        engine = RecordEngine(book)
        _ENGINES[key] = engine
    return engine


def check_household(
    book: RuleBook,
    household: Record,
    members: Sequence[Record],
    *,
    context: Mapping[str, Any] | None = None,
    census_counts: CensusCounts | None = None,
) -> HouseholdCheck:
    return engine_for(book).check_household(
        household, members, context=context, census_counts=census_counts
    )


def check_village(
    book: RuleBook, village: Record, *, context: Mapping[str, Any] | None = None
) -> list[RuleResult]:
    return engine_for(book).check_village(village, context=context)


def census_counts_of(
    book: RuleBook,
    households: Iterable[tuple[Record, Sequence[Record]]],
    *,
    context: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, int]]:
    """Count the keys every ``census_count()`` of ``book`` needs over a population.

    The arrival path computes the same counts from the stored submissions; tests and the
    benchmark use this to give the per-record path the population the vectorized path sees.
    """
    engine = engine_for(book)
    counts: dict[str, dict[str, int]] = {key: {} for key in book.census_counts}
    if not counts:
        return counts
    plans = [
        (
            key,
            engine.compiler.compile(node.key_field),
            engine.compiler.collection_filter(node.collection),
        )
        for key, node in book.census_counts.items()
    ]
    ctx = context_values(book, context)
    for household, members in households:
        member_envs: list[_Env] = []
        hh = _Household(household, member_envs, ctx, None)
        member_envs.extend(_Env(hh, m, i) for i, m in enumerate(members, start=1))
        for key, value_of, keep in plans:
            tally = counts[key]
            for env in member_envs:
                if keep(env):
                    value = value_of(env)
                    if value is not None:
                        tally[value] = tally.get(value, 0) + 1
    return counts
