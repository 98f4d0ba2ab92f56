"""Property: any order WooCommerce's arithmetic produces lands in Xero to the cent.

Orders come from the store simulator's port of WooCommerce's checkout (inclusive and
exclusive prices, several and compound rates, rounding per line or at subtotal, coupons,
fees including negative ones, shipping, 0- and 2-decimal currencies); xerosync's use case
sends them over HTTP, through xero-python, to the sandbox, which applies Xero's own per-line
arithmetic and validates every request against Xero's spec. Then: the invoice's Total and
TotalTax equal the order's; once paid, nothing is left due; after refunds, the credit notes
add up to the refunds.
"""

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from local.events import envelope
from local.woo import delivery
from local.woo_store import WooStore
from local.woo_store.model import Settings
from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.invoices import outstanding
from local.xero_sandbox.settings import create_account
from tests.fakes import InMemoryMappings
from tests.integration.conftest import run_workers
from tests.store.conftest import ADDRESS
from tests.store.test_totals_property import build, shops
from tests.woo import WOO, sync_order_event
from xerosync.config import Payments, StoreSettings, TaxSettings
from xerosync.domain import Refund, Sale, SaleChanged, Tender
from xerosync.events import parse_envelope
from xerosync.sync.orders import CALL_ORDER, sync_sale
from xerosync.xero.batching import BatchingXero
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.errors import XeroRejected

D = Decimal
counter = itertools.count(1)


class XeroOrg(tuple[XeroSandbox, Any, XeroClient]):
    def __repr__(self) -> str:  # hypothesis prints the test's arguments: keep the sandbox out of it
        return "<the sandbox organisation>"


@pytest.fixture(scope="module")
def xero_org() -> Iterator[tuple[XeroSandbox, Any, XeroClient]]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Property Pty Ltd", limits={"minute": 100_000, "day": 1_000_000})
    org.currencies["JPY"] = {"Code": "JPY", "Description": "Japanese Yen"}
    connection = sandbox.add_client([org.tenant_id])
    client = XeroClient(
        XeroCredentials(connection.client_id, connection.client_secret), api_url=sandbox.url, identity_url=sandbox.url
    )
    yield XeroOrg((sandbox, org, client))
    sandbox.stop()


class StoreRefunds:
    """The Store port, answered by the simulator in-process."""

    def __init__(self, store: WooStore) -> None:
        self.store = store

    def refund(self, sale: Sale, refund_id: str) -> Refund:
        return WOO.read_refund(self.store.refund_json(int(refund_id)), sale)


def event_of(order: dict[str, Any]) -> Any:
    return parse_envelope(json.dumps(envelope(delivery("order.updated", order, "s"))))


def settings_for(order: dict[str, Any], prefix: str) -> StoreSettings:
    combos = {
        "+".join(
            str(i)
            for i in sorted(t["id"] for t in line.get("taxes", []) if D(t["total"] or 0) or D(t.get("subtotal") or 0))
        )
        for line in (*order["line_items"], *order["shipping_lines"], *order["fee_lines"])
    }
    return StoreSettings(
        invoice_prefix=prefix,
        tax=TaxSettings(rates={c: "OUTPUT" for c in combos if c}, no_tax="EXEMPTOUTPUT", rounding="BASEXCLUDED"),
        payments=Payments(default_account="090"),
        store={"order_statuses": {"pending": "confirmed"}},
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(shop=shops(), paid=st.booleans(), refunds=st.lists(st.integers(1, 45), max_size=2))
def test_any_woocommerce_order_lands_in_xero_to_the_cent(
    xero_org: tuple[XeroSandbox, Any, XeroClient], shop: dict[str, Any], paid: bool, refunds: list[int]
) -> None:
    _, org, client = xero_org
    store, order = build(shop)
    assume(D(order["total"]) > 0)
    prefix = f"P{next(counter)}-"
    settings_ = settings_for(order, prefix)
    mappings = InMemoryMappings()
    if paid:
        store.pay_order(order["id"], f"tx-{prefix}")
        order = store.order_json(order["id"])

    sync_order_event(event_of(order), settings=settings_, xero=client, mappings=mappings, store=StoreRefunds(store))
    [invoice] = [i for i in org.invoices.values() if i.get("InvoiceNumber") == f"{prefix}{order['number']}"]
    assert invoice["Total"] == D(order["total"])
    assert invoice["TotalTax"] == D(order["total_tax"])
    if paid:
        assert invoice["AmountDue"] == 0 and invoice["Status"] == "PAID"  # never a 0.01 left due

    refunded = D(0)
    for percent in refunds:
        amount = (D(order["total"]) * percent / 100).quantize(D(1).scaleb(-int(shop["decimals"])))
        if amount <= 0 or refunded + amount > D(order["total"]):
            continue
        store.refund_order(order["id"], str(amount), "property")
        refunded += amount
        order = store.order_json(order["id"])
        sync_order_event(event_of(order), settings=settings_, xero=client, mappings=mappings, store=StoreRefunds(store))
    notes = [
        c
        for c in org.credit_notes.values()
        if str(c.get("CreditNoteNumber", "")).startswith(f"{prefix}{order['number']}-R")
    ]
    assert sum((c["Total"] for c in notes), D(0)) == refunded
    if refunded and not paid:
        # unpaid: the credit is allocated against the invoice, reducing what is due
        assert outstanding(invoice) == invoice["Total"] - refunded


GIFT_CARDS = "825"  # the gift-card liability account, payments enabled (a card redeemed pays from it)


class TenderedRefunds(StoreRefunds):
    """The refunds as a store that says how the money went back: by the gift card first (up to
    what it paid), the rest by card."""

    def __init__(self, store: WooStore, gift: Decimal) -> None:
        super().__init__(store)
        self.gift = gift

    def refund(self, sale: Sale, refund_id: str) -> Refund:
        refund = super().refund(sale, refund_id)
        back_gift = min(self.gift, refund.amount)
        back = [Tender(f"g{refund_id}", "gift_card", back_gift, refund.date, "", "Gift card")] if back_gift else []
        if refund.amount > back_gift:
            back.append(Tender(f"c{refund_id}", "stripe", refund.amount - back_gift, refund.date, f"re_{refund_id}"))
        return replace(refund, payments=tuple(back))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    shop=shops(),
    weights=st.lists(st.integers(1, 100), min_size=1, max_size=3),
    over=st.integers(0, 3),
    percent=st.integers(1, 100),
)
def test_any_order_paid_by_several_tenders_is_paid_to_the_cent_by_each(
    xero_org: tuple[XeroSandbox, Any, XeroClient], shop: dict[str, Any], weights: list[int], over: int, percent: int
) -> None:
    """A gift card and one or two cards pay an order (the last tender a little over, as a store
    may say): one Xero payment per tender, each to its account, together the total and never
    more; then a refund goes back by the gift card first and the card, to the cent; and the
    same events again create nothing."""
    sandbox, org, client = xero_org
    if org.account_by_code(GIFT_CARDS) is None:
        account = {"Code": GIFT_CARDS, "Name": "Gift cards outstanding", "Type": "CURRLIAB"}
        create_account(org, {**account, "EnablePaymentsToAccount": True}, datetime.now(UTC))
    store, order = build(shop)
    assume(D(order["total"]) > 0)
    prefix = f"P{next(counter)}-"
    store.pay_order(order["id"], f"tx-{prefix}")
    order = store.order_json(order["id"])
    base = settings_for(order, prefix)
    settings_ = replace(base, payments=Payments(accounts={"gift_card": GIFT_CARDS, "stripe": "092", "ppcp": "093"}))
    unit = D(1).scaleb(-int(shop["decimals"]))
    total = D(order["total"])
    parts = [(total * w / sum(weights)).quantize(unit, rounding=ROUND_DOWN) for w in weights]
    parts[-1] += total - sum(parts) + over * unit
    gateways = ["gift_card", "stripe", "ppcp"]
    tenders = tuple(
        Tender(f"t{n}", gateways[n], amount, date(2026, 11, 20 + n), f"ch-{prefix}{n}" if n else "")
        for n, amount in enumerate(parts)
        if amount > 0
    )
    assume(tenders)

    def sync(order: dict[str, Any], refunds: Any = None) -> None:
        command = WOO.command(event_of(order), settings_, None)
        tendered = SaleChanged(replace(command.sale, payments=tenders))
        sync_sale(tendered, settings=settings_, xero=client, mappings=mappings, store=refunds or StoreRefunds(store))

    mappings = InMemoryMappings()
    before = sandbox.state.calls.get((org.tenant_id, "PUT /Payments"), 0)
    sync(order)
    assert sandbox.state.calls.get((org.tenant_id, "PUT /Payments"), 0) == before + 1  # every tender in one request
    [invoice] = [i for i in org.invoices.values() if i.get("InvoiceNumber") == f"{prefix}{order['number']}"]
    assert invoice["Total"] == total and invoice["AmountDue"] == 0 and invoice["Status"] == "PAID"
    paid = [p for p in org.payments.values() if p["Document"] == ("Invoices", invoice["InvoiceID"])]
    accounts = {a["AccountID"]: a["Code"] for a in org.accounts.values()}
    expected = [t.amount for t in tenders]
    expected[-1] -= over * unit  # the last tender absorbs what was over
    assert [(accounts[p["AccountID"]], p["Amount"]) for p in paid] == [
        (settings_.payments.accounts[t.gateway], amount) for t, amount in zip(tenders, expected, strict=True) if amount
    ]
    assert sum((p["Amount"] for p in paid), D(0)) == total

    amount = (total * percent / 100).quantize(unit)
    assume(amount > 0)
    store.refund_order(order["id"], str(amount), "property")
    order = store.order_json(order["id"])
    refunds = TenderedRefunds(store, tenders[0].amount if tenders[0].gateway == "gift_card" else D(0))
    sync(order, refunds)
    sync(order, refunds)  # delivered twice: nothing more
    [note] = [c for c in org.credit_notes.values() if str(c["CreditNoteNumber"]).startswith(f"{prefix}")]
    back = [p for p in org.payments.values() if p["Document"] == ("CreditNotes", note["CreditNoteID"])]
    assert note["Total"] == amount and outstanding(note) == 0
    assert sum((p["Amount"] for p in back), D(0)) == amount
    gift_back = min(refunds.gift, amount)
    assert [(accounts[p["AccountID"]], p["Amount"]) for p in back] == [
        (code, part) for code, part in ((GIFT_CARDS, gift_back), ("092", amount - gift_back)) if part
    ]
    assert len([p for p in org.payments.values() if p["Document"] == ("Invoices", invoice["InvoiceID"])]) == len(paid)


def test_a_batch_of_paid_and_refunded_orders_pays_and_refunds_in_one_request(
    xero_org: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    """A backfill sees orders already paid and refunded: each event creates the invoice, the
    credit note and both payments. Through the batcher, the order payments and the refund
    payments of the whole batch go in one request (the credit notes come first), and every
    document is as if they had been sent one by one."""
    sandbox, org, client = xero_org
    store = WooStore(Settings(currency="AUD", prices_include_tax=False))
    store.add_tax_rate(D(10), "GST", country="AU")
    product = store.add_product("Mug", D("19.95"))
    prefix = f"P{next(counter)}-"
    orders, refunds = [], {}
    for n in range(6):
        placed = store.place_order([(product.id, n + 1)], billing={**ADDRESS, "email": f"buyer{n}@{prefix}.example"})
        store.pay_order(placed.id, f"tx-{prefix}{n}")
        if n % 2:
            refunds[placed.id] = D("5.00") * n
            store.refund_order(placed.id, str(refunds[placed.id]), "damaged")
        orders.append(store.order_json(placed.id))
    settings_ = settings_for(orders[0], prefix)
    mappings = InMemoryMappings()
    before = dict(sandbox.state.calls)
    facade = BatchingXero(client, workers=len(orders), max_wait=10.0, call_order=CALL_ORDER)
    results = run_workers(
        facade,
        [
            lambda order=order: sync_order_event(
                event_of(order), settings=settings_, xero=facade, mappings=mappings, store=StoreRefunds(store)
            )
            for order in orders
        ],
    )
    assert not [r for r in results if isinstance(r, BaseException)]
    made = {e: n - before.get((m, e), 0) for (m, e), n in sandbox.state.calls.items() if n - before.get((m, e), 0)}
    assert made.get("PUT /Payments") == 1, made  # order payments and refund payments together
    assert made.get("PUT /CreditNotes") == 1, made
    for order in orders:
        [invoice] = [i for i in org.invoices.values() if i.get("InvoiceNumber") == f"{prefix}{order['number']}"]
        assert invoice["Status"] == "PAID" and invoice["AmountDue"] == 0 and invoice["Total"] == D(order["total"])
        notes = [
            c
            for c in org.credit_notes.values()
            if str(c["CreditNoteNumber"]).startswith(f"{prefix}{order['number']}-R")
        ]
        if order["id"] in refunds:
            [note] = notes
            assert note["Total"] == refunds[order["id"]] and outstanding(note) == 0 and note["Status"] == "PAID"
            paid_back = [p for p in org.payments.values() if p["Document"] == ("CreditNotes", note["CreditNoteID"])]
            assert [p["Amount"] for p in paid_back] == [refunds[order["id"]]]
        else:
            assert notes == []


def test_a_refund_xero_refuses_does_not_hold_back_the_payment(xero_org: tuple[XeroSandbox, Any, XeroClient]) -> None:
    """The credit note of a paid order's refund is refused (its number is taken in Xero by a
    document we did not make): the order's payment is still recorded, and the event fails with
    Xero's reason, to be retried or looked at."""
    _, org, client = xero_org
    store = WooStore(Settings(currency="AUD", prices_include_tax=False))
    store.add_tax_rate(D(10), "GST", country="AU")
    product = store.add_product("Mug", D("19.95"))
    prefix = f"P{next(counter)}-"
    placed = store.place_order([(product.id, 2)], billing={**ADDRESS, "email": f"refused@{prefix}.example"})
    store.pay_order(placed.id, f"tx-{prefix}")
    store.refund_order(placed.id, "5.00", "damaged")
    order = store.order_json(placed.id)
    taken = f"{prefix}{order['number']}-R{order['refunds'][0]['id']}"
    [someone] = client.create_contacts([{"Name": f"Someone {prefix}"}], idempotency_key=f"someone-{prefix}")
    [theirs] = client.create_credit_notes(
        [
            {
                "Type": "ACCRECCREDIT",
                "Contact": {"ContactID": someone.record["ContactID"]},
                "CreditNoteNumber": taken,
                "Status": "AUTHORISED",
                "LineItems": [{"Description": "by hand", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200"}],
            }
        ],
        idempotency_key=f"theirs-{prefix}",
    )
    assert theirs.ok, theirs.errors
    with pytest.raises(XeroRejected, match="Credit Note # must be unique"):
        sync_order_event(
            event_of(order),
            settings=settings_for(order, prefix),
            xero=client,
            mappings=InMemoryMappings(),
            store=StoreRefunds(store),
        )
    [invoice] = [i for i in org.invoices.values() if i.get("InvoiceNumber") == f"{prefix}{order['number']}"]
    assert invoice["Status"] == "PAID" and invoice["AmountDue"] == 0
