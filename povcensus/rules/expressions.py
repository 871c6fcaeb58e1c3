"""The rule expression language: tokenizer and parser (pure: no ORM, no HTTP).

Invariants:

* The parser only builds a syntax tree; it knows no field, function or type.  Names are
  resolved and types checked by :mod:`povcensus.rules.rulebook`, which turns the tree
  into the typed form both execution paths compile.
* Every node carries ``pos``, the character offset in the expression where it starts, so
  every load-time error can name a line and a column inside the expression.
* A syntax error raises :class:`ExpressionError` with ``rules.syntax`` and the offset;
  nothing is guessed or repaired.

The grammar (EBNF, also in docs/rules.md)::

    expression  = or ;
    or          = and , { "or" , and } ;
    and         = not , { "and" , not } ;
    not         = "not" , not | comparison ;
    comparison  = sum , [ compare_op , sum | [ "not" ] , "in" , "(" , literal , { "," , literal } , ")" ] ;
    compare_op  = "=" | "==" | "!=" | "<>" | "≠" | "<" | "<=" | "≤" | ">" | ">=" | "≥" ;
    sum         = product , { ( "+" | "-" | "−" ) , product } ;
    product     = unary , { ( "*" | "×" | "/" | "÷" | "div" | "mod" ) , unary } ;
    unary       = ( "-" | "−" ) , unary | primary ;
    primary     = number | string | field | call | name | "(" , expression , ")" ;
    call        = name , "(" , [ expression , { "," , expression } ] , ")" ;
    field       = "${" , name , "}" ;
    literal     = [ "-" ] , number | string ;
    name        = letter , { letter | digit | "_" } ;
    number      = digit , { digit } , [ "." , { digit } ] | "." , digit , { digit } ;
    string      = "'" , { any character but "'" } , "'" | '"' , { any character but '"' } , '"' ;

Keywords (``and or not in div mod``) are case-sensitive, as in XPath.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode
from povcensus.rules import errors


class ExpressionError(Exception):
    """A coded error at an offset of an expression (converted to a positioned ApplicationError)."""

    def __init__(self, error: ErrorCode, pos: int, **details: Any) -> None:
        self.error = error
        self.pos = pos
        self.details = details
        super().__init__(f"{error.code} at {pos}: {details}")


def line_column(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of offset ``pos`` in ``text``."""
    before = text[:pos]
    line = before.count("\n") + 1
    column = pos - (before.rfind("\n") + 1) + 1
    return line, column


# ---- tokens ------------------------------------------------------------------------------

KEYWORDS = frozenset({"and", "or", "not", "in", "div", "mod"})
_OPERATORS = {
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<=": "<=",
    ">=": ">=",
    "=": "=",
    "≠": "!=",
    "<": "<",
    ">": ">",
    "≤": "<=",
    "≥": ">=",
    "+": "+",
    "-": "-",
    "−": "-",
    "*": "*",
    "×": "*",
    "/": "/",
    "÷": "/",
    "(": "(",
    ")": ")",
    ",": ",",
}
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WHITESPACE = " \t\r\n\u3000"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, string, field, name, keyword, op, end
    value: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _WHITESPACE:
            i += 1
            continue
        if text.startswith("${", i):
            close = text.find("}", i + 2)
            if close < 0:
                raise ExpressionError(errors.SYNTAX, i, reason=_("“${”缺少对应的“}”"))
            name = text[i + 2 : close].strip()
            if not _NAME.fullmatch(name):
                raise ExpressionError(
                    errors.SYNTAX, i, reason=_("“%(text)s”不是字段名") % {"text": name}
                )
            tokens.append(Token("field", name, i))
            i = close + 1
            continue
        if ch in "'\"":
            close = text.find(ch, i + 1)
            if close < 0:
                raise ExpressionError(errors.SYNTAX, i, reason=_("字符串缺少结束引号"))
            tokens.append(Token("string", text[i + 1 : close], i))
            i = close + 1
            continue
        number = _NUMBER.match(text, i)
        if number:
            tokens.append(Token("number", number.group(), i))
            i = number.end()
            continue
        word_match = _NAME.match(text, i)
        if word_match:
            word = word_match.group()
            tokens.append(Token("keyword" if word in KEYWORDS else "name", word, i))
            i = word_match.end()
            continue
        two = text[i : i + 2]
        if two in _OPERATORS:
            tokens.append(Token("op", _OPERATORS[two], i))
            i += 2
            continue
        if ch in _OPERATORS:
            tokens.append(Token("op", _OPERATORS[ch], i))
            i += 1
            continue
        raise ExpressionError(errors.SYNTAX, i, reason=_("无法识别的字符“%(char)s”") % {"char": ch})
    tokens.append(Token("end", "", n))
    return tokens


# ---- syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Number(Node):
    value: float
    text: str


@dataclass(frozen=True, slots=True)
class String(Node):
    value: str


@dataclass(frozen=True, slots=True)
class FieldRef(Node):
    name: str


@dataclass(frozen=True, slots=True)
class NameRef(Node):
    """A bare name: a member collection (``members``, a definition) or an indicator id."""

    name: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-" or "not"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # + - * / mod = != < <= > >= and or
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class InList(Node):
    operand: Node
    items: tuple[Number | String, ...]
    negated: bool


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _describe(self, token: Token) -> Any:
        if token.kind == "end":
            return _("表达式提前结束")
        shown = "${" + token.value + "}" if token.kind == "field" else token.value
        return _("此处不应出现“%(token)s”") % {"token": shown}

    def fail(self, token: Token | None = None) -> ExpressionError:
        token = token or self.tok
        return ExpressionError(errors.SYNTAX, token.pos, reason=self._describe(token))

    def accept(self, kind: str, value: str | None = None) -> Token | None:
        token = self.tok
        if token.kind == kind and (value is None or token.value == value):
            self.i += 1
            return token
        return None

    def expect_op(self, value: str) -> Token:
        token = self.accept("op", value)
        if token is None:
            if self.tok.kind == "end":
                raise ExpressionError(
                    errors.SYNTAX, self.tok.pos, reason=_("缺少“%(op)s”") % {"op": value}
                )
            raise ExpressionError(
                errors.SYNTAX,
                self.tok.pos,
                reason=_("应为“%(op)s”，却是“%(token)s”") % {"op": value, "token": self.tok.value},
            )
        return token

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ExpressionError(errors.SYNTAX, 0, reason=_("表达式为空"))
        node = self.parse_or()
        if self.tok.kind != "end":
            raise self.fail()
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while (token := self.accept("keyword", "or")) is not None:
            node = Binary(token.pos, "or", node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while (token := self.accept("keyword", "and")) is not None:
            node = Binary(token.pos, "and", node, self.parse_not())
        return node

    def parse_not(self) -> Node:
        token = self.tok
        if token.kind == "keyword" and token.value == "not":
            # ``not in`` only follows an operand, so a leading ``not`` is negation.
            self.i += 1
            return Unary(token.pos, "not", self.parse_not())
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        left = self.parse_sum()
        token = self.tok
        if token.kind == "op" and token.value in COMPARISONS:
            self.i += 1
            node: Node = Binary(token.pos, token.value, left, self.parse_sum())
        elif token.kind == "keyword" and token.value in ("in", "not"):
            negated = token.value == "not"
            if negated:
                self.i += 1
                if self.accept("keyword", "in") is None:
                    raise self.fail()
            else:
                self.i += 1
            node = InList(token.pos, left, self.parse_literal_list(), negated)
        else:
            return left
        after = self.tok
        if (after.kind == "op" and after.value in COMPARISONS) or (
            after.kind == "keyword" and after.value == "in"
        ):
            raise ExpressionError(
                errors.SYNTAX, after.pos, reason=_("比较不能连写，请用 and 连接两个比较")
            )
        return node

    def parse_literal_list(self) -> tuple[Number | String, ...]:
        self.expect_op("(")
        items: list[Number | String] = []
        while True:
            token = self.tok
            sign = 1.0
            if token.kind == "op" and token.value == "-":
                self.i += 1
                sign = -1.0
                token = self.tok
            if token.kind == "number":
                self.i += 1
                text = token.value if sign > 0 else "-" + token.value
                items.append(Number(token.pos, sign * float(token.value), text))
            elif token.kind == "string" and sign > 0:
                self.i += 1
                items.append(String(token.pos, token.value))
            else:
                raise ExpressionError(
                    errors.SYNTAX, token.pos, reason=_("in (…) 中只能列出数字或带引号的代码")
                )
            if self.accept("op", ",") is None:
                break
        self.expect_op(")")
        return tuple(items)

    def parse_sum(self) -> Node:
        node = self.parse_product()
        while True:
            token = self.tok
            if token.kind == "op" and token.value in ("+", "-"):
                self.i += 1
                node = Binary(token.pos, token.value, node, self.parse_product())
            else:
                return node

    def parse_product(self) -> Node:
        node = self.parse_unary()
        while True:
            token = self.tok
            if token.kind == "op" and token.value in ("*", "/"):
                op = token.value
            elif token.kind == "keyword" and token.value in ("div", "mod"):
                op = "/" if token.value == "div" else "mod"
            else:
                return node
            self.i += 1
            node = Binary(token.pos, op, node, self.parse_unary())

    def parse_unary(self) -> Node:
        token = self.tok
        if token.kind == "op" and token.value == "-":
            self.i += 1
            return Unary(token.pos, "-", self.parse_unary())
        return self.parse_primary()

    def parse_primary(self) -> Node:
        token = self.tok
        if token.kind == "number":
            self.i += 1
            return Number(token.pos, float(token.value), token.value)
        if token.kind == "string":
            self.i += 1
            return String(token.pos, token.value)
        if token.kind == "field":
            self.i += 1
            return FieldRef(token.pos, token.value)
        if token.kind == "name":
            self.i += 1
            if self.accept("op", "(") is None:
                return NameRef(token.pos, token.value)
            args: list[Node] = []
            if self.accept("op", ")") is None:
                while True:
                    args.append(self.parse_or())
                    if self.accept("op", ",") is None:
                        break
                self.expect_op(")")
            return Call(token.pos, token.value, tuple(args))
        if token.kind == "keyword" and token.value == "not" and self._next_is_paren():
            return self.parse_not()
        if token.kind == "op" and token.value == "(":
            self.i += 1
            node = self.parse_or()
            self.expect_op(")")
            return node
        raise self.fail()

    def _next_is_paren(self) -> bool:
        following = self.tokens[self.i + 1]
        return following.kind == "op" and following.value == "("


def parse(text: str) -> Node:
    """Parse ``text`` into a syntax tree or raise :class:`ExpressionError` (``rules.syntax``)."""
    return _Parser(text).parse()


def field_names(node: Node) -> set[str]:
    """Every ``${name}`` referenced in a syntax tree."""
    found: set[str] = set()

    def walk(n: Node) -> None:
        if isinstance(n, FieldRef):
            found.add(n.name)
        elif isinstance(n, Unary):
            walk(n.operand)
        elif isinstance(n, Binary):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, InList):
            walk(n.operand)
        elif isinstance(n, Call):
            for arg in n.args:
                walk(arg)

    walk(node)
    return found
