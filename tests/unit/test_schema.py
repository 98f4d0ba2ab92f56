"""The settings reader (xerosync.schema): every problem of a document at its place, values read
as the settings always read them, and what a class checks across its fields."""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Literal

import pytest

from xerosync.config import SettingsError, StoreSettings, parse_settings
from xerosync.schema import After, Before, Bounds, Invalid, Length, Pattern, read


def _upper(value: str) -> str:
    if value != value.strip():
        raise ValueError("no spaces around a code, please")
    return value.upper()


@dataclass(frozen=True)
class Inner:
    code: Annotated[str, Length(min=1, max=4), After(_upper)]
    note: str | None = None


@dataclass(frozen=True)
class Outer:
    name: str
    count: Annotated[int, Bounds(ge=0, le=10)] = 1
    on: bool = False
    day: date | None = None
    kind: Literal["a", "b"] = "a"
    words: tuple[str, ...] = ()
    codes: dict[str, str | Inner] = field(default_factory=dict)
    inner: Inner | None = None
    version: Annotated[str, Pattern(r"^\d{4}$")] = "2026"
    listed: Annotated[tuple[str, ...], Before(lambda v: v.split(",") if isinstance(v, str) else v)] = ()

    def validate(self) -> None:
        if self.on and self.day is None:
            raise ValueError("a day is needed when on")


def problems(data: object) -> list[str]:
    with pytest.raises(Invalid) as caught:
        read(Outer, data)
    return caught.value.lines()


def test_values_are_read_as_lax_json_and_yaml_values() -> None:
    # Given a document with a value of every kind, written loosely as a merchant may write it
    doc = {
        "name": "shop",
        "count": "7",
        "on": "yes",
        "day": "2026-03-01",
        "kind": "b",
        "words": ["x", "y"],
        "codes": {"plain": "200", "nested": {"code": "ab"}},
        "inner": {"code": "cd", "note": None},
        "listed": "p,q",
    }
    # When it is read; Then each value has its field's type
    got = read(Outer, doc)
    assert got == Outer(
        name="shop",
        count=7,
        on=True,
        day=date(2026, 3, 1),
        kind="b",
        words=("x", "y"),
        codes={"plain": "200", "nested": Inner("AB")},
        inner=Inner("CD"),
        listed=("p", "q"),
    )
    assert read(Outer, {"name": "n", "on": 1, "day": datetime(2026, 3, 1), "count": 3.0}).day == date(2026, 3, 1)
    assert read(Outer, {"name": "n", "on": "Off"}).on is False


def test_every_problem_is_named_at_its_place_fields_first_then_unknown_keys() -> None:
    found = problems(
        {
            "colour": "red",
            "count": 11,
            "on": "maybe",
            "day": "2026-13-01",
            "kind": "c",
            "words": "x",
            "codes": {"a": 5, "b": {"code": ""}, "c": {"cod": "x"}},
            "inner": {"code": " x "},
            "version": "26",
        }
    )
    assert found == [
        "name: required; add it",
        "count: should be at most 10 (got 11)",
        "on: should be true or false (got 'maybe')",
        "day: should be a date, YYYY-MM-DD (got '2026-13-01')",
        "kind: should be 'a' or 'b' (got 'c')",
        "words: should be a list (got 'x')",
        "codes.a: should be text (got 5: put it in quotes)",
        "codes.b.code: should have at least 1 character(s) (got '')",
        "codes.c.code: required; add it",
        "codes.c.cod: unknown setting; remove it or check its spelling",
        "inner.code: no spaces around a code, please",
        r"version: should match the pattern ^\d{4}$ (got '26')",
        "colour: unknown setting; remove it or check its spelling",
    ]


def test_a_number_is_never_read_as_text_nor_a_boolean_as_a_number() -> None:
    assert problems({"name": 200}) == ["name: should be text (got 200: put it in quotes)"]
    assert problems({"name": "n", "count": True}) == ["count: should be a whole number (got True)"]
    assert problems({"name": "n", "count": 1.5}) == ["count: should be a whole number (got 1.5)"]
    assert problems(["name"]) == ["(top level): should be a mapping of settings (got ['name'])"]


def test_a_check_across_fields_runs_when_its_fields_are_valid() -> None:
    assert problems({"name": "n", "on": True}) == ["(top level): a day is needed when on"]
    assert problems({"name": "n", "on": True, "count": -1}) == ["count: should be at least 0 (got -1)"]
    Outer(name="n", on=True)  # built in code (as tests build settings), not read: not checked


def test_store_settings_errors_name_the_field_and_incomplete_settlements_are_refused() -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings("settlements: {enabled: true}\nreconcile: {overlap_seconds: 0}\n")
    assert str(caught.value) == (
        "settings has 1 problem(s):\n  reconcile.overlap_seconds: should be at least 1 (got 0)"
    )  # the check across fields waits for the fields
    with pytest.raises(SettingsError) as caught:
        parse_settings("settlements: {enabled: true, split_by_month: true}\n")
    assert str(caught.value).endswith(
        "(top level): settlements.bank_account and settlements.accounts.other and "
        "settlements.accounts.carried_forward (split_by_month) required once settlements are enabled"
    )
    with pytest.raises(SettingsError, match="summary books the sales"):
        parse_settings("settlements: {enabled: true, mode: summary, bank_account: '090', accounts: {other: '1'}}")


def test_store_settings_read_their_defaults_and_kind_accounts() -> None:
    settings = parse_settings(
        "pull: {stock_items: [' MUG ', MUG]}\n"
        "settlements: {since: 2026-01-02, accounts: {by_type: "
        "{Advance: '880', Fee: {account: '6100', tax_type: INPUT}}}}"
    )
    assert settings.pull.stock_items == ("MUG",)
    assert settings.settlements.since == date(2026, 1, 2)
    kind = settings.settlements.accounts.kind("advance")
    assert kind is not None and kind.account == "880" and kind.tax_type is None
    fee = settings.settlements.accounts.kind("FEE")
    assert fee is not None and (fee.account, fee.tax_type) == ("6100", "INPUT")
    assert parse_settings("{}") == StoreSettings()
    with pytest.raises(SettingsError, match=r"pull\.stock_items: an empty SKU cannot name a stock item"):
        parse_settings("pull: {stock_items: ['  ']}")
