"""Quotes and purchases through the batching facade, as the orders' sync function runs them (one
worker a record, the orders' queue's call order), against the sandbox over HTTP: a batch's new
quotes are one PUT /Quotes and their status moves one POST /Quotes, its purchase orders likewise;
and ``xerosync settings check`` checks the purchasing section against the organisation."""

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from tests.fakes import InMemoryMappings
from tests.integration.conftest import run_workers
from tests.quotes import AWKWARD, PURCHASING, SETTINGS, body_of
from xerosync.config import parse_settings
from xerosync.domain import Party, Purchase, Quote
from xerosync.settings_check import check
from xerosync.sync.invocation import SharedClaims
from xerosync.sync.order_queue import CALL_ORDER
from xerosync.sync.quotes import sync_purchase, sync_quote
from xerosync.xero.batching import BatchingXero
from xerosync.xero.client import XeroClient

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def calls(sandbox: Any, endpoint: str) -> int:
    return sum(n for (_, e), n in sandbox.state.calls.items() if e == endpoint)


def writes(sandbox: Any) -> int:
    return sum(n for (_, e), n in sandbox.state.calls.items() if not e.startswith("GET"))


def quote(n: int) -> Quote:
    body = replace(body_of(f"Q-{n}", *AWKWARD), key=f"order:Quotes:{n}", modified_at=WHEN)
    return Quote(replace(body, customer=Party(f"customer:{n}", f"Customer {n}")), "accepted")


def purchase(n: int) -> Purchase:
    body = replace(body_of(f"PO-{n}", *AWKWARD), key=f"order:Purchase_Orders:{n}", modified_at=WHEN)
    return Purchase(replace(body, customer=Party(f"customer:vendor{n}", f"Bolts Wholesale {n}")), "approved")


def test_a_batch_of_quotes_is_one_create_and_one_move_and_again_nothing(xero: XeroClient, sandbox: Any) -> None:
    mappings = InMemoryMappings()

    def batch() -> list[Any]:
        facade = BatchingXero(xero, workers=6, call_order=CALL_ORDER)
        shared = SharedClaims(mappings, facade.idle)  # as the sync function shares a batch's claims
        work = [lambda n=n: sync_quote(quote(n), settings=SETTINGS, xero=facade, mappings=shared) for n in range(6)]
        return run_workers(facade, work)

    outcomes = batch()
    assert [o.action for o in outcomes] == ["created"] * 6, outcomes
    assert calls(sandbox, "PUT /Quotes") == 1  # six quotes, created SENT
    assert calls(sandbox, "POST /Quotes") == 1  # and moved to ACCEPTED together
    quotes = list(sandbox.org.quotes.values())
    assert sorted(q["QuoteNumber"] for q in quotes) == [f"Q-{n}" for n in range(6)]
    assert {q["Status"] for q in quotes} == {"ACCEPTED"}
    assert {q["Total"] for q in quotes} == {quote(0).body.total}
    before = writes(sandbox)
    assert [o.action for o in batch()] == ["unchanged"] * 6
    assert writes(sandbox) == before


def test_a_batch_of_purchases_is_one_create_as_orders_or_as_bills(xero: XeroClient, sandbox: Any) -> None:
    mappings = InMemoryMappings()
    facade = BatchingXero(xero, workers=4, call_order=CALL_ORDER)
    shared = SharedClaims(mappings, facade.idle)
    work = [
        lambda n=n: sync_purchase(purchase(n), settings=SETTINGS, purchasing=PURCHASING, xero=facade, mappings=shared)
        for n in range(4)
    ]
    assert [o.action for o in run_workers(facade, work)] == ["created"] * 4
    assert calls(sandbox, "PUT /PurchaseOrders") == 1
    assert {o["Status"] for o in sandbox.org.purchase_orders.values()} == {"AUTHORISED"}
    bills = replace(PURCHASING, as_bills=True)
    facade = BatchingXero(xero, workers=4, call_order=CALL_ORDER)
    shared = SharedClaims(mappings, facade.idle)
    work = [
        lambda n=n: sync_purchase(purchase(10 + n), settings=SETTINGS, purchasing=bills, xero=facade, mappings=shared)
        for n in range(4)
    ]
    assert [o.action for o in run_workers(facade, work)] == ["created"] * 4
    assert calls(sandbox, "PUT /Invoices") == 1
    made = [i for i in sandbox.org.invoices.values() if i["Type"] == "ACCPAY"]
    assert len(made) == 4 and {i["Status"] for i in made} == {"AUTHORISED"}
    assert {i["Total"] for i in made} == {purchase(0).body.total}


def test_settings_check_checks_purchasing_for_a_source_that_books_purchases(xero: XeroClient) -> None:
    good = parse_settings('purchasing: {account: "310", tax_rates: {GST: INPUT}, no_tax: EXEMPTEXPENSES}')
    found = {f.setting: f for f in check(good, xero, documents={"purchase"})}
    assert all(found[s].ok for s in ("purchasing.account", "purchasing.tax_rates.GST", "purchasing.no_tax"))
    assert not [s for s in {f.setting for f in check(good, xero)} if s.startswith("purchasing")]  # none booked
    wrong = parse_settings('purchasing: {account: "999", tax_rates: {GST: OUTPUT}}')
    found = {f.setting: f for f in check(wrong, xero, documents={"quote", "purchase"})}
    assert not found["purchasing.account"].ok and "no account" in found["purchasing.account"].detail
    assert not found["purchasing.tax_rates.GST"].ok
    assert "cannot be used on purchases" in found["purchasing.tax_rates.GST"].detail
