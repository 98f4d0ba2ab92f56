"""``@frozen``: the value classes' decorator - a dataclass whose fields nothing assigns after it is
built, compared and hashed by its fields.

What keeps the fields read-only is the type checker (``make typecheck``: mypy strict reads
``frozen_default`` below and refuses any assignment to a field), not guards generated at run
time. ``@dataclass(frozen=True)`` also generates ``__setattr__`` and ``__delattr__`` that raise,
and an ``__init__`` that assigns each field through ``object.__setattr__``: source code Python
compiles again at every cold start, for every class, to guard against assignments the type
checker already refuses. A sync function defines about 80 such classes before its first record
(bench/README.md, "Import time from the built artefacts").

For the same reason only ``__init__`` is generated (and compiled) per class: ``__eq__``,
``__hash__`` and ``__repr__`` are the same three functions for every class, each given the
class's field names once (``operator.attrgetter``), not source code compiled for each class at
every cold start (about half the time ``dataclass`` took per class). They behave as the
dataclass ones: equal when of the same class and every compared field is equal (compared as one
tuple, as dataclasses did through Python 3.12), hashed on the same fields (``field(hash=,
compare=)``), shown as ``Name(field=value, ...)`` without the ``field(repr=False)`` ones, a
method the class defines itself kept. ``dataclasses.replace``/``fields``/``asdict`` are those of
any dataclass.

Standard library only: the ingress and the stores' webhook modules use it.
"""

from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
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


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def frozen[T](cls: type[T]) -> type[T]:
    own = dict(cls.__dict__)
    if own.get("__hash__") is not None:
        raise TypeError(f"Cannot overwrite attribute __hash__ in class {cls.__name__}")  # as unsafe_hash does
    made = dataclass(eq=False, repr=False)(cls)
    for name, method in _methods(made).items():
        if name not in own or (name == "__hash__" and own[name] is None):
            method.__qualname__ = f"{made.__qualname__}.{name}"
            setattr(made, name, method)
    return made
