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
time defining them took). A class without a docstring gets ``dataclass``'s (its name and
signature) when its ``__doc__`` is read. Fields that are keyword-only, ``init=False`` or
``InitVar`` are refused (none is used: a plain ``dataclass`` serves a class that needs them).

Nor is ``dataclass()`` itself called for a class whose fields are all plain (no ``ClassVar``,
``InitVar`` or ``KW_ONLY`` annotation) and whose bases hold no dataclass fields (``object``, an
exception class): every value class (``tests/unit/test_frozen.py`` checks those a sync function
defines).
:func:`_declare` reads its fields as ``dataclass`` does (``dataclasses.Field`` objects, the same
defaults, the same errors) and sets what ``dataclasses.fields``/``replace``/``asdict``/
``is_dataclass`` read, with ``dataclass``'s own markers (:class:`_Probe`). ``dataclass()``
execs a function builder for every class even when it writes no method, and reads each field's
annotation for ``ClassVar``/``InitVar``/``KW_ONLY``: half the time the value classes took to
define (bench/README.md, "Import time from the built artefacts"). Any other class goes through
``dataclass()`` as before.

``@record`` is the same for a class whose fields are assigned after it is built (a result
filled in as it goes): what a plain ``@dataclass`` makes of it, compared by its fields but not
hashable (``__hash__`` is None, as ``dataclass`` sets it for a mutable class with ``__eq__``),
declared as ``@frozen`` declares a value class instead of by ``dataclass()``, which compiled its
``__init__``, ``__repr__`` and ``__eq__`` at every cold start (about 0.5 ms a class, ten value
classes' worth: the six on sync_orders' path took 3 ms).

Standard library only: the ingress and the stores' webhook modules use it.
"""

import abc
import inspect
from collections.abc import Callable
from dataclasses import KW_ONLY, MISSING, Field, InitVar, dataclass, field, fields
from operator import attrgetter
from reprlib import recursive_repr
from types import MemberDescriptorType
from typing import Any, ClassVar, dataclass_transform


@dataclass(init=False, repr=False, eq=False)
class _Probe:
    """What ``dataclass`` marks a class and its fields with, read from a class it made rather
    than from the module's private names: the ``__dataclass_params__`` of ``dataclass(init=False,
    repr=False, eq=False)``, which every value class had before (one object shared: nothing
    writes to it), the kind of an ordinary field, and ``__replace__`` (``copy.replace``)."""

    probe: int


_PARAMS = _Probe.__dataclass_params__  # type: ignore[attr-defined]
_FIELD = _Probe.__dataclass_fields__["probe"]._field_type  # type: ignore[attr-defined]
_REPLACE = _Probe.__replace__


def _values(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """The named fields' values as a tuple (attrgetter gives a bare value for one name)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names) if names else lambda obj: ()


def _methods(params: tuple[Field[Any], ...]) -> dict[str, Any]:
    compared = _values(tuple(f.name for f in params if f.compare))
    hashed = _values(tuple(f.name for f in params if (f.compare if f.hash is None else f.hash)))
    shown = tuple(f.name for f in params if f.repr)

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


def _checked(cls: type, params: tuple[Field[Any], ...]) -> None:
    """What ``dataclass`` checks when it writes ``__init__`` (at definition, as it does), and the
    kinds of field the deferred ``__init__`` does not write."""
    declared = cls.__dataclass_fields__  # type: ignore[attr-defined]
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


def _plain(annotation: object) -> bool:
    """Whether ``dataclass`` reads this annotation as an ordinary field's: not a ``ClassVar``, an
    ``InitVar`` or ``KW_ONLY``, nor a string that names one (``dataclass`` parses a string for
    them; one that does not even contain their names cannot be one)."""
    if annotation.__class__ is type:  # a class (str, Decimal, a value class), the most of them
        return annotation is not InitVar and annotation is not KW_ONLY
    if isinstance(annotation, str):
        return not any(special in annotation for special in ("ClassVar", "InitVar", "KW_ONLY"))
    return not (
        isinstance(annotation, InitVar)
        or annotation is InitVar
        or annotation is KW_ONLY
        or getattr(annotation, "__origin__", annotation) is ClassVar
    )


def _inherits_fields(cls: type) -> bool:
    """Whether a base holds dataclass fields (which ``dataclass`` would collect before its own)."""
    return any("__dataclass_fields__" in base.__dict__ for base in cls.__mro__[1:])


def _declare(cls: type, annotations: dict[str, Any]) -> None:
    """``dataclass(init=False, repr=False, eq=False)(cls)`` for a class of plain fields whose bases
    hold no fields (``_process_class`` of Python 3.13, what it does for such a class): each
    annotation a ``Field`` (given or made from the default), a ``Field`` default replaced by its
    default (or removed), the same errors (a mutable default, a ``Field`` without annotation),
    ``__dataclass_fields__``/``__dataclass_params__``, ``__replace__``, ``__match_args__``."""
    declared: dict[str, Field[Any]] = {}
    for name, annotation in annotations.items():
        default = getattr(cls, name, MISSING)
        if isinstance(default, Field):
            made = default
            if default.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, default.default)
        else:
            value: Any = MISSING if isinstance(default, MemberDescriptorType) else default  # a slot: no default
            made = field(default=value)
        made.name, made.type, made._field_type = name, annotation, _FIELD  # type: ignore[attr-defined]
        if made.kw_only is MISSING:
            made.kw_only = False
        if made.default.__class__.__hash__ is None:
            raise ValueError(
                f"mutable default {type(made.default)} for field {name} is not allowed: use default_factory"
            )
        declared[name] = made
    for name, value in cls.__dict__.items():
        if isinstance(value, Field) and name not in annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    cls.__dataclass_params__ = _PARAMS  # type: ignore[attr-defined]
    cls.__dataclass_fields__ = declared  # type: ignore[attr-defined]
    matched = tuple(name for name, f in declared.items() if f.init and not f.kw_only)
    for name, value in (("__replace__", _REPLACE), ("__match_args__", matched)):
        if name not in cls.__dict__:
            setattr(cls, name, value)
    abc.update_abstractmethods(cls)


def _deferred_init(cls: type) -> Callable[..., None]:
    """An ``__init__`` that compiles the class's own at its first call, puts it in its place and
    calls it: each later instance is built by the compiled one, as fast as dataclass's."""

    def __init__(self: object, /, *args: Any, **kwargs: Any) -> None:
        init = _compiled_init(cls)
        init(self, *args, **kwargs)

    __init__.__frozen_deferred__ = True  # type: ignore[attr-defined]
    return __init__


def _compiled_init(cls: type) -> Callable[..., None]:
    """The class's compiled ``__init__``, compiled and put in place of the deferred one if need be."""
    init = cls.__dict__["__init__"]
    if getattr(init, "__frozen_deferred__", False):
        init = _init_source(cls)
        setattr(cls, "__init__", init)  # noqa: B010 - the class's own __init__ from now on
    return init  # type: ignore[no-any-return]


class _Signature:
    """A class's ``__doc__`` as ``dataclass`` writes it for a class without a docstring (its name
    and signature), made when it is read: the signature needs the compiled ``__init__``."""

    def __get__(self, instance: object, owner: type) -> str:
        _compiled_init(owner)
        return owner.__name__ + str(inspect.signature(owner)).replace(" -> None", "")


_SIGNATURE = _Signature()


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def frozen[T](cls: type[T]) -> type[T]:
    own = dict(cls.__dict__)
    if own.get("__hash__") is not None:
        raise TypeError(f"Cannot overwrite attribute __hash__ in class {cls.__name__}")  # as unsafe_hash does
    return _made(cls, own, hashable=True)


@dataclass_transform(field_specifiers=(field, Field))
def record[T](cls: type[T]) -> type[T]:
    """``@dataclass`` for a class whose fields are assigned after it is built: compared by its
    fields, not hashable unless it defines ``__hash__`` itself (dataclass's rule for ``eq=True``
    without ``frozen``), declared as a value class is (the module's docstring)."""
    own = dict(cls.__dict__)
    return _made(cls, own, hashable=False)


def _made[T](cls: type[T], own: dict[str, Any], *, hashable: bool) -> type[T]:
    annotations = inspect.get_annotations(cls)
    made: type = cls
    if type(cls) is type and not _inherits_fields(cls) and all(_plain(a) for a in annotations.values()):
        _declare(made, annotations)
    else:
        made = dataclass(init=False, eq=False, repr=False)(cls)
    params = fields(made)
    methods = _methods(params)
    if not hashable:
        # dataclass's: a __hash__ the class sets itself is kept (Python puts None in the body of a
        # class that defines __eq__: not one it sets), otherwise None
        explicit = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        del methods["__hash__"]
        if not explicit:
            made.__hash__ = None  # type: ignore[assignment]
    if "__init__" not in own:
        _checked(made, params)
        methods["__init__"] = _deferred_init(made)
    for name, method in methods.items():
        if name not in own or (name == "__hash__" and own[name] is None):
            method.__qualname__ = f"{made.__qualname__}.{name}"
            setattr(made, name, method)
    if not own.get("__doc__"):  # as dataclass writes it: the class's signature, when read
        made.__doc__ = _SIGNATURE  # type: ignore[assignment]
    return made
