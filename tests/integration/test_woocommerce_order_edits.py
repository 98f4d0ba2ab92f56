"""WooCommerce's case of a refund after a decrease, on real parts: the store simulator's orders (its
REST shapes and arithmetic), the WooCommerce adapter, the core against the Xero sandbox over HTTP
and mappings on moto server.

WooCommerce can lower a paid order: its admin edits items of orders "in the pending or on hold
status" (https://woocommerce.com/document/managing-orders/view-edit-or-add-an-order/), so a paid
order put back on hold, or any order through a ``wc_order_is_editable`` filter; and its REST API's
order update takes line items
(https://woocommerce.github.io/woocommerce-rest-api-docs/#update-an-order), which is how the
simulator lowers it here. The core books the decrease as a credit note (-A1); the
merchant then refunds the difference, amount only (the removed units are no longer on the order
to name). That refund is paid out of -A1's credit, as Shopify's is; a refund with no decrease
before it is booked exactly as ever."""

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from local.events import envelope
from local.woo import delivery
from local.woo_store import WooStore
from local.woo_store.model import Settings
from local.xero_sandbox.invoices import outstanding
from tests.integration.conftest import mappings_table
from tests.integration.test_accuracy_property import StoreRefunds, settings_for
from tests.store.conftest import ADDRESS
from tests.woo import sync_order_event
from xerosync.aws.mappings import DynamoMappings
from xerosync.config import StoreSettings
from xerosync.events import parse_envelope
from xerosync.sync.base import Outcome
from xerosync.xero.client import XeroClient

D = Decimal


class Shop:
    def __init__(self, endpoint: str, xero: XeroClient, sandbox: Any) -> None:
        self.store = WooStore(Settings(currency="AUD", prices_include_tax=False))
        self.store.add_tax_rate(D(10), "GST", country="AU")
        self.xero, self.sandbox, self.org = xero, sandbox, sandbox.org
        self.mappings = DynamoMappings(mappings_table(endpoint, f"woo-edits-{time.monotonic_ns()}"))
        self.settings: StoreSettings | None = None

    def sync(self, order_id: int) -> Outcome:
        order = self.store.order_json(order_id)
        self.settings = self.settings or settings_for(order, "WC-")
        event = parse_envelope(json.dumps(envelope(delivery("order.updated", order, "s"))))
        return sync_order_event(
            event, settings=self.settings, xero=self.xero, mappings=self.mappings, store=StoreRefunds(self.store)
        )

    def made(self, before: dict[Any, int]) -> dict[str, int]:
        """The Xero calls made since ``before`` (a copy of the sandbox's counts), by endpoint."""
        calls = self.sandbox.state.calls
        return {e: n - before.get((t, e), 0) for (t, e), n in calls.items() if n - before.get((t, e), 0)}

    def paid_back(self, note: dict[str, Any]) -> list[Decimal]:
        return [
            p["Amount"]
            for p in self.org.payments.values()
            if p["Document"] == ("CreditNotes", note["CreditNoteID"]) and p["Status"] != "DELETED"
        ]


@pytest.fixture
def shop(endpoint: str, xero: XeroClient, sandbox: Any) -> Iterator[Shop]:
    yield Shop(endpoint, xero, sandbox)


def paid_order(shop: Shop, mugs: int) -> dict[str, Any]:
    mug = shop.store.add_product("Mug", D("20.00"))
    placed = shop.store.place_order([(mug.id, mugs)], billing={**ADDRESS, "email": "edits@example.com"})
    shop.store.pay_order(placed.id, "ch_edit_1")
    assert shop.sync(placed.id).action == "created"
    order: dict[str, Any] = shop.store.order_json(placed.id)
    return order


def test_a_paid_order_lowered_then_refunded_the_difference_pays_it_out_of_the_decrease_s_note(shop: Shop) -> None:
    # Given a paid order of two mugs (44.00 with GST), lowered to one after payment: -A1 credits 22.00
    order = paid_order(shop, 2)
    shop.store.update_order(order["id"], quantities={order["line_items"][0]["id"]: 1})
    assert shop.sync(order["id"]).action == "adjusted"
    [decrease] = shop.org.credit_notes.values()
    assert (decrease["CreditNoteNumber"], outstanding(decrease)) == (f"WC-{order['number']}-A1", D("22.00"))
    # When the merchant refunds the difference (amount only: the mug is off the order)
    shop.store.refund_order(order["id"], "22.00", "mug taken off the order")
    outcome = shop.sync(order["id"])
    # Then the money is paid out of -A1's credit, and no second credit note is made
    assert list(shop.org.credit_notes.values()) == [decrease], outcome
    assert shop.paid_back(decrease) == [D("22.00")] and outstanding(decrease) == 0
    [invoice] = [i for i in shop.org.invoices.values() if i["InvoiceNumber"] == f"WC-{order['number']}"]
    assert (invoice["Total"], invoice["Status"]) == (D("44.00"), "PAID")
    # and the order's next update changes nothing
    assert shop.sync(order["id"]).action == "unchanged"
    assert shop.paid_back(decrease) == [D("22.00")] and len(shop.org.credit_notes) == 1


def test_a_refund_of_an_order_never_lowered_is_a_credit_note_as_ever_and_reads_no_other(shop: Shop) -> None:
    order = paid_order(shop, 2)
    shop.store.refund_order(order["id"], "5.00", "goodwill")
    before = dict(shop.sandbox.state.calls)
    shop.sync(order["id"])
    [note] = shop.org.credit_notes.values()
    assert note["CreditNoteNumber"].startswith(f"WC-{order['number']}-R") and note["Total"] == D("5.00")
    assert shop.paid_back(note) == [D("5.00")]
    # the calls a refund always made (its number looked up, the note, the invoice read to settle it,
    # the payment), and no credit note read for decreases the order never had
    assert shop.made(before) == {"GET /CreditNotes": 1, "PUT /CreditNotes": 1, "GET /Invoices": 1, "PUT /Payments": 1}
