"""``@frozen`` (xerosync.frozen) compiles only ``__init__`` per class; its shared ``__eq__``,
``__hash__`` and ``__repr__`` must behave as ``@dataclass(unsafe_hash=True)``'s, which they replace."""

import copy
import dataclasses
import importlib
import inspect
import os
import subprocess
import sys
from dataclasses import field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest

import xerosync.frozen
from xerosync.frozen import frozen, record


def made_by(mine: Any, theirs: Any, name: str, **annotations: Any) -> tuple[Any, Any]:
    """The same class (``annotations`` its fields, DEFAULTS' defaults) made by each decorator."""
    made: list[Any] = []
    for decorate in (mine, theirs):
        namespace = {"__annotations__": dict(annotations), "__doc__": "A value."}
        namespace.update({k: v for k, v in DEFAULTS.items() if k in annotations})
        made.append(decorate(type(name, (), namespace)))
    return made[0], made[1]


def both(**annotations: Any) -> tuple[Any, Any]:
    """The same class made by @frozen and by @dataclass(unsafe_hash=True)."""
    return made_by(frozen, dataclasses.dataclass(unsafe_hash=True), "Line", **annotations)


DEFAULTS: dict[str, Any] = {"secret": field(default="s", repr=False), "origin": field(default="o", compare=False)}
FIELD_SETS = pytest.mark.parametrize(
    "annotations",
    [{}, {"code": str}, {"code": str, "amount": Decimal, "secret": str}, {"code": str, "origin": str}],
    ids=["no fields", "one field", "a hidden field", "an uncompared field"],
)


@FIELD_SETS
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
        {"code": str, "seed": dataclasses.InitVar},
        {"_": dataclasses.KW_ONLY, "code": str},
    ],
    ids=["a ClassVar", "a ClassVar by name", "an InitVar", "an InitVar by name", "a bare InitVar", "KW_ONLY"],
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


def test_every_dataclass_a_sync_function_defines_is_declared_without_dataclass() -> None:
    # Given the modules a sync function imports, in a fresh interpreter (this one holds others)
    program = """
import sys, xerosync.frozen
for module in ("xerosync.handlers", "xerosync.sync.order_queue", "xerosync.sync.contacts", "xerosync.sync.items"):
    __import__(module)
made = [
    c
    for name, module in list(sys.modules.items())
    if name.startswith("xerosync.") and name != "xerosync.frozen"
    for c in vars(module).values()
    if isinstance(c, type) and c.__module__ == name and "__dataclass_fields__" in c.__dict__
]
print(len(made), *sorted(c.__qualname__ for c in made if c.__dataclass_params__ is not xerosync.frozen._PARAMS))
"""
    found = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, env=_shared_env()
    ).stdout.split()
    # Then every dataclass among them, value class or @record (an exception too), was declared
    # without dataclass(), which compiles three methods for each at every cold start
    assert int(found[0]) > 50
    assert found[1:] == []


def _shared_env() -> dict[str, str]:
    """This environment, with the package this test imports first on the path."""
    shared = str(Path(xerosync.frozen.__file__).parent.parent)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([shared, os.environ.get("PYTHONPATH", "")])}


def both_mutable(**annotations: Any) -> tuple[Any, Any]:
    """The same class made by @record and by a plain @dataclass."""
    return made_by(record, dataclasses.dataclass, "Run", **annotations)


@FIELD_SETS
def test_a_record_is_compared_shown_and_unhashable_as_a_plain_dataclass(annotations: dict[str, type]) -> None:
    mine, theirs = both_mutable(**annotations)
    args = {name: f"{name}-1" for name in annotations if name not in ("secret", "origin")}
    a, b, c = mine(**args), mine(**args), theirs(**args)
    assert a == b and repr(a) == repr(c) and (a != b) is False
    assert a.__eq__(c) is NotImplemented and a != c  # another class, as dataclasses
    assert mine.__hash__ is None and theirs.__hash__ is None
    with pytest.raises(TypeError, match="unhashable type"):
        hash(a)
    for name in args:  # its fields are assigned after it is built
        setattr(a, name, "other")
        assert a != b and getattr(a, name) == "other"
    assert [f.name for f in dataclasses.fields(mine)] == [f.name for f in dataclasses.fields(theirs)]
    assert mine.__match_args__ == theirs.__match_args__
    assert inspect.signature(mine) == inspect.signature(theirs)
    assert dataclasses.asdict(mine(**args)) == dataclasses.asdict(theirs(**args))


def test_a_record_keeps_a_hash_it_defines_and_refuses_one_its_own_eq_took_away() -> None:
    def body(**extra: Any) -> dict[str, Any]:
        return {"__annotations__": {"code": str}, "__doc__": "A result.", **extra}

    for decorate in (record, dataclasses.dataclass):
        kept = decorate(type("Run", (), body(__hash__=lambda self: 7)))
        assert hash(kept("A")) == 7
        own_eq = decorate(type("Run", (), body(__eq__=lambda self, other: True, __hash__=None)))
        assert own_eq.__hash__ is None and own_eq("A") == own_eq("B")  # its own __eq__ is kept


def test_a_record_with_defaults_and_factories_builds_as_a_dataclass() -> None:
    @record
    class Run:
        read: int = 0
        outcomes: list[str] = field(default_factory=list)
        note: str | None = None

        def count(self) -> int:
            return len(self.outcomes)

    run, other = Run(), Run()
    run.read += 1
    run.outcomes.append("x")
    assert (run.read, run.count(), other.outcomes, run.note) == (1, 1, [], None)
    assert repr(run).endswith(".<locals>.Run(read=1, outcomes=['x'], note=None)")
    assert dataclasses.replace(run, note="n").note == "n" and Run(2) == Run(read=2)


def test_an_exception_record_is_the_exception_dataclass_made(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failed(Exception):
        transient = False

    def body() -> dict[str, Any]:
        def __post_init__(self: Any) -> None:
            Exception.__init__(self, "; ".join(self.messages))

        return {
            "__annotations__": {"messages": list[str], "body": dict[str, Any]},
            "__doc__": "Refused.",
            "body": field(default_factory=dict),
            "__post_init__": __post_init__,
        }

    theirs = dataclasses.dataclass(type("Rejected", (Failed,), body()))
    monkeypatch.setattr(xerosync.frozen, "dataclass", None)  # not called: the bases hold no fields
    mine = record(type("Rejected", (Failed,), body()))
    for made in (mine, theirs):
        error = made(["a", "b"])
        assert (str(error), error.args, error.body, error.transient) == ("a; b", ("a; b",), {}, False)
        assert error == made(["a", "b"]) and error != made(["c"]) and made.__hash__ is None
        with pytest.raises(Failed, match="a; b"):
            raise error
    assert repr(mine(["a"])).endswith("Rejected(messages=['a'], body={})")
    assert repr(mine(["a"])).split(".")[-1] == repr(theirs(["a"])).split(".")[-1]
    assert [f.name for f in dataclasses.fields(mine)] == ["messages", "body"]


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
