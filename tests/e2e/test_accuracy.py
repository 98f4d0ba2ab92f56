"""Every accounting behaviour end to end: a WooCommerce store simulator (WooCommerce's own
arithmetic, signed webhooks, the REST API for refunds) → the local stack → the Xero sandbox."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from local.sam import ROOT
from local.stack import LocalStack
from local.woo_store import Settings, WooStore
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.invoices import outstanding
from xerosync.sources.woocommerce.subscriptions import ALL_TOPICS as TOPICS  # what xerosync subscribes to

WEBHOOK_SECRET = "accuracy-webhook-secret"
BILLING = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "country": "AU",
    "state": "VIC",
    "city": "Melbourne",
    "postcode": "3000",
    "address_1": "1 Analytical St",
}


@dataclass
class Shop:
    store: WooStore
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation

    def settle(self) -> None:
        assert self.store.flush_webhooks(30)
        assert self.stack.wait_idle(120)

    def invoice(self, number: str) -> dict[str, Any]:
        found = [i for i in self.org.invoices.values() if i.get("InvoiceNumber") == number]
        assert len(found) == 1, f"{len(found)} invoices numbered {number}"
        return found[0]

    def credit_notes(self, prefix: str) -> list[dict[str, Any]]:
        return [c for c in self.org.credit_notes.values() if str(c.get("CreditNoteNumber", "")).startswith(prefix)]

    def payments(self, document_id: str) -> list[dict[str, Any]]:
        return [p for p in self.org.payments.values() if p["Document"][1] == document_id and p["Status"] != "DELETED"]

    def order(self, order_id: int) -> dict[str, Any]:
        data: dict[str, Any] = self.store.order_json(order_id)
        return data


@pytest.fixture(scope="module")
def shop() -> Iterator[Shop]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Accuracy Outfitters", limits={"minute": 600, "day": 50_000})
    connection = sandbox.add_client([org.tenant_id])
    store = WooStore(Settings(prices_include_tax=True)).start()
    store.add_tax_rate("10", "GST", country="AU")
    stack = LocalStack(
        stack_name="e2e-accuracy",
        store_name="accuracy",
        parameters={
            "XeroApiUrl": sandbox.url,
            "XeroIdentityUrl": sandbox.url,
            "XeroMinuteLimit": "600",
            "SyncBatchWindow": "1",
        },
    ).start()
    stack.put_secret("WebhookSecret", WEBHOOK_SECRET)
    stack.put_secret(
        "XeroCredentialsSecret",
        json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
    )
    stack.put_secret(
        "StoreApiSecret",
        json.dumps({"url": store.url, "consumer_key": store.consumer_key, "consumer_secret": store.consumer_secret}),
    )
    stack.put_settings((ROOT / "local" / "demo-settings.yaml").read_text())
    for topic in TOPICS:
        store.add_webhook(topic, stack.api_url + "/webhooks/woocommerce", secret=WEBHOOK_SECRET)
    yield Shop(store, stack, sandbox, org)
    stack.stop()
    store.stop()
    sandbox.stop()


def gst_line(item: dict[str, Any], quantity: int) -> dict[str, Any]:
    """A refund of ``quantity`` units of an order line, its tax by rate, as WooCommerce's admin sends it."""
    per_unit = Decimal(item["total"]) / item["quantity"]
    tax = sum((Decimal(t["total"]) for t in item["taxes"]), Decimal(0)) / item["quantity"]
    return {
        "id": item["id"],
        "quantity": quantity,
        "refund_total": str((per_unit * quantity).quantize(Decimal("0.01"))),
        "refund_tax": [{"id": item["taxes"][0]["id"], "refund_total": str((tax * quantity).quantize(Decimal("0.01")))}],
    }


def test_paid_order_refunded_by_line_gets_a_credit_note_and_the_money_back(shop: Shop) -> None:
    beanie = shop.store.add_product("Merino Beanie", "33.00", sku="ACC-BEANIE")
    order = shop.store.place_order(
        [(beanie.id, 2)],
        billing=BILLING,
        shipping_lines=["9.09"],
        paid=True,
        payment_method="stripe",
        transaction_id="ch_acc_1",
    )
    shop.settle()
    invoice = shop.invoice(f"WC-{order.id}")
    assert invoice["Status"] == "PAID" and invoice["Total"] == Decimal(shop.order(order.id)["total"])

    refund = shop.store.refund_order(
        order.id, reason="one was the wrong colour", line_items=[gst_line(shop.order(order.id)["line_items"][0], 1)]
    )
    shop.settle()
    [note] = shop.credit_notes(f"WC-{order.id}-R")
    refunded = Decimal(shop.store.refund_json(refund.id)["amount"])
    assert note["Total"] == refunded == Decimal("33.00")
    assert note["TotalTax"] == Decimal("3.00")  # the refunded line's own GST
    assert note["LineItems"][0]["ItemCode"] == "ACC-BEANIE"
    # the order was paid: the money going back is a payment on the credit note, to Stripe's account
    [back] = shop.payments(note["CreditNoteID"])
    assert back["Amount"] == refunded and shop.org.accounts[back["AccountID"]]["Code"] == "092"
    assert outstanding(note) == 0 and note["Status"] == "PAID"  # the credit is fully used
    assert shop.invoice(f"WC-{order.id}")["AmountDue"] == 0  # nothing left due: no 0.01s


def test_partial_amount_only_refunds_each_become_one_credit_note(shop: Shop) -> None:
    mug = shop.store.add_product("Camp Mug", "22.00", sku="ACC-MUG")
    order = shop.store.place_order(
        [(mug.id, 3)], billing=BILLING, paid=True, payment_method="stripe", transaction_id="ch_acc_2"
    )
    shop.settle()
    shop.store.refund_order(order.id, "5.50", "late delivery")
    shop.settle()
    shop.store.refund_order(order.id, "11.00", "goodwill")
    shop.settle()
    notes = shop.credit_notes(f"WC-{order.id}-R")
    refunds = shop.order(order.id)["refunds"]
    assert len(notes) == len(refunds) == 2
    assert sum((n["Total"] for n in notes), Decimal(0)) == -sum((Decimal(r["total"]) for r in refunds), Decimal(0))
    assert sorted(n["TotalTax"] for n in notes) == [Decimal("0.50"), Decimal("1.00")]  # GST inside 5.50 and 11.00


def test_unpaid_authorised_invoice_of_a_cancelled_order_is_voided_and_a_restored_order_comes_back(shop: Shop) -> None:
    mug = shop.store.add_product("Tin Mug", "11.00", sku="ACC-TIN")
    order = shop.store.place_order([(mug.id, 1)], billing=BILLING, status="processing", payment_method="cod")
    shop.settle()
    assert shop.invoice(f"WC-{order.id}")["Status"] == "AUTHORISED"
    shop.store.set_order_status(order.id, "cancelled")
    shop.settle()
    assert shop.invoice(f"WC-{order.id}")["Status"] == "VOIDED"
    shop.store.set_order_status(order.id, "processing")
    shop.settle()
    reissued = shop.invoice(f"WC-{order.id}-2")
    assert reissued["Status"] == "AUTHORISED" and reissued["Total"] == Decimal("11.00")


def test_draft_invoice_of_a_cancelled_order_is_deleted(shop: Shop) -> None:
    mug = shop.store.add_product("Clay Mug", "15.00", sku="ACC-CLAY")
    order = shop.store.place_order([(mug.id, 1)], billing=BILLING, status="on-hold", payment_method="bacs")
    shop.settle()
    assert shop.invoice(f"WC-{order.id}")["Status"] == "DRAFT"
    shop.store.set_order_status(order.id, "cancelled")
    shop.settle()
    assert shop.invoice(f"WC-{order.id}")["Status"] == "DELETED"


def test_paid_order_cancelled_is_credited_in_full_not_voided(shop: Shop) -> None:
    scarf = shop.store.add_product("Wool Scarf", "44.00", sku="ACC-SCARF")
    order = shop.store.place_order(
        [(scarf.id, 1)], billing=BILLING, paid=True, payment_method="stripe", transaction_id="ch_acc_3"
    )
    shop.settle()
    shop.store.set_order_status(order.id, "cancelled")
    shop.settle()
    invoice = shop.invoice(f"WC-{order.id}")
    assert invoice["Status"] == "PAID"  # Xero refuses to void a paid invoice
    [note] = shop.credit_notes(f"WC-{order.id}-CN")
    assert (note["Total"], note["TotalTax"]) == (invoice["Total"], invoice["TotalTax"])


def test_change_before_payment_updates_the_invoice_in_place(shop: Shop) -> None:
    mug = shop.store.add_product("Steel Mug", "20.00", sku="ACC-STEEL")
    sock = shop.store.add_product("Hiking Sock", "12.00", sku="ACC-SOCK")
    order = shop.store.place_order(
        [(mug.id, 1), (sock.id, 1)], billing=BILLING, status="on-hold", payment_method="bacs"
    )
    shop.settle()
    before = shop.invoice(f"WC-{order.id}")
    first_line = before["LineItems"][0]["LineItemID"]
    sock_item = shop.order(order.id)["line_items"][1]["id"]
    shop.store.update_order(order.id, quantities={sock_item: 3})
    shop.settle()
    after = shop.invoice(f"WC-{order.id}")
    assert after["InvoiceID"] == before["InvoiceID"]
    assert after["LineItems"][0]["LineItemID"] == first_line  # kept, not deleted and re-added
    assert after["Total"] == Decimal(shop.order(order.id)["total"]) == Decimal("56.00")


def test_change_after_payment_books_the_difference_without_touching_the_locked_invoice(shop: Shop) -> None:
    mug = shop.store.add_product("Enamel Bowl", "18.00", sku="ACC-BOWL")
    order = shop.store.place_order(
        [(mug.id, 1)], billing=BILLING, paid=True, payment_method="stripe", transaction_id="ch_acc_4"
    )
    shop.settle()
    original = shop.invoice(f"WC-{order.id}")
    bowl = shop.order(order.id)["line_items"][0]["id"]
    shop.store.update_order(order.id, quantities={bowl: 2})
    shop.settle()
    assert shop.invoice(f"WC-{order.id}")["Total"] == original["Total"] == Decimal("18.00")
    extra = shop.invoice(f"WC-{order.id}-A1")
    now = shop.order(order.id)
    # the locked invoice plus the additional one equal the changed order, tax included, to the cent
    assert original["Total"] + extra["Total"] == Decimal(now["total"]) == Decimal("36.00")
    assert original["TotalTax"] + extra["TotalTax"] == Decimal(now["total_tax"])


def test_customer_update_updates_the_same_contact(shop: Shop) -> None:
    customer = shop.store.add_customer(
        "grace@example.com", "Grace", "Hopper", billing={**BILLING, "email": "grace@example.com"}
    )
    shop.settle()
    [contact] = [c for c in shop.org.contacts.values() if c.get("ContactNumber") == str(customer.id)]
    shop.store.update_customer(customer.id, last_name="Hopper-Murray", billing={"phone": "0400 111 222"})
    shop.settle()
    updated = [c for c in shop.org.contacts.values() if c.get("ContactNumber") == str(customer.id)]
    assert [c["ContactID"] for c in updated] == [contact["ContactID"]]
    assert updated[0]["LastName"] == "Hopper-Murray"
    assert updated[0]["Phones"][0]["PhoneNumber"] == "0400 111 222"


def test_products_become_untracked_items_and_updates_update_them(shop: Shop) -> None:
    pack = shop.store.add_product("Day Pack", "89.00", sku="ACC-DAYPACK")
    long = shop.store.add_product("Expedition Pack", "299.00", sku="ACC-EXPEDITION-PACK-70L-GRAPHITE-GREY")
    shop.settle()
    items = {i["Code"]: i for i in shop.org.items.values()}
    assert items["ACC-DAYPACK"]["IsTrackedAsInventory"] is False
    shortened = [code for code in items if code.startswith("ACC-EXPEDITION-PACK-")]
    assert len(shortened) == 1 and len(shortened[0]) == 30
    shop.store.update_product(pack.id, regular_price="79.00")
    shop.settle()
    assert {i["Code"]: i for i in shop.org.items.values()}["ACC-DAYPACK"]["SalesDetails"]["UnitPrice"] == Decimal("79")
    del long
