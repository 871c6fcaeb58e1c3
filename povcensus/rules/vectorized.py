"""The vectorized execution path: a whole census at once, with Polars (pure).

Input: a households frame and a members frame (one row per member, keyed by the
household key, with a 1-based ``member_index``; rows in repeat order), every column an
XForm field as text, null where the field was missing.  Output
(:class:`CensusCheck`): the failures, the exit-test indicators per household and a
per-rule summary.  Invariants:

* each rule is compiled once into Polars expressions; no Python function runs per row
  (no ``map_elements``); ID checksums, birth dates and ages are string slicing and
  arithmetic;
* results equal the per-record path's (:mod:`povcensus.rules.record`) on the same data;
  the value semantics are those of :mod:`povcensus.rules.values`;
* the work is done in chunks of households (``chunk_size``), so memory stays bounded
  beyond the input and progress can be reported; ``census_count()`` is computed over the
  whole input first, so chunking never changes a result.

Order of work per chunk: typed columns → member aggregates (group_by, joined back) and
census counts → definitions → rules without ``assured()`` → indicators → the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from povcensus.rules import ir, values
from povcensus.rules.record import IndicatorStatus
from povcensus.rules.rulebook import (
    DefinitionSpec,
    Placeholder,
    Rule,
    RuleBook,
    Status,
    context_values,
)
from povcensus.rules.schema import Level, ValueType

KEY = "household_id"
MEMBER_INDEX = "member_index"
VILLAGE_KEY = "village_code"
_WS = values.WHITESPACE
_POLARS_TYPES = {
    ValueType.NUMBER: pl.Float64,
    ValueType.STRING: pl.String,
    ValueType.MULTI: pl.String,
    ValueType.DATE: pl.Date,
    ValueType.BOOL: pl.Boolean,
}
FAILURE_SCHEMA = {
    KEY: pl.String,
    "rule_id": pl.String,
    "severity": pl.String,
    "level": pl.String,
    MEMBER_INDEX: pl.Int32,
    "message_zh": pl.String,
    "message_en": pl.String,
}


class ProgressLike(Protocol):
    def start(self, total: int | None, description: str = "") -> None: ...

    def advance(self, amount: int = 1) -> None: ...


@dataclass(frozen=True)
class CensusCheck:
    failures: pl.DataFrame  # household_id, rule_id, severity, level, member_index, message_zh/en
    indicators: pl.DataFrame  # household_id, one column per indicator: assured/not_assured/…
    summary: pl.DataFrame  # rule_id, checked (passed + failed), failed


# ---- typed values --------------------------------------------------------------------------


def _typed(raw: pl.Expr, value_type: ValueType) -> pl.Expr:
    trimmed = raw.str.strip_chars(_WS)
    if value_type == ValueType.NUMBER:
        return pl.when(trimmed.str.contains(values.NUMBER_PATTERN)).then(
            trimmed.cast(pl.Float64, strict=False)
        )
    if value_type == ValueType.DATE:
        return pl.when(trimmed.str.contains(values.DATE_PATTERN)).then(
            trimmed.str.to_date("%Y-%m-%d", strict=False)
        )
    return pl.when(trimmed != "").then(raw)


def _typed_fast(raw: pl.Expr, value_type: ValueType, spaced: Iterable[str]) -> pl.Expr:
    """``_typed`` for a column whose values containing whitespace are ``spaced``."""
    spaced = list(spaced)
    if spaced:
        if value_type != ValueType.STRING and value_type != ValueType.MULTI:
            return _typed(raw, value_type)
        blanks = [v for v in spaced if v.strip(_WS) == ""]
        keep = raw.str.len_bytes() > 0
        if blanks:
            keep = keep & ~raw.is_in(pl.Series(blanks, dtype=pl.String).implode())
        return pl.when(keep).then(raw)
    if value_type == ValueType.NUMBER:
        return pl.when(raw.str.contains(values.NUMBER_PATTERN)).then(
            raw.cast(pl.Float64, strict=False)
        )
    if value_type == ValueType.DATE:
        return pl.when(raw.str.contains(values.DATE_PATTERN)).then(
            raw.str.to_date("%Y-%m-%d", strict=False)
        )
    return pl.when(raw.str.len_bytes() > 0).then(raw)


def _literal(value: Any, value_type: ValueType) -> pl.Expr:
    return pl.lit(value, dtype=_POLARS_TYPES[value_type])


def birth_ymd(text: pl.Expr) -> pl.Expr:
    """The ID's birth date as the integer YYYYMMDD, null unless a real day in 1900 or later."""
    digits = text.str.slice(6, 8)
    year = text.str.slice(6, 4).cast(pl.Int32, strict=False)
    month = text.str.slice(10, 2).cast(pl.Int32, strict=False)
    day = text.str.slice(12, 2).cast(pl.Int32, strict=False)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    valid = (
        (text.str.len_chars() >= 18)
        & digits.str.contains(r"^[0-9]{8}$")
        & (year >= 1900)
        & (month >= 1)
        & (month <= 12)
        & (day >= 1)
        & (day <= days_in_month)
    )
    return pl.when(valid.fill_null(False)).then(
        year.cast(pl.Int64) * 10000 + month.cast(pl.Int64) * 100 + day.cast(pl.Int64)
    )


def _date_ymd(expr: pl.Expr) -> pl.Expr:
    return (
        expr.dt.year().cast(pl.Int64) * 10000
        + expr.dt.month().cast(pl.Int64) * 100
        + expr.dt.day().cast(pl.Int64)
    )


def _birth_col(name: str) -> str:
    return f"__birth_{name}"


def id_length(text: pl.Expr) -> pl.Expr:
    return text.str.strip_chars(_WS).str.len_chars().cast(pl.Float64)


def checksum_ok(text: pl.Expr) -> pl.Expr:
    """GB 11643 check of the first 18 characters, by integer arithmetic on the 17 digits.

    The check character's value (``X`` = 10) is ``(12 - Σ dᵢ·wᵢ mod 11) mod 11``, which is
    what the table ``10X98765432`` lists.
    """
    first = text.str.slice(0, 18)
    number = first.str.slice(0, 17).cast(pl.Int64, strict=False)
    total = pl.sum_horizontal(
        [(number // 10 ** (16 - i)) % 10 * weight for i, weight in enumerate(values.ID_WEIGHTS)]
    )
    last = first.str.slice(17, 1)
    given = pl.when(last == "X").then(10).otherwise(last.cast(pl.Int64, strict=False))
    return (
        pl.when(text.is_null())
        .then(None)
        .when(first.str.contains(values.ID18_PATTERN))
        .then((12 - total % 11) % 11 == given)
        .otherwise(False)
    )


# Functions of one field that rules repeat (ID checks): computed once per row as a column.
_PER_FIELD = {"id_checksum_ok": checksum_ok, "id_length": id_length}


def _fn_col(function: str, field: str) -> str:
    return f"__{function}_{field}"


def _format_value(expr: pl.Expr, value_type: ValueType, language: str) -> pl.Expr:
    none = pl.lit(values.NONE_TEXT)
    if value_type == ValueType.NUMBER:
        cents = (expr * 100 + 0.5).floor().cast(pl.Int64)
        whole = (cents // 100).cast(pl.String)
        positive = cents.abs()
        fraction = pl.concat_str(
            [
                pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")),
                (positive // 100).cast(pl.String),
                pl.lit("."),
                (positive % 100).cast(pl.String).str.zfill(2),
            ]
        )
        shown = pl.when(cents % 100 == 0).then(whole).otherwise(fraction)
    elif value_type == ValueType.BOOL:
        no, yes = values.BOOL_TEXT[language]
        shown = pl.when(expr).then(pl.lit(yes)).otherwise(pl.lit(no))
    elif value_type == ValueType.DATE:
        shown = expr.dt.strftime("%Y-%m-%d")
    else:
        shown = expr
    return pl.when(expr.is_null()).then(none).otherwise(shown)


def _format_raw(raw: pl.Expr, language: str) -> pl.Expr:
    return (
        pl.when(raw.is_null())
        .then(pl.lit(values.NONE_TEXT))
        .when(raw.str.strip_chars(_WS) == "")
        .then(pl.lit(values.BLANK_TEXT[language]))
        .otherwise(raw)
    )


# ---- compilation ------------------------------------------------------------------------------


def _value_col(name: str) -> str:
    return f"__v_{name}"


def _def_col(name: str) -> str:
    return f"__def_{name}"


def _ctx_col(name: str) -> str:
    return f"__ctx_{name}"


def _fail_col(position: int) -> str:
    return f"__fail_{position}"


def _pass_col(position: int) -> str:
    return f"__pass_{position}"


def _ind_col(name: str) -> str:
    return f"__ind_{name}"


@dataclass
class _Refs:
    """What an expression needs present in its frame."""

    fields: set[tuple[str, Level]]
    contexts: set[str]
    definitions: set[str]
    aggregates: set[str]
    census_counts: set[str]

    @classmethod
    def empty(cls) -> _Refs:
        return cls(set(), set(), set(), set(), set())


class _Compiler:
    def __init__(
        self,
        book: RuleBook,
        context: Mapping[str, str | None],
        context_columns: Mapping[str, str],
    ) -> None:
        self.book = book
        self.context = context
        self.context_columns = dict(context_columns)
        # Fields whose ID birth date is read: parsed once per row into a column; likewise
        # the ID checks rules repeat.
        self.birth_fields: set[str] = set()
        self.field_functions: dict[str, set[str]] = {}
        roots: list[ir.Expr] = [spec.expr for spec in book.definitions.values()]
        for rule in book.rules:
            roots += [e for e in (rule.when, rule.expression) if e is not None]
            roots += [p.expr for p in rule.message.placeholders() if p.expr is not None]
        roots += [ind.when for ind in book.indicators if ind.when is not None]
        for root in roots:
            for node in ir.walk(root):
                if (
                    isinstance(node, ir.Func)
                    and node.name in ("age_from_id", "birth_date_valid")
                    and isinstance(node.args[0], ir.Field)
                ):
                    self.birth_fields.add(node.args[0].name)
                if (
                    isinstance(node, ir.Func)
                    and node.name in _PER_FIELD
                    and isinstance(node.args[0], ir.Field)
                ):
                    self.field_functions.setdefault(node.args[0].name, set()).add(node.name)

    # -- references ---------------------------------------------------------------------------

    def refs(self, expr: ir.Expr, *, inline: bool, into: _Refs | None = None) -> _Refs:
        found = into or _Refs.empty()
        for node in ir.walk(expr):
            match node:
                case ir.Field(name=name, level=level):
                    found.fields.add((name, level))
                case ir.Context(name=name):
                    found.contexts.add(name)
                case ir.Definition(name=name):
                    if inline:
                        self.refs(self.book.definitions[name].expr, inline=True, into=found)
                    else:
                        found.definitions.add(name)
                case ir.Aggregate(key=key):
                    found.aggregates.add(key)
                case ir.CensusCount(key=key):
                    found.census_counts.add(key)
        return found

    def aggregate_inner_refs(self, node: ir.Aggregate | ir.CensusCount) -> _Refs:
        found = _Refs.empty()
        if isinstance(node, ir.Aggregate) and node.arg is not None:
            self.refs(node.arg, inline=True, into=found)
        if isinstance(node, ir.CensusCount):
            self.refs(node.key_field, inline=True, into=found)
        if node.collection is not None:
            self.refs(self.book.definitions[node.collection].expr, inline=True, into=found)
        return found

    # -- expressions ----------------------------------------------------------------------------

    def context_expr(self, name: str, value_type: ValueType) -> pl.Expr:
        if name in self.context_columns:
            return pl.col(_value_col(_ctx_col(name)))
        return _literal(values.convert(self.context.get(name), value_type), value_type)

    def context_raw(self, name: str) -> pl.Expr:
        if name in self.context_columns:
            return pl.col(_ctx_col(name))
        return pl.lit(self.context.get(name), dtype=pl.String)

    def collection(self, name: str | None, *, inline: bool = False) -> pl.Expr:
        """Rows of a member collection; an early definition, so a column unless ``inline``."""
        if name is None:
            return pl.col(KEY).is_not_null()  # every row (a literal would not count rows)
        if inline:
            return self.compile(self.book.definitions[name].expr, inline=True).fill_null(False)
        return pl.col(_def_col(name)).fill_null(False)

    def compile(self, node: ir.Expr, *, inline: bool) -> pl.Expr:
        def sub(child: ir.Expr) -> pl.Expr:
            return self.compile(child, inline=inline)

        match node:
            case ir.Lit(value=value, type=value_type):
                return _literal(value, value_type)
            case ir.Field(name=name):
                return pl.col(_value_col(name))
            case ir.Context(name=name, type=value_type):
                return self.context_expr(name, value_type)
            case ir.Definition(name=name):
                if inline:
                    return sub(self.book.definitions[name].expr)
                return pl.col(_def_col(name))
            case ir.Neg(operand=operand):
                return -sub(operand)
            case ir.Not(operand=operand):
                return ~sub(operand)
            case ir.Arith(op=op, left=left, right=right):
                a, b = sub(left), sub(right)
                if op == "+":
                    return a + b
                if op == "-":
                    return a - b
                if op == "*":
                    return a * b
                if op == "/":
                    return pl.when(b == 0).then(None).otherwise(a / b)
                return pl.when(b == 0).then(None).otherwise(a % b)
            case ir.Compare(op=op, left=left, right=right):
                a, b = sub(left), sub(right)
                return {
                    "=": a.eq,
                    "!=": a.ne,
                    "<": a.lt,
                    "<=": a.le,
                    ">": a.gt,
                    ">=": a.ge,
                }[op](b)
            case ir.Logic(op=op, left=left, right=right):
                return sub(left) & sub(right) if op == "and" else sub(left) | sub(right)
            case ir.In(operand=operand, values=items, negated=negated):
                inner = sub(operand)
                series = pl.Series(list(items), dtype=_POLARS_TYPES[operand.type])
                test = inner.is_in(series.implode())  # null stays null
                return ~test if negated else test
            case ir.If(condition=condition, then=then, otherwise=otherwise):
                return pl.when(sub(condition)).then(sub(then)).otherwise(sub(otherwise))
            case ir.Coalesce(args=args):
                return pl.coalesce([sub(arg) for arg in args])
            case ir.IsEmpty(field=field):
                if field.type in (ValueType.STRING, ValueType.MULTI):
                    # Text has no value exactly when it is missing or blank.
                    return (
                        pl.col(field.name).is_not_null() & pl.col(_value_col(field.name)).is_null()
                    )
                return (pl.col(field.name).str.strip_chars(_WS) == "").fill_null(False)
            case ir.IsMissing(field=field):
                return pl.col(field.name).is_null()
            case ir.Func():
                return self.function(node, sub)
            case ir.Aggregate(key=key) | ir.CensusCount(key=key):
                return pl.col(key)
            case ir.Assured(indicator=name):
                return pl.col(_ind_col(name))
        raise TypeError(f"cannot compile {node!r}")

    def function(self, node: ir.Func, sub: Any) -> pl.Expr:
        name = node.name
        args = [sub(arg) for arg in node.args]
        first = args[0]
        if name in _PER_FIELD and isinstance(node.args[0], ir.Field):
            return pl.col(_fn_col(name, node.args[0].name))
        if name == "id_checksum_ok":
            return checksum_ok(first)
        if name == "id_length":
            return id_length(first)
        if name == "len":
            return first.str.len_chars().cast(pl.Float64)
        if name == "sex_from_id":
            digit = first.str.slice(16, 1)
            ok = (first.str.len_chars() >= 17) & digit.str.contains(r"^[0-9]$").fill_null(False)
            odd = digit.cast(pl.Int32, strict=False) % 2 == 1
            return pl.when(ok).then(pl.when(odd).then(pl.lit("1")).otherwise(pl.lit("2")))
        if name == "abs":
            return first.abs()
        if name == "number":
            return _typed(first, ValueType.NUMBER)
        if name == "count_selected":
            return first.str.count_matches("[^ ]+").cast(pl.Float64)
        if name == "regex":
            pattern = node.args[1]
            assert isinstance(pattern, ir.Lit)
            return first.str.contains(str(pattern.value))
        if name in ("age_from_id", "birth_date_valid"):
            text_node, reference_node = node.args
            if isinstance(text_node, ir.Field):
                born = pl.col(_birth_col(text_node.name))
            else:
                born = birth_ymd(first)
            if isinstance(reference_node, ir.Lit | ir.Context) and not (
                isinstance(reference_node, ir.Context)
                and reference_node.name in self.context_columns
            ):
                day = (
                    reference_node.value
                    if isinstance(reference_node, ir.Lit)
                    else values.convert(self.context.get(reference_node.name), ValueType.DATE)
                )
                reference = pl.lit(
                    None if day is None else day.year * 10000 + day.month * 100 + day.day,  # type: ignore[union-attr]
                    dtype=pl.Int64,
                )
            else:
                reference = _date_ymd(args[1])
            if name == "birth_date_valid":
                return (
                    pl.when(first.is_null() | reference.is_null())
                    .then(None)
                    .otherwise((born <= reference).fill_null(False))
                )
            years = (
                reference // 10000
                - born // 10000
                - pl.when(reference % 10000 < born % 10000).then(1).otherwise(0)
            )
            return pl.when(born <= reference).then(years.cast(pl.Float64))
        if name == "selected":
            code_node = node.args[1]
            if isinstance(code_node, ir.Lit) and " " not in str(code_node.value):
                # A code without spaces is a token of the answer exactly when " code " occurs
                # in " answer " (empty tokens included), so no list is built per row.
                padded = pl.concat_str([pl.lit(" "), first, pl.lit(" ")])
                return padded.str.contains(f" {code_node.value} ", literal=True)
            code = args[1]
            contains = first.str.split(" ").list.contains(code)
            return pl.when(code.is_null()).then(None).otherwise(contains)
        raise TypeError(f"unknown function {name}")

    def aggregate_input(self, node: ir.Aggregate) -> pl.Expr:
        """The per-row value an aggregate reduces, computed before the group_by.

        Keeping the group_by to plain ``sum``/``any``/``min``/``max`` of a column lets
        Polars use its fast grouped kernels (an expression per group is far slower).
        """
        keep = self.collection(node.collection)
        if node.arg is None:
            return keep.alias(node.key)
        arg = self.compile(node.arg, inline=False)
        if node.func in ("count", "any"):
            return (keep & arg).fill_null(False).alias(node.key)
        if node.func == "all":
            return (keep & ~arg).fill_null(False).alias(node.key)  # a row that is false
        return pl.when(keep).then(arg).alias(node.key)

    def aggregate_expr(self, node: ir.Aggregate) -> pl.Expr:
        column = pl.col(node.key)
        if node.func == "count" or node.arg is None:
            return column.sum().cast(pl.Float64).alias(node.key)
        if node.func == "any":
            return column.any().alias(node.key)
        if node.func == "all":
            return (~column.any()).alias(node.key)
        if node.func == "sum":
            return column.sum().cast(pl.Float64).alias(node.key)
        return (column.min() if node.func == "min" else column.max()).alias(node.key)

    def aggregate_default(self, node: ir.Aggregate) -> pl.Expr:
        column = pl.col(node.key)
        if node.func in ("count", "sum"):
            return column.fill_null(0.0)
        if node.func == "any":
            return column.fill_null(False)
        if node.func == "all":
            return column.fill_null(True)
        return column

    def message(self, parts: Iterable[str | Placeholder], language: str) -> pl.Expr:
        pieces: list[pl.Expr] = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(pl.lit(part))
            elif part.expr is None:
                pieces.append(pl.col(MEMBER_INDEX).cast(pl.String))
            elif isinstance(part.expr, ir.Field):
                pieces.append(_format_raw(pl.col(part.expr.name), language))
            elif isinstance(part.expr, ir.Context):
                pieces.append(_format_raw(self.context_raw(part.expr.name), language))
            else:
                compiled = self.compile(part.expr, inline=False)
                pieces.append(_format_value(compiled, part.expr.type, language))
        if not pieces:
            return pl.lit("")
        return pl.concat_str(pieces)

    def status(self, rule: Rule) -> tuple[pl.Expr, pl.Expr]:
        """(failed, passed) as non-null booleans."""
        check = self.compile(rule.expression, inline=False)
        applicable = (
            self.compile(rule.when, inline=False).fill_null(False)
            if rule.when is not None
            else pl.lit(True)
        )
        failed = applicable & (~check).fill_null(rule.on_null == Status.FAILED)
        passed = applicable & check.fill_null(rule.on_null == Status.PASSED)
        return failed, passed


# ---- the run ----------------------------------------------------------------------------------


def _uses_assured(rule: Rule) -> bool:
    return any(
        isinstance(node, ir.Assured)
        for expr in (rule.when, rule.expression)
        if expr is not None
        for node in ir.walk(expr)
    )


def _waves(specs: Iterable[DefinitionSpec], level: Level) -> list[list[DefinitionSpec]]:
    """Definitions of one level grouped so that none reads another of its own group.

    Each group is one ``with_columns`` (one pass, evaluated in parallel); the groups keep
    the dependency order the loader gives.
    """
    waves: list[list[DefinitionSpec]] = []
    placed: dict[str, int] = {}
    for spec in specs:
        if spec.level != level:
            continue
        reads = {n.name for n in ir.walk(spec.expr) if isinstance(n, ir.Definition)}
        wave = max((placed[name] + 1 for name in reads if name in placed), default=0)
        while len(waves) <= wave:
            waves.append([])
        waves[wave].append(spec)
        placed[spec.name] = wave
    return waves


def _attach(frame: pl.DataFrame, right: pl.DataFrame, left_on: str, right_on: str) -> pl.DataFrame:
    """``frame`` with the columns of ``right`` matched on a key (a left join), rows in order.

    Only the key column goes through the join; the result is stacked beside ``frame``, so
    a wide frame is not copied (a plain join would gather every column).
    """
    matched = frame.select(pl.col(left_on)).join(
        right, left_on=left_on, right_on=right_on, how="left", maintain_order="left"
    )
    added = [c for c in right.columns if c != right_on and c not in frame.columns]
    return frame.hstack(matched.select(added))


def _with_missing(frame: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """Add a null text column for every field the frame lacks (missing everywhere)."""
    present = set(frame.columns)
    missing = sorted({name for name in names if name not in present})
    if not missing:
        return frame
    return frame.with_columns([pl.lit(None, dtype=pl.String).alias(n) for n in missing])


class _Plan:
    """What the book needs, worked out once before any chunk runs.

    Definitions fall in two stages: *early* ones use no aggregate and no census count
    (through other definitions neither) and are computed before the member aggregates,
    so aggregates and collections read them as columns; *late* ones are computed after.
    """

    def __init__(self, book: RuleBook, compiler: _Compiler) -> None:
        self.book = book
        self.compiler = compiler
        self.household_rules = [
            (i, r) for i, r in enumerate(book.rules) if r.unit == Level.HOUSEHOLD
        ]
        self.member_rules = [(i, r) for i, r in enumerate(book.rules) if r.unit == Level.MEMBER]
        self.late: set[str] = set()
        for name, spec in book.definitions.items():
            if any(
                isinstance(n, ir.Aggregate | ir.CensusCount)
                or (isinstance(n, ir.Definition) and n.name in self.late)
                for n in ir.walk(spec.expr)
            ):
                self.late.add(name)

        # Member frame, early: what aggregates and collections read, and member definitions.
        early_members = _Refs.empty()
        collections: list[str | None] = []
        for aggregate in book.aggregates.values():
            if aggregate.arg is not None:
                compiler.refs(aggregate.arg, inline=False, into=early_members)
            collections.append(aggregate.collection)
        for count in book.census_counts.values():
            early_members.fields.add((count.key_field.name, Level.MEMBER))
            collections.append(count.collection)
        early_members.definitions |= {name for name in collections if name is not None}
        # Member frame, late: member rules and their messages.
        late_members = _Refs.empty()
        for spec in book.definitions.values():
            if spec.level == Level.MEMBER:
                compiler.refs(spec.expr, inline=False, into=late_members)
        for _, rule in self.member_rules:
            self._rule_refs(rule, late_members)
        # Household frame.
        households = _Refs.empty()
        for spec in book.definitions.values():
            if spec.level == Level.HOUSEHOLD:
                compiler.refs(spec.expr, inline=False, into=households)
        for _, rule in self.household_rules:
            self._rule_refs(rule, households)
        for indicator in book.indicators:
            if indicator.when is not None:
                compiler.refs(indicator.when, inline=False, into=households)

        member_scope = _Refs(
            early_members.fields | late_members.fields,
            early_members.contexts | late_members.contexts,
            early_members.definitions | late_members.definitions,
            late_members.aggregates,
            late_members.census_counts,
        )

        def level_fields(refs: _Refs, level: Level) -> set[str]:
            return {name for name, lvl in refs.fields if lvl == level}

        self.member_fields = level_fields(member_scope, Level.MEMBER)
        self.household_fields_in_members = level_fields(member_scope, Level.HOUSEHOLD)
        self.household_fields = (
            level_fields(households, Level.HOUSEHOLD) | self.household_fields_in_members
        )
        household_defs_in_members = {
            name
            for name in member_scope.definitions
            if book.definitions[name].level == Level.HOUSEHOLD
        }
        self.early_household_defs_in_members = household_defs_in_members - self.late
        self.late_household_defs_in_members = household_defs_in_members & self.late
        self.aggregates_in_members = set(member_scope.aggregates)
        self.contexts_in_members = member_scope.contexts & set(compiler.context_columns)

        # The census-count pre-pass reads only what the counts need.
        self.count_fields: set[tuple[str, Level]] = set()
        self.count_contexts: set[str] = set()
        for node in book.census_counts.values():
            found = _Refs.empty()
            compiler.refs(node.key_field, inline=True, into=found)
            if node.collection is not None:
                compiler.refs(book.definitions[node.collection].expr, inline=True, into=found)
            self.count_fields |= found.fields
            self.count_contexts |= found.contexts & set(compiler.context_columns)

    def _rule_refs(self, rule: Rule, into: _Refs) -> None:
        for expr in (rule.when, rule.expression):
            if expr is not None:
                self.compiler.refs(expr, inline=False, into=into)
        for placeholder in rule.message.placeholders():
            if placeholder.expr is not None:
                self.compiler.refs(placeholder.expr, inline=False, into=into)


def check_census(
    book: RuleBook,
    households: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    *,
    context: Mapping[str, Any] | None = None,
    context_columns: Mapping[str, str] | None = None,
    chunk_size: int = 100_000,
    progress: ProgressLike | None = None,
) -> CensusCheck:
    """Run every household and member rule of ``book`` over a whole census.

    ``households`` has a ``household_id`` column and one text column per field;
    ``members`` has ``household_id``, ``member_index`` (1-based, repeat order) and the
    member fields.  A field with no column is missing everywhere.  ``context`` gives
    context values (text) for all households; ``context_columns`` names household
    columns that hold a context value per household instead (e.g. ``income_line`` of a
    multi-province census).
    """
    households_df = households.collect() if isinstance(households, pl.LazyFrame) else households
    members_df = members.collect() if isinstance(members, pl.LazyFrame) else members
    households_df = households_df.with_columns(pl.col(KEY).cast(pl.String))
    members_df = members_df.with_columns(pl.col(KEY).cast(pl.String))
    if MEMBER_INDEX not in members_df.columns:
        members_df = members_df.with_columns(
            (pl.int_range(pl.len()).over(KEY) + 1).cast(pl.Int32).alias(MEMBER_INDEX)
        )
    else:
        members_df = members_df.with_columns(pl.col(MEMBER_INDEX).cast(pl.Int32))
    compiler = _Compiler(book, context_values(book, context), context_columns or {})
    plan = _Plan(book, compiler)
    run = _Run(book, compiler, plan)

    total = households_df.height
    chunks = max(1, -(-total // chunk_size))
    if progress is not None:
        progress.start(total, "rules")
    counted = run.census_count_columns(households_df, members_df)
    if counted.width:
        members_df = members_df.hstack(counted)

    failures: list[pl.DataFrame] = []
    indicators: list[pl.DataFrame] = []
    summaries: list[pl.DataFrame] = []
    for chunk in range(chunks):
        hh_chunk = households_df.slice(chunk * chunk_size, chunk_size)
        m_chunk = (
            members_df.join(hh_chunk.select(KEY), on=KEY, how="semi") if chunks > 1 else members_df
        )
        result = run.chunk(hh_chunk, m_chunk)
        failures.append(result.failures)
        indicators.append(result.indicators)
        summaries.append(result.summary)
        if progress is not None:
            progress.advance(hh_chunk.height)
    summary = (
        pl.concat(summaries)
        .group_by("rule_id", maintain_order=True)
        .agg(pl.col("checked").sum(), pl.col("failed").sum())
    )
    return CensusCheck(
        failures=pl.concat(failures, how="vertical"),
        indicators=pl.concat(indicators, how="vertical"),
        summary=summary,
    )


def census_key_counts(
    book: RuleBook,
    households: pl.DataFrame,
    members: pl.DataFrame,
    *,
    context: Mapping[str, Any] | None = None,
    context_columns: Mapping[str, str] | None = None,
) -> dict[str, dict[str, int]]:
    """The counts every ``census_count()`` needs, over a whole census, for the per-record path.

    Gives the same mapping as :func:`povcensus.rules.record.census_counts_of` (key → value →
    member rows), computed with Polars: what a caller passes as ``census_counts`` when it
    checks single records against a population held in frames.
    """
    compiler = _Compiler(book, context_values(book, context), context_columns or {})
    run = _Run(book, compiler, _Plan(book, compiler))
    frames = run.census_counts(
        households.with_columns(pl.col(KEY).cast(pl.String)),
        members.with_columns(pl.col(KEY).cast(pl.String)),
    )
    return {key: {value: int(n) for value, n in frame.iter_rows()} for key, frame in frames.items()}


class _Run:
    def __init__(self, book: RuleBook, compiler: _Compiler, plan: _Plan) -> None:
        self.book = book
        self.compiler = compiler
        self.plan = plan

    def _with_typed(
        self,
        lazy: pl.LazyFrame,
        frame: pl.DataFrame,
        level: Level,
        names: Iterable[str],
        *,
        per_field: bool = True,
    ) -> pl.LazyFrame:
        """Add the typed value of each field (and the per-field ID columns) to ``lazy``.

        Trimming every value is the costly part of typing, and almost no value has
        whitespace: the values that do are looked up in ``frame`` first, so a column
        without any is typed without trimming (same result, see ``values``).
        """
        specs = self.book.schema.by_level[level]
        names = sorted(names)
        if not names:
            return lazy
        with_space = frame.select(
            [
                pl.col(name)
                .filter(pl.col(name).str.contains_any(list(_WS)))
                .unique()
                .implode()
                .alias(name)
                for name in names
            ]
        ).row(0)
        typed = []
        derived = []
        for name, spaced in zip(names, with_space, strict=True):
            typed.append(
                _typed_fast(pl.col(name), specs[name].value_type, spaced).alias(_value_col(name))
            )
            if per_field:
                derived += self._per_field(name, pl.col(_value_col(name)))
        lazy = lazy.with_columns(typed)
        return lazy.with_columns(derived) if derived else lazy

    def _per_field(self, name: str, value: pl.Expr) -> list[pl.Expr]:
        found = []
        if name in self.compiler.birth_fields:
            found.append(birth_ymd(value).alias(_birth_col(name)))
        for function in sorted(self.compiler.field_functions.get(name, ())):
            found.append(_PER_FIELD[function](value).alias(_fn_col(function, name)))
        return found

    def _context_columns(self, names: Iterable[str]) -> list[pl.Expr]:
        found = []
        for name in sorted(names):
            column = self.compiler.context_columns[name]
            found.append(pl.col(column).alias(_ctx_col(name)))
            found.append(
                _typed(pl.col(column), self.book.context[name].type).alias(
                    _value_col(_ctx_col(name))
                )
            )
        return found

    def _households_early(self, frame: pl.DataFrame, fields: set[str]) -> pl.LazyFrame:
        frame = _with_missing(frame, [*fields, *self.compiler.context_columns.values()])
        lazy = self._with_typed(frame.lazy(), frame, Level.HOUSEHOLD, fields)
        contexts = self._context_columns(self.compiler.context_columns)
        return lazy.with_columns(contexts) if contexts else lazy

    def _members_early(
        self,
        frame: pl.DataFrame,
        households: pl.DataFrame,
        *,
        member_fields: set[str],
        household_fields: set[str],
        household_columns: Iterable[str],
        contexts: set[str],
        per_field: bool = True,
    ) -> pl.DataFrame:
        frame = _with_missing(frame, member_fields)
        members = self._with_typed(
            frame.lazy(), frame, Level.MEMBER, member_fields, per_field=per_field
        ).collect()
        columns = [
            *sorted(household_fields),
            *(_value_col(name) for name in sorted(household_fields)),
            *(_birth_col(name) for name in sorted(household_fields & self.compiler.birth_fields)),
            *(
                _fn_col(function, name)
                for name in sorted(household_fields)
                for function in sorted(self.compiler.field_functions.get(name, ()))
            ),
            *household_columns,
            *(_ctx_col(name) for name in sorted(contexts)),
            *(_value_col(_ctx_col(name)) for name in sorted(contexts)),
        ]
        if columns:
            members = _attach(members, households.select([KEY, *columns]), KEY, KEY)
        return members

    def census_counts(
        self, households: pl.DataFrame, members: pl.DataFrame
    ) -> dict[str, pl.DataFrame]:
        """Key counts of every census_count() over all members, before any chunk runs."""
        if not self.book.census_counts:
            return {}
        plan, compiler = self.plan, self.compiler
        household_fields = {n for n, level in plan.count_fields if level == Level.HOUSEHOLD}
        member_fields = {n for n, level in plan.count_fields if level == Level.MEMBER}
        hh = self._households_early(households, household_fields).collect()
        lazy = self._members_early(
            members,
            hh,
            member_fields=member_fields,
            household_fields=household_fields,
            household_columns=(),
            contexts=plan.count_contexts,
        ).lazy()
        frames = []
        for node in self.book.census_counts.values():
            keep = compiler.collection(node.collection, inline=True)
            value = pl.col(_value_col(node.key_field.name))
            frames.append(
                lazy.filter(keep & value.is_not_null())
                .group_by(value.alias("__key"))
                .agg(pl.len().cast(pl.Float64).alias("__n"))
            )
        return dict(zip(self.book.census_counts, pl.collect_all(frames), strict=True))

    def census_count_columns(self, households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
        """Every ``census_count()`` as a column of ``members``, over the whole census.

        Computed once, before any chunk, with a window over the key (one hash pass),
        so chunks carry the counts and never join the census-wide table.
        """
        if not self.book.census_counts:
            return pl.DataFrame()
        plan, compiler = self.plan, self.compiler
        household_fields = {n for n, level in plan.count_fields if level == Level.HOUSEHOLD}
        member_fields = {n for n, level in plan.count_fields if level == Level.MEMBER}
        hh = self._households_early(households, household_fields).collect()
        frame = self._members_early(
            members,
            hh,
            member_fields=member_fields,
            household_fields=household_fields,
            household_columns=(),
            contexts=plan.count_contexts,
            per_field=False,
        )
        columns = []
        for key, node in self.book.census_counts.items():
            # Plain columns first: a window over a computed expression is evaluated per group.
            pair = frame.select(
                pl.col(_value_col(node.key_field.name)).alias("__value"),
                compiler.collection(node.collection, inline=True).cast(pl.Float64).alias("__in"),
            )
            value = pl.col("__value")
            columns.append(
                pair.select(
                    pl.when(value.is_not_null()).then(pl.col("__in").sum().over(value)).alias(key)
                ).to_series()
            )
        return pl.DataFrame(columns)

    def chunk(
        self,
        households: pl.DataFrame,
        members: pl.DataFrame,
    ) -> CensusCheck:
        book, compiler, plan = self.book, self.compiler, self.plan
        early = [s for s in book.definitions.values() if s.name not in plan.late]
        late = [s for s in book.definitions.values() if s.name in plan.late]

        # 1. Households: typed fields and early definitions.
        hh = self._households_early(households, plan.household_fields)
        for wave in _waves(early, Level.HOUSEHOLD):
            hh = hh.with_columns(
                [
                    compiler.compile(spec.expr, inline=False).alias(_def_col(spec.name))
                    for spec in wave
                ]
            )
        hh_df = hh.collect()

        # 2. Members: typed fields, household values they read, early definitions.
        m_df = self._members_early(
            members,
            hh_df,
            member_fields=plan.member_fields,
            household_fields=plan.household_fields_in_members,
            household_columns=[_def_col(n) for n in sorted(plan.early_household_defs_in_members)],
            contexts=plan.contexts_in_members,
        )
        for wave in _waves(early, Level.MEMBER):
            m_df = m_df.with_columns(
                [
                    compiler.compile(spec.expr, inline=False).alias(_def_col(spec.name))
                    for spec in wave
                ]
            )

        # 3. Member aggregates (group_by, attached to households) and census counts.
        if book.aggregates:
            grouped = (
                m_df.lazy()
                .select(
                    pl.col(KEY),
                    *(compiler.aggregate_input(node) for node in book.aggregates.values()),
                )
                .group_by(KEY)
                .agg([compiler.aggregate_expr(node) for node in book.aggregates.values()])
                .collect()
            )
            hh_df = _attach(hh_df, grouped, KEY, KEY).with_columns(
                [compiler.aggregate_default(node) for node in book.aggregates.values()]
            )

        # 4. Late definitions (they read aggregates and counts).
        for wave in _waves(late, Level.HOUSEHOLD):
            hh_df = hh_df.with_columns(
                [
                    compiler.compile(spec.expr, inline=False).alias(_def_col(spec.name))
                    for spec in wave
                ]
            )
        joined = [_def_col(n) for n in sorted(plan.late_household_defs_in_members)]
        joined += sorted(plan.aggregates_in_members)
        if joined:
            m_df = _attach(m_df, hh_df.select([KEY, *joined]), KEY, KEY)
        for wave in _waves(late, Level.MEMBER):
            m_df = m_df.with_columns(
                [
                    compiler.compile(spec.expr, inline=False).alias(_def_col(spec.name))
                    for spec in wave
                ]
            )
        m = m_df.lazy()
        hh = hh_df.lazy()

        # 5. Rules without assured(): member rules, then household rules.
        member_status: list[pl.Expr] = []
        for position, rule in plan.member_rules:
            failed, passed = compiler.status(rule)
            member_status += [failed.alias(_fail_col(position)), passed.alias(_pass_col(position))]
        m_df = (m.with_columns(member_status) if member_status else m).collect()

        first_round = [(p, r) for p, r in plan.household_rules if not _uses_assured(r)]
        second_round = [(p, r) for p, r in plan.household_rules if _uses_assured(r)]
        hh_status: list[pl.Expr] = []
        for position, rule in first_round:
            failed, passed = compiler.status(rule)
            hh_status += [failed.alias(_fail_col(position)), passed.alias(_pass_col(position))]
        if hh_status:
            hh_df = hh_df.with_columns(hh_status)

        # 6. Indicators: not assured when a rule deriving it failed (any member for member rules).
        member_derived = [(p, r) for p, r in plan.member_rules if r.derived]
        if member_derived:
            any_failed = m_df.group_by(KEY).agg(
                [pl.col(_fail_col(p)).any().alias(f"__anyfail_{p}") for p, _ in member_derived]
            )
            hh_df = hh_df.join(any_failed, on=KEY, how="left")
        indicator_columns: list[pl.Expr] = []
        indicator_flags: list[pl.Expr] = []
        for indicator in book.indicators:
            failed_any = pl.lit(False)
            for position, rule in enumerate(book.rules):
                if indicator.id not in rule.derived:
                    continue
                column = (
                    f"__anyfail_{position}" if rule.unit == Level.MEMBER else _fail_col(position)
                )
                failed_any = failed_any | pl.col(column).fill_null(False)
            applicable = (
                compiler.compile(indicator.when, inline=False).fill_null(False)
                if indicator.when is not None
                else pl.lit(True)
            )
            status = (
                pl.when(~applicable)
                .then(pl.lit(IndicatorStatus.NOT_APPLICABLE.value))
                .when(failed_any)
                .then(pl.lit(IndicatorStatus.NOT_ASSURED.value))
                .otherwise(pl.lit(IndicatorStatus.ASSURED.value))
            )
            indicator_columns.append(status.alias(indicator.id))
            indicator_flags.append(
                pl.when(applicable).then(~failed_any).otherwise(None).alias(_ind_col(indicator.id))
            )
        if indicator_columns:
            hh_df = hh_df.with_columns(indicator_columns + indicator_flags)

        # 7. Rules that read the indicators.
        if second_round:
            late_status: list[pl.Expr] = []
            for position, rule in second_round:
                failed, passed = compiler.status(rule)
                late_status += [
                    failed.alias(_fail_col(position)),
                    passed.alias(_pass_col(position)),
                ]
            hh_df = hh_df.with_columns(late_status)

        return CensusCheck(
            failures=self._failures(hh_df, m_df),
            indicators=hh_df.select([KEY, *(ind.id for ind in book.indicators)]),
            summary=self._summary(hh_df, m_df),
        )

    def _failures(self, hh_df: pl.DataFrame, m_df: pl.DataFrame) -> pl.DataFrame:
        compiler = self.compiler
        queries: list[pl.LazyFrame] = []
        for position, rule in enumerate(self.book.rules):
            if rule.unit == Level.VILLAGE:
                continue
            frame = m_df if rule.unit == Level.MEMBER else hh_df
            index = (
                pl.col(MEMBER_INDEX)
                if rule.unit == Level.MEMBER
                else pl.lit(None, dtype=pl.Int32).alias(MEMBER_INDEX)
            )
            queries.append(
                frame.lazy()
                .filter(pl.col(_fail_col(position)))
                .select(
                    pl.col(KEY),
                    pl.lit(rule.id).alias("rule_id"),
                    pl.lit(rule.severity.value).alias("severity"),
                    pl.lit(rule.level).alias("level"),
                    index,
                    compiler.message(rule.message.zh, "zh").alias("message_zh"),
                    compiler.message(rule.message.en, "en").alias("message_en"),
                )
            )
        if not queries:
            return pl.DataFrame(schema=FAILURE_SCHEMA)
        return pl.concat(pl.collect_all(queries), how="vertical").cast(FAILURE_SCHEMA)  # type: ignore[arg-type]

    def _summary(self, hh_df: pl.DataFrame, m_df: pl.DataFrame) -> pl.DataFrame:
        rows = []
        member_sums = (
            m_df.select(
                [
                    pl.col(column).sum()
                    for position, rule in self.plan.member_rules
                    for column in (_fail_col(position), _pass_col(position))
                ]
            )
            if self.plan.member_rules
            else None
        )
        hh_sums = (
            hh_df.select(
                [
                    pl.col(column).sum()
                    for position, rule in self.plan.household_rules
                    for column in (_fail_col(position), _pass_col(position))
                ]
            )
            if self.plan.household_rules
            else None
        )
        for position, rule in enumerate(self.book.rules):
            if rule.unit == Level.VILLAGE:
                continue
            sums = member_sums if rule.unit == Level.MEMBER else hh_sums
            assert sums is not None
            failed = int(sums[_fail_col(position)][0] or 0)
            passed = int(sums[_pass_col(position)][0] or 0)
            rows.append({"rule_id": rule.id, "checked": failed + passed, "failed": failed})
        return pl.DataFrame(
            rows, schema={"rule_id": pl.String, "checked": pl.Int64, "failed": pl.Int64}
        )


def check_villages(
    book: RuleBook,
    villages: pl.DataFrame | pl.LazyFrame,
    *,
    context: Mapping[str, Any] | None = None,
    context_columns: Mapping[str, str] | None = None,
) -> CensusCheck:
    """Run the village rules over a frame of village records keyed by ``village_code``."""
    frame = villages.collect() if isinstance(villages, pl.LazyFrame) else villages
    compiler = _Compiler(book, context_values(book, context), context_columns or {})
    rules = [(p, r) for p, r in enumerate(book.rules) if r.unit == Level.VILLAGE]
    refs = _Refs.empty()
    for spec in book.definitions.values():
        if spec.level == Level.VILLAGE:
            compiler.refs(spec.expr, inline=False, into=refs)
    for _, rule in rules:
        for expr in (rule.when, rule.expression):
            if expr is not None:
                compiler.refs(expr, inline=False, into=refs)
        for placeholder in rule.message.placeholders():
            if placeholder.expr is not None:
                compiler.refs(placeholder.expr, inline=False, into=refs)
    fields = {name for name, level in refs.fields if level == Level.VILLAGE}
    frame = _with_missing(
        frame.with_columns(pl.col(VILLAGE_KEY).cast(pl.String)),
        [*fields, *compiler.context_columns.values()],
    )
    lazy = frame.lazy()
    typed = []
    for name in sorted(fields):
        value = _typed(pl.col(name), book.schema.by_level[Level.VILLAGE][name].value_type)
        typed.append(value.alias(_value_col(name)))
        if name in compiler.birth_fields:
            typed.append(birth_ymd(value).alias(_birth_col(name)))
        for function in sorted(compiler.field_functions.get(name, ())):
            typed.append(_PER_FIELD[function](value).alias(_fn_col(function, name)))
    for name, column in compiler.context_columns.items():
        typed.append(pl.col(column).alias(_ctx_col(name)))
        typed.append(
            _typed(pl.col(column), book.context[name].type).alias(_value_col(_ctx_col(name)))
        )
    if typed:
        lazy = lazy.with_columns(typed)
    for spec in book.definitions.values():
        if spec.level == Level.VILLAGE:
            lazy = lazy.with_columns(
                compiler.compile(spec.expr, inline=False).alias(_def_col(spec.name))
            )
    statuses: list[pl.Expr] = []
    for position, rule in rules:
        failed, passed = compiler.status(rule)
        statuses += [failed.alias(_fail_col(position)), passed.alias(_pass_col(position))]
    df = (lazy.with_columns(statuses) if statuses else lazy).collect()
    failures = [
        df.lazy()
        .filter(pl.col(_fail_col(position)))
        .select(
            pl.col(VILLAGE_KEY).alias(KEY),
            pl.lit(rule.id).alias("rule_id"),
            pl.lit(rule.severity.value).alias("severity"),
            pl.lit(rule.level).alias("level"),
            pl.lit(None, dtype=pl.Int32).alias(MEMBER_INDEX),
            compiler.message(rule.message.zh, "zh").alias("message_zh"),
            compiler.message(rule.message.en, "en").alias("message_en"),
        )
        for position, rule in rules
    ]
    summary = [
        {
            "rule_id": rule.id,
            "checked": int(df[_fail_col(p)].sum()) + int(df[_pass_col(p)].sum()),
            "failed": int(df[_fail_col(p)].sum()),
        }
        for p, rule in rules
    ]
    return CensusCheck(
        failures=(
            pl.concat(pl.collect_all(failures)).cast(FAILURE_SCHEMA)  # type: ignore[arg-type]
            if failures
            else pl.DataFrame(schema=FAILURE_SCHEMA)
        ),
        indicators=pl.DataFrame({KEY: df[VILLAGE_KEY]}),
        summary=pl.DataFrame(
            summary, schema={"rule_id": pl.String, "checked": pl.Int64, "failed": pl.Int64}
        ),
    )
