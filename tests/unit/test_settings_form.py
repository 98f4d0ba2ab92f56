"""The settings form (the console's Map), pure: what a posted form changes in the stored document
(only the settings it shows; every other one kept), where a problem is shown, and the changes."""

from typing import Any

import yaml

from xerosync.config import Problem
from xerosync.settings_form import apply, changes, dump, form
from xerosync.settings_lists import KeptOrganisation, XeroLists, xero_lists
from xerosync.sources.store_lists import Choice, StoreLists

STORED = """\
invoice_prefix: "WC-"
accounts:
  sales: "200"
  shipping: "210"
tax:
  rates:
    "1": OUTPUT
payments:
  accounts:
    stripe: "092"
    my.gateway: "093"
store:
  paid_status: completed
  order_statuses:
    on-hold: awaiting_payment
settlements:
  enabled: false
  by_type_later: kept
future_setting: {nested: [1, 2]}
"""
LISTS = StoreLists(
    tax_rates=(Choice("1", "GST 10% (AU)"), Choice("2", "Reduced 5%")),
    gateways=(Choice("stripe", "Stripe"),),
    statuses=(Choice("on-hold", "On hold"), Choice("processing", "Processing")),
    status_setting="order_statuses",
)


class Organisation:
    def __init__(self) -> None:
        self.calls = 0

    def accounts(self) -> list[dict[str, Any]]:
        self.calls += 1
        return [
            {"Code": "200", "Name": "Sales", "Type": "REVENUE"},
            {"Code": "092", "Name": "Stripe Clearing", "Type": "CURRLIAB", "EnablePaymentsToAccount": True},
            {"Code": "090", "Name": "Bank", "Type": "BANK"},
            {"Code": "999", "Name": "Old", "Type": "REVENUE", "Status": "ARCHIVED"},
        ]

    def tax_rates(self) -> list[dict[str, Any]]:
        self.calls += 1
        return [
            {"TaxType": "OUTPUT", "Name": "GST on Income", "EffectiveRate": "10"},
            {"TaxType": "INPUT", "Name": "GST on Expenses", "EffectiveRate": "10", "CanApplyToRevenue": False},
        ]

    def tracking_categories(self) -> list[dict[str, Any]]:
        self.calls += 1
        return [{"Name": "Channel", "Options": [{"Name": "Online"}, {"Name": "Gone", "Status": "ARCHIVED"}]}]


def test_a_posted_form_changes_only_the_settings_it_shows() -> None:
    document = yaml.safe_load(STORED)
    posted = {
        "accounts.sales": "201",
        "accounts.shipping": "",  # blank: the default
        "tax.rates[2]": "OUTPUT",
        "payments.accounts[my.gateway]": "",  # a key with a dot, removed
        "store.order_statuses[processing]": "confirmed",
        "settlements.enabled": "true",  # not a field of the form: ignored
        "future_setting": "x",
        "add-key:payments.accounts": "cod",
        "add-value:payments.accounts": "090",
    }
    new = apply(document, posted, LISTS)
    assert new["accounts"] == {"sales": "201"}
    assert new["tax"]["rates"] == {"1": "OUTPUT", "2": "OUTPUT"}
    assert new["payments"]["accounts"] == {"stripe": "092", "cod": "090"}
    assert new["store"] == {
        "paid_status": "completed",
        "order_statuses": {"on-hold": "awaiting_payment", "processing": "confirmed"},
    }
    assert new["settlements"] == document["settlements"] and new["future_setting"] == {"nested": [1, 2]}
    assert new["invoice_prefix"] == "WC-"
    assert yaml.safe_load(dump(new, like=STORED)) == new
    assert document["accounts"]["shipping"] == "210"  # the stored document itself is not changed
    assert {(c.setting, c.old, c.new) for c in changes(document, new)} == {
        ("accounts.sales", "200", "201"),
        ("accounts.shipping", "210", None),
        ("tax.rates.2", None, "OUTPUT"),
        ("payments.accounts.my.gateway", "093", None),
        ("payments.accounts.cod", None, "090"),
        ("store.order_statuses.processing", None, "confirmed"),
    }


def test_a_mapping_key_yaml_read_as_a_number_is_kept_as_text() -> None:
    document = yaml.safe_load("tax: {rates: {1: OUTPUT, 2: NONE}}")
    sections, _ = form(document, xero_lists(Organisation()), LISTS)
    assert {f.name: f.value for s in sections for f in s.fields}["tax.rates[1]"] == "OUTPUT"
    assert apply(document, {"tax.rates[1]": "EXEMPTOUTPUT"}, LISTS) == {
        "tax": {"rates": {"1": "EXEMPTOUTPUT", "2": "NONE"}}
    }


def test_a_blank_field_leaves_no_empty_section() -> None:
    new = apply(
        {"tracking": {"category": "Channel", "option": "Online"}},
        {"tracking.category": "", "tracking.option": ""},
        LISTS,
    )
    assert new == {}


def test_the_form_offers_the_lists_and_shows_each_problem_beside_its_field() -> None:
    lists = xero_lists(Organisation())
    assert [o.value for o in lists.accounts] == ["090", "092", "200"]  # the archived one is not offered
    assert [o.value for o in lists.payment_accounts] == ["090", "092"]
    assert [o.value for o in lists.tax_types] == ["OUTPUT"]  # INPUT cannot be used on sales
    assert [(o.group, o.value) for o in lists.tracking_options] == [("Channel", "Online")]
    problems = [
        Problem("tax.rates.1", "NOPE: no such tax type in this organisation (Tax rates)"),
        Problem("accounts.sales", "999: account Old is archived"),
        Problem("settlements.accounts.other", "required"),
    ]
    sections, apart = form(yaml.safe_load(STORED), lists, LISTS, problems)
    fields = {f.name: f for s in sections for f in s.fields}
    assert fields["tax.rates[1]"].error.startswith("NOPE: no such tax type")
    assert fields["accounts.sales"].error == "999: account Old is archived"
    assert fields["accounts.sales"].id == "setting-accounts-sales"
    assert fields["payments.accounts[my.gateway]"].note == "not in the store's list"  # kept, shown
    assert fields["store.order_statuses[processing]"].value == ""  # the store's default
    assert apart == [Problem("settlements.accounts.other", "required")]


def test_free_text_when_the_store_lists_nothing() -> None:
    sections, _ = form(yaml.safe_load(STORED), xero_lists(Organisation()), StoreLists())
    names = [f.name for s in sections for f in s.fields]
    assert "tax.rates[1]" in names and "payments.accounts[stripe]" in names
    assert not [n for n in names if n.startswith("store.")]  # no status mapping known
    assert {s.adds for s in sections if s.adds} == {"tax.rates", "payments.accounts"}


def test_xeros_lists_are_read_once_per_minute() -> None:
    now = [0.0]
    xero = Organisation()
    memory: dict[str, Any] = {}
    kept = KeptOrganisation(xero, memory, keep=60, clock=lambda: now[0])
    for _ in range(3):
        xero_lists(kept)
    assert xero.calls == 3
    xero_lists(KeptOrganisation(Organisation(), memory))  # the next request, its own client: kept lists
    assert xero.calls == 3
    now[0] = 61
    xero_lists(kept)
    assert xero.calls == 6
    kept.forget()
    xero_lists(kept)
    assert xero.calls == 9
    assert isinstance(xero_lists(kept), XeroLists)


def test_the_stores_and_xeros_words_are_text_never_markup() -> None:
    from xerosync.console.map_html import field_html

    hostile = StoreLists(gateways=(Choice("<b>gw", '"><script>alert(1)</script>'),))
    sections, _ = form({"payments": {"accounts": {"<b>gw": "092"}}}, xero_lists(Organisation()), hostile)
    rendered = "".join(field_html(f) for s in sections for f in s.fields)
    assert "<script>" not in rendered and "<b>" not in rendered
    assert "&lt;script&gt;" in rendered and 'name="payments.accounts[&lt;b&gt;gw]"' in rendered
