"""Quotes, purchase orders and bills: built from the domain, sent by our client (through
xero-python, over HTTP) to the sandbox, which prices them with Xero's arithmetic at Xero's
precision (2 dp unit amounts on quotes and purchase orders) and checks them against Xero's spec.
Xero's totals must equal the source's to the cent."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.xero_sandbox import XeroSandbox
from tests.quotes import AWKWARD, PURCHASING, SETTINGS, ZERO, D, body_of, item
from xerosync.domain import Purchase, Quote, SaleLine
from xerosync.xero import quote_payloads
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.lines import cents
from xerosync.xero.models import PurchaseOrderRecord, QuoteRecord


@pytest.fixture(scope="module")
def org() -> Iterator[tuple[XeroSandbox, XeroClient, str]]:
    sandbox = XeroSandbox().start()
    organisation = sandbox.add_organisation("Quotes Pty Ltd")
    client = sandbox.add_client([organisation.tenant_id])
    xero = XeroClient(
        XeroCredentials(client.client_id, client.client_secret), api_url=sandbox.url, identity_url=sandbox.url
    )
    [contact] = xero.create_contacts([{"Name": "Some Customer"}], idempotency_key="contact")
    yield sandbox, xero, str(contact.record["ContactID"])
    sandbox.stop()


def test_a_quote_lands_to_the_cent_and_moves_through_its_statuses(org: Any) -> None:
    _, xero, contact = org
    offer = Quote(body_of("Q-1001", *AWKWARD), "sent", expiry=date(2026, 12, 20), title="Spring", terms="30 days")
    body = quote_payloads.quote(offer, contact, SETTINGS)
    assert all(D(line["UnitAmount"]) == cents(D(line["UnitAmount"])) for line in body["LineItems"])  # 2 dp
    [created] = xero.create_quotes([body], idempotency_key="quote:Q-1001")
    assert created.ok, created.errors
    landed = QuoteRecord.of(created.record)
    assert (landed.total, landed.total_tax) == (offer.body.total, offer.body.total_tax)
    assert landed.status == "SENT" and landed.number == "Q-1001" and landed.expiry == date(2026, 12, 20)
    assert len(landed.line_ids) == len(AWKWARD)  # no rounding line was needed: the discounts keep each amount

    again = xero.create_quotes([body], idempotency_key="quote:Q-1001")  # a retried request
    assert again[0].record["QuoteID"] == landed.id
    assert [q["QuoteID"] for q in xero.quotes_by_number("Q-1001")] == [landed.id]

    moved = xero.update_quote(landed.id, quote_payloads.status_move(body, "ACCEPTED"), idempotency_key="q:acc")
    assert moved.ok, moved.errors
    read = xero.get_quote(landed.id)
    assert read["Status"] == "ACCEPTED" and read["Title"] == "Spring" and read["Terms"] == "30 days"
    assert QuoteRecord.of(read).total == offer.body.total


def test_a_refused_quote_fails_alone_with_xeros_words(org: Any) -> None:
    _, xero, contact = org
    good = quote_payloads.quote(Quote(body_of("Q-2001", item(1, "1", "5")), "draft"), contact, SETTINGS)
    bad = quote_payloads.quote(Quote(body_of("Q-2002", item(1, "1", "5")), "draft"), contact, SETTINGS)
    bad["Contact"] = {"ContactID": "00000000-0000-0000-0000-000000000001"}
    results = xero.create_quotes([good, bad], idempotency_key="quotes:2")
    assert [r.ok for r in results] == [True, False]
    assert results[1].errors == ("The contact with the specified ContactID could not be found.",)


def test_a_purchase_order_lands_to_the_cent_on_the_purchase_accounts(org: Any) -> None:
    sandbox, xero, contact = org
    since = sandbox.time().replace(microsecond=0)
    purchase = Purchase(body_of("PO-77", *AWKWARD, key="purchase"), "approved", delivery_date=date(2026, 12, 1),
                        attention_to="Stores", delivery_instructions="Dock 2")  # fmt: skip
    body = quote_payloads.purchase_order(purchase, contact, SETTINGS, PURCHASING)
    assert not any("DiscountAmount" in line for line in body["LineItems"])  # purchases take none
    [created] = xero.create_purchase_orders([body], idempotency_key="purchase:PO-77")
    assert created.ok, created.errors
    landed = PurchaseOrderRecord.of(created.record)
    assert (landed.total, landed.total_tax) == (purchase.body.total, purchase.body.total_tax)
    assert landed.status == "AUTHORISED" and landed.delivery_date == date(2026, 12, 1)
    lines = created.record["LineItems"]
    assert {(line["AccountCode"], line["TaxType"]) for line in lines[: len(AWKWARD)]} == {("500", "INPUT")}

    found = xero.purchase_order_by_number("PO-77")
    assert found is not None and found["PurchaseOrderID"] == landed.id
    assert xero.purchase_order_by_number("PO-none") is None
    assert landed.id in [o["PurchaseOrderID"] for o in xero.purchase_orders_modified_since(since)]
    assert xero.purchase_orders_modified_since(since, status="BILLED") == []
    billed = xero.update_purchase_order(landed.id, quote_payloads.status_move(body, "BILLED"), idempotency_key="b")
    assert billed.ok and PurchaseOrderRecord.of(xero.get_purchase_order(landed.id)).status == "BILLED"


def test_a_purchase_as_a_bill_lands_to_the_cent(org: Any) -> None:
    _, xero, contact = org
    purchase = Purchase(body_of("PO-78", *AWKWARD, inclusive=False, key="purchase"), "approved")
    [created] = xero.create_invoices(
        [quote_payloads.bill(purchase, contact, SETTINGS, PURCHASING)], idempotency_key="bill"
    )
    assert created.ok, created.errors
    assert created.record["Type"] == "ACCPAY" and created.record["Status"] == "AUTHORISED"
    assert (created.record["Total"], created.record["TotalTax"]) == (purchase.body.total, purchase.body.total_tax)


AMOUNT = st.decimals(min_value=D("0.01"), max_value=D("500"), places=4)
QUANTITY = st.sampled_from(["1", "2", "3", "7", "0.5", "12"])


@st.composite
def lines(draw: st.DrawFn, inclusive: bool) -> tuple[SaleLine, ...]:
    made = []
    for n in range(draw(st.integers(1, 5))):
        quantity, unit = draw(QUANTITY), draw(AMOUNT)
        gross = D(quantity) * unit
        discount = draw(st.sampled_from([ZERO, cents(gross / 10), cents(gross / 3)]))
        made.append(item(n, quantity, str(unit), str(discount), inclusive=inclusive))
    return tuple(made)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), inclusive=st.booleans(), kind=st.sampled_from(["quote", "order", "bill"]))
def test_any_quote_or_purchase_lands_to_the_cent(org: Any, data: st.DataObject, inclusive: bool, kind: str) -> None:
    _, xero, contact = org
    number = f"P-{datetime.now(UTC).timestamp()}"
    sale = body_of(number, *data.draw(lines(inclusive)), inclusive=inclusive, key=kind)
    if kind == "quote":
        [result] = xero.create_quotes(
            [quote_payloads.quote(Quote(sale, "draft"), contact, SETTINGS)], idempotency_key=number
        )
    elif kind == "order":
        body = quote_payloads.purchase_order(Purchase(sale, "draft"), contact, SETTINGS, PURCHASING)
        [result] = xero.create_purchase_orders([body], idempotency_key=number)
    else:
        body = quote_payloads.bill(Purchase(sale, "draft"), contact, SETTINGS, PURCHASING)
        [result] = xero.create_invoices([body], idempotency_key=number)
    assert result.ok, result.errors
    assert (result.record["Total"], result.record["TotalTax"]) == (sale.total, sale.total_tax)
