"""``@frozen`` (xerosync.frozen) compiles only ``__init__`` per class; its shared ``__eq__``,
``__hash__`` and ``__repr__`` must behave as ``@dataclass(unsafe_hash=True)``'s, which they replace."""

import copy
import dataclasses
import importlib
import inspect
import sys
from dataclasses import field
from decimal import Decimal
from typing import Any, ClassVar

import pytest

import xerosync.frozen
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


def test_init_is_dataclass_s_compiled_at_the_first_instance() -> None:
    # Given a class with required, default and default_factory fields and a __post_init__, made
    # by @frozen and by @dataclass
    seen: list[str] = []

    def post_init(self: Any) -> None:
        seen.append(self.code)

    made = []
    for decorate in (frozen, dataclasses.dataclass(unsafe_hash=True)):
        namespace = {
            "__annotations__": {"code": str, "amount": Decimal, "note": str, "tags": list[str]},
            "__doc__": "A value.",
            "note": "",
            "tags": field(default_factory=list),
            "__post_init__": post_init,
        }
        made.append(decorate(type("Line", (), namespace)))
    mine, theirs = made
    deferred = mine.__dict__["__init__"]
    # When the @frozen one is built for the first time
    a = mine("A", Decimal("1.50"))
    # Then its own __init__ was compiled and put in place, with dataclass's signature
    assert mine.__dict__["__init__"] is not deferred and mine.__init__.__qualname__ == "Line.__init__"
    assert str(inspect.signature(mine)) == str(inspect.signature(theirs))
    # And it builds as dataclass's does: positional, keyword, defaults, a fresh list each time
    b = mine(code="B", amount=Decimal(2), note="n", tags=["t"])
    assert (a.code, a.amount, a.note, a.tags) == ("A", Decimal("1.50"), "", [])
    assert (b.code, b.amount, b.note, b.tags) == ("B", Decimal(2), "n", ["t"])
    assert mine("C", Decimal(0)).tags is not a.tags and seen == ["A", "B", "C"]
    assert dataclasses.replace(b, note="m") == mine("B", Decimal(2), "m", ["t"])
    for wrong in ({"code": "A"}, {"code": "A", "amount": 1, "colour": "red"}):
        with pytest.raises(TypeError):
            mine(**wrong)
        with pytest.raises(TypeError):
            theirs(**wrong)
    with pytest.raises(TypeError):
        mine("A", 1, code="B")


def test_a_subclass_builds_with_its_parent_s_init() -> None:
    @frozen
    class Base:
        """A base."""

        code: str

    class Child(Base):
        pass

    assert Child("A").code == "A" and Base("B").code == "B" and Child("A") != Base("A")


def test_a_class_without_a_docstring_gets_dataclass_s() -> None:
    mine = frozen(type("Line", (), {"__annotations__": {"code": str, "note": str}, "note": ""}))
    theirs = dataclasses.dataclass(type("Line", (), {"__annotations__": {"code": str, "note": str}, "note": ""}))
    assert mine.__doc__ == theirs.__doc__ == "Line(code: str, note: str = '')"


def test_fields_the_deferred_init_cannot_write_are_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="non-default argument 'amount' follows default argument 'code'"):
        frozen(type("Line", (), {"__annotations__": {"code": str, "amount": Decimal}, "code": "", "__doc__": "x"}))
    for spec in (field(kw_only=True), field(init=False, default=0)):
        with pytest.raises(TypeError, match="need @dataclass"):
            frozen(type("Line", (), {"__annotations__": {"code": str}, "code": spec, "__doc__": "x"}))


SPEC_ATTRS = ("name", "type", "default", "default_factory", "init", "repr", "hash", "compare", "metadata", "kw_only")


def test_a_value_class_is_declared_as_dataclass_declares_it_without_calling_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the same class body made by @frozen (which does not call dataclass() for it) and by
    # the dataclass(init=False, repr=False, eq=False) @frozen called before
    def body() -> dict[str, Any]:
        return {
            "__annotations__": {"code": str, "amount": Decimal, "note": str, "tags": list[str], "secret": str},
            "__doc__": "A value.",
            "note": "",
            "tags": field(default_factory=list),
            "secret": field(default="s", repr=False, compare=False, metadata={"why": "hidden"}),
        }

    theirs = dataclasses.dataclass(init=False, repr=False, eq=False)(type("Line", (), body()))

    def unused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("dataclass() called for a class of plain fields")

    monkeypatch.setattr(xerosync.frozen, "dataclass", unused)
    mine = frozen(type("Line", (), body()))
    # Then its fields, their order and every attribute of each are dataclass's
    for a, b in zip(dataclasses.fields(mine), dataclasses.fields(theirs), strict=True):
        assert [getattr(a, n) for n in SPEC_ATTRS] == [getattr(b, n) for n in SPEC_ATTRS]
        assert a._field_type is b._field_type  # type: ignore[attr-defined]
    assert list(mine.__dataclass_fields__) == list(theirs.__dataclass_fields__)
    assert repr(mine.__dataclass_params__) == repr(theirs.__dataclass_params__)
    # And so are the class attributes: a default kept, a Field replaced by its default or removed
    assert (mine.note, mine.secret, "tags" in mine.__dict__) == (theirs.note, theirs.secret, "tags" in theirs.__dict__)
    assert mine.__match_args__ == theirs.__match_args__ == ("code", "amount", "note", "tags", "secret")
    assert mine.__replace__ is theirs.__replace__
    # And what the library reads of a dataclass works on its instances
    line = mine("A", Decimal("1.5"))
    assert dataclasses.is_dataclass(line) and not dataclasses.is_dataclass(mine.__dataclass_fields__)
    assert dataclasses.asdict(line) == {"code": "A", "amount": Decimal("1.5"), "note": "", "tags": [], "secret": "s"}
    assert dataclasses.astuple(line) == ("A", Decimal("1.5"), "", [], "s")
    assert dataclasses.replace(line, note="n") == mine("A", Decimal("1.5"), "n")
    assert copy.replace(line, code="B").code == "B" and line.code == "A"  # type: ignore[attr-defined]
    match line:
        case mine(code, amount):  # type: ignore[misc]
            assert (code, amount) == ("A", Decimal("1.5"))


def test_what_dataclass_refuses_is_refused() -> None:
    with pytest.raises(ValueError, match="mutable default <class 'list'> for field tags is not allowed"):
        frozen(type("Line", (), {"__annotations__": {"tags": list[str]}, "tags": [], "__doc__": "x"}))
    with pytest.raises(TypeError, match="'note' is a field but has no type annotation"):
        frozen(type("Line", (), {"__annotations__": {"code": str}, "note": field(default=""), "__doc__": "x"}))


@pytest.mark.parametrize(
    "annotations",
    [
        {"code": str, "kind": ClassVar[str]},
        {"code": str, "kind": "ClassVar[str]"},
        {"code": str, "seed": dataclasses.InitVar[int]},
        {"code": str, "seed": "dataclasses.InitVar[int]"},
    ],
    ids=["a ClassVar", "a ClassVar by name", "an InitVar", "an InitVar by name"],
)
def test_a_class_dataclass_reads_more_closely_goes_through_dataclass(annotations: dict[str, Any]) -> None:
    # dataclass() tells a ClassVar or an InitVar from a field; then @frozen refuses the class
    with pytest.raises(TypeError, match="need @dataclass"):
        frozen(type("Line", (), {"__annotations__": annotations, "__doc__": "x", "kind": "k"}))


def test_a_forward_reference_is_a_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xerosync.frozen, "dataclass", None)  # not called
    line = frozen(type("Line", (), {"__annotations__": {"code": "str", "detail": "Line | None"}, "detail": None}))
    assert [f.type for f in dataclasses.fields(line)] == ["str", "Line | None"] and line("A") == line("A", None)


def test_every_value_class_a_sync_function_defines_is_declared_without_dataclass() -> None:
    # Given every module a sync function imports
    for module in ("xerosync.handlers", "xerosync.sync.order_queue", "xerosync.sync.contacts", "xerosync.sync.items"):
        importlib.import_module(module)
    # Then each @frozen class among them was declared by @frozen itself (an annotation that made it
    # go through dataclass() would cost its cold start again)
    made = [
        c
        for name, module in list(sys.modules.items())
        if name.startswith("xerosync.")
        for c in vars(module).values()
        if isinstance(c, type) and c.__module__ == name and _by_frozen(c)
    ]
    assert len(made) > 50
    assert [c.__qualname__ for c in made if c.__dataclass_params__ is not xerosync.frozen._PARAMS] == []


def _by_frozen(cls: type) -> bool:
    """Made by @frozen: its __eq__ is the one @frozen gives (a dataclass's own is compiled)."""
    eq = cls.__dict__.get("__eq__")
    return "__dataclass_fields__" in cls.__dict__ and getattr(eq, "__module__", "") == "xerosync.frozen"


def test_a_subclass_by_dataclass_reads_the_value_class_s_fields() -> None:
    @frozen
    class Base:
        """A base."""

        code: str

    @dataclasses.dataclass
    class Child(Base):
        note: str = ""

    assert [f.name for f in dataclasses.fields(Child)] == ["code", "note"] and Child("A").note == ""
