"""``@frozen`` (xerosync.frozen) compiles only ``__init__`` per class; its shared ``__eq__``,
``__hash__`` and ``__repr__`` must behave as ``@dataclass(unsafe_hash=True)``'s, which they replace."""

import dataclasses
from dataclasses import field
from decimal import Decimal
from typing import Any

import pytest

from xerosync.frozen import frozen


def both(**annotations: Any) -> tuple[Any, Any]:
    """The same class made by @frozen and by @dataclass(unsafe_hash=True)."""
    made: list[Any] = []
    for decorate in (frozen, dataclasses.dataclass(unsafe_hash=True)):
        namespace = {"__annotations__": dict(annotations), "__doc__": "A value."}
        namespace.update({k: v for k, v in DEFAULTS.items() if k in annotations})
        made.append(decorate(type("Line", (), namespace)))
    return made[0], made[1]


DEFAULTS: dict[str, Any] = {"secret": field(default="s", repr=False), "origin": field(default="o", compare=False)}


@pytest.mark.parametrize(
    "annotations",
    [{}, {"code": str}, {"code": str, "amount": Decimal, "secret": str}, {"code": str, "origin": str}],
    ids=["no fields", "one field", "a hidden field", "an uncompared field"],
)
def test_equality_hash_and_repr_are_the_dataclass_ones(annotations: dict[str, type]) -> None:
    mine, theirs = both(**annotations)
    for values in ({}, {"secret": "t", "origin": "p"}):
        args = {name: f"{name}-1" for name in annotations if name not in ("secret", "origin")}
        args.update({k: v for k, v in values.items() if k in annotations})
        a, b, c = mine(**args), mine(**args), theirs(**args)
        assert a == b and hash(a) == hash(b) and repr(a) == repr(c) and (a != b) is False
        assert hash(a) == hash(c)  # the same tuple of the same fields
        assert a.__eq__(c) is NotImplemented and a != c  # another class, as dataclasses
        changed = {**args, **{name: "other" for name in list(args)[:1]}}
        if changed != args:
            assert mine(**changed) != a and theirs(**changed) != c
    assert dataclasses.is_dataclass(mine) and [f.name for f in dataclasses.fields(mine)] == list(annotations)


def test_a_field_not_compared_is_neither_compared_nor_hashed_and_a_hidden_one_not_shown() -> None:
    mine, _ = both(code=str, origin=str, secret=str)
    a, b = mine(code="A", origin="one", secret="x"), mine(code="A", origin="two", secret="x")
    assert a == b and hash(a) == hash(b)
    assert repr(a) == "Line(code='A', origin='one')" and "x" not in repr(a)
    assert mine(code="A", origin="one", secret="y") != a  # a hidden field is still compared


def test_methods_a_class_defines_are_kept() -> None:
    @frozen
    class Token:
        """A token that never prints itself."""

        value: str

        def __repr__(self) -> str:
            return "Token(***)"

    assert repr(Token("abc")) == "Token(***)" and Token("abc") == Token("abc") and len({Token("a"), Token("a")}) == 1
    with pytest.raises(TypeError, match="Cannot overwrite attribute __hash__"):

        @frozen
        class Hashed:
            """Hashes itself."""

            value: str

            def __hash__(self) -> int:
                return 1


def test_a_value_holding_itself_prints_without_recursing() -> None:
    @frozen
    class Node:
        """A node."""

        children: list[Any]

    node = Node([])
    node.children.append(node)
    assert repr(node).endswith("Node(children=[...])")
    assert Node.__repr__.__qualname__.endswith("Node.__repr__")
