"""Xero's ``where`` filters: a small parser and evaluator for the syntax Xero documents.

Supported: ``Field=="text"`` and ``Field="text"`` (Xero's docs use both; compared
case-insensitively, like Xero's optimised filters), ``!=`` and ``<>``, ``>``/``>=``/``<``/``<=``
on numbers and dates, ``AND``/``OR``/``&&``/``||``, ``NOT``, parentheses,
``Field.Contains("x")``/``StartsWith``/``EndsWith``, ``Guid("...")`` in any case (the docs
write ``guid(...)``), ``DateTime(2020, 01, 01)``, ``true``/``false``/``null``, and dotted paths
such as ``Contact.ContactID``. The forms come from Xero's "optimised use of the where filter"
sections (developer.xero.com/documentation/api/accounting/invoices and .../contacts).
Anything else is refused with Xero's 400 (``QueryParseException``), and so is an id compared
with a plain string instead of a ``Guid(...)``, which Xero's query language cannot compare.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from local.xero_sandbox.errors import SandboxError

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<>|>=|<=|&&|\|\||=|>|<|\(|\)|,)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_METHODS = ("Contains", "StartsWith", "EndsWith")
_FUNCTIONS = ("guid", "datetime", "datetimeoffset")
_SAME = {"=": "==", "<>": "!="}  # Xero's docs write = as well as ==


def bad_query(message: str) -> SandboxError:
    return SandboxError(
        400,
        {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message},
    )


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise bad_query(f"Unable to parse the where clause near: {text[pos : pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind) if kind else ""
        if kind == "string":
            tokens.append(("value", value[1:-1].replace('\\"', '"').replace("\\\\", "\\")))
        elif kind == "number":
            tokens.append(("value", Decimal(value)))
        elif kind == "word":
            upper = value.upper()
            if upper in ("AND", "OR", "NOT"):
                tokens.append(("op", {"AND": "&&", "OR": "||", "NOT": "!"}[upper]))
            elif value in ("true", "false"):
                tokens.append(("value", value == "true"))
            elif value == "null":
                tokens.append(("value", None))
            else:
                tokens.append(("word", value))
        else:
            tokens.append(("op", value))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, kind: str | None = None, value: Any = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or (kind and token[0] != kind) or (value is not None and token[1] != value):
            raise bad_query(f"Unexpected {token[1] if token else 'end of query'} in where clause")
        self.i += 1
        return token

    def expr(self) -> Predicate:
        left = self.term()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.term()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def term(self) -> Predicate:
        left = self.factor()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.factor()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def factor(self) -> Predicate:
        token = self.peek()
        if token == ("op", "!"):
            self.take()
            inner = self.factor()
            return lambda r: not inner(r)
        if token == ("op", "("):
            self.take()
            inner = self.expr()
            self.take("op", ")")
            return inner
        return self.comparison()

    def value(self) -> Any:
        kind, value = self.take()
        if kind == "value":
            return value
        if kind == "word" and value.casefold() in _FUNCTIONS and self.peek() == ("op", "("):
            self.take()
            args = []
            while self.peek() != ("op", ")"):
                args.append(self.take("value")[1])
                if self.peek() == ("op", ","):
                    self.take()
            self.take("op", ")")
            if value.casefold() == "guid":
                return _Guid(str(args[0]).lower())
            try:
                return date(*(int(a) for a in args[:3]))
            except (TypeError, ValueError):
                raise bad_query(f"Invalid DateTime({args})") from None
        raise bad_query(f"Expected a value in the where clause, got {value!r}")

    def comparison(self) -> Predicate:
        _, path = self.take("word")
        head, _, method = path.rpartition(".")
        if method in _METHODS and self.peek() == ("op", "("):
            self.take()
            needle = self.take("value")[1]
            self.take("op", ")")
            test = {"Contains": str.__contains__, "StartsWith": str.startswith, "EndsWith": str.endswith}[method]
            return lambda r: test(str(_get(r, head) or "").lower(), str(needle).lower())
        op = self.take("op")[1]
        op = _SAME.get(op, op)
        if op not in ("==", "!=", ">", ">=", "<", "<="):
            raise bad_query(f"Unknown operator {op}")
        expected = self.value()
        if path.endswith("ID") and isinstance(expected, str) and not isinstance(expected, _Guid):
            # wording guessed after .NET's dynamic LINQ, which Xero's where filters run on
            raise bad_query(f"Operator '{op}' incompatible with operand types 'Guid' and 'String'")
        return lambda r: _compare(_get(r, path), op, expected)


class _Guid(str):
    """A value written ``Guid("...")``: the only way to compare with an id."""


def _get(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return Decimal(value) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value.lower()
        except InvalidOperation:
            return value.lower()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def _compare(actual: Any, op: str, expected: Any) -> bool:
    a, e = _normal(actual), _normal(expected)
    if op == "==":
        return bool(a == e)
    if op == "!=":
        return bool(a != e)
    try:
        return bool({">": a > e, ">=": a >= e, "<": a < e, "<=": a <= e}[op])
    except TypeError:
        return False


def where(text: str | None) -> Predicate:
    """A predicate for Xero's ``where`` parameter (everything matches when it is empty)."""
    if not text or not text.strip():
        return lambda r: True
    parser = _Parser(_tokens(text))
    predicate = parser.expr()
    if parser.peek() is not None:
        raise bad_query(f"Unexpected {parser.peek()[1]!r} in where clause")  # type: ignore[index]
    return predicate
