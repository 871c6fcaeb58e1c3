"""Typed, resolved expressions: what both execution paths compile (pure: no ORM, no HTTP).

The rule book loader turns each syntax tree (:mod:`povcensus.rules.expressions`) into
these nodes after resolving every name and checking every type.  Invariants:

* every node has a :class:`~povcensus.rules.schema.ValueType`, fixed at load time; the
  engines never inspect values to decide what an operation means;
* a field node knows its level, so an engine knows which table (household, member,
  village) a value comes from;
* aggregates and cross-table counts carry a canonical ``key``: two identical aggregates
  anywhere in a rule book share the key and are computed once per household.

Value semantics (the same in both paths, see docs/rules.md): a missing field (absent,
not relevant) and a blank one (present, only whitespace) both have no value (null); a
number field whose text is not a number has no value; comparisons and arithmetic with
null give null; ``and``/``or``/``not`` follow three-valued (Kleene) logic;
``is_empty``/``is_missing`` tell blank from missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from povcensus.rules.schema import Level, ValueType

Scalar = float | str | bool | date


@dataclass(frozen=True, slots=True, eq=False)
class Expr:
    type: ValueType


@dataclass(frozen=True, slots=True, eq=False)
class Lit(Expr):
    value: Scalar


@dataclass(frozen=True, slots=True, eq=False)
class Field(Expr):
    name: str
    level: Level


@dataclass(frozen=True, slots=True, eq=False)
class Context(Expr):
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Definition(Expr):
    name: str
    level: Level


@dataclass(frozen=True, slots=True, eq=False)
class Neg(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Arith(Expr):
    op: str  # + - * / mod
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Compare(Expr):
    op: str  # = != < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Logic(Expr):
    op: str  # and, or
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True, eq=False)
class In(Expr):
    operand: Expr
    values: tuple[Scalar, ...]
    negated: bool


@dataclass(frozen=True, slots=True, eq=False)
class If(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True, eq=False)
class Coalesce(Expr):
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class IsEmpty(Expr):
    field: Field


@dataclass(frozen=True, slots=True, eq=False)
class IsMissing(Expr):
    field: Field


@dataclass(frozen=True, slots=True, eq=False)
class Func(Expr):
    """A scalar function: age_from_id, id_checksum_ok, regex, selected, abs."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Aggregate(Expr):
    """count/sum/min/max/any/all over a household's members (optionally a collection)."""

    func: str
    collection: str | None  # None: every member row; else a member-level definition
    arg: Expr | None
    key: str = field(default="")


@dataclass(frozen=True, slots=True, eq=False)
class CensusCount(Expr):
    """How many member rows of a collection in the whole checked census share this key."""

    collection: str | None
    key_field: Field
    key: str = field(default="")


@dataclass(frozen=True, slots=True, eq=False)
class Assured(Expr):
    indicator: str


def children(node: Expr) -> tuple[Expr, ...]:
    match node:
        case Neg(operand=x) | Not(operand=x):
            return (x,)
        case Arith(left=a, right=b) | Compare(left=a, right=b) | Logic(left=a, right=b):
            return (a, b)
        case In(operand=x):
            return (x,)
        case If(condition=c, then=a, otherwise=b):
            return (c, a, b)
        case Coalesce(args=args) | Func(args=args):
            return args
        case IsEmpty(field=f) | IsMissing(field=f):
            return (f,)
        case Aggregate(arg=arg):
            return (arg,) if arg is not None else ()
        case CensusCount(key_field=f):
            return (f,)
    return ()


def walk(node: Expr) -> list[Expr]:
    """Every node of ``node``'s tree, parents before children."""
    found = [node]
    for child in children(node):
        found.extend(walk(child))
    return found


def canon(node: Expr) -> str:
    """A canonical text for ``node``: equal texts mean equal computations."""
    match node:
        case Lit(value=v):
            return repr(v)
        case Field(name=n):
            return "${" + n + "}"
        case Context(name=n):
            return "ctx:" + n
        case Definition(name=n):
            return "def:" + n
        case Neg(operand=x):
            return f"(-{canon(x)})"
        case Not(operand=x):
            return f"not({canon(x)})"
        case Arith(op=op, left=a, right=b) | Compare(op=op, left=a, right=b):
            return f"({canon(a)} {op} {canon(b)})"
        case Logic(op=op, left=a, right=b):
            return f"({canon(a)} {op} {canon(b)})"
        case In(operand=x, values=vs, negated=neg):
            return f"({canon(x)} {'not in' if neg else 'in'} {vs!r})"
        case If(condition=c, then=a, otherwise=b):
            return f"if({canon(c)}, {canon(a)}, {canon(b)})"
        case Coalesce(args=args):
            return "coalesce(" + ", ".join(canon(a) for a in args) + ")"
        case IsEmpty(field=f):
            return f"is_empty({canon(f)})"
        case IsMissing(field=f):
            return f"is_missing({canon(f)})"
        case Func(name=name, args=args):
            return name + "(" + ", ".join(canon(a) for a in args) + ")"
        case Aggregate(func=func, collection=coll, arg=arg):
            inner = canon(arg) if arg is not None else ""
            return f"{func}[{coll or 'members'}]({inner})"
        case CensusCount(collection=coll, key_field=f):
            return f"census_count[{coll or 'members'}]({canon(f)})"
        case Assured(indicator=name):
            return f"assured({name})"
    raise TypeError(f"unknown node {node!r}")
