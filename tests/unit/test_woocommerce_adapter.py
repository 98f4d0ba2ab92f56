"""The WooCommerce adapter's store client and messages, as the jobs use them through the store
port: its listings over the REST API (trashed orders apart, variations per variable product,
customers by registration only), a record read back enqueued exactly as its webhook would be,
the webhook repair plan, the catalogue and its writes."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from local.woo import delivery, wp_json_encode
from tests.fake_woo_rest import WOO, FakeRest, woo_store
from xerosync import sources
from xerosync.events import parse_envelope
from xerosync.sources.port import Found, ProductUpdate, StoreProduct
from xerosync.sources.woocommerce import subscriptions

T0 = datetime(2026, 11, 21, 9, 0, 0, tzinfo=UTC)
URL = "https://hooks.example/webhooks/woocommerce"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def gmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# --- messages ----------------------------------------------------------------------------------
def test_a_record_read_back_is_enqueued_exactly_as_its_webhook_would_be() -> None:
    # the same state, read from the REST API or delivered by webhook, is the same event
    record = {
        "id": 1001,
        "status": "processing",
        "date_modified_gmt": "2026-11-21T09:00:00",
        "note": "a/b é",
        "line_items": [],
    }
    found = Found("order", "order:1001", T0, record, "orders")
    message = WOO.message(found, store="https://shop.example/", origin="reconcile")
    assert message is not None
    webhook = delivery("order.updated", record, "s3cret", store_url="https://shop.example/")
    headers = {k.lower(): v for k, v in webhook.headers.items()}
    decided = sources.decider("woocommerce")(headers, webhook.body, lambda: "s3cret", None)
    assert decided.enqueue is not None
    ours, theirs = json.loads(message.body), json.loads(decided.enqueue.body)
    for field in ("v", "source", "store", "topic", "resource", "event", "id", "modified", "sha256", "payload"):
        assert ours[field] == theirs[field], field
    assert ours["delivery_id"] == "reconcile"  # where it came from; never part of its identity
    assert parse_envelope(message.body).identity() == parse_envelope(decided.enqueue.body).identity()
    assert message.queue == "orders" and message.key == "order:1001"


def test_drafts_are_not_enqueued_and_a_trashed_order_is_a_deletion() -> None:
    draft = Found("order", "order:5", None, {"id": 5, "status": "checkout-draft"})
    assert WOO.message(draft, store="", origin="x") is None
    trashed = WOO.message(
        Found("order", "order:5", None, {"id": 5, "status": "trash"}, gone=True), store="", origin="x"
    )
    assert trashed is not None
    body = json.loads(trashed.body)
    assert (body["topic"], body["payload"]) == ("order.deleted", '{"id":5}')
    assert body["sha256"] == hashlib.sha256(wp_json_encode({"id": 5})).hexdigest()
    variation = WOO.message(Found("product", "product:9", None, {"id": 9, "type": "variation"}), store="", origin="x")
    assert variation is not None and (variation.queue, variation.key) == ("items", "product:9")


# --- listings ----------------------------------------------------------------------------------
def test_changed_since_lists_trashed_orders_variations_and_new_customers() -> None:
    rest = FakeRest()
    rest.data["orders"] = [
        {"id": 1, "status": "processing", "date_modified_gmt": gmt(at(10))},
        {"id": 2, "status": "trash", "date_modified_gmt": gmt(at(20))},
        {"id": 3, "status": "processing", "date_modified_gmt": gmt(at(-10))},  # before the window
    ]
    rest.data["products"] = [{"id": 50, "type": "variable", "date_modified_gmt": gmt(at(-900))}]
    rest.data["products/50/variations"] = [{"id": 51, "type": "variation", "date_modified_gmt": gmt(at(40))}]
    rest.data["customers"] = [
        {"id": 8, "date_created_gmt": gmt(at(15)), "date_modified_gmt": gmt(at(30))},
        {"id": 7, "date_created_gmt": gmt(at(-60)), "date_modified_gmt": gmt(at(60))},  # registered before
    ]
    listed = list(woo_store(rest).changed_since(T0, {"order", "product", "customer"}))
    assert [(f.key, f.label, f.gone) for f in listed] == [
        ("order:1", "orders", False),
        ("order:2", "orders", True),
        ("product:51", "variations", False),
        ("customer:8", "customers", False),
    ]
    customer = listed[-1]
    assert customer.at == at(15) and customer.changed_at == at(30)  # the watermark counts registrations
    assert ("orders", "trash") in {(r, p.get("status")) for r, p in rest.asked}
    assert all(p["modified_after"] == "2026-11-21T09:00:00" for r, p in rest.asked if "modified_after" in p)


def test_sales_created_are_the_stores_own_days_with_the_trash_on_demand() -> None:
    rest = FakeRest()
    rest.data["orders"] = [
        {"id": 1, "status": "processing", "date_created": "2026-10-31T23:59:59"},
        {"id": 2, "status": "processing", "date_created": "2026-11-01T00:00:00"},
        {"id": 3, "status": "trash", "date_created": "2026-11-02T10:00:00"},
    ]
    store = woo_store(rest)
    assert [f.key for f in store.sales_created(date(2026, 11, 1), date(2026, 11, 2))] == ["order:2"]
    assert [f.key for f in store.sales_created(date(2026, 11, 1), date(2026, 11, 2), deleted=True)] == [
        "order:2",
        "order:3",
    ]
    resource, params = rest.asked[0]
    assert (resource, params["after"], params["before"]) == ("orders", "2026-10-31T23:59:59", "2026-11-03T00:00:00")
    assert store.count_sales_created(date(2026, 11, 1), date(2026, 11, 2)) == 1  # what the store says up front


def test_the_catalogue_is_every_product_with_variable_ones_as_their_variations() -> None:
    rest = FakeRest()
    rest.data["products"] = [
        {"id": 10, "sku": " MUG ", "name": "Enamel Mug &amp; Co", "regular_price": "33.00", "type": "simple"},
        {"id": 30, "sku": "TEE", "name": "Tee", "type": "variable"},
        {"id": 40, "sku": "OLD", "type": "simple", "status": "trash"},
    ]
    rest.data["products/30/variations"] = [
        {
            "id": 31,
            "sku": "TEE-M",
            "name": "Tee - M",
            "regular_price": "39.95",
            "manage_stock": True,
            "stock_quantity": 4,
        }
    ]
    store = woo_store(rest)
    mug, tee = store.catalogue()
    assert mug == StoreProduct("product:10", "MUG", "Enamel Mug & Co", Decimal("33.00"), False, None)
    assert (tee.key, tee.parent_key, tee.stock_quantity, tee.manage_stock) == ("product:31", "product:30", 4, True)
    store.update_product(tee, ProductUpdate(regular_price=Decimal("42"), stock_quantity=7))
    store.update_product(mug, ProductUpdate(name="Mug", regular_price=Decimal("3.125")))
    assert rest.product_writes == [
        (31, {"regular_price": "42.00", "manage_stock": True, "stock_quantity": 7}, 30),  # through its product
        (10, {"name": "Mug", "regular_price": "3.125"}, 0),
    ]


def test_a_record_is_fetched_by_its_store_id() -> None:
    rest = FakeRest()
    rest.data["customers"] = [{"id": 7, "date_modified_gmt": gmt(T0)}]
    rest.data["products/30/variations"] = [{"id": 31, "date_modified_gmt": gmt(T0)}]
    store = woo_store(rest)
    assert store.fetch("customer", "7").key == "customer:7"
    assert store.fetch("product", "31").at == T0
    assert store.url == "https://shop.example/"


# --- the store's webhooks ----------------------------------------------------------------------
def hook(hook_id: int, topic: str, status: str = "active", url: str = URL, created: datetime = T0) -> dict[str, Any]:
    return {"id": hook_id, "topic": topic, "status": status, "delivery_url": url, "date_created_gmt": gmt(created)}


def test_the_plan_creates_the_missing_reenables_the_disabled_and_leaves_the_paused() -> None:
    hooks = [
        hook(1, "order.created", "disabled"),
        hook(2, "order.updated", "paused"),
        hook(3, "customer.created"),
        hook(4, "order.deleted", url="https://elsewhere.example/hook"),  # not ours: never touched
    ]
    topics = ["order.created", "order.updated", "order.deleted", "customer.created"]
    plan = {a.topic: a for a in subscriptions.plan(hooks, URL, topics, {}, T0)}
    assert (plan["order.created"].action, plan["order.created"].webhook_id) == ("reenable", "1")
    assert plan["order.updated"].action == "paused"
    assert (plan["order.deleted"].action, plan["order.deleted"].webhook_id) == ("create", None)
    assert plan["customer.created"].action == "ok"


def test_a_webhook_disabled_again_within_a_day_of_its_reenabling_is_replaced() -> None:
    hooks = [hook(1, "order.created", "disabled")]
    recent = {"1": (T0 - timedelta(hours=2)).isoformat()}
    assert subscriptions.plan(hooks, URL, ["order.created"], recent, T0)[0].action == "replace"
    old = {"1": (T0 - timedelta(hours=30)).isoformat()}
    assert subscriptions.plan(hooks, URL, ["order.created"], old, T0)[0].action == "reenable"


def test_subscriptions_say_when_xerosync_was_installed_and_repair_only_when_asked() -> None:
    rest = FakeRest()
    rest.hooks = [hook(1, "order.created", "disabled", created=T0), hook(2, "order.updated", created=at(60))]
    store = woo_store(rest)
    looked = store.subscriptions(URL, lambda: "s3cret", {"order"}, memory={}, now=at(3600), repair=False)
    assert looked.installed_at == T0 and looked.actions == [] and rest.hooks[0]["status"] == "disabled"
    memory: dict[str, Any] = {}
    done = store.subscriptions(URL, lambda: "s3cret", {"order"}, memory=memory, now=at(3600), repair=True)
    assert {a.topic: a.action for a in done.actions} == {
        "order.created": "reenable",
        "order.updated": "ok",
        "order.deleted": "create",
        "order.restored": "create",
    }
    assert rest.hooks[0]["status"] == "active" and "1" in memory
    assert all(h["secret"] == "s3cret" for h in rest.hooks[2:])
