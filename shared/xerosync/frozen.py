"""``@frozen``: the value classes' decorator - a dataclass whose fields nothing assigns after it is
built, compared and hashed by its fields.

What keeps the fields read-only is the type checker (``make typecheck``: mypy strict reads
``frozen_default`` below and refuses any assignment to a field), not guards generated at run
time. ``@dataclass(frozen=True)`` also generates ``__setattr__`` and ``__delattr__`` that raise,
and an ``__init__`` that assigns each field through ``object.__setattr__``: source code Python
compiles again at every cold start, for every class, to guard against assignments the type
checker already refuses. A sync function defines about 80 such classes before its first record
(bench/README.md, "Import time from the built artefacts").

For the same reason ``__eq__``,
``__hash__`` and ``__repr__`` are the same three functions for every class, each given the
class's field names once (``operator.attrgetter``), not source code compiled for each class at
every cold start (about half the time ``dataclass`` took per class). They behave as the
dataclass ones: equal when of the same class and every compared field is equal (compared as one
tuple, as dataclasses did through Python 3.12), hashed on the same fields (``field(hash=,
compare=)``), shown as ``Name(field=value, ...)`` without the ``field(repr=False)`` ones, a
method the class defines itself kept. ``dataclasses.replace``/``fields``/``asdict`` are those of
any dataclass.

``__init__`` itself is compiled when the class is first instantiated, not when it is defined
(:func:`_deferred_init`): the same code ``dataclass`` would compile (each field assigned, a
default as the parameter's default, a ``default_factory`` called when the argument is left out,
``__post_init__`` called), compiled for the classes a container builds, not for every class the
handler's modules define (a path builds a fraction of them, and compiling them was most of the
time defining them took). A
class without a docstring has it compiled at once, as ``dataclass`` needs its signature for the
docstring it writes. Fields that are keyword-only, ``init=False`` or ``InitVar`` are refused (none
is used: a plain ``dataclass`` serves a class that needs them).

Standard library only: the ingress and the stores' webhook modules use it.
"""

import inspect
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, dataclass_transform


def _values(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """The named fields' values as a tuple (attrgetter gives a bare value for one name)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names) if names else lambda obj: ()


def _methods(cls: type) -> dict[str, Any]:
    compared = _values(tuple(f.name for f in fields(cls) if f.compare))
    hashed = _values(tuple(f.name for f in fields(cls) if (f.compare if f.hash is None else f.hash)))
    shown = tuple(f.name for f in fields(cls) if f.repr)

    def __eq__(self: object, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: object) -> int:
        return hash(hashed(self))

    @recursive_repr()
    def __repr__(self: object) -> str:
        return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

    return {"__eq__": __eq__, "__hash__": __hash__, "__repr__": __repr__}


class _Factory:
    """A parameter left out for its ``default_factory`` (shown as dataclass shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _init_source(cls: type) -> Callable[..., None]:
    """The ``__init__`` ``dataclass`` would write for ``cls`` (fields in order, defaults,
    factories, ``__post_init__``, the fields' annotations), compiled."""
    space: dict[str, Any] = {"__frozen_missing__": _FACTORY}
    params, body = ["__frozen_self__"], []
    for f in fields(cls):
        if f.default is not MISSING:
            space[f"__frozen_default_{f.name}__"] = f.default
            params.append(f"{f.name}=__frozen_default_{f.name}__")
        elif f.default_factory is not MISSING:
            space[f"__frozen_factory_{f.name}__"] = f.default_factory
            params.append(f"{f.name}=__frozen_missing__")
            body.append(f"    if {f.name} is __frozen_missing__:\n        {f.name} = __frozen_factory_{f.name}__()")
        else:
            params.append(f.name)
        body.append(f"    __frozen_self__.{f.name} = {f.name}")
    if hasattr(cls, "__post_init__"):
        body.append("    __frozen_self__.__post_init__()")
    exec(f"def __init__({', '.join(params)}) -> None:\n" + "\n".join(body or ["    pass"]), space)  # noqa: S102 - our own source, as dataclass's
    init: Callable[..., None] = space["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{f.name: f.type for f in fields(cls)}, "return": None}
    return init


def _checked(cls: type) -> None:
    """What ``dataclass`` checks when it writes ``__init__`` (at definition, as it does), and the
    kinds of field the deferred ``__init__`` does not write."""
    declared = cls.__dataclass_fields__  # type: ignore[attr-defined]
    params = fields(cls)
    if len(declared) != len(params) or any(f.kw_only or not f.init for f in params):
        raise TypeError(
            f"@frozen {cls.__name__}: keyword-only, init=False, InitVar and ClassVar fields need @dataclass"
        )
    defaulted = None
    for f in params:
        if f.default is not MISSING or f.default_factory is not MISSING:
            defaulted = f.name
        elif defaulted is not None:
            raise TypeError(f"non-default argument {f.name!r} follows default argument {defaulted!r}")


def _deferred_init(cls: type) -> Callable[..., None]:
    """An ``__init__`` that compiles the class's own at its first call, puts it in its place and
    calls it: each later instance is built by the compiled one, as fast as dataclass's."""

    def __init__(self: object, /, *args: Any, **kwargs: Any) -> None:
        init = _init_source(cls)
        setattr(cls, "__init__", init)  # noqa: B010 - the class's own __init__ from now on
        init(self, *args, **kwargs)

    return __init__


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def frozen[T](cls: type[T]) -> type[T]:
    own = dict(cls.__dict__)
    if own.get("__hash__") is not None:
        raise TypeError(f"Cannot overwrite attribute __hash__ in class {cls.__name__}")  # as unsafe_hash does
    made = dataclass(init=False, eq=False, repr=False)(cls)
    methods = _methods(made)
    if "__init__" not in own:
        _checked(made)
        methods["__init__"] = _init_source(made) if not own.get("__doc__") else _deferred_init(made)
    for name, method in methods.items():
        if name not in own or (name == "__hash__" and own[name] is None):
            method.__qualname__ = f"{made.__qualname__}.{name}"
            setattr(made, name, method)
    if not own.get("__doc__"):  # as dataclass writes it: the class's signature
        made.__doc__ = made.__name__ + str(inspect.signature(made)).replace(" -> None", "")
    return made
