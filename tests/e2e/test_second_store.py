"""A second store, unlike WooCommerce in every shape, through the same core: the port is real.

The Acme adapter (tests/adapters/acme_store: hex-signed events, camelCase records, integer cents,
string ids, refunds inside the order, its own status words) is shipped as an extra layer and
named by the stack's StoreSource parameter, as a merchant would ship one; nothing in sync/,
xero/, aws/ or the domain knows it. Signed deliveries go in through the HTTP API; the Xero
sandbox's state is what is asserted. A refund's lines come from Acme's API (the port's
``StoreClient.refund``), served over HTTP by the test's Acme shop (tests/adapters/acme_shop.py).
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from local.sam import ROOT
from local.stack import LocalStack
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.invoices import outstanding
from local.xero_sandbox.state import Limits
from tests.adapters.acme_shop import AcmeShop, deliver

SECRET = "acme-e2e-webhook-secret"
WEBHOOK = "/webhooks/acme_store"
SETTINGS = """\
# An Acme shop in Australia charging GST (Acme tax code "GST"). No invoice_prefix: Acme's default.
accounts: {sales: "200", shipping: "210", fees: "220", rounding: "860"}
tax:
  rates: {GST: OUTPUT}
  no_tax: EXEMPTOUTPUT
  rounding: BASEXCLUDED
payments:
  accounts: {acmepay: "092"}
store:
  statuses:
    on_account: confirmed  # this merchant's own Acme state: invoiced now, paid later
"""
GST = [{"code": "GST", "label": "GST 10%", "percent": "10"}]
ADA = {
    "id": "cus_Q9x",
    "email": "Ada@Example.com",
    "name": {"given": "Ada", "family": "Lovelace"},
    "phone": "+61 3 9000 0000",
    "address": {
        "lines": ["1 Analytical St"],
        "city": "Melbourne",
        "region": "VIC",
        "postcode": "3000",
        "country": "au",
    },
    "updatedAt": "2026-11-20T09:00:00+11:00",
}
TENT = {"id": "prd_tent2", "sku": "TENT-2P", "title": "Two-person tent", "priceCents": 19999}
MUG = {"id": "prd_mug", "sku": "MUG-ENAMEL", "title": "Enamel mug", "priceCents": 2200}
WRAP = {"id": "prd_wrap", "sku": "WRAP", "title": "Gift wrap", "priceCents": 500}


def item(
    line_id: str, product: dict[str, Any], qty: int, *, discount: int = 0, tax: int | None = None
) -> dict[str, Any]:
    line = {
        "lineId": line_id,
        "productId": product["id"],
        "sku": product["sku"],
        "title": product["title"],
        "qty": qty,
        "unitCents": product["priceCents"],
        "discountCents": discount,
    }
    return {**line, "tax": {"code": "GST", "cents": tax}} if tax is not None else line


def order(order_id: str, reference: str, state: str, items: list[dict[str, Any]], **rest: Any) -> dict[str, Any]:
    """An Acme order whose totals Acme computed from its lines (cents, tax by line)."""
    shipping = rest.get("shipping")
    lines = [*items, *([shipping] if shipping else [])]
    excluding = sum(i["qty"] * i["unitCents"] - i["discountCents"] for i in items) + (shipping or {}).get("cents", 0)
    tax = sum((line.get("tax") or {}).get("cents", 0) for line in lines)
    return {
        "id": order_id,
        "reference": reference,
        "state": state,
        "placedAt": "2026-11-21T00:10:00+11:00",  # the shop's day; 2026-11-20 in UTC
        "updatedAt": "2026-11-21T00:10:00+11:00",
        "currency": "aud",
        "taxMode": "exclusive",
        "taxes": GST,
        "customer": ADA,
        "items": items,
        "totals": {"cents": excluding + tax, "taxCents": tax},
        "refunds": [],
        **rest,
    }


@dataclass
class Acme:
    shop: AcmeShop
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation

    def send(self, kind_change: str, record: dict[str, Any], status: int = 202) -> None:
        if kind_change.startswith("order."):
            self.shop.put("orders", record)  # the store holds what it announces
        assert deliver(self.stack.api_url + WEBHOOK, kind_change, record, SECRET)[0] == status

    def settle(self) -> None:
        assert self.stack.wait_idle(120)

    def invoice(self, number: str) -> dict[str, Any]:
        [found] = [i for i in self.org.invoices.values() if i.get("InvoiceNumber") == number]
        return found

    def credit_note(self, number: str) -> dict[str, Any]:
        [found] = [c for c in self.org.credit_notes.values() if c.get("CreditNoteNumber") == number]
        return found

    def payments(self, document_id: str) -> list[dict[str, Any]]:
        return [p for p in self.org.payments.values() if p["Document"][1] == document_id and p["Status"] != "DELETED"]

    def contact(self, number: str) -> dict[str, Any]:
        return self.org.contacts[self.invoice(number)["ContactID"]]

    def writes(self) -> int:
        return sum(n for (_, endpoint), n in self.sandbox.state.calls.items() if not endpoint.startswith("GET"))

    def records_polled(self) -> int:
        return sum(s.records for s in self.stack.poller_stats.values())


@pytest.fixture(scope="module")
def acme() -> Iterator[Acme]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Acme Outdoor Co", limits=Limits(concurrent=5, minute=100_000, day=1_000_000))
    connection = sandbox.add_client([org.tenant_id])
    shop = AcmeShop().start()
    stack = LocalStack(
        stack_name="e2e-acme",
        store_name="acme",
        parameters={
            "StoreSource": "acme_store",
            "XeroApiUrl": sandbox.url,
            "XeroIdentityUrl": sandbox.url,
            "SyncBatchWindow": "1",
        },
        extra_layers=(ROOT / "tests" / "adapters",),
    ).start()
    try:
        stack.put_secret("WebhookSecret", SECRET)
        stack.put_secret(
            "XeroCredentialsSecret",
            json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
        )
        stack.put_secret("StoreApiSecret", json.dumps({"url": shop.url, "apiKey": shop.api_key}))
        stack.put_settings(SETTINGS)
        yield Acme(shop, stack, sandbox, org)
    finally:
        stack.stop()
        shop.stop()
        sandbox.stop()


def test_a_customer_a_paid_order_and_its_refund_land_in_xero(acme: Acme) -> None:
    # Given a customer and a product, then a paid order of that customer
    acme.send("customer.changed", ADA)
    acme.send("product.changed", {**TENT, "updatedAt": "2026-11-20T09:00:00+11:00"})
    acme.settle()
    [ada] = [c for c in acme.org.contacts.values() if c.get("ContactNumber") == "cus_Q9x"]
    assert (ada["Name"], ada["EmailAddress"], ada["FirstName"]) == ("Ada Lovelace", "ada@example.com", "Ada")
    [tent] = [i for i in acme.org.items.values() if i["Code"] == "TENT-2P"]
    assert tent["SalesDetails"]["UnitPrice"] == Decimal("199.99")

    paid = order(
        "ord_7Hx2",
        "A-1042",
        "settled",
        [item("li_tent", TENT, 2, discount=2000, tax=3800), item("li_wrap", WRAP, 1)],
        shipping={"method": "Courier", "cents": 1500, "tax": {"code": "GST", "cents": 150}},
        payment={
            "gateway": "acmepay",
            "label": "AcmePay card",
            "transactionRef": "txn_A1042",
            "settledAt": "2026-11-21T00:30:00+11:00",
        },
    )
    acme.send("order.changed", paid)
    acme.settle()

    # Then one invoice, to the cent, each line with its own tax, paid to AcmePay's clearing account
    invoice = acme.invoice("ACME-A-1042")
    assert (invoice["Total"], invoice["TotalTax"]) == (Decimal("439.48"), Decimal("39.50"))
    assert invoice["Status"] == "PAID" and invoice["AmountDue"] == 0
    assert str(invoice["Date"])[:10] == "2026-11-21"  # the shop's own day
    assert invoice["ContactID"] == ada["ContactID"]  # the order found the customer's contact
    lines = [(li["Description"], li.get("ItemCode"), li["TaxType"], li["TaxAmount"]) for li in invoice["LineItems"]]
    assert lines == [
        ("Two-person tent", "TENT-2P", "OUTPUT", Decimal("38.00")),
        ("Gift wrap", None, "EXEMPTOUTPUT", Decimal("0.00")),
        ("Courier", None, "OUTPUT", Decimal("1.50")),
    ]
    assert invoice["LineItems"][1]["AccountCode"] == "200" and invoice["LineItems"][2]["AccountCode"] == "210"
    [payment] = acme.payments(invoice["InvoiceID"])
    assert (payment["Amount"], payment["Reference"], str(payment["Date"])[:10]) == (
        Decimal("439.48"),
        "txn_A1042",
        "2026-11-21",
    )
    assert acme.org.accounts[payment["AccountID"]]["Code"] == "092"

    # When one tent comes back (the refund, with its lines, inside the order)
    refund = {
        "id": "rf_3Lm",
        "createdAt": "2026-11-22T10:00:00+11:00",
        "amountCents": 20899,
        "note": "one tent came back",
        "sentToCard": True,
        "lines": [{"lineId": "li_tent", "qty": 1, "cents": 18999, "taxCents": 1900}],
    }
    refunded = {**paid, "refunds": [refund], "updatedAt": "2026-11-22T10:00:05+11:00"}
    acme.send("order.changed", refunded)
    acme.settle()

    # Then a credit note of the refunded line, its money going back to the clearing account
    note = acme.credit_note("ACME-A-1042-Rrf_3Lm")
    assert (note["Total"], note["TotalTax"], note["Status"]) == (Decimal("208.99"), Decimal("19.00"), "PAID")
    assert [(li.get("ItemCode"), li["TaxType"]) for li in note["LineItems"]] == [("TENT-2P", "OUTPUT")]
    [back] = acme.payments(note["CreditNoteID"])
    assert back["Amount"] == Decimal("208.99") and acme.org.accounts[back["AccountID"]]["Code"] == "092"
    assert acme.invoice("ACME-A-1042")["AmountDue"] == 0
    assert "GET /v1/orders/ord_7Hx2" in acme.shop.requests  # the lines came through StoreClient.refund

    # And the same state sent again (another Acme event id) writes nothing
    writes = acme.writes()
    acme.send("order.changed", refunded)
    acme.send("customer.changed", ADA)
    acme.settle()
    assert acme.writes() == writes


def test_a_refund_of_an_unpaid_order_is_allocated_to_its_invoice(acme: Acme) -> None:
    guest = {"email": "sam@example.net", "name": {"given": "Sam", "family": "Taylor"}, "company": "Taylor & Sons"}
    unpaid = order("ord_Bq81", "A-1043", "on_account", [item("li_mug", MUG, 3, tax=660)], customer=guest)
    acme.send("order.changed", unpaid)
    acme.settle()
    invoice = acme.invoice("ACME-A-1043")
    assert (invoice["Status"], invoice["Total"], invoice["AmountDue"]) == (
        "AUTHORISED",
        Decimal("72.60"),
        Decimal("72.60"),
    )
    assert acme.contact("ACME-A-1043")["Name"] == "Taylor & Sons"
    assert "ContactNumber" not in acme.contact("ACME-A-1043") or not acme.contact("ACME-A-1043")["ContactNumber"]

    refund = {
        "id": "rf_Z1",
        "createdAt": "2026-11-21T12:00:00+11:00",
        "amountCents": 2420,
        "note": "chipped",
        "lines": [{"lineId": "li_mug", "qty": 1, "cents": 2200, "taxCents": 220}],
    }
    acme.send("order.changed", {**unpaid, "refunds": [refund], "updatedAt": "2026-11-21T12:00:05+11:00"})
    acme.settle()

    note = acme.credit_note("ACME-A-1043-Rrf_Z1")
    assert (note["Total"], note["TotalTax"], outstanding(note)) == (Decimal("24.20"), Decimal("2.20"), 0)
    invoice = acme.invoice("ACME-A-1043")
    assert [(a["InvoiceID"], a["Amount"]) for a in note["Allocations"]] == [(invoice["InvoiceID"], Decimal("24.20"))]
    assert acme.payments(note["CreditNoteID"]) == []  # nothing was paid, so no money goes back
    assert (invoice["AmountDue"], invoice["AmountCredited"]) == (Decimal("48.40"), Decimal("24.20"))


def test_acmes_own_status_words_decide_the_invoice_and_voided_voids_it(acme: Acme) -> None:
    acme.send("order.changed", order("ord_Cc03", "A-1044", "open", [item("li_1", MUG, 1, tax=220)]))
    acme.send("order.changed", order("ord_Dd04", "A-1045", "awaiting_transfer", [item("li_1", MUG, 2, tax=440)]))
    acme.send("order.changed", order("ord_Ee05", "A-1046", "cart", [item("li_1", MUG, 1, tax=220)]), 200)  # dropped
    acme.settle()
    assert acme.invoice("ACME-A-1044")["Status"] == "AUTHORISED"
    assert acme.invoice("ACME-A-1045")["Status"] == "DRAFT"  # awaiting a bank transfer
    assert not [i for i in acme.org.invoices.values() if i["InvoiceNumber"] == "ACME-A-1046"]  # a cart

    voided = order(
        "ord_Cc03", "A-1044", "voided", [item("li_1", MUG, 1, tax=220)], updatedAt="2026-11-21T09:00:00+11:00"
    )
    acme.send("order.changed", voided)
    acme.settle()
    assert acme.invoice("ACME-A-1044")["Status"] == "VOIDED"


def test_a_forged_or_malformed_delivery_is_refused_and_nothing_is_enqueued(acme: Acme) -> None:
    acme.settle()
    polled, invoices = acme.records_polled(), len(acme.org.invoices)
    forged = order("ord_F0rg", "F-1", "settled", [item("li_1", MUG, 1, tax=220)])
    url = acme.stack.api_url + WEBHOOK
    assert deliver(url, "order.changed", forged, SECRET, sign_with="not-the-secret")[0] == 401
    assert deliver(url, "order.changed", forged, SECRET, sign_with="")[0] == 401  # unsigned
    assert deliver(url, "order.changed", forged, SECRET, body=b"order=ord_F0rg")[0] == 400  # signed, not JSON
    assert deliver(url, "order.changed", forged, SECRET, body=b'{"type": "order.changed"}')[0] == 400  # no data
    assert deliver(url, "order.changed", {**forged, "id": 7}, SECRET)[0] == 400  # ids are strings
    # this stack serves Acme: WooCommerce's route answers 404
    assert deliver(acme.stack.api_url + "/webhooks/woocommerce", "order.changed", forged, SECRET)[0] == 404
    acme.settle()
    assert acme.records_polled() == polled  # nothing reached a queue
    assert len(acme.org.invoices) == invoices
    mappings = acme.stack.client("dynamodb").scan(TableName=acme.stack.resources["MappingsTable"])["Items"]
    assert not [m for m in mappings if m["pk"]["S"] == "order:ord_F0rg"]


def test_the_acme_client_speaks_acmes_api() -> None:
    """The rest of the port's StoreClient (the reconciliation's, the pull's), against the same shop."""
    from datetime import UTC, date, datetime

    from tests.adapters.acme_store.adapter import SOURCE
    from xerosync.config import StoreSettings
    from xerosync.sources.port import ProductUpdate, StoreError, StoreUnavailable

    shop = AcmeShop().start()
    try:
        client = SOURCE.client({"url": shop.url, "apiKey": shop.api_key})
        assert client is not None and SOURCE.client({"url": "", "apiKey": ""}) is None
        for n in range(1, 6):  # more than a page
            shop.put("orders", order(f"ord_{n}", f"N-{n}", "awaiting_transfer", [item("li_1", MUG, 1, tax=220)]))
        shop.put(
            "orders",
            {
                **order("ord_old", "N-0", "open", []),
                "placedAt": "2026-11-01T09:00:00+11:00",
                "updatedAt": "2026-11-01T00:00:00Z",
            },
        )
        shop.put("products", {**TENT, "stock": 4, "updatedAt": "2026-11-20T00:00:00Z"})
        since = datetime(2026, 11, 10, tzinfo=UTC)
        changed = [f.key for f in client.changed_since(since, {"order", "product"})]
        assert changed == [*(f"order:ord_{n}" for n in range(1, 6)), "product:prd_tent2"]
        assert len(list(client.sales_created(date(2026, 11, 21), date(2026, 11, 21)))) == 5
        found = client.fetch("order", "ord_3")
        assert (found.key, found.raw["reference"]) == ("order:ord_3", "N-3")
        sale = SOURCE.read("order", found.raw, StoreSettings())
        assert SOURCE.message(found, store="acme", origin="reconcile") is not None and sale.key == "order:ord_3"

        [tent] = client.catalogue()
        assert (tent.sku, tent.regular_price, tent.stock_quantity) == ("TENT-2P", Decimal("199.99"), 4)
        client.update_product(tent, ProductUpdate(regular_price=Decimal("189.00"), stock_quantity=3))
        assert (
            shop.records["products"]["prd_tent2"]["priceCents"],
            shop.records["products"]["prd_tent2"]["stock"],
        ) == (18900, 3)
        assert client.mark_paid("order:ord_1", StoreSettings()) == "order awaiting_transfer -> settled"
        assert client.mark_paid("order:ord_1", StoreSettings()) is None  # settled already

        hooks = client.subscriptions(
            "https://hooks.example/webhooks/acme_store", lambda: SECRET, {"order"}, {}, since, True
        )
        assert [a.action for a in hooks.actions] == ["create", "create"]
        again = client.subscriptions(
            "https://hooks.example/webhooks/acme_store", lambda: SECRET, {"order"}, {}, since, True
        )
        assert [a.action for a in again.actions] == ["ok", "ok"] and again.installed_at is not None

        with pytest.raises(StoreError) as refused:
            SOURCE.client({"url": shop.url, "apiKey": "wrong"}).fetch("order", "ord_1")  # type: ignore[union-attr]
        assert not refused.value.transient
    finally:
        shop.stop()
    with pytest.raises(StoreUnavailable):
        client.fetch("order", "ord_1")  # the shop is gone
