"""An order edited after payment, end to end on real parts: the Shopify simulator's order (paid),
its signed orders/edited webhook through the adapter's decision, the order read again from the
simulator's Admin GraphQL API over HTTP, and the core's policy against the Xero sandbox over HTTP
(mappings on moto server): the paid invoice is never edited, the removed unit becomes a credit note."""

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from local.shopify_store import LineSpec, Receiver, ShopifyStore
from local.shopify_store.model import gid
from tests.integration.conftest import mappings_table
from tests.shopify_store.conftest import Admin
from xerosync import sources
from xerosync.aws.mappings import DynamoMappings
from xerosync.config import Payments, StoreSettings, TaxSettings
from xerosync.domain import SaleChanged
from xerosync.events import parse_envelope
from xerosync.sources.shopify import webhook
from xerosync.sources.shopify.store import ShopifyStore as ShopifyClient
from xerosync.sync.orders import sync_sale
from xerosync.xero.client import XeroClient

D = Decimal
SHOPIFY = sources.source("shopify")
SETTINGS = StoreSettings(
    invoice_prefix="SH-",
    tax=TaxSettings(rates={"GST 10%": "OUTPUT"}, no_tax="EXEMPTOUTPUT", rounding="BASEXCLUDED"),
    payments=Payments(default_account="090"),
)
CURRENT = "query($id: ID!) { order(id: $id) { currentTotalPriceSet { shopMoney { amount } } } }"


@pytest.fixture
def shop() -> Iterator[tuple[ShopifyStore, Receiver]]:
    store, receiver = ShopifyStore().start(), Receiver().start()
    for topic in ("ORDERS_CREATE", "ORDERS_EDITED"):
        store.subscribe(topic, receiver.url + "/webhooks/shopify")
    yield store, receiver
    store.stop()
    receiver.stop()


def delivered(shop: tuple[ShopifyStore, Receiver], topic: str) -> Any:
    """The simulator's latest signed delivery of ``topic``, decided as the ingress decides it."""
    store, receiver = shop
    assert store.flush_webhooks(10)
    got = receiver.deliveries(topic)[-1]
    decision = webhook.decide(got.headers, got.body, lambda: store.app.client_secret)
    assert decision.status == 200 and decision.enqueue is not None, decision
    return parse_envelope(decision.enqueue.body)


def test_a_unit_removed_from_a_paid_order_is_a_credit_note_never_an_edit_of_the_paid_invoice(
    shop: tuple[ShopifyStore, Receiver], endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    store, _ = shop
    client = SHOPIFY.client(
        {"shop": store.url, "client_id": store.app.client_id, "client_secret": store.app.client_secret}
    )
    assert isinstance(client, ShopifyClient)
    mappings = DynamoMappings(mappings_table(endpoint, f"edits-{time.monotonic_ns()}"))

    def sync(event: Any) -> Any:
        command = SHOPIFY.command(event, SETTINGS, client)
        assert isinstance(command, SaleChanged)
        return command, sync_sale(command, settings=SETTINGS, xero=xero, mappings=mappings, store=client)

    # Given a paid order of three mugs and a tee (GST 10 %, prices before tax), in Xero and paid
    gst = (("GST", D("0.10")),)
    order = store.place_order([LineSpec("Mug", D("20.00"), 3, gst), LineSpec("Tee", D("30.00"), 1, gst)])
    store.pay(order.id)
    _, created = sync(delivered(shop, "orders/create"))
    assert created.action == "created"
    [invoice] = [i for i in sandbox.org.invoices.values() if i["InvoiceNumber"] == f"SH-{order.number}"]
    assert (invoice["Total"], invoice["Status"]) == (D("99.00"), "PAID")

    # When the merchant edits the order, removing one mug (orders/edited names the order only)
    store.edit_order(order.id, [(order.line_items[0].id, 1)])
    event = delivered(shop, "orders/edited")
    assert (event.key, event.event) == (f"order:{order.id}", "edited")
    command, outcome = sync(event)

    # Then the sale read again is the order after the edit, to the cent of Shopify's current total
    current = Admin(store).data(CURRENT, {"id": gid("Order", order.id)})["order"]["currentTotalPriceSet"]
    assert command.sale.total == D(current["shopMoney"]["amount"]) == D("77.00")
    assert command.sale.total_tax == D("7.00")
    # and the paid invoice is untouched; the removed mug and its GST are a credit note of their own
    assert outcome.action == "adjusted", outcome
    [invoice] = [i for i in sandbox.org.invoices.values() if i["InvoiceNumber"] == f"SH-{order.number}"]
    assert (invoice["Total"], invoice["Status"], invoice["AmountDue"]) == (D("99.00"), "PAID", 0)
    notes = list(sandbox.org.credit_notes.values())  # the sandbox's organisation is this test's own
    assert [(c["Total"], c["TotalTax"]) for c in notes] == [(D("22.00"), D("2.00"))]
    assert notes[0]["CreditNoteNumber"].startswith(f"SH-{order.number}-A")
    # the same edit delivered again changes nothing
    _, again = sync(event)
    assert again.action == "unchanged" and len(sandbox.org.credit_notes) == len(notes)


@pytest.mark.xfail(
    strict=True,
    reason="not yet: the refund Shopify owes after an edit (amount only, no lines: the units are gone) "
    "becomes a second credit note instead of paying back the edit's credit note, so the decrease is "
    "booked twice (the core's refunds do not look for unused credit of a decrease after payment)",
)
def test_the_refund_owed_after_an_edit_pays_back_the_edit_s_credit_not_a_second_one(
    shop: tuple[ShopifyStore, Receiver], endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    store, receiver = shop
    store.subscribe("REFUNDS_CREATE", receiver.url + "/webhooks/shopify")
    client = SHOPIFY.client(
        {"shop": store.url, "client_id": store.app.client_id, "client_secret": store.app.client_secret}
    )
    mappings = DynamoMappings(mappings_table(endpoint, f"edits-{time.monotonic_ns()}"))

    def sync(event: Any) -> Any:
        command = SHOPIFY.command(event, SETTINGS, client)
        return sync_sale(command, settings=SETTINGS, xero=xero, mappings=mappings, store=client)

    gst = (("GST", D("0.10")),)
    order = store.place_order([LineSpec("Mug", D("20.00"), 3, gst), LineSpec("Tee", D("30.00"), 1, gst)])
    store.pay(order.id)
    sync(delivered(shop, "orders/create"))
    store.edit_order(order.id, [(order.line_items[0].id, 1)])
    sync(delivered(shop, "orders/edited"))
    store.refund(order.id, amount=D("22.00"), note="refund owed after the edit")
    sync(delivered(shop, "refunds/create"))
    # the books: 99.00 invoiced, 22.00 credited once, 22.00 paid back
    assert sum((c["Total"] for c in sandbox.org.credit_notes.values()), D(0)) == D("22.00")
