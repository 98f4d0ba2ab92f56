"""A store's privacy requests through the whole local stack: signed webhooks in (the Acme test
store sends Shopify's privacy bodies), the contacts function applying them, the operator's
commands reading and resuming. What the stack holds is read straight from moto's tables and queues."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from local.sam import ROOT
from local.stack import LocalStack
from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.state import Limits
from tests.adapters.acme_shop import AcmeShop, deliver
from tests.e2e.conftest import operator
from tests.e2e.test_second_store import ADA, SECRET, SETTINGS, TENT, WEBHOOK, Acme, item, order

PHONE = ADA["phone"]
CUSTOMER = {"id": ADA["id"], "email": ADA["email"], "phone": PHONE}
runner = CliRunner()


@pytest.fixture(scope="module")
def acme() -> Iterator[Acme]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Acme Privacy Co", limits=Limits(concurrent=5, minute=100_000, day=1_000_000))
    connection = sandbox.add_client([org.tenant_id])
    shop = AcmeShop().start()
    stack = LocalStack(
        stack_name="e2e-privacy",
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
        credentials = {"client_id": connection.client_id, "client_secret": connection.client_secret}
        stack.put_secret("XeroCredentialsSecret", json.dumps(credentials))
        stack.put_secret("StoreApiSecret", json.dumps({"url": shop.url, "apiKey": shop.api_key}))
        stack.put_settings(SETTINGS)
        yield Acme(shop, stack, sandbox, org)
    finally:
        stack.stop()
        shop.stop()
        sandbox.stop()


def request(acme: Acme, topic: str, body: dict[str, Any]) -> None:
    assert deliver(acme.stack.api_url + WEBHOOK, topic, body, SECRET)[0] == 202
    acme.settle()


def table_text(acme: Acme, logical_id: str) -> str:
    items = acme.stack.client("dynamodb").scan(TableName=acme.stack.resources[logical_id])["Items"]
    return json.dumps(items)


def messages(acme: Acme, logical_id: str) -> list[dict[str, Any]]:
    sqs = acme.stack.client("sqs")
    reply = sqs.receive_message(QueueUrl=acme.stack.queue_url(logical_id), MaxNumberOfMessages=10, WaitTimeSeconds=1)
    found = reply.get("Messages", [])
    for message in found:
        sqs.change_message_visibility(
            QueueUrl=acme.stack.queue_url(logical_id), ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return found


def log_of(acme: Acme, key: str) -> list[dict[str, Any]]:
    items = acme.stack.client("dynamodb").query(
        TableName=acme.stack.resources["SyncLogTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"record#{key}"}},
    )["Items"]
    return [{k: next(iter(v.values())) for k, v in i.items()} for i in items]


def cli(acme: Acme, *args: str) -> Any:
    from xerosync.cli import app

    with operator(acme.stack):
        return runner.invoke(app, [*args, "--stack", acme.stack.stack_name])


def test_a_customers_data_is_exported_then_redacted_and_the_uninstall_stops_the_sync(acme: Acme) -> None:
    # Given a customer, an order of theirs that Xero received and one the settings cannot map
    # (a tax code with no Xero tax type: failed, its payload in the sync log and the DLQ)
    acme.send("customer.changed", ADA)
    acme.send("product.changed", {**TENT, "updatedAt": "2026-11-20T09:00:00+11:00"})
    acme.settle()
    acme.send("order.changed", order("ord_ok", "A-1", "settled", [item("li", TENT, 1, tax=2000)]))
    vat = {**item("li", TENT, 1), "tax": {"code": "VAT", "cents": 2000}}
    acme.send("order.changed", order("ord_bad", "A-2", "settled", [vat], taxes=[{"code": "VAT", "percent": "10"}]))
    acme.settle()
    assert acme.invoice("ACME-A-1")
    assert [e["outcome"] for e in log_of(acme, "order:ord_bad")] == ["failed"]
    assert PHONE in table_text(acme, "SyncLogTable") and messages(acme, "OrdersDLQ")
    contact = next(c["ContactID"] for c in acme.org.contacts.values() if c.get("ContactNumber") == ADA["id"])

    # When the store passes on the customer's request for their data
    request(acme, "customer.data_request", {"customer": CUSTOMER, "orders_requested": ["ord_ok", "ord_bad"]})

    # Then the merchant exports what the stack holds, the failed order's payload included
    exported = cli(acme, "privacy", "export", "--customer", ADA["id"])
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.output)
    assert document["customer"] == f"customer:{ADA['id']}"
    assert {m["record"] for m in document["mappings"]} >= {f"customer:{ADA['id']}", "order:ord_ok"}
    [failed] = [e for e in document["sync_log"] if e["record"] == "order:ord_bad"]
    assert failed["payload"]["customer"]["phone"] == PHONE

    # When the store passes on their request to be forgotten
    request(acme, "customer.redact", {"customer": CUSTOMER, "orders_to_redact": ["ord_ok", "ord_bad"]})

    # Then nothing in the stack names them: not the log, not the mappings, not the dead letters
    for logical_id in ("SyncLogTable", "MappingsTable"):
        text = table_text(acme, logical_id).casefold()
        assert ADA["email"].casefold() not in text and PHONE not in text and "lovelace" not in text, logical_id
    assert messages(acme, "OrdersDLQ") == []
    mappings = json.loads(table_text(acme, "MappingsTable"))
    keys = {i["pk"]["S"] for i in mappings}
    assert f"customer:{ADA['id']}" not in keys and "order:ord_ok" in keys  # the books' own link stays
    [redacted] = [e for e in json.loads(table_text(acme, "SyncLogTable")) if e["outcome"]["S"] == "redacted"]
    assert contact in redacted["reason"]["S"] and "archive" in redacted["reason"]["S"]
    assert "dead letter removed: order:ord_bad" in json.dumps(redacted["also"])
    assert cli(acme, "privacy", "export", "--customer", ADA["id"]).exit_code == 1  # the export went too

    # When the app is uninstalled in the store
    request(acme, "app.uninstalled", {"id": 548380009, "name": "Acme Privacy Co"})

    # Then status says so and how to resume; records are skipped, the reconciliation does nothing
    status = cli(acme, "status")
    assert "STOPPED" in status.output and "xerosync resume" in status.output, status.output
    late = order("ord_late", "A-3", "settled", [item("li", TENT, 1, tax=2000)])
    acme.send("order.changed", late)
    acme.settle()
    [skipped] = log_of(acme, "order:ord_late")
    assert skipped["outcome"] == "skipped" and "xerosync resume" in skipped["reason"]
    assert not [i for i in acme.org.invoices.values() if i.get("InvoiceNumber") == "ACME-A-3"]
    assert acme.stack.run_schedule("ReconcileFunction").payload["outcome"] == "stopped"

    # When the operator resumes it, the same delivery is applied
    resumed = cli(acme, "resume")
    assert resumed.exit_code == 0 and "runs again" in resumed.output, resumed.output
    assert "sync: running" in cli(acme, "status").output
    acme.send("order.changed", late)
    acme.settle()
    assert acme.invoice("ACME-A-3")
