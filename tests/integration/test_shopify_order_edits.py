"""An order edited after payment, end to end on real parts: the Shopify simulator's order (paid),
its signed orders/edited webhook through the adapter's decision, the order read again from the
simulator's Admin GraphQL API over HTTP, and the core's policy against the Xero sandbox over HTTP
(mappings on moto server): the paid invoice is never edited, the removed unit becomes a credit note,
and the refund Shopify owes for it is paid out of that note's credit, not credited a second time."""

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from local.shopify_store import LineSpec, Receiver, ShopifyStore
from local.shopify_store.model import gid
from local.xero_sandbox.invoices import outstanding
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


class Edited:
    """A paid order of three mugs and a tee (GST 10 %, prices before tax: 99.00) in Xero, then edited
    to remove one mug (22.00 with its GST): the paid invoice as it was, the decrease a credit note
    ``-A1`` holding 22.00 of credit. ``sync`` applies a delivery with ``xero`` (the sandbox's client
    unless given another)."""

    def __init__(self, shop: tuple[ShopifyStore, Receiver], endpoint: str, xero: XeroClient, sandbox: Any) -> None:
        self.shop, self.xero, self.org = shop, xero, sandbox.org
        self.store, receiver = shop
        self.store.subscribe("REFUNDS_CREATE", receiver.url + "/webhooks/shopify")
        self.client = SHOPIFY.client(
            {
                "shop": self.store.url,
                "client_id": self.store.app.client_id,
                "client_secret": self.store.app.client_secret,
            }
        )
        self.mappings = DynamoMappings(mappings_table(endpoint, f"edits-{time.monotonic_ns()}"))
        gst = (("GST", D("0.10")),)
        self.order = self.store.place_order([LineSpec("Mug", D("20.00"), 3, gst), LineSpec("Tee", D("30.00"), 1, gst)])
        self.store.pay(self.order.id)
        self.sync(delivered(shop, "orders/create"))
        self.store.edit_order(self.order.id, [(self.order.line_items[0].id, 1)])
        assert self.sync(delivered(shop, "orders/edited")).action == "adjusted"
        [self.decrease] = self.notes()
        assert (self.decrease["CreditNoteNumber"], outstanding(self.decrease)) == (self.number("-A1"), D("22.00"))

    def sync(self, event: Any, xero: Any = None) -> Any:
        command = SHOPIFY.command(event, SETTINGS, self.client)
        assert isinstance(command, SaleChanged)
        return sync_sale(command, settings=SETTINGS, xero=xero or self.xero, mappings=self.mappings, store=self.client)

    def refunded(self, **refund: Any) -> Any:
        """The merchant refunds (the simulator's ``refund``): its refunds/create delivery."""
        self.store.refund(self.order.id, **refund)
        return delivered(self.shop, "refunds/create")

    def number(self, suffix: str = "") -> str:
        return f"SH-{self.order.number}{suffix}"

    def invoice(self) -> dict[str, Any]:
        [invoice] = [i for i in self.org.invoices.values() if i["InvoiceNumber"] == self.number()]
        found: dict[str, Any] = invoice
        return found

    def notes(self) -> list[dict[str, Any]]:
        """The order's credit notes, in the order they were made (the organisation is the test's own)."""
        return list(self.org.credit_notes.values())

    def paid_back(self, note: dict[str, Any]) -> list[tuple[Decimal, str, str]]:
        """The money paid out of a credit note: (amount, account code, reference) per payment."""
        codes = {a["AccountID"]: a["Code"] for a in self.org.accounts.values()}
        return [
            (p["Amount"], codes[p["AccountID"]], p["Reference"])
            for p in self.org.payments.values()
            if p["Document"] == ("CreditNotes", note["CreditNoteID"]) and p["Status"] != "DELETED"
        ]


def test_the_refund_owed_after_an_edit_pays_back_the_edit_s_credit_not_a_second_one(
    shop: tuple[ShopifyStore, Receiver], endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    # Given a paid order whose edit removed a mug (22.00 credited as -A1)
    books = Edited(shop, endpoint, xero, sandbox)
    # When Shopify refunds the buyer what the edit freed (its transactions only: no line is left to name)
    refund = books.refunded(amount=D("22.00"), note="refund owed after the edit")
    outcome = books.sync(refund)
    # Then the books hold 99.00 invoiced, 22.00 credited once (the edit's note), 22.00 paid out of it
    assert (books.invoice()["Total"], books.invoice()["Status"]) == (D("99.00"), "PAID")
    [note] = books.notes()
    assert note["CreditNoteNumber"] == books.number("-A1")
    assert (note["Total"], note["Status"], outstanding(note)) == (D("22.00"), "PAID", D(0))
    [(amount, account, reference)] = books.paid_back(note)
    refund_id = books.store.orders[books.order.id].refunds[-1].id
    assert (amount, account) == (D("22.00"), "090") and reference.startswith(f"Refund {refund_id} of order")
    assert any("out of the credit of" in said for said in outcome.also), outcome
    # and the same refund delivered again pays nothing twice
    books.sync(refund)
    assert len(books.notes()) == 1 and len(books.paid_back(note)) == 1


def test_refunds_of_part_of_the_decrease_draw_on_it_until_it_is_spent_then_are_credit_notes_again(
    shop: tuple[ShopifyStore, Receiver], endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    books = Edited(shop, endpoint, xero, sandbox)
    # 10.00 then 12.00 of the 22.00 the edit freed: each paid out of -A1's credit
    books.sync(books.refunded(amount=D("10.00")))
    books.sync(books.refunded(amount=D("12.00")))
    [note] = books.notes()
    assert [a for a, _, _ in books.paid_back(note)] == [D("10.00"), D("12.00")] and outstanding(note) == 0
    # then a goodwill refund the decrease no longer holds: a credit note of its own, as ever
    books.sync(books.refunded(amount=D("5.00"), note="goodwill"))
    [_, goodwill] = books.notes()
    assert goodwill["CreditNoteNumber"].startswith(books.number("-R"))
    assert (goodwill["Total"], goodwill["TotalTax"], goodwill["Status"]) == (D("5.00"), D("0.45"), "PAID")
    assert [a for a, _, _ in books.paid_back(goodwill)] == [D("5.00")]
    # 99.00 invoiced, 27.00 credited, 27.00 paid back: what Shopify says was refunded
    refunded = sum((r.transactions[0].amount.shop for r in books.store.orders[books.order.id].refunds), D(0))
    assert sum((c["Total"] for c in books.notes()), D(0)) == refunded == D("27.00")


def test_a_refund_of_the_decrease_and_a_returned_tee_pays_the_one_and_credits_the_other(
    shop: tuple[ShopifyStore, Receiver], endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    books = Edited(shop, endpoint, xero, sandbox)
    tee = books.order.line_items[1]
    # one refund: the tee returned (33.00 with GST) and the 22.00 the edit freed, 55.00 in all
    books.sync(books.refunded(lines=[(tee.id, 1)], amount=D("55.00"), note="tee back, and the mug"))
    decrease, returned = books.notes()
    assert decrease["CreditNoteNumber"] == books.number("-A1") and outstanding(decrease) == 0
    assert [a for a, _, _ in books.paid_back(decrease)] == [D("22.00")]
    # the tee is credited line and tax, with no adjustment left for money the edit's note paid
    assert returned["CreditNoteNumber"].startswith(books.number("-R"))
    assert (returned["Total"], returned["TotalTax"]) == (D("33.00"), D("3.00"))
    assert [(line["Description"], line["LineAmount"]) for line in returned["LineItems"]] == [("Tee", D("30.00"))]
    assert [a for a, _, _ in books.paid_back(returned)] == [D("33.00")] and returned["Status"] == "PAID"


class AnswerLost:
    """The Xero client whose answer to refund payments is lost once they are made (a timeout after
    Xero took them): the event fails as a Lambda would, and is delivered again."""

    def __init__(self, xero: XeroClient) -> None:
        self.xero = xero

    def __getattr__(self, name: str) -> Any:
        return getattr(self.xero, name)

    def create_payments(self, payments: list[dict[str, Any]], *, idempotency_key: str) -> Any:
        self.xero.create_payments(payments, idempotency_key=idempotency_key)
        raise TimeoutError("the answer was lost")


def test_a_refund_whose_payment_answer_was_lost_is_paid_once_when_delivered_again(
    shop: tuple[ShopifyStore, Receiver], endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    books = Edited(shop, endpoint, xero, sandbox)
    # 10.00 of the 22.00: Xero takes the payment, the answer is lost, the event fails
    refund = books.refunded(amount=D("10.00"))
    with pytest.raises(TimeoutError):
        books.sync(refund, xero=AnswerLost(xero))
    [note] = books.notes()
    assert [a for a, _, _ in books.paid_back(note)] == [D("10.00")] and outstanding(note) == D("12.00")
    # delivered again after Xero forgot the Idempotency-Key (6 minutes), with 12.00 of credit still
    # on the note: the payment is found by its reference, not made twice
    sandbox.advance(7 * 60)
    again = books.sync(refund)
    assert [a for a, _, _ in books.paid_back(note)] == [D("10.00")] and books.notes() == [note]
    assert not any("refund payment" in said for said in again.also), again
    # and the rest of the decrease refunded later is paid out of what is left
    books.sync(books.refunded(amount=D("12.00")))
    assert [a for a, _, _ in books.paid_back(note)] == [D("10.00"), D("12.00")] and books.notes() == [note]
