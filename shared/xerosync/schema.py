"""Settings documents read into frozen dataclasses, each value checked against its field's type.

The settings are the one definition of what a file may say: dataclasses whose annotations are
the types (``str``, ``bool``, ``int``, ``date``, ``Literal[...]``, ``X | None``, ``dict[K, V]``,
``tuple[X, ...]``, a nested settings class) and whose ``Annotated`` extras are the constraints
(:class:`Bounds`, :class:`Length`, :class:`Pattern`) and the field's own reading (:class:`Before`,
:class:`After`). A class's ``validate()`` method, when it has one, checks what spans its fields (a
``ValueError``): :func:`read` calls it; building a class in code does not, as pydantic's
``model_copy`` did not.

:func:`read` collects every problem, each at its place in the document (``invoice_status.
confirmed``), in the order of the fields and then the unknown keys, and raises them together.
Values are read as pydantic's lax mode read them, which is what the settings used before
(booleans from ``true``/``yes``/``1``, integers from integral numbers and digit strings, dates
from ISO text), so the same files mean the same; a string is never made of a number.

Standard library only: a sync function validates its settings at each cold start, and pydantic,
with the schema it builds for each model, was the largest part of what the sync functions'
import added to boto3's (bench/README.md, "Import time from the built artefacts").
"""

import re
import types
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields, is_dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from xerosync.frozen import frozen

Loc = tuple[str | int, ...]


@frozen
class Bounds:
    """An integer's bounds, both included."""

    ge: int | None = None
    le: int | None = None


@frozen
class Length:
    """A string's length, in characters."""

    min: int | None = None
    max: int | None = None


@frozen
class Pattern:
    """A regular expression a string must match (``re.search``)."""

    regex: str


@frozen
class Before:
    """Turns the document's value into what the type then checks (a ``ValueError`` is a problem)."""

    read: Callable[[Any], Any]


@frozen
class After:
    """Turns the checked value into the field's (a ``ValueError`` is a problem)."""

    read: Callable[[Any], Any]


class Invalid(ValueError):
    """What is wrong with a document: each problem's place in it and what to do."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

    def lines(self, prefix: str = "") -> list[str]:
        """``field.sub: what to do`` per problem (``(top level)`` for the document itself)."""
        return [f"{prefix}{'.'.join(str(p) for p in loc) or '(top level)'}: {what}" for loc, what in self.problems]


def read[T](cls: type[T], data: Any) -> T:
    """``data`` (a parsed JSON or YAML mapping) read as the settings class ``cls``, or
    :class:`Invalid` naming every problem."""
    problems: list[tuple[Loc, str]] = []
    value = _model(cls, data, (), problems)
    if problems:
        raise Invalid(problems)
    return value  # type: ignore[no-any-return]  # a cls when there is no problem


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


@cache
def _fields(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """(name, annotation, default or MISSING) per field; a default factory is called per read."""
    return tuple((f.name, f.type, f.default_factory if f.default is MISSING else f.default) for f in fields(cls))


def _model(cls: type, data: Any, loc: Loc, problems: list[tuple[Loc, str]]) -> Any:
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        problems.append((loc, f"should be a mapping of settings (got {data!r})"))
        return None
    before = len(problems)
    values: dict[str, Any] = {}
    known = set()
    for name, annotation, default in _fields(cls):
        known.add(name)
        if name in data:
            values[name] = _value(annotation, data[name], (*loc, name), problems)
        elif default is MISSING:
            problems.append(((*loc, name), "required; add it"))
    for key in data:
        if key not in known:
            problems.append(((*loc, key), "unknown setting; remove it or check its spelling"))
    if len(problems) > before:
        return None
    try:
        built = cls(**values)
        check = getattr(built, "validate", None)
        if check is not None:
            check()
        return built
    except ValueError as exc:
        problems.append((loc, str(exc)))
        return None


def _value(annotation: Any, value: Any, loc: Loc, problems: list[tuple[Loc, str]]) -> Any:
    extras: tuple[Any, ...] = ()
    if get_origin(annotation) is Annotated:
        annotation, *rest = get_args(annotation)
        extras = tuple(rest)
    try:
        for extra in extras:
            if isinstance(extra, Before):
                value = extra.read(value)
        before = len(problems)
        value = _typed(annotation, value, loc, problems)
        if len(problems) > before:
            return None
        for extra in extras:
            _constrain(extra, value)
        for extra in extras:
            if isinstance(extra, After):
                value = extra.read(value)
    except _Bad as bad:
        problems.append((loc, bad.message))
        return None
    except ValueError as exc:
        problems.append((loc, str(exc)))
        return None
    return value


def _typed(annotation: Any, value: Any, loc: Loc, problems: list[tuple[Loc, str]]) -> Any:
    origin = get_origin(annotation)
    if annotation is Any:
        return value
    if origin is Literal:
        allowed = get_args(annotation)
        if any(value == a and type(value) is type(a) for a in allowed):
            return value
        raise _Bad(f"should be {_alternatives(allowed)} (got {value!r})")
    if origin is Union or origin is types.UnionType:
        options = get_args(annotation)
        if value is None and type(None) in options:
            return None
        options = tuple(o for o in options if o is not type(None))
        attempts = []
        for option in options:
            tried: list[tuple[Loc, str]] = []
            try:
                read = _typed(option, value, loc, tried)
            except _Bad as bad:
                tried.append((loc, bad.message))
            if not tried:
                return read
            attempts.append((option, tried))
        # report the attempt the value's shape was meant for: a mapping, a settings class
        shaped = [t for o, t in attempts if isinstance(value, Mapping) == (is_dataclass(o) or get_origin(o) is dict)]
        problems.extend((shaped or [attempts[0][1]])[0])
        return None
    if is_dataclass(annotation) and isinstance(annotation, type):
        return _model(annotation, value, loc, problems)
    if origin is dict:
        key_type, value_type = get_args(annotation)
        if not isinstance(value, Mapping):
            raise _Bad(f"should be a mapping (got {value!r})")
        out = {}
        for k, v in value.items():
            key = _value(key_type, k, (*loc, k), problems)
            out[key] = _value(value_type, v, (*loc, k), problems)
        return out
    if origin is tuple:
        item_type, _ = get_args(annotation)
        if not isinstance(value, list | tuple):
            raise _Bad(f"should be a list (got {value!r})")
        return tuple(_value(item_type, v, (*loc, n), problems) for n, v in enumerate(value))
    if annotation is str:
        if not isinstance(value, str):
            raise _Bad(f"should be text (got {value!r}: put it in quotes)")
        return value
    if annotation is bool:
        return _bool(value)
    if annotation is int:
        return _int(value)
    if annotation is date:
        return _date(value)
    raise TypeError(f"settings of type {annotation!r} cannot be read")  # a settings class's mistake


def _alternatives(allowed: tuple[Any, ...]) -> str:
    words = [repr(a) for a in allowed]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Bad(f"should be true or false (got {value!r})")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad(f"should be a whole number (got {value!r})")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise _Bad(f"should be a whole number (got {value!r})")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date()
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Bad(f"should be a date, YYYY-MM-DD (got {value!r})")


def _constrain(extra: Any, value: Any) -> None:
    if isinstance(extra, Bounds):
        if extra.ge is not None and value < extra.ge:
            raise _Bad(f"should be at least {extra.ge} (got {value!r})")
        if extra.le is not None and value > extra.le:
            raise _Bad(f"should be at most {extra.le} (got {value!r})")
    elif isinstance(extra, Length):
        if extra.min is not None and len(value) < extra.min:
            raise _Bad(f"should have at least {extra.min} character(s) (got {value!r})")
        if extra.max is not None and len(value) > extra.max:
            raise _Bad(f"should have at most {extra.max} characters (got {len(value)})")
    elif isinstance(extra, Pattern) and not re.search(extra.regex, value):
        raise _Bad(f"should match the pattern {extra.regex} (got {value!r})")
