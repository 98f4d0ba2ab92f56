"""The ingress decision, rule by rule (xerosync.webhooks is pure: no AWS, no network)."""

import hashlib
import json
from collections.abc import Callable

import pytest

from local.woo import delivery, ping, sign
from xerosync.sources.woocommerce.webhook import decide as decide_woocommerce

SECRET = "test-webhook-secret"
ORDER = {
    "id": 42,
    "status": "processing",
    "date_modified_gmt": "2026-11-20T01:02:03",
    "total": "10.00",
    "line_items": [],
}


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def secret_provider(calls: list[int]) -> Callable[[], str]:
    def provide() -> str:
        calls.append(1)
        return SECRET

    return provide


def test_ping_gets_exactly_200_without_a_signature_or_the_secret() -> None:
    calls: list[int] = []
    item = ping(142)
    decision = decide_woocommerce(lower(item.headers), item.body, secret_provider(calls))
    assert decision.status == 200
    assert decision.enqueue is None
    assert calls == []  # the secret is not even read for a ping


def test_signed_order_is_enqueued_on_the_orders_queue_with_its_identity() -> None:
    item = delivery("order.updated", ORDER, SECRET, webhook_id=7)
    decision = decide_woocommerce(lower(item.headers), item.body, lambda: SECRET)
    assert decision.status == 202
    assert decision.enqueue is not None
    assert decision.enqueue.queue == "orders"
    assert decision.enqueue.group == "order:42"
    envelope = json.loads(decision.enqueue.body)
    assert envelope["payload"] == item.body.decode()  # the raw bytes travel untouched
    assert envelope["sha256"] == hashlib.sha256(item.body).hexdigest()
    assert (envelope["resource"], envelope["event"], envelope["id"]) == ("order", "updated", "42")
    assert envelope["modified"] == "2026-11-20T01:02:03"


def test_customer_goes_to_the_contacts_queue() -> None:
    item = delivery("customer.created", {"id": 12, "email": "a@b.c"}, SECRET)
    decision = decide_woocommerce(lower(item.headers), item.body, lambda: SECRET)
    assert decision.enqueue is not None and decision.enqueue.queue == "contacts"


@pytest.mark.parametrize("bad", ["", "AAAA", "c2lnbmF0dXJl"])
def test_bad_signature_is_401_and_nothing_is_enqueued(bad: str) -> None:
    item = delivery("order.created", ORDER, SECRET, signature=bad)
    headers = lower(item.headers)
    if not bad:
        del headers["x-wc-webhook-signature"]
    decision = decide_woocommerce(headers, item.body, lambda: SECRET)
    assert decision.status == 401
    assert decision.enqueue is None


def test_signed_with_another_secret_is_401() -> None:
    item = delivery("order.created", ORDER, "someone-else")
    decision = decide_woocommerce(lower(item.headers), item.body, lambda: SECRET)
    assert (decision.status, decision.enqueue) == (401, None)


def test_signed_body_that_is_not_json_is_400() -> None:
    body = b"this is not json"
    item = delivery("order.created", ORDER, SECRET)
    headers = {**lower(item.headers), "x-wc-webhook-signature": sign(body, SECRET)}
    decision = decide_woocommerce(headers, body, lambda: SECRET)
    assert (decision.status, decision.enqueue) == (400, None)


def test_unsigned_form_body_that_is_not_a_ping_is_401() -> None:
    decision = decide_woocommerce({}, b"webhook_id=abc", lambda: SECRET)
    assert decision.status == 401


@pytest.mark.parametrize("topic", ["action.woocommerce_add_to_cart", "order.exploded", "nonsense", ""])
def test_unknown_topic_is_acknowledged_not_enqueued(topic: str) -> None:
    item = delivery(topic, ORDER, SECRET)
    decision = decide_woocommerce(lower(item.headers), item.body, lambda: SECRET)
    assert decision.status == 200
    assert decision.outcome == "unknown_topic"
    assert decision.enqueue is None


def test_known_topic_of_an_entity_we_do_not_sync_is_acknowledged() -> None:
    item = delivery("coupon.created", {"id": 5, "code": "x"}, SECRET)
    decision = decide_woocommerce(lower(item.headers), item.body, lambda: SECRET)
    assert (decision.status, decision.outcome, decision.enqueue) == (200, "not_synced", None)


@pytest.mark.parametrize("status", ["checkout-draft", "draft", "auto-draft"])
def test_draft_orders_are_dropped(status: str) -> None:
    item = delivery("order.updated", {**ORDER, "status": status}, SECRET)
    decision = decide_woocommerce(lower(item.headers), item.body, lambda: SECRET)
    assert (decision.status, decision.outcome, decision.enqueue) == (200, "draft_dropped", None)


def test_trashed_order_payload_carries_only_the_id_and_is_enqueued() -> None:
    item = delivery("order.deleted", {"id": 42}, SECRET)
    decision = decide_woocommerce(lower(item.headers), item.body, lambda: SECRET)
    assert decision.enqueue is not None
    assert json.loads(decision.enqueue.body)["modified"] is None
