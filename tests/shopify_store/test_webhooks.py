"""Signed webhooks as Shopify delivers them: headers, HMAC, REST bodies, 8 retries over 4 hours,
the subscription removed after the last failure, and duplicates and reordering on demand (https://shopify.dev/docs/apps/build/webhooks)."""

import itertools
import json
import time
from pathlib import Path
from typing import Any

from local.shopify_store import Receiver, ShopifyStore, sign, verify
from local.shopify_store.model import gid
from local.shopify_store.webhooks import RETRY_DELAYS
from tests.shopify_store.conftest import Admin, simple_order

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "shopify"
SECRET = "shopify_app_client_secret_test"
CREATE = """mutation($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri apiVersion { handle } } userErrors { field message } } }"""


def subscribe(admin: Admin, topic: str, uri: str) -> dict[str, Any]:
    made = admin.data(CREATE, {"topic": topic, "sub": {"uri": uri, "format": "JSON"}})["webhookSubscriptionCreate"]
    assert made["userErrors"] == [], made
    return dict(made["webhookSubscription"])


def wait_for(store: ShopifyStore, count: int) -> None:
    for _ in range(200):
        store.flush_webhooks(5)
        if len(store.delivery_log()) >= count:
            return
    raise AssertionError(f"{len(store.delivery_log())} deliveries, expected {count}")


def test_the_docs_signature_vectors_verify_with_the_simulators_signing() -> None:
    for name in ("orders_create", "refunds_create"):
        body = (FIXTURES / f"{name}_body.raw.json").read_bytes()
        vector = json.loads((FIXTURES / f"{name}_headers.json").read_text())
        expected = vector["headers"]["X-Shopify-Hmac-Sha256"]
        assert vector["test_vector"]["client_secret"] == SECRET
        assert sign(body, SECRET) == expected and verify(body, expected, SECRET)
        assert not verify(body[:-1] + b" ", expected, SECRET) and not verify(body, expected, SECRET + "x")


def test_deliveries_are_signed_rest_bodies_with_shopifys_headers(
    store: ShopifyStore, admin: Admin, receiver: Receiver
) -> None:
    for topic in ("ORDERS_CREATE", "ORDERS_PAID", "ORDERS_UPDATED", "REFUNDS_CREATE", "CUSTOMERS_CREATE",
                  "PRODUCTS_CREATE", "ORDERS_CANCELLED", "ORDERS_DELETE"):  # fmt: skip
        subscribe(admin, topic, receiver.url + "/webhooks/shopify")
    dup = admin.data(CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": receiver.url + "/webhooks/shopify"}})
    assert (
        dup["webhookSubscriptionCreate"]["userErrors"][0]["message"] == "Address for this topic has already been taken"
    )
    order = simple_order(store)
    store.refund(order.id, lines=[(order.line_items[0].id, 1)])
    store.cancel(order.id)
    store.delete_order(order.id)
    assert store.flush_webhooks(10)
    topics = [r.topic for r in receiver.deliveries()]
    assert topics[:5] == ["products/create", "customers/create", "orders/create", "orders/paid", "orders/updated"]
    assert {"refunds/create", "orders/cancelled", "orders/delete"} <= set(topics)
    for got in receiver.deliveries():
        h = got.headers
        assert verify(got.body, h["x-shopify-hmac-sha256"], SECRET)
        assert h["x-shopify-shop-domain"] == store.domain and h["x-shopify-api-version"] == "2026-07"
        assert h["x-shopify-webhook-id"] and h["x-shopify-event-id"] and h["x-shopify-triggered-at"].endswith("Z")
    samples = {
        "orders/create": "orders_create_sample_payload_2026-07.json",
        "refunds/create": "refunds_create_sample_payload_2026-07.json",
        "customers/create": "customers_create_sample_payload_2026-07.json",
        "products/create": "products_update_sample_payload_2026-07.json",
    }
    for topic, sample in samples.items():
        body = json.loads(receiver.deliveries(topic)[0].body)
        docs = json.loads((FIXTURES / sample).read_text())
        assert set(body) <= set(docs), f"{topic}: {set(body) - set(docs)} are not in Shopify's sample"
        if topic == "orders/create":
            assert set(body["line_items"][0]) <= set(docs["line_items"][0])
            assert set(body["total_price_set"]) == {"shop_money", "presentment_money"}
    refund = json.loads(receiver.deliveries("refunds/create")[0].body)
    assert set(refund["refund_line_items"][0]) <= set(json.loads((FIXTURES / samples["refunds/create"]).read_text())[
        "refund_line_items"][0])  # fmt: skip
    assert json.loads(receiver.deliveries("orders/delete")[0].body) == {"id": order.id}


def test_a_failing_endpoint_is_retried_8_times_over_4_hours_then_the_subscription_is_deleted(
    store: ShopifyStore, admin: Admin
) -> None:
    down = Receiver(status=503).start()
    try:
        made = subscribe(admin, "CUSTOMERS_CREATE", down.url + "/hook")
        store.add_customer("late@example.com", "Late", "Delivery")
        wait_for(store, 1)
        for attempt, delay in enumerate(RETRY_DELAYS, start=2):
            store.clock.advance(delay)
            wait_for(store, attempt)
        log = store.delivery_log()
        assert [r.attempt for r in log] == list(range(1, 10)) and all(r.status == 503 for r in log)
        assert len({r.webhook_id for r in log}) == 1 and len({r.event_id for r in log}) == 1
        gaps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(log)]
        assert all(abs(g - d) < 30 for g, d in zip(gaps, RETRY_DELAYS, strict=True))
        assert abs(sum(gaps) - 4 * 3600) < 60 and gaps[-1] > gaps[0] * 100  # exponential, 4 h in all
        assert len({r.body for r in down.requests}) == 1  # the original payload every time
        assert admin.data("{ webhookSubscriptions(first: 10) { nodes { id } } }")["webhookSubscriptions"]["nodes"] == []
        assert [s.id for s in store.removed_subscriptions] == [int(made["id"].rsplit("/", 1)[1])]
    finally:
        down.stop()


def test_a_delivery_that_succeeds_on_a_retry_keeps_the_subscription(store: ShopifyStore, admin: Admin) -> None:
    calls: list[int] = []
    flaky = Receiver(status=lambda r: 500 if len(calls.append(1) or calls) <= 2 else 200).start()  # type: ignore[func-returns-value]
    try:
        subscribe(admin, "CUSTOMERS_CREATE", flaky.url)
        store.add_customer("flaky@example.com")
        wait_for(store, 1)
        store.clock.advance(RETRY_DELAYS[0])
        wait_for(store, 2)
        store.clock.advance(RETRY_DELAYS[1])
        wait_for(store, 3)
        assert [r.ok for r in store.delivery_log()] == [False, False, True]
        assert len(store.records.subscriptions) == 1 and not store.hooks.pending()
    finally:
        flaky.stop()


def test_a_slow_endpoint_times_out(admin: Admin) -> None:
    store = admin.store
    store.hooks.timeout = 0.3
    slow = Receiver(delay=1.0).start()
    try:
        subscribe(admin, "CUSTOMERS_CREATE", slow.url)
        store.add_customer("slow@example.com")
        wait_for(store, 1)
        first = store.delivery_log()[0]
        assert first.status is None and "timed out" in (first.error or "")
    finally:
        slow.stop()


def test_duplicates_and_out_of_order_delivery_on_demand(store: ShopifyStore, admin: Admin, receiver: Receiver) -> None:
    subscribe(admin, "CUSTOMERS_UPDATE", receiver.url)
    customer = store.add_customer("jo@example.com", "Jo", "One")
    store.hooks.hold(True)
    for name in ("Two", "Three", "Four"):
        store.update_customer(customer.id, last_name=name)
    store.hooks.reorder("reverse")
    store.hooks.hold(False)
    assert store.flush_webhooks(10)
    assert [json.loads(r.body)["last_name"] for r in receiver.deliveries()] == ["Four", "Three", "Two"]
    first = receiver.deliveries()[0].webhook_id
    assert store.hooks.duplicate(first)
    assert store.flush_webhooks(10)
    assert [r.webhook_id for r in receiver.deliveries()].count(first) == 2
    store.hooks.duplicate_rate = 1.0
    store.update_customer(customer.id, last_name="Five")
    assert store.flush_webhooks(10)
    fives = [r for r in receiver.deliveries() if json.loads(r.body)["last_name"] == "Five"]
    assert len(fives) == 2 and fives[0].webhook_id == fives[1].webhook_id and fives[0].body == fives[1].body


def test_privacy_topics_go_to_the_compliance_url_and_uninstall_stops_everything(receiver: Receiver) -> None:
    store = ShopifyStore(compliance_url=receiver.url + "/compliance").start()
    try:
        admin = Admin(store)
        subscribe(admin, "APP_UNINSTALLED", receiver.url + "/hooks")
        order = simple_order(store, paid=False)
        store.request_customer_data(order.customer_id or 0)
        store.redact_customer(order.customer_id or 0)
        store.redact_shop()
        store.uninstall()
        assert store.flush_webhooks(10)
        got = {r.topic: json.loads(r.body) for r in receiver.deliveries()}
        assert got["customers/redact"]["orders_to_redact"] == [order.id]
        assert got["customers/data_request"]["customer"]["email"] == "jane@example.com"
        assert got["shop/redact"] == {"shop_id": store.shop_id, "shop_domain": store.domain}
        assert got["app/uninstalled"]["myshopify_domain"] == store.domain
        assert admin.call("{ shop { name } }").status == 401
        assert gid("Order", order.id).endswith(str(order.id))
    finally:
        store.stop()


def test_with_a_scaled_clock_the_four_hours_of_retries_pass_in_seconds() -> None:
    down = Receiver(status=500).start()
    store = ShopifyStore(scale=7200).start()  # 4 h in 2 s
    try:
        store.subscribe("PRODUCTS_CREATE", down.url)
        store.add_product("Tent", [("Default Title", "199.00", "TENT-2P")])
        deadline = time.monotonic() + 20
        while store.records.subscriptions:
            assert time.monotonic() < deadline, f"{len(down.requests)} deliveries, subscription still there"
            time.sleep(0.05)
        assert len(down.requests) == 9 and len(store.removed_subscriptions) == 1
    finally:
        store.stop()
        down.stop()


def test_an_order_delivery_made_for_a_push_is_signed_as_shopify_signs_and_not_queued(store: ShopifyStore) -> None:
    from xerosync.sources.shopify.webhook import decide

    order = simple_order(store)
    queued = len(store.hooks.pending())
    made = store.order_delivery(order.id, "https://stack.example/webhooks/shopify")
    assert len(store.hooks.pending()) == queued  # made, not queued: nothing is sent
    assert made.headers["X-Shopify-Topic"] == "orders/updated"
    assert verify(made.body, made.headers["X-Shopify-Hmac-Sha256"], store.app.client_secret)
    assert json.loads(made.body)["id"] == order.id
    headers = {k.lower(): v for k, v in made.headers.items()}
    decision = decide(headers, made.body, lambda: store.app.client_secret, None)
    assert decision.status == 200 and [m.group for m in decision.messages] == [f"order:{order.id}"]
    wrong = decide(headers, made.body + b" ", lambda: store.app.client_secret, None)
    assert wrong.status == 401 and not wrong.messages
