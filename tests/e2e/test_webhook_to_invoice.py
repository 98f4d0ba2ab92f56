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
        # paid in the store, so paid in Xero: to the gateway's clearing account, nothing left due
        assert invoice["Status"] == "PAID" and invoice["AmountDue"] == 0
        [payment] = [p for p in e2e.org.payments.values() if p["Document"] == ("Invoices", invoice["InvoiceID"])]
        assert payment["Amount"] == Decimal(order["total"])
        assert payment["Reference"] == order["transaction_id"]
        assert payment["Date"].isoformat() == order["date_paid"][:10]
        account = {"stripe": "092", "ppcp-gateway": "093"}[order["payment_method"]]
        assert e2e.org.accounts[payment["AccountID"]]["Code"] == account
        assert e2e.org.contacts[invoice["ContactID"]]["EmailAddress"] == order["billing"]["email"]
    registered = e2e.org.contacts[by_number["WC-1001"]["ContactID"]]
    assert registered["ContactNumber"] == "12"  # the order found the customer's contact
    # one contact per customer; of the two Jane Citizens, whichever came second carries her email
    by_email = {c["EmailAddress"]: c["Name"] for c in e2e.org.contacts.values()}
    assert len(e2e.org.contacts) == 3 and by_email["sam.taylor@example.net"] == "Taylor & Sons Pty Ltd"
    janes = {by_email["jane@example.com"], by_email["jane.c@example.org"]}
    assert janes in (
        {"Jane Citizen", "Jane Citizen (jane.c@example.org)"},
        {"Jane Citizen", "Jane Citizen (jane@example.com)"},
    )

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


def test_record_xero_rejects_is_parked_with_xeros_reason(unmapped: Stack) -> None:
    # When an order arrives whose GST maps to a tax type Xero does not know
    item = delivery("order.created", unmapped.samples.payload("order", 1003), unmapped.samples.secret)
    assert post(unmapped.stack.api_url + WEBHOOK, item)[0] == 202
    assert unmapped.stack.wait_idle(60)
    # Then it is not retried blindly: it waits on the dead-letter queue, with Xero's own words
    sqs = unmapped.stack.client("sqs")
    [parked] = sqs.receive_message(
        QueueUrl=unmapped.stack.resources["OrdersDLQ"], MessageAttributeNames=["All"], VisibilityTimeout=0
    )["Messages"]
    reason = parked["MessageAttributes"]["reason"]["StringValue"]
    assert "The TaxType code 'VAT20' does not exist or cannot be used for this type of transaction." in reason
    assert parked["MessageAttributes"]["record"]["StringValue"] == "order:1003"
    # And the sync log says why, with the payload a merchant needs to see what went wrong
    log = unmapped.stack.client("dynamodb").query(
        TableName=unmapped.stack.resources["SyncLogTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "record#order:1003"}},
    )["Items"]
    assert [e["outcome"]["S"] for e in log] == ["failed"]
    assert "VAT20" in log[0]["reason"]["S"] and '"id":1003' in log[0]["payload"]["S"]
    assert unmapped.org.invoices == {}


def test_a_transient_failure_fails_alone_in_its_batch(e2e: Stack) -> None:
    from local.events import sqs_event

    # Given one SQS batch of two orders, one of which another worker holds right now
    orders = []
    for number in (2001, 2002):
        order = {
            **e2e.samples.payload("order", 1003),
            "id": number,
            "number": str(number),
            "transaction_id": f"ch_{number}",
        }
        orders.append(delivery("order.created", order, "s", webhook_id=1))
    table, lock = e2e.stack.resources["MappingsTable"], {"pk": {"S": "order:2001"}, "sk": {"S": "lock"}}
    e2e.stack.client("dynamodb").put_item(
        TableName=table,
        Item={**lock, "claim": {"S": "someone-else"}, "claimed_until": {"N": str(int(time.time()) + 60)}},
    )
    batch = sqs_event(orders, "OrdersQueue")
    try:
        # When the sync function gets the batch
        result = e2e.stack.functions["SyncOrdersFunction"].invoke(batch)
    finally:
        e2e.stack.client("dynamodb").delete_item(TableName=table, Key=lock)
    # Then only the held record is reported failed (it comes back later), and the other landed
    assert result.ok, result.error
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": batch["Records"][0]["messageId"]}]}
    numbers = {i["InvoiceNumber"] for i in e2e.org.invoices.values()}
    assert "WC-2002" in numbers and "WC-2001" not in numbers
