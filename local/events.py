"""``python -m local.events``: (re)write the sample Lambda events in ``events/`` from the sample
WooCommerce deliveries, so ``sam local invoke -e`` and the tests use the same payloads.

* ``events/ingress/*.json``: API Gateway HTTP API (payload 2.0) events carrying a correctly
  signed WooCommerce delivery, plus the creation ping and a forged delivery;
* ``events/sync_orders``, ``events/sync_contacts``, ``events/sync_items``: SQS batches holding the
  envelopes the ingress function enqueues for those deliveries;
* ``events/ingress/xero-*.json``: Xero webhooks (``events/xero/``) signed with the sample key
  (``SAMPLE_XERO_WEBHOOK_KEY``): the intent-to-receive pair and an invoice event;
  ``events/xero_events/sqs-batch.json``: what the ingress enqueues for that event;
* ``events/reconcile``, ``events/pull``: the EventBridge scheduled events their schedules send.

The events are deterministic (fixed ids and times) so that regenerating them changes
nothing unless the sample deliveries changed; a test checks that they are current.
"""

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from local.sam import ROOT
from local.woo import Delivery, delivery, sample_deliveries
from local.woo import ping as ping_delivery

EVENTS = ROOT / "events"
FIXED_TIME = "21/Nov/2026:09:00:00 +0000"
FIXED_EPOCH_MS = 1795251600000
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:xerosync-demo-{queue}"


SAMPLE_XERO_WEBHOOK_KEY = "sample-xero-webhook-key-0123456789abcdef"
XERO_EVENTS = ROOT / "events" / "xero"


STORE_ROUTE = "/webhooks/{source}"


def api_event(item: Delivery, request_id: str, path: str = "/webhooks/woocommerce") -> dict[str, Any]:
    headers = {k.lower(): v for k, v in item.headers.items()}
    is_text = headers.get("content-type", "").startswith("application/json")
    route = STORE_ROUTE if path.startswith("/webhooks/") and path != "/webhooks/xero" else path
    parameters = {"source": path.rsplit("/", 1)[1]} if route == STORE_ROUTE else None
    return {
        "version": "2.0",
        "routeKey": f"POST {route}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {**headers, "host": "abc123.execute-api.us-east-1.amazonaws.com"},
        **({"pathParameters": parameters} if parameters else {}),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": f"POST {route}",
            "stage": "$default",
            "time": FIXED_TIME,
            "timeEpoch": FIXED_EPOCH_MS,
        },
        "body": item.body.decode() if is_text else base64.b64encode(item.body).decode(),
        "isBase64Encoded": not is_text,
    }


def envelope(item: Delivery) -> dict[str, Any]:
    """What the ingress function enqueues for ``item`` (see xerosync.webhooks)."""
    payload = json.loads(item.body)
    resource, _, event = item.topic.partition(".")
    return {
        "v": 1,
        "source": "woocommerce",
        "store": item.headers["X-WC-Webhook-Source"],
        "topic": item.topic,
        "resource": resource,
        "event": event,
        "id": str(payload["id"]),
        "modified": payload.get("date_modified_gmt"),
        "sha256": hashlib.sha256(item.body).hexdigest(),
        "webhook_id": item.headers["X-WC-Webhook-ID"],
        "delivery_id": item.headers["X-WC-Webhook-Delivery-ID"],
        "received_at": "2026-11-21T09:00:00+00:00",
        "payload": item.body.decode(),
    }


def sqs_event(items: list[Delivery], queue: str, bodies: list[str] | None = None) -> dict[str, Any]:
    records = []
    for n, item in enumerate(items, start=1):
        body = bodies[n - 1] if bodies else json.dumps(envelope(item), separators=(",", ":"))
        records.append(
            {
                "messageId": f"00000000-0000-4000-8000-{n:012d}",
                "receiptHandle": f"sample-receipt-handle-{n}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(FIXED_EPOCH_MS),
                    "SenderId": "AROAEXAMPLE:ingress",
                    "ApproximateFirstReceiveTimestamp": str(FIXED_EPOCH_MS + 5),
                },
                "messageAttributes": {
                    "record": {
                        "stringValue": _record_key(item, body),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": "String",
                    }
                },
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN.format(queue=queue),
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def _record_key(item: Delivery, body: str) -> str:
    envelope = json.loads(body)
    return f"{envelope['resource']}:{envelope['id']}"


def xero_delivery(body: bytes, key: str = SAMPLE_XERO_WEBHOOK_KEY) -> Delivery:
    """A Xero webhook delivery as Xero sends it: the raw JSON, signed with the webhook key."""
    from xerosync.xero_webhooks import sign

    headers = {"Content-Type": "application/json", "User-Agent": "Xero-Webhooks", "x-xero-signature": sign(body, key)}
    return Delivery("xero", headers, body)


def scheduled_event(rule: str) -> dict[str, Any]:
    """What an EventBridge schedule (``Schedule`` event) sends the function it invokes."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-21T09:00:00Z",
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{rule}"],
        "detail": {},
    }


def xero_files() -> dict[Path, dict[str, Any]]:
    from xerosync.xero_webhooks import decide_xero

    files: dict[Path, dict[str, Any]] = {}
    intent = (XERO_EVENTS / "intent-to-receive.json").read_bytes().strip()
    update = (XERO_EVENTS / "invoice-update.json").read_bytes().strip()
    signed, wrong = xero_delivery(intent), xero_delivery(intent, SAMPLE_XERO_WEBHOOK_KEY + "-not-it")
    files[EVENTS / "ingress" / "xero-intent-to-receive.json"] = api_event(signed, "sample-xero-1", "/webhooks/xero")
    files[EVENTS / "ingress" / "xero-intent-to-receive-wrong-signature.json"] = api_event(
        wrong, "sample-xero-2", "/webhooks/xero"
    )
    invoice = xero_delivery(update)
    files[EVENTS / "ingress" / "xero-invoice-update.json"] = api_event(invoice, "sample-xero-3", "/webhooks/xero")
    decision = decide_xero(
        {"x-xero-signature": invoice.headers["x-xero-signature"]}, update, lambda: SAMPLE_XERO_WEBHOOK_KEY
    )
    bodies = [_fixed_received(m.body) for m in decision.messages]
    files[EVENTS / "xero_events" / "sqs-batch.json"] = sqs_event([invoice] * len(bodies), "XeroEventsQueue", bodies)
    files[EVENTS / "reconcile" / "scheduled-event.json"] = scheduled_event(
        "xerosync-demo-ReconcileFunctionReconcile-1ABC"
    )
    files[EVENTS / "pull" / "scheduled-event.json"] = scheduled_event("xerosync-demo-PullFunctionPull-1ABC")
    files[EVENTS / "settlements" / "scheduled-event.json"] = scheduled_event(
        "xerosync-demo-SettlementsFunctionSettlements-1ABC"
    )
    return files


def _fixed_received(body: str) -> str:
    envelope = json.loads(body)
    envelope["received_at"] = "2026-11-21T09:00:00+00:00"
    return json.dumps(envelope, separators=(",", ":"))


def _fixed(item: Delivery, n: int) -> Delivery:
    headers = (
        {**item.headers, "X-WC-Webhook-Delivery-ID": f"{n:032x}"} if "X-WC-Webhook-ID" in item.headers else item.headers
    )
    return Delivery(item.topic, headers, item.body)


def build() -> dict[Path, dict[str, Any]]:
    samples = sample_deliveries()
    deliveries = [_fixed(d, n) for n, d in enumerate(samples.deliveries, start=1)]
    files: dict[Path, dict[str, Any]] = {}
    for n, item in enumerate(deliveries, start=1):
        payload = json.loads(item.body)
        name = f"{item.topic.replace('.', '-')}-{payload['id']}.json"
        files[EVENTS / "ingress" / name] = api_event(item, f"sample-request-{n}")
    files[EVENTS / "ingress" / "ping.json"] = api_event(ping_delivery(21), "sample-request-ping")
    order = samples.payload("order", 1001)
    forged = _fixed(delivery("order.created", order, "not-the-secret", webhook_id=22, store_url=samples.store_url), 99)
    files[EVENTS / "ingress" / "order-created-forged-signature.json"] = api_event(forged, "sample-request-forged")
    orders = [
        d for d in deliveries if d.topic.startswith("order.") and json.loads(d.body)["status"] != "checkout-draft"
    ]
    customers = [d for d in deliveries if d.topic.startswith("customer.")]
    products = [d for d in deliveries if d.topic.startswith("product.")]
    files[EVENTS / "sync_orders" / "sqs-batch.json"] = sqs_event(orders, "OrdersQueue")
    files[EVENTS / "sync_contacts" / "sqs-batch.json"] = sqs_event(customers, "ContactsQueue")
    files[EVENTS / "sync_items" / "sqs-batch.json"] = sqs_event(products, "ItemsQueue")
    files.update(xero_files())
    return files


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2) + "\n"


def main() -> None:
    for path, event in build().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(event))
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
