"""Webhooks delivered as WooCommerce delivers them (``WC_Webhook``: https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/class-wc-webhook.php)."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from local.woo import wp_json_encode
from local.woo_store import Receiver, WooStore
from local.woo_store.generate import ManualClock, populate
from tests.store.conftest import ADDRESS, Api, gst_store
from xerosync.sources.woocommerce.models import Customer, Order
from xerosync.sources.woocommerce.signature import verify
from xerosync.sources.woocommerce.webhook import decide as decide_woocommerce

SECRET = "s3cret&amp;more"  # WooCommerce signs with the HTML-entity-decoded secret


def body(received: Any) -> Any:
    return json.loads(received.body, parse_float=Decimal)


def mug(store: WooStore) -> int:
    return store.add_product("Enamel Camp Mug", "33.00", sku="MUG-ENM-WHT").id


def test_every_delivery_is_signed_with_the_webhook_secret_and_carries_wc_headers(
    store: WooStore, receiver: Receiver
) -> None:
    for topic in ("order.created", "order.updated", "customer.created", "product.created"):
        store.add_webhook(topic, receiver.url + "/hook", secret=SECRET)
    customer = store.add_customer("jane@example.com", "Jane", "Citizen", billing=ADDRESS)
    product = mug(store)
    store.place_order([(product, 2)], customer_id=customer.id, paid=True, payment_method="stripe")
    assert store.flush_webhooks(10)
    deliveries = receiver.deliveries()
    assert sorted(d.topic for d in deliveries) == [
        "customer.created",
        "order.created",
        "order.updated",
        "product.created",
    ]
    for d in deliveries:
        assert verify(d.body, d.headers["x-wc-webhook-signature"], SECRET)
        assert not verify(d.body, d.headers["x-wc-webhook-signature"], "s3cret&more-not")
        resource, _, event = d.topic.partition(".")
        assert d.headers["x-wc-webhook-resource"] == resource and d.headers["x-wc-webhook-event"] == event
        assert d.headers["x-wc-webhook-source"] == store.url + "/"
        assert d.headers["user-agent"].startswith("WooCommerce/") and "Hookshot" in d.headers["user-agent"]
        assert d.headers["content-type"] == "application/json"
        assert b"\\/" in d.body and d.body == wp_json_encode(json.loads(d.body))  # compact, "/" escaped
    order = body(receiver.deliveries("order.created")[0])
    Order.model_validate(order)
    Customer.model_validate(body(receiver.deliveries("customer.created")[0]))
    assert all(int(d.headers["x-wc-webhook-id"]) in store.state.webhooks for d in deliveries)


def test_topics_follow_woocommerces_hooks(store: WooStore, receiver: Receiver) -> None:
    topics = [
        "order.created", "order.updated", "order.deleted", "order.restored",
        "customer.created", "customer.updated", "customer.deleted",
        "product.created", "product.updated", "product.deleted", "coupon.created",
    ]  # fmt: skip
    for topic in topics:
        store.add_webhook(topic, receiver.url, secret=SECRET)
    customer = store.add_customer("sam@example.net", "Sam", "Taylor", billing=ADDRESS)
    store.update_customer(customer.id, last_name="Taylor-Smith")
    product = mug(store)
    tee = store.add_product("Hiking Tee", None, type="variable")
    size_m = store.add_variation(tee.id, {"Size": "M"}, "39.95", sku="TEE-M")
    store.update_variation(tee.id, size_m.id, regular_price="35.00")
    store.update_product(product, regular_price="35.00")
    order = store.place_order([(product, 1), (tee.id, 1, size_m.id)], customer_id=customer.id)
    store.set_order_status(order.id, "on-hold")
    store.trash_order(order.id)
    store.untrash_order(order.id)
    assert store.flush_webhooks(10)  # payloads are built when delivered: deliver before deleting
    store.trash_product(product)
    store.delete_customer(customer.id)
    coupon = store.add_coupon("spring10", "percent", 10)
    assert store.flush_webhooks(10)
    got = [(d.topic, body(d)["id"]) for d in receiver.deliveries()]
    assert got == [
        ("customer.created", customer.id),
        ("customer.updated", customer.id),
        ("product.created", product),
        ("product.created", tee.id),
        ("product.created", size_m.id),  # variations fire product.* with their own id
        ("product.updated", size_m.id),
        ("product.updated", product),
        ("order.created", order.id),
        ("order.updated", order.id),
        ("order.deleted", order.id),
        ("order.restored", order.id),
        ("product.deleted", product),
        ("customer.deleted", customer.id),
        ("coupon.created", coupon.id),
    ]
    deleted = [body(d) for d in receiver.deliveries() if d.topic.endswith(".deleted")]
    assert deleted == [{"id": order.id}, {"id": product}, {"id": customer.id}]  # deleted = trash, payload {"id": N}


def test_trash_is_order_deleted_with_only_the_id_and_permanent_deletion_fires_nothing(
    store: WooStore, receiver: Receiver
) -> None:
    store.add_webhook("order.deleted", receiver.url, secret=SECRET)
    store.add_webhook("order.updated", receiver.url, secret=SECRET)
    product = mug(store)
    trashed = store.place_order([(product, 1)], billing=ADDRESS)
    gone = store.place_order([(product, 1)], billing=ADDRESS)
    store.trash_order(trashed.id)
    store.delete_order(gone.id)
    assert store.flush_webhooks(10)
    assert [(d.topic, d.body) for d in receiver.deliveries()] == [("order.deleted", b'{"id":%d}' % trashed.id)]


def test_a_refund_arrives_as_order_updated_with_the_refund_listed(receiver: Receiver) -> None:
    clock = ManualClock(datetime(2026, 11, 20, 1, tzinfo=UTC))
    store = gst_store(clock=clock)
    store.add_webhook("order.updated", receiver.url, secret=SECRET)
    order = store.place_order([(mug(store), 2)], billing=ADDRESS, status="processing")
    created = store.order_json(order.id)["date_modified_gmt"]
    assert store.flush_webhooks(10)
    assert [body(d)["status"] for d in receiver.deliveries()] == ["processing"]  # saved with its status
    clock.set(clock() + timedelta(minutes=5))
    refund = store.refund_order(order.id, "10.00", "Chipped")
    assert store.flush_webhooks(10)
    delivery = receiver.deliveries()[-1]
    payload = body(delivery)
    assert delivery.topic == "order.updated"
    assert payload["refunds"] == [{"id": refund.id, "reason": "Chipped", "total": "-10.00"}]
    assert payload["date_modified_gmt"] != created == payload["date_created_gmt"]
    assert payload["status"] == "processing"
    Order.model_validate(payload)
    # refunding the rest moves the order to refunded, in one more order.updated
    store.refund_order(order.id, None, "Returned", line_items=[{"id": order.lines[0].id, "quantity": 2,
                       "refund_total": "50.00", "refund_tax": [{"id": 1, "refund_total": "6.00"}]}])  # fmt: skip
    assert store.flush_webhooks(10)
    last = body(receiver.deliveries()[-1])
    assert last["status"] == "refunded"
    assert [r["total"] for r in last["refunds"]] == ["-56.00", "-10.00"]  # newest first


def test_drafts_are_not_delivered_but_checkout_drafts_are(store: WooStore, receiver: Receiver) -> None:
    store.add_webhook("order.created", receiver.url, secret=SECRET)
    store.add_webhook("order.updated", receiver.url, secret=SECRET)
    product = mug(store)
    draft = store.place_order([(product, 1)], status="draft")
    store.update_order(draft.id, customer_note="still a draft")
    checkout_draft = store.place_order([(product, 1)], status="checkout-draft")
    assert store.flush_webhooks(10)
    assert receiver.deliveries() == []  # neither draft kind fires order.created
    store.update_order(checkout_draft.id, billing={"email": "late@example.com"})
    assert store.flush_webhooks(10)
    assert [(d.topic, body(d)["status"]) for d in receiver.deliveries()] == [("order.updated", "checkout-draft")]
    store.set_order_status(checkout_draft.id, "pending")  # the shopper places it: now it is an order
    assert store.flush_webhooks(10)
    assert [d.topic for d in receiver.deliveries()][1:] == ["order.created", "order.updated"]


def test_failures_one_to_six_count_and_the_seventh_disables(store: WooStore) -> None:
    failing = Receiver(status=500).start()
    try:
        hook = store.add_webhook("order.created", failing.url, secret=SECRET)
        product = mug(store)
        counts = []
        for _ in range(7):
            store.place_order([(product, 1)], billing=ADDRESS)
            assert store.flush_webhooks(10)
            counts.append((store.webhook(hook.id).failure_count, store.webhook(hook.id).status))
        assert counts == [(1, "active"), (2, "active"), (3, "active"), (4, "active"), (5, "active"),
                          (6, "active"), (6, "disabled")]  # fmt: skip
        store.place_order([(product, 1)], billing=ADDRESS)  # disabled: not even attempted
        assert store.flush_webhooks(10)
        assert len(failing.deliveries()) == 7 and len(store.delivery_log()) == 7
    finally:
        failing.stop()


def test_a_disabled_webhook_is_re_enabled_through_the_rest_api_and_its_count_is_not_reset(
    store: WooStore, api: Api
) -> None:
    answers = [500] * 8 + [200] + [500]
    box = Receiver(status=lambda r: answers.pop(0) if not r.is_ping else 200).start()
    try:
        hook = store.add_webhook("order.created", box.url, secret=SECRET)
        product = mug(store)
        for _ in range(7):
            store.place_order([(product, 1)], billing=ADDRESS)
        assert store.flush_webhooks(10)
        assert store.webhook(hook.id).status == "disabled"
        reply = api.put(f"/webhooks/{hook.id}", {"status": "active"})
        assert reply.status == 200 and reply.body["status"] == "active"
        assert store.webhook(hook.id).failure_count == 6  # WooCommerce leaves the count as it was
        store.place_order([(product, 1)], billing=ADDRESS)
        assert store.flush_webhooks(10)
        assert store.webhook(hook.id).status == "disabled"  # one more failure disables again at once
        api.put(f"/webhooks/{hook.id}", {"status": "active"})
        store.place_order([(product, 1)], billing=ADDRESS)  # this one is answered 200
        assert store.flush_webhooks(10)
        assert (store.webhook(hook.id).failure_count, store.webhook(hook.id).status) == (0, "active")
    finally:
        box.stop()


def test_a_failed_delivery_is_never_retried(store: WooStore) -> None:
    answers = [503]
    box = Receiver(status=lambda r: answers.pop(0) if answers and not r.is_ping else 200).start()
    try:
        store.add_webhook("order.created", box.url, secret=SECRET)
        order = store.place_order([(mug(store), 1)], billing=ADDRESS)
        assert store.flush_webhooks(10)
        store.hold_webhooks(False)
        assert store.flush_webhooks(2)
        assert [(r.resource_id, r.status) for r in store.delivery_log()] == [(order.id, 503)]
        assert len(box.deliveries()) == 1 and store.pending_deliveries() == []
    finally:
        box.stop()


def test_success_is_200_up_to_302(store: WooStore) -> None:
    codes = [200, 201, 204, 301, 302, 303, 404, 410, 500]
    pending = list(codes)
    box = Receiver(status=lambda r: 200 if r.is_ping else pending.pop(0)).start()
    try:
        hook = store.add_webhook("order.created", box.url, secret=SECRET)
        product = mug(store)
        seen = []
        for _ in codes:
            store.place_order([(product, 1)], billing=ADDRESS)
            assert store.flush_webhooks(10)
            seen.append(store.webhook(hook.id).failure_count)
        assert [r.status for r in store.delivery_log()] == codes  # redirects are answers, not followed
        assert seen == [0, 0, 0, 0, 0, 1, 2, 3, 4]
    finally:
        box.stop()


def test_timeouts_and_outages_are_failures_without_an_answer(receiver: Receiver) -> None:
    slow = Receiver(delay=1.5).start()
    store = gst_store(delivery_timeout=0.3, ping_timeout=3)
    try:
        slow_hook = store.add_webhook("order.created", slow.url, secret=SECRET)
        product = mug(store)
        store.place_order([(product, 1)], billing=ADDRESS)
        assert store.flush_webhooks(10)
        (timed_out,) = store.delivery_log()
        assert timed_out.status is None and "timed out" in timed_out.error.lower()
        assert store.webhook(slow_hook.id).failure_count == 1
        store.delete_webhook(slow_hook.id)
        hook = store.add_webhook("order.created", receiver.url, secret=SECRET)
        store.set_outage(True)
        store.place_order([(product, 1)], billing=ADDRESS)
        assert store.flush_webhooks(10)
        assert receiver.deliveries() == [] and store.webhook(hook.id).failure_count == 1
        store.set_outage(False)
        store.set_outage(True, webhook_id=hook.id)  # one webhook only
        other = store.add_webhook("order.created", receiver.url + "/other", secret=SECRET)
        store.place_order([(product, 1)], billing=ADDRESS)
        assert store.flush_webhooks(10)
        assert [d.path for d in receiver.deliveries()] == ["/other"]
        assert store.webhook(hook.id).failure_count == 2 and store.webhook(other.id).failure_count == 0
    finally:
        slow.stop()
        store.stop()


def test_a_resource_gone_before_its_delivery_is_delivered_as_the_rest_error(
    store: WooStore, receiver: Receiver
) -> None:
    store.add_webhook("customer.updated", receiver.url, secret=SECRET)
    store.hold_webhooks()
    customer = store.add_customer("gone@example.com", "Gone", "Soon")
    store.update_customer(customer.id, first_name="Going")
    store.delete_customer(customer.id)
    store.hold_webhooks(False)
    assert store.flush_webhooks(10)
    (delivery,) = receiver.deliveries()
    assert body(delivery) == {
        "code": "woocommerce_rest_invalid_id",
        "message": "Invalid resource ID.",
        "data": {"status": 404},
    }


def test_payload_is_the_state_at_delivery_time_and_pending_duplicates_collapse(
    store: WooStore, receiver: Receiver
) -> None:
    store.add_webhook("order.created", receiver.url, secret=SECRET)
    store.add_webhook("order.updated", receiver.url, secret=SECRET)
    store.hold_webhooks()  # WP-Cron has not run yet
    order = store.place_order([(mug(store), 1)], billing=ADDRESS)
    store.set_order_status(order.id, "processing")
    store.set_order_status(order.id, "completed")  # same (webhook, order) still pending: not queued again
    assert [p.topic for p in store.pending_deliveries()] == ["order.created", "order.updated"]
    store.hold_webhooks(False)
    assert store.flush_webhooks(10)
    assert [(d.topic, body(d)["status"]) for d in receiver.deliveries()] == [
        ("order.created", "completed"),
        ("order.updated", "completed"),
    ]


def test_deliveries_go_out_in_order_and_are_logged(store: WooStore, receiver: Receiver) -> None:
    hook = store.add_webhook("order.created", receiver.url, secret=SECRET)
    product = mug(store)
    ids = [store.place_order([(product, 1)], billing=ADDRESS).id for _ in range(6)]
    assert store.flush_webhooks(10)
    assert [body(d)["id"] for d in receiver.deliveries()] == ids
    log = store.delivery_log()
    assert [(r.webhook_id, r.topic, r.resource_id, r.status) for r in log] == [
        (hook.id, "order.created", i, 200) for i in ids
    ]
    assert all(r.succeeded and r.at.tzinfo is not None and r.delivery_id for r in log)


def test_paused_webhooks_get_nothing_and_deleted_ones_lose_their_pending_deliveries(
    store: WooStore, receiver: Receiver
) -> None:
    paused = store.add_webhook("order.created", receiver.url + "/paused", secret=SECRET, status="paused")
    doomed = store.add_webhook("order.created", receiver.url + "/doomed", secret=SECRET)
    store.hold_webhooks()
    store.place_order([(mug(store), 1)], billing=ADDRESS)
    store.delete_webhook(doomed.id)
    store.hold_webhooks(False)
    assert store.flush_webhooks(10)
    assert receiver.requests[0].is_ping and receiver.deliveries() == []
    assert store.webhook(paused.id).status == "paused"


def test_creation_pings_with_a_form_body_and_only_200_clears_pending_delivery(store: WooStore) -> None:
    accepted = Receiver(status=202).start()
    ok = Receiver(status=200).start()
    try:
        hook = store.add_webhook("order.created", accepted.url, secret=SECRET)
        (ping,) = accepted.pings()
        assert ping.body == f"webhook_id={hook.id}".encode()
        assert ping.headers["content-type"] == "application/x-www-form-urlencoded"
        assert not any(k.startswith("x-wc-webhook") for k in ping.headers)
        assert store.webhook(hook.id).pending_delivery  # 202 is not 200
        store.update_webhook(hook.id, delivery_url=ok.url, status="active")  # activating it again pings again
        assert len(ok.pings()) == 1 and not store.webhook(hook.id).pending_delivery
    finally:
        accepted.stop()
        ok.stop()


def test_xerosync_ingress_accepts_every_delivery_of_a_generated_history() -> None:
    decisions: list[str] = []

    def ingress(received: Any) -> int:
        decision = decide_woocommerce(received.headers, received.body, lambda: SECRET)
        decisions.append(decision.outcome)
        return decision.status

    box = Receiver(status=ingress).start()
    store = WooStore()
    try:
        hooks = [
            store.add_webhook(topic, box.url, secret=SECRET)
            for topic in ("order.created", "order.updated", "order.deleted", "customer.created", "customer.updated")
        ]
        assert all(not store.webhook(h.id).pending_delivery for h in hooks)  # pings answered 200
        populate(store, seed=4, customers=8, orders=60)
        assert store.flush_webhooks(30)
        assert decisions[:5] == ["ping"] * 5
        outcomes = set(decisions[5:])
        assert "enqueued" in outcomes and outcomes <= {"enqueued", "draft_dropped"}
        assert all(r.succeeded for r in store.delivery_log()) and len(store.delivery_log()) > 100
        assert all(store.webhook(h.id).failure_count == 0 for h in hooks)
    finally:
        box.stop()
        store.stop()
