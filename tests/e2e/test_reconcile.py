"""Hands-off for real, end to end on the local stack with the store simulator and the Xero sandbox:
a webhook outage healed by the scheduled reconciliation (and the disabled webhooks repaired), a
hand edit in Xero in the drift report, prices and stock pulled from Xero into the store without
a bounce, and an invoice paid in Xero marking its order paid."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from local.sam import ROOT
from tests.e2e.conftest import ROOMY, Stack, operator, start, stop
from xerosync.cli import app
from xerosync.xero.client import XeroClient, XeroCredentials

pytestmark = pytest.mark.e2e

SETTINGS = yaml.safe_load((ROOT / "local" / "demo-settings.yaml").read_text())
SETTINGS["order_statuses"] = {"on-hold": "AUTHORISED"}  # bank transfers: invoiced while awaiting payment
SETTINGS["payments"]["accounts"]["bacs"] = "090"
SETTINGS["pull"] = {"name": "xero", "price": "xero", "stock_items": ["MUG-ENM"], "mark_paid": True}
BILLING = {
    "first_name": "Jane",
    "last_name": "Citizen",
    "country": "AU",
    "state": "VIC",
    "postcode": "3000",
    "city": "Melbourne",
    "address_1": "1 Collins Street",
}


@pytest.fixture(scope="module")
def shop() -> Iterator[Stack]:
    running = start("e2e-reconcile", yaml.safe_dump(SETTINGS), store=True, limits=ROOMY)
    yield running
    stop(running)


@pytest.fixture(scope="module")
def mug(shop: Stack) -> Any:
    assert shop.store is not None
    product = shop.store.add_product("Enamel Camp Mug", "33.00", sku="MUG-ENM", manage_stock=True, stock_quantity=50)
    settle(shop)
    return product


def settle(shop: Stack) -> None:
    assert shop.store is not None
    assert shop.store.flush_webhooks(30)
    assert shop.stack.wait_idle(120)


def accountant(shop: Stack) -> XeroClient:
    """Someone working in Xero by hand (through the API, as the sandbox has no screens)."""
    connection = next(iter(shop.sandbox.state.clients.values()))
    credentials = XeroCredentials(connection.client_id, connection.client_secret)
    return XeroClient(credentials, api_url=shop.sandbox.url, identity_url=shop.sandbox.url)


def invoice_of(shop: Stack, order_number: str) -> dict[str, Any]:
    found = [i for i in shop.org.invoices.values() if i["InvoiceNumber"] == f"WC-{order_number}"]
    assert len(found) == 1, f"{len(found)} invoices WC-{order_number}"
    return found[0]


def order(shop: Stack, mug: Any, n: int, **options: Any) -> Any:
    assert shop.store is not None
    options.setdefault("payment_method", "stripe")
    options.setdefault("paid", True)
    return shop.store.place_order(
        [(mug.id, 1 + n % 3)], billing={**BILLING, "email": f"buyer{n}@example.com"}, **options
    )


def reconcile(shop: Stack) -> dict[str, Any]:
    result = shop.stack.run_schedule("ReconcileFunction")
    assert result.ok, result.error
    payload: dict[str, Any] = result.payload
    assert payload["outcome"] == "reconciled", payload
    assert not payload["errors"], payload["errors"]
    return payload


def test_first_run_starts_at_install_and_pushes_no_history(shop: Stack, mug: Any) -> None:
    first = reconcile(shop)
    assert first["initialised"]
    assert first["enqueued"] == 0 and first["in_step"] >= 1  # the mug (synced by its webhook) is in step


def test_a_webhook_outage_is_healed_by_the_next_reconciliation(shop: Stack, mug: Any) -> None:
    store = shop.store
    assert store is not None
    created = next(w for w in store.state.webhooks.values() if w.topic == "order.created")
    store.set_outage(True)  # the store cannot reach the stack for a while
    missed = [order(shop, mug, n) for n in range(8)]
    assert store.flush_webhooks(30)
    store.set_outage(False)
    assert store.webhook(created.id).status == "disabled"  # 7 failures in a row: WooCommerce gave up
    assert all(f"WC-{o.number}" not in {i["InvoiceNumber"] for i in shop.org.invoices.values()} for o in missed)

    result = reconcile(shop)
    assert result["enqueued"] == len(missed)
    assert "order.created: reenable" in " ".join(result["webhooks"])
    assert shop.stack.wait_idle(120)
    for o in missed:  # each missed order reached Xero once, with the store's total
        invoice = invoice_of(shop, o.number)
        assert Decimal(str(invoice["Total"])) == store.order(o.id).totals.total
        assert invoice["Status"] == "PAID"
    # the same webhook, enabled again (its id and delivery log kept)
    assert store.webhook(created.id).status == "active"
    assert store.webhook(created.id).delivery_url == shop.stack.api_url + "/webhooks/woocommerce"

    again = reconcile(shop)  # nothing left to heal: nothing enqueued, nothing written
    writes = shop.writes()
    assert again["enqueued"] == 0
    assert shop.stack.wait_idle(60)
    assert shop.writes() == writes


def test_a_webhook_disabled_again_before_any_success_is_replaced(shop: Stack, mug: Any) -> None:
    # WooCommerce keeps the failure count above 5 after a re-enable: one more failure disables it again
    store = shop.store
    assert store is not None
    hook = next(w for w in store.state.webhooks.values() if w.topic == "order.created")
    assert hook.failure_count > 5
    store.set_outage(True)
    late = order(shop, mug, 20)
    assert store.flush_webhooks(30)
    store.set_outage(False)
    assert store.webhook(hook.id).status == "disabled"

    result = reconcile(shop)
    assert "order.created: replace" in " ".join(result["webhooks"])
    fresh = [w for w in store.state.webhooks.values() if w.topic == "order.created"]
    assert [w.id for w in fresh] != [hook.id] and len(fresh) == 1
    assert fresh[0].status == "active" and fresh[0].failure_count == 0
    assert shop.stack.wait_idle(120)
    invoice_of(shop, late.number)
    # and it delivers: the next order arrives by webhook, not by reconciliation
    on_time = order(shop, mug, 21)
    settle(shop)
    invoice_of(shop, on_time.number)


def test_a_hand_edit_in_xero_shows_up_in_the_drift_report(shop: Stack, mug: Any) -> None:
    store = shop.store
    assert store is not None
    waiting = order(shop, mug, 30, payment_method="bacs", paid=False, status="on-hold")
    settle(shop)
    invoice = invoice_of(shop, waiting.number)
    assert invoice["Status"] == "AUTHORISED"
    # someone edits the unpaid invoice in Xero: the first line's price goes up by 5
    xero = accountant(shop)
    lines = [
        {k: line[k] for k in ("LineItemID", "Description", "Quantity", "UnitAmount", "AccountCode", "TaxType")}
        for line in xero.get_invoice(invoice["InvoiceID"])["LineItems"]
    ]
    lines[0]["UnitAmount"] = Decimal(str(lines[0]["UnitAmount"])) + 5
    assert xero.update_invoice(invoice["InvoiceID"], {"LineItems": lines}, idempotency_key="hand-edit-1").ok
    # and an order whose only webhook was lost, with no reconciliation since
    store.set_outage(True)
    lost = order(shop, mug, 31)
    assert store.flush_webhooks(30)
    store.set_outage(False)
    day = store.order(waiting.id).date_created.astimezone(store.settings.zone).date()

    with operator(shop.stack):
        result = CliRunner().invoke(app, ["drift", "--day", day.isoformat(), "--fix"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if f"order:{waiting.id} " in line]
    assert any("total" in r and "reported" in r and "changed in Xero" in r for r in rows), result.output
    assert any(f"order:{lost.id} " in line and "re-enqueued" in line for line in result.output.splitlines())
    assert shop.stack.wait_idle(120)
    invoice_of(shop, lost.number)  # the fixable difference was fixed
    # the report is in the sync log, by record
    with operator(shop.stack):
        logged = CliRunner().invoke(app, ["log", "--record", f"order:{waiting.id}", "--json"])
    entries = json.loads(logged.output)
    assert any(e["outcome"] == "drift" and "changed in Xero" in e["reason"] for e in entries)


def test_price_name_and_stock_changed_in_xero_reach_the_store_without_a_bounce(shop: Stack, mug: Any) -> None:
    store = shop.store
    assert store is not None
    item = next(i for i in shop.org.items.values() if i["Code"] == "MUG-ENM")
    xero = accountant(shop)
    body = {"ItemID": item["ItemID"], "Code": "MUG-ENM", "Name": "Enamel Mug (white)"}
    body["SalesDetails"] = {"UnitPrice": Decimal("35.50"), "AccountCode": "200"}
    assert xero.update_items([body], idempotency_key="hand-edit-item")[0].ok
    with shop.org.lock:  # the sandbox cannot move stock: a stock take in Xero, by hand
        item.update({"IsTrackedAsInventory": True, "InventoryAssetAccountCode": "630", "QuantityOnHand": Decimal(7)})
    writes = shop.writes()

    result = shop.stack.run_schedule("PullFunction")
    assert result.ok and result.payload["written"] == 1, result.payload
    product = store.product_json(mug.id)
    assert (product["name"], product["regular_price"], product["stock_quantity"]) == ("Enamel Mug (white)", "35.50", 7)
    settle(shop)  # the store's product.updated for our own write comes back ...
    assert shop.writes() == writes  # ... and writes nothing to Xero
    log = store.delivery_log()
    assert any(d.topic == "product.updated" and d.resource_id == mug.id and d.status == 202 for d in log)
    again = shop.stack.run_schedule("PullFunction")  # in step: nothing to write
    assert again.ok and again.payload["written"] == 0


def test_an_invoice_paid_in_xero_marks_the_order_paid(shop: Stack, mug: Any) -> None:
    store = shop.store
    assert store is not None
    waiting = order(shop, mug, 40, payment_method="bacs", paid=False, status="on-hold")
    settle(shop)
    shop.sandbox.deliver_webhooks()  # Xero's events for our own writes: nothing to do in the store
    settle(shop)
    assert store.order(waiting.id).status == "on-hold"
    invoice = invoice_of(shop, waiting.number)
    # the customer's bank transfer, reconciled in Xero
    payment = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Date": date.today().isoformat(),
        "Amount": Decimal(str(invoice["AmountDue"])),
        "Reference": "Bank transfer J CITIZEN",
    }
    assert accountant(shop).create_payments([payment], idempotency_key="bank-transfer-1")[0].ok
    deliveries = shop.sandbox.deliver_webhooks()
    assert deliveries and all(d.status == 200 for d in deliveries)
    settle(shop)
    paid = store.order(waiting.id)
    assert paid.status == "processing" and paid.date_paid is not None
    settle(shop)  # the order.updated that follows records no second payment
    payments = [p for p in shop.org.payments.values() if p["Document"] == ("Invoices", invoice["InvoiceID"])]
    assert len(payments) == 1


def test_setup_and_status_against_the_stack(shop: Stack, mug: Any) -> None:
    assert shop.store is not None
    hook = next(w for w in shop.store.state.webhooks.values() if w.topic == "customer.updated")
    shop.store.delete_webhook(hook.id)  # a merchant deleted one by mistake
    with operator(shop.stack):
        runner = CliRunner()
        result = runner.invoke(app, ["setup"], env={"COLUMNS": "250"})
        status = runner.invoke(app, ["status", "--live"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "customer.updated" in result.output and "create" in result.output
    assert any(w.topic == "customer.updated" and w.status == "active" for w in shop.store.state.webhooks.values())
    assert "every setting" in result.output or "match the Xero organisation" in result.output
    assert status.exit_code == 0, status.output
    assert "last reconciliation: 20" in status.output
    assert "Xero calls left today:" in status.output and "unknown" not in status.output
    assert "xero" in status.output  # the Xero events queue is listed


def test_the_reconciliation_never_reaches_back_before_install(shop: Stack) -> None:
    # the watermark it keeps is the install time or later, never history
    with operator(shop.stack):
        from xerosync.aws.stack import find
        from xerosync.environment import Environment
        from xerosync.jobs import Job

        state, _ = Job(Environment.from_stack(find(shop.stack.stack_name))).states.load("reconcile")
    installed = datetime.fromisoformat(state["installed_at"]).replace(tzinfo=UTC)
    assert datetime.fromisoformat(state["watermark"]).replace(tzinfo=UTC) >= installed
