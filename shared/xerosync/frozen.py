"""``@frozen``: the value classes' decorator - a dataclass whose fields nothing assigns after it is
built, compared and hashed by its fields.

What keeps the fields read-only is the type checker (``make typecheck``: mypy strict reads
``frozen_default`` below and refuses any assignment to a field), not guards generated at run
time. ``@dataclass(frozen=True)`` also generates ``__setattr__`` and ``__delattr__`` that raise,
and an ``__init__`` that assigns each field through ``object.__setattr__``: source code Python
compiles again at every cold start, for every class, to guard against assignments the type
checker already refuses. A sync function defines about 80 such classes before its first record,
and the guards were a good part of the time spent defining them (bench/README.md, "Import time
from the built artefacts"). Equality, hashing (``unsafe_hash``: the same ``__hash__`` that
``frozen=True`` makes), ``repr`` and ``dataclasses.replace``/``fields``/``asdict`` are those of
any dataclass.

Standard library only: the ingress and the stores' webhook modules use it.
"""

from dataclasses import Field, dataclass, field
from typing import dataclass_transform


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def frozen[T](cls: type[T]) -> type[T]:
    return dataclass(unsafe_hash=True)(cls)
