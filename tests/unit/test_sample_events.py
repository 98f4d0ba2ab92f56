"""The sample events are ours: they must be internally consistent and current."""

from decimal import Decimal

import pytest

from local import events as event_builder
from tests.conftest import EVENTS
from xerosync.events import parse_envelope
from xerosync.sources.woocommerce.mapping import parse_order
from xerosync.sources.woocommerce.signature import verify
from xerosync.sources.woocommerce.webhook import DRAFT_ORDER_STATUSES

ORDERS = sorted((EVENTS / "woocommerce").glob("order-*.json"))


@pytest.mark.parametrize("path", ORDERS, ids=lambda p: p.name)
def test_sample_order_arithmetic_is_the_stores(path: object) -> None:
    order = parse_order(path.read_text())  # type: ignore[attr-defined]
    items = sum((i.total for i in order.line_items), Decimal(0))
    fees = sum((f.total for f in order.fee_lines), Decimal(0))
    shipping = sum((s.total for s in order.shipping_lines), Decimal(0))
    line_tax = sum((t.total for i in order.line_items for t in i.taxes), Decimal(0))
    fee_tax = sum((t.total for f in order.fee_lines for t in f.taxes), Decimal(0))
    ship_tax = sum((t.total for s in order.shipping_lines for t in s.taxes), Decimal(0))
    # WooCommerce rounds the order's tax once, at the end (round at subtotal)
    assert order.total_tax == (line_tax + fee_tax + ship_tax).quantize(Decimal("0.01"))
    assert order.total == items + fees + shipping + order.total_tax
    assert order.shipping_total == shipping
    assert order.discount_total == sum((i.subtotal - i.total for i in order.line_items), Decimal(0))


def test_sample_lambda_events_are_current() -> None:
    # `python -m local.events` rewrites them; nothing should change
    for path, event in event_builder.build().items():
        assert path.read_text() == event_builder.render(event), f"{path} is stale: run python -m local.events"


def test_sample_api_events_are_signed_with_the_sample_secret() -> None:
    import base64
    import json

    secret = json.loads((EVENTS / "woocommerce" / "deliveries.json").read_text())["webhook_secret"]
    for path in (EVENTS / "ingress").glob("*.json"):
        event = json.loads(path.read_text())
        body = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
        signature = event["headers"].get("x-wc-webhook-signature")
        expected = "forged" not in path.name and signature is not None
        assert verify(body, signature, secret) is expected, path.name


def test_sample_sqs_batches_hold_valid_envelopes() -> None:
    import json

    for name in ("sync_orders", "sync_contacts"):
        batch = json.loads((EVENTS / name / "sqs-batch.json").read_text())
        assert batch["Records"]
        for record in batch["Records"]:
            event = parse_envelope(record["body"])
            assert event.source == "woocommerce"
            if event.resource == "order":
                assert parse_order(event.payload).status not in DRAFT_ORDER_STATUSES
