"""The public endpoint against what an attacker or a broken sender can send (issue 19, items 3, 7
and 9): malformed input is answered 4xx and never 500, a signed body re-sent under another topic
is refused, and a record too large for SQS goes on its queue as a reference."""

import base64
import json
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.woo import delivery, sign
from tests.conftest import load_event
from tests.unit.test_ingress_handler import SAMPLE_SECRET, invoke
from tests.unit.test_ingress_handler import ingress as ingress
from xerosync.events import parse_envelope
from xerosync.sources.shopify.webhook import decide as decide_shopify
from xerosync.sources.shopify.webhook import sign as shopify_sign
from xerosync.sources.woocommerce.webhook import decide as decide_woocommerce
from xerosync.webhooks import MAX_ENVELOPE_BYTES, by_reference

Ingress = tuple[ModuleType, list[tuple[str, str]]]
ORDER_1001 = json.loads(load_event("ingress", "order-created-1001.json")["body"])


def signed(body: bytes, topic: str = "order.updated", *, base64_body: bool = True) -> dict[str, Any]:
    """The sample delivery's API Gateway event with ``body``, signed with the stack's secret."""
    event = load_event("ingress", "order-created-1001.json")
    event["headers"]["x-wc-webhook-topic"] = topic
    event["headers"]["x-wc-webhook-signature"] = sign(body, SAMPLE_SECRET)
    if base64_body:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"], event["isBase64Encoded"] = body.decode(), False
    return event


# --- item 9: malformed input is 4xx, never 500 ----------------------------------------------------
@pytest.mark.parametrize("body", ["not base64!", "QUJD=", "A", "////="])
def test_a_body_whose_base64_does_not_decode_is_400_before_any_signature(ingress: Ingress, body: str) -> None:
    app, sent = ingress
    event = load_event("ingress", "order-created-1001.json")
    event["body"], event["isBase64Encoded"] = body, True
    assert invoke(app, event)["statusCode"] == 400
    assert sent == []


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({**ORDER_1001, "status": ["processing"]}).encode(),  # a non-string status
        json.dumps({**ORDER_1001, "status": {"a": 1}}).encode(),
        json.dumps({**ORDER_1001, "date_modified_gmt": 1.5}).encode(),  # would break the sync's batch
        b'{"id": 1001, "status": "processing", "line_items": [], "note": "\xff\xfe"}',  # not UTF-8
        "\ufeff".encode("utf-16") + json.dumps(ORDER_1001).encode("utf-16-le"),  # JSON, but UTF-16
        b"[" * 100_000 + b"]" * 100_000,  # 100k levels of nesting
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        json.dumps({**ORDER_1001, "id": None}).encode(),
        json.dumps({**ORDER_1001, "id": {"id": 1001}}).encode(),
        json.dumps({**ORDER_1001, "id": [1001]}).encode(),
        json.dumps({**ORDER_1001, "id": True}).encode(),
        json.dumps({**ORDER_1001, "id": "1001 OR 1=1"}).encode(),
        json.dumps({**ORDER_1001, "id": -5}).encode(),
    ],
)
def test_signed_malformed_bodies_are_4xx_and_enqueue_nothing(ingress: Ingress, body: bytes) -> None:
    app, sent = ingress
    response = invoke(app, signed(body))
    assert 400 <= response["statusCode"] < 500, response
    assert sent == []


def test_a_body_with_text_that_is_not_unicode_is_400(ingress: Ingress) -> None:
    app, sent = ingress
    event = signed(json.dumps(ORDER_1001).encode(), base64_body=False)
    event["body"] = event["body"][:-1] + "\ud800}"  # a lone surrogate cannot be encoded
    assert invoke(app, event)["statusCode"] == 400 and sent == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.dictionaries(
        st.sampled_from(["id", "status", "date_modified_gmt", "line_items", "total", "customer_id", "billing"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
            max_leaves=8,
        ),
        max_size=4,
    ),
    topic=st.sampled_from(["order.created", "order.updated", "order.deleted", "customer.updated", "product.deleted"]),
    raw=st.one_of(st.none(), st.binary(max_size=60)),
)
def test_fuzz_signed_deliveries_never_500_and_4xx_enqueues_nothing(
    ingress: Ingress, changes: dict[str, Any], topic: str, raw: bytes | None
) -> None:
    app, sent = ingress
    sent.clear()
    body = raw if raw is not None else json.dumps({**ORDER_1001, **changes}).encode()
    response = invoke(app, signed(body, topic))
    assert response["statusCode"] < 500, response
    if response["statusCode"] >= 400:
        assert sent == []
    for _, message in sent:  # whatever was enqueued, the sync function can read
        event = parse_envelope(message)
        assert event.id.isdigit() and isinstance(event.modified, str | None)


# --- item 7: the topic header is not signed -------------------------------------------------------
def test_a_captured_order_body_re_sent_as_order_deleted_is_refused(ingress: Ingress) -> None:
    app, sent = ingress
    captured = load_event("ingress", "order-created-1001.json")
    captured["headers"]["x-wc-webhook-topic"] = "order.deleted"  # the signature stays valid: it is the body's
    response = invoke(app, captured)
    assert response["statusCode"] == 400 and "deletion carries only the id" in response["body"]
    assert sent == []


def test_woocommerces_own_deletion_body_is_accepted(ingress: Ingress) -> None:
    app, sent = ingress
    assert invoke(app, signed(b'{"id":1001}', "order.deleted"))["statusCode"] == 202
    [(_, message)] = sent
    assert (parse_envelope(message).event, parse_envelope(message).id) == ("deleted", "1001")


@pytest.mark.parametrize(
    ("topic", "body"),
    [
        ("order.updated", {"id": 1001}),  # a deletion's body is not an order's state
        ("customer.updated", ORDER_1001),  # an order is not a customer
        ("product.updated", ORDER_1001),
        ("order.updated", {"id": 12, "email": "jane@example.com", "role": "customer"}),  # no line items
    ],
)
def test_a_topic_that_does_not_match_its_body_is_400(topic: str, body: dict[str, Any]) -> None:
    item = delivery(topic, body, "s")
    decision = decide_woocommerce({k.lower(): v for k, v in item.headers.items()}, item.body, lambda: "s")
    assert (decision.status, decision.outcome, decision.enqueue) == (400, "topic_mismatch", None)


def test_the_event_kind_is_part_of_the_identity() -> None:
    body = b'{"id":1001}'
    made = {}
    for topic in ("order.deleted", "order.updated"):
        headers = {"x-wc-webhook-topic": topic, "x-wc-webhook-signature": sign(body, "s")}
        decision = decide_woocommerce(headers, body, lambda: "s")
        if decision.enqueue is not None:
            made[topic] = parse_envelope(decision.enqueue.body).identity()
    assert list(made) == ["order.deleted"]  # the id-only body is a deletion, never an update
    assert made["order.deleted"]["event"] == "deleted"


def shopify(topic: str, payload: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    return {"x-shopify-hmac-sha256": shopify_sign(body, "s"), "x-shopify-topic": topic}, body


def test_shopify_an_order_body_re_sent_as_orders_delete_is_refused() -> None:
    order = {"id": 820982911946154508, "line_items": [], "financial_status": "paid", "updated_at": "2026-11-20"}
    headers, body = shopify("orders/delete", order)
    decision = decide_shopify(headers, body, lambda: "s")
    assert (decision.status, decision.outcome, decision.enqueue) == (400, "topic_mismatch", None)
    headers, body = shopify("orders/delete", {"id": 820982911946154508})  # Shopify's own deletion body
    decision = decide_shopify(headers, body, lambda: "s")
    assert decision.status == 200 and decision.enqueue is not None


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe{}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"id": {"a": 1}}',
        b'{"id": null}',
        b'{"id": 1, "updated_at": 5}',
    ],
)
def test_shopify_malformed_signed_bodies_are_400(body: bytes) -> None:
    headers = {"x-shopify-hmac-sha256": shopify_sign(body, "s"), "x-shopify-topic": "orders/updated"}
    decision = decide_shopify(headers, body, lambda: "s")
    assert decision.status == 400 and decision.enqueue is None


# --- item 3: a record too large for SQS goes by reference -----------------------------------------
def big_order(lines: int) -> dict[str, Any]:
    line = ORDER_1001["line_items"][0]
    return {**ORDER_1001, "line_items": [{**line, "id": n, "name": f"Item {n} " + "x" * 200} for n in range(lines)]}


def test_an_order_of_a_few_hundred_kb_is_enqueued_whole(ingress: Ingress) -> None:
    app, sent = ingress
    body = json.dumps(big_order(400)).encode()
    assert 200_000 < len(body) < MAX_ENVELOPE_BYTES
    assert invoke(app, signed(body))["statusCode"] == 202
    [(_, message)] = sent
    assert parse_envelope(message).payload == body.decode()


def test_an_order_over_sqs_limit_is_enqueued_as_a_reference(ingress: Ingress) -> None:
    app, sent = ingress
    body = json.dumps(big_order(2500)).encode()
    assert len(body) > 1_048_576
    assert invoke(app, signed(body))["statusCode"] == 202
    [(_, message)] = sent
    assert len(message.encode()) < 2_000
    event = parse_envelope(message)
    assert event.by_reference and event.payload == "" and (event.resource, event.id) == ("order", "1001")
    assert json.loads(message)["payload_bytes"] == len(body)


def test_by_reference_leaves_a_message_that_fits_as_it_is() -> None:
    small = json.dumps({"payload": "x" * 1000})
    assert by_reference(small) is small
