"""Signed WooCommerce webhooks in through the HTTP API, Xero documents out of the sandbox."""

import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from local.woo import delivery, ping, post
from tests.e2e.conftest import Stack, start

WEBHOOK = "/webhooks/woocommerce"


def send_samples(e2e: Stack) -> list[int]:
    return [post(e2e.stack.api_url + WEBHOOK, item)[0] for item in e2e.samples.deliveries]


def test_sample_deliveries_land_once_with_the_stores_totals(e2e: Stack) -> None:
    # When every sample delivery is sent
    statuses = send_samples(e2e)
    assert statuses == [202, 202, 202, 202, 202, 202, 200]  # the checkout draft is acknowledged, not enqueued
    assert e2e.stack.wait_idle(120)

    # Then each order has one invoice, with its customer, equal to the store to the cent
    by_number = {i["InvoiceNumber"]: i for i in e2e.org.invoices.values()}
    assert set(by_number) >= {"WC-1001", "WC-1002", "WC-1003"}
    assert "WC-1004" not in by_number
    for number in (1001, 1002, 1003):
        order = e2e.samples.payload("order", number)
        invoice = by_number[f"WC-{order['number']}"]
        assert invoice["Total"] == Decimal(order["total"])
        assert invoice["TotalTax"] == Decimal(order["total_tax"])
        assert invoice["Status"] == "AUTHORISED"
        assert e2e.org.contacts[invoice["ContactID"]]["EmailAddress"] == order["billing"]["email"]
    registered = e2e.org.contacts[by_number["WC-1001"]["ContactID"]]
    assert registered["ContactNumber"] == "12"  # the order found the customer's contact
    names = sorted(c["Name"] for c in e2e.org.contacts.values())
    assert names == ["Jane Citizen", "Jane Citizen (jane.c@example.org)", "Taylor & Sons Pty Ltd"]

    # And the mapping table records each store record against its Xero record
    mappings = e2e.mappings()
    assert mappings["order:1001"]["xero_id"]["S"] == by_number["WC-1001"]["InvoiceID"]
    assert mappings["customer:12"]["xero_id"]["S"] == registered["ContactID"]

    # When everything is delivered again, nothing new is written to Xero
    writes, contacts, invoices = e2e.writes(), len(e2e.org.contacts), len(e2e.org.invoices)
    send_samples(e2e)
    assert e2e.stack.wait_idle(120)
    assert (e2e.writes(), len(e2e.org.contacts), len(e2e.org.invoices)) == (writes, contacts, invoices)


def sample_order(e2e: Stack, number: int) -> dict[str, object]:
    base: dict[str, object] = e2e.samples.payload("order", 1003)
    return {**base, "id": number, "number": str(number)}


def test_forged_signature_is_401_and_nothing_reaches_xero(e2e: Stack) -> None:
    item = delivery("order.created", sample_order(e2e, 9001), "not-the-secret")
    assert post(e2e.stack.api_url + WEBHOOK, item)[0] == 401
    assert e2e.stack.wait_idle(60)
    assert "order:9001" not in e2e.mappings()
    assert not any(i.get("InvoiceNumber") == "WC-9001" for i in e2e.org.invoices.values())


def test_unsigned_delivery_is_401(e2e: Stack) -> None:
    item = delivery("order.created", sample_order(e2e, 9002), e2e.samples.secret)
    del item.headers["X-WC-Webhook-Signature"]
    assert post(e2e.stack.api_url + WEBHOOK, item)[0] == 401
    assert e2e.stack.wait_idle(60)
    assert "order:9002" not in e2e.mappings()


def test_signed_body_that_is_not_json_is_400(e2e: Stack) -> None:
    from local.woo import Delivery, sign

    item = delivery("order.created", {}, e2e.samples.secret)
    body = b"order=9003&total=10"
    bad = Delivery(item.topic, {**item.headers, "X-WC-Webhook-Signature": sign(body, e2e.samples.secret)}, body)
    assert post(e2e.stack.api_url + WEBHOOK, bad)[0] == 400


def test_creation_ping_is_exactly_200(e2e: Stack) -> None:
    status, body = post(e2e.stack.api_url + WEBHOOK, ping(77))
    assert status == 200 and json.loads(body) == {"message": "pong"}


def test_unknown_topic_is_acknowledged_and_not_synced(e2e: Stack) -> None:
    item = delivery("action.woocommerce_add_to_cart", sample_order(e2e, 9004), e2e.samples.secret)
    assert post(e2e.stack.api_url + WEBHOOK, item)[0] == 200
    assert e2e.stack.wait_idle(60)
    assert "order:9004" not in e2e.mappings()


@pytest.fixture(scope="module")
def unmapped() -> Iterator[Stack]:
    """A store whose settings map GST to a tax type its Xero organisation does not have."""
    running = start("e2e-unmapped", settings='tax:\n  rates:\n    "1": VAT20\n  no_tax: EXEMPTOUTPUT\n')
    yield running
    running.stack.stop()
    running.sandbox.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_record_xero_rejects_is_logged_with_xeros_reason_and_kept_for_retry(unmapped: Stack) -> None:
    # When an order arrives whose GST maps to a tax type Xero does not know
    item = delivery("order.created", unmapped.samples.payload("order", 1003), unmapped.samples.secret)
    assert post(unmapped.stack.api_url + WEBHOOK, item)[0] == 202
    stats = unmapped.stack.poller_stats["SyncOrdersFunction"]
    assert wait_for(lambda: stats.failed_records >= 1)
    # Then the record stays on its queue for the next attempt (and the DLQ after the last)
    assert unmapped.stack.queue_depths()["OrdersQueue"] == 1
    # And the log carries Xero's own words and the record, and nothing was invoiced
    log = (unmapped.stack.log_dir / "SyncOrdersFunction.log").read_text()
    assert "The TaxType code 'VAT20' does not exist or cannot be used for this type of transaction." in log
    assert '"record":"order:1003"' in log
    assert unmapped.org.invoices == {}


def test_a_bad_record_fails_alone_in_its_batch(unmapped: Stack) -> None:
    # Given one SQS batch: an order with GST (which Xero will refuse) and a customer-free,
    # tax-free order that is fine
    from local.events import sqs_event

    taxed = unmapped.samples.payload("order", 1001)  # GST lines
    free = {**unmapped.samples.payload("order", 1002), "id": 2002, "number": "2002"}
    free["line_items"] = [line for line in free["line_items"] if line["sku"] == "GIFT-25"]
    free["fee_lines"], free["tax_lines"] = [], []
    free["total"], free["total_tax"], free["cart_tax"] = "25.00", "0.00", "0.00"
    batch = sqs_event(
        [delivery("order.created", taxed, "s", webhook_id=1), delivery("order.created", free, "s", webhook_id=1)],
        "OrdersQueue",
    )
    # When the sync function gets the batch
    result = unmapped.stack.functions["SyncOrdersFunction"].invoke(batch)
    # Then only the refused record is reported failed, and the other landed
    assert result.ok, result.error
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": batch["Records"][0]["messageId"]}]}
    assert [i["InvoiceNumber"] for i in unmapped.org.invoices.values()] == ["WC-2002"]
