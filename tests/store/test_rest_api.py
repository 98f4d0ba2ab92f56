"""The REST API v3 over HTTP: authentication, collections, and each resource's endpoints."""

import json
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest

from local.woo_store import Receiver, WooStore
from local.woo_store.generate import ManualClock
from tests.store.conftest import ADDRESS, Api, gst_store
from xerosync.sources.woocommerce.models import Customer, Order

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


@pytest.fixture
def timed() -> Iterator[tuple[WooStore, ManualClock]]:
    clock = ManualClock(T0)
    shop = gst_store(clock=clock).start()
    yield shop, clock
    shop.stop()


def test_requests_without_valid_credentials_get_woocommerces_401(store: WooStore) -> None:
    anonymous = Api(store)
    reply = anonymous.get("/orders", auth=False)
    assert reply.status == 401
    assert reply.body == {
        "code": "woocommerce_rest_cannot_view",
        "message": "Sorry, you cannot list resources.",
        "data": {"status": 401},
    }
    assert anonymous.get("/orders/1", auth=False).body["message"] == "Sorry, you cannot view this resource."
    assert anonymous.post("/orders", {}, auth=False).body["code"] == "woocommerce_rest_cannot_create"
    assert anonymous.call("DELETE", "/orders/1", auth=False).body["code"] == "woocommerce_rest_cannot_delete"
    unknown_key = Api(store, key="ck_unknown", secret=store.consumer_secret).get("/customers")
    assert (unknown_key.status, unknown_key.body["code"]) == (401, "woocommerce_rest_cannot_view")
    wrong_secret = Api(store, secret="cs_wrong").get("/customers")
    assert (wrong_secret.status, wrong_secret.body["code"]) == (401, "woocommerce_rest_authentication_error")
    assert wrong_secret.body["message"] == "Consumer secret is invalid."


def test_basic_auth_and_query_parameter_credentials_both_work(store: WooStore, api: Api) -> None:
    assert api.get("/orders").status == 200
    url = f"{store.api_url}/orders?consumer_key={store.consumer_key}&consumer_secret={store.consumer_secret}"
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200 and json.loads(response.read()) == []
    assert api.get("/nothing-here").body["code"] == "rest_no_route"


def test_modified_after_filters_strictly_and_pages_carry_wp_headers(timed: tuple[WooStore, ManualClock]) -> None:
    store, clock = timed
    api = Api(store)
    product = store.add_product("Enamel Camp Mug", "33.00").id
    ids = []
    for n in range(25):
        clock.set(T0 + timedelta(minutes=n))
        ids.append(store.place_order([(product, 1)], billing=ADDRESS).id)
    clock.set(T0 + timedelta(hours=2))
    for order_id in ids[:3]:
        store.set_order_status(order_id, "processing")
    since = (T0 + timedelta(minutes=9)).strftime("%Y-%m-%dT%H:%M:%S")
    first = api.get(f"/orders?modified_after={since}&dates_are_gmt=true&per_page=10&orderby=id&order=asc")
    assert first.status == 200
    # modified strictly after 00:09:00 GMT: orders 10..24 (15) and the three updated at 02:00
    assert first.headers["X-WP-Total"] == "18" and first.headers["X-WP-TotalPages"] == "2"
    assert [o["id"] for o in first.body] == sorted(ids[:3] + ids[10:])[:10]
    assert first.headers["Link"].endswith('page=2>; rel="next"') and 'rel="prev"' not in first.headers["Link"]
    second = api.get(f"/orders?modified_after={since}&dates_are_gmt=true&per_page=10&orderby=id&order=asc&page=2")
    assert len(second.body) == 8 and second.headers["Link"].endswith('page=1>; rel="prev"')
    # without dates_are_gmt the bound is the site's local time (Melbourne, UTC+11 in November)
    local = (T0 + timedelta(hours=11, minutes=9)).strftime("%Y-%m-%dT%H:%M:%S")
    assert api.get(f"/orders?modified_after={local}&per_page=100").headers["X-WP-Total"] == "18"
    assert api.get(f"/orders?modified_after={since}Z&per_page=100").headers["X-WP-Total"] == "18"
    before = api.get(f"/orders?before={since}&dates_are_gmt=true&per_page=100")
    assert sorted(o["id"] for o in before.body) == ids[:9]
    for order in first.body:
        Order.model_validate(order)


def test_collections_validate_their_parameters_and_filter_by_status(store: WooStore, api: Api) -> None:
    product = store.add_product("Mug", "10.00").id
    pending = store.place_order([(product, 1)], billing=ADDRESS)
    done = store.place_order([(product, 1)], billing=ADDRESS, status="completed")
    binned = store.place_order([(product, 1)], billing=ADDRESS)
    store.trash_order(binned.id)
    assert {o["id"] for o in api.get("/orders").body} == {pending.id, done.id}  # "any" leaves the trash out
    assert [o["id"] for o in api.get("/orders?status=trash").body] == [binned.id]
    assert {o["id"] for o in api.get("/orders?status=pending,completed").body} == {pending.id, done.id}
    assert [o["id"] for o in api.get(f"/orders?include={done.id}").body] == [done.id]
    assert api.get("/orders?status=shipped").status == 400
    too_many = api.get("/orders?per_page=101")
    assert (too_many.status, too_many.body["code"]) == (400, "rest_invalid_param")
    assert api.get("/orders?search=jane@example.com").headers["X-WP-Total"] == "2"


def test_orders_are_created_updated_and_deleted_through_the_api(store: WooStore, api: Api) -> None:
    mug = store.add_product("Enamel Camp Mug", "33.00", sku="MUG-ENM-WHT")
    store.add_coupon("spring10", "percent", 10)
    reply = api.post(
        "/orders",
        {
            "payment_method": "bacs",
            "set_paid": True,
            "billing": ADDRESS,
            "line_items": [{"product_id": mug.id, "quantity": 2}, {"sku": "MUG-ENM-WHT", "quantity": 1}],
            "shipping_lines": [{"method_id": "flat_rate", "method_title": "Flat rate", "total": "9.09"}],
            "fee_lines": [{"name": "Gift wrap", "total": "2.00", "tax_status": "taxable"}],
            "coupon_lines": [{"code": "spring10"}],
        },
    )
    assert reply.status == 201
    order = reply.body
    Order.model_validate(order)
    assert (order["status"], order["created_via"], order["payment_method_title"]) == (
        "processing",
        "rest-api",
        "Direct bank transfer",
    )
    assert order["date_paid_gmt"] is not None and order["total"] == "101.30"
    assert [c["code"] for c in order["coupon_lines"]] == ["spring10"]
    item = order["line_items"][0]["id"]
    updated = api.put(f"/orders/{order['id']}", {"status": "completed", "line_items": [{"id": item, "quantity": 1}]})
    assert updated.status == 200 and updated.body["status"] == "completed" and updated.body["date_completed"]
    assert updated.body["line_items"][0]["quantity"] == 1 and updated.body["total"] == "71.60"
    trashed = api.delete(f"/orders/{order['id']}")
    assert trashed.status == 200 and trashed.body["status"] == "trash"
    assert api.delete(f"/orders/{order['id']}").status == 410
    assert api.call("DELETE", f"/orders/{order['id']}?force=true").status == 200
    missing = api.get(f"/orders/{order['id']}")
    assert (missing.status, missing.body["code"]) == (404, "woocommerce_rest_shop_order_invalid_id")


def test_refunds_endpoint_creates_lists_and_refuses_too_much(store: WooStore, api: Api) -> None:
    mug = store.add_product("Enamel Camp Mug", "33.00", manage_stock=True, stock_quantity=10)
    order = store.place_order([(mug.id, 2)], billing=ADDRESS, paid=True)
    assert store.state.products[mug.id].stock_quantity == 8
    line = order.lines[0].id
    reply = api.post(
        f"/orders/{order.id}/refunds",
        {"reason": "Chipped", "line_items": [{"id": line, "quantity": 1, "refund_total": "30.00",
                                               "refund_tax": [{"id": 1, "refund_total": "3.00"}]}]},
    )  # fmt: skip
    assert reply.status == 201
    refund = reply.body
    assert refund["amount"] == "33.00" and refund["refunded_payment"] is True
    (item,) = refund["line_items"]
    assert (item["quantity"], item["total"], item["total_tax"]) == (-1, "-30.00", "-3.00")
    assert item["taxes"] == [{"id": 1, "total": "-3", "subtotal": "-3"}]
    assert item["meta_data"][0]["key"] == "_refunded_item_id" and item["meta_data"][0]["value"] == str(line)
    assert store.state.products[mug.id].stock_quantity == 9  # restocked (api_restock defaults to true)
    listed = api.get(f"/orders/{order.id}/refunds")
    assert [r["id"] for r in listed.body] == [refund["id"]] and listed.headers["X-WP-Total"] == "1"
    assert api.get(f"/orders/{order.id}/refunds/{refund['id']}").body["reason"] == "Chipped"
    too_much = api.post(f"/orders/{order.id}/refunds", {"amount": "33.01"})
    assert (too_much.status, too_much.body["message"]) == (500, "Invalid refund amount.")
    assert api.post(f"/orders/{order.id}/refunds", {"amount": "-1"}).status == 400
    rest = api.post(f"/orders/{order.id}/refunds", {"amount": "33.00", "api_refund": False})
    assert rest.status == 201 and rest.body["refunded_payment"] is False
    after = api.get(f"/orders/{order.id}").body
    assert after["status"] == "refunded" and [r["total"] for r in after["refunds"]] == ["-33.00", "-33.00"]


def test_customers_endpoint(store: WooStore, api: Api) -> None:
    created = api.post("/customers", {"email": "Jane@Example.com", "first_name": "Jane", "last_name": "Citizen",
                                      "billing": ADDRESS})  # fmt: skip
    assert created.status == 201
    Customer.model_validate(created.body)
    assert api.post("/customers", {"email": "jane@example.com"}).body["code"] == "registration-error-email-exists"
    store.add_customer("sam@example.net", "Sam", "Taylor")
    found = api.get("/customers?email=jane@example.com")
    assert [c["id"] for c in found.body] == [created.body["id"]]
    # WooCommerce's customers endpoint has no date filters: modified_after is ignored
    assert api.get("/customers?modified_after=2999-01-01T00:00:00").headers["X-WP-Total"] == "2"
    assert [c["first_name"] for c in api.get("/customers").body] == ["Jane", "Sam"]  # by name, ascending
    renamed = api.put(
        f"/customers/{created.body['id']}", {"last_name": "Citizen-Smith", "billing": {"city": "Geelong"}}
    )
    assert renamed.body["last_name"] == "Citizen-Smith" and renamed.body["billing"]["city"] == "Geelong"
    assert api.delete(f"/customers/{created.body['id']}").status == 501  # no trash for customers
    assert api.call("DELETE", f"/customers/{created.body['id']}?force=true").status == 200
    assert api.get(f"/customers/{created.body['id']}").body["code"] == "woocommerce_rest_invalid_id"


def test_products_and_variations_endpoints(timed: tuple[WooStore, ManualClock]) -> None:
    store, clock = timed
    api = Api(store)
    made = api.post("/products", {"name": "Enamel Camp Mug", "regular_price": "19.90", "sku": "MUG-1",
                                  "manage_stock": True, "stock_quantity": 5})  # fmt: skip
    assert made.status == 201 and made.body["stock_quantity"] == 5 and made.body["price"] == "19.90"
    assert api.post("/products", {"name": "Copy", "sku": "MUG-1"}).body["code"] == "product_invalid_sku"
    tee = api.post("/products", {"name": "Hiking Tee", "type": "variable"}).body
    clock.set(T0 + timedelta(minutes=10))
    variation = {"regular_price": "39.95", "sku": "TEE-M", "attributes": [{"name": "Size", "option": "M"}]}
    size_m = api.post(f"/products/{tee['id']}/variations", variation)
    assert size_m.status == 201 and size_m.body["name"] == "Hiking Tee &ndash; M"
    changed = api.put(f"/products/{tee['id']}/variations/{size_m.body['id']}", {"sale_price": "29.95"})
    assert changed.body["price"] == "29.95" and changed.body["on_sale"] is True
    assert [v["id"] for v in api.get(f"/products/{tee['id']}/variations").body] == [size_m.body["id"]]
    assert api.get(f"/products/{size_m.body['id']}").body["type"] == "variation"
    assert [p["id"] for p in api.get("/products?sku=MUG-1").body] == [made.body["id"]]
    api.put(f"/products/{made.body['id']}", {"regular_price": "21.00"})
    recent = api.get(f"/products?modified_after={quote((T0 + timedelta(minutes=5)).isoformat())}")
    assert [p["id"] for p in recent.body] == [made.body["id"]]
    assert api.get(f"/products/{tee['id']}").body["price"] == "29.95"
    assert api.delete(f"/products/{made.body['id']}").body["status"] == "trash"
    assert [p["id"] for p in api.get("/products").body] == [tee["id"]]


def test_taxes_endpoint(store: WooStore, api: Api) -> None:
    listed = api.get("/taxes")
    assert [(t["id"], t["rate"], t["class"], t["name"]) for t in listed.body] == [
        (1, "10.0000", "standard", "GST"),
        (2, "0.0000", "zero-rate", "GST free"),
    ]
    made = api.post("/taxes", {"country": "NZ", "rate": "15", "name": "GST", "shipping": True})
    assert made.status == 201 and made.body["rate"] == "15.0000"
    assert api.get("/taxes?class=zero-rate").headers["X-WP-Total"] == "1"


def test_webhooks_endpoint(store: WooStore, api: Api, receiver: Receiver) -> None:
    made = api.post("/webhooks", {"name": "Orders", "topic": "order.created", "delivery_url": receiver.url})
    assert made.status == 201 and len(made.body["secret"]) == 50  # a generated secret, shown once
    assert made.body["hooks"] == ["woocommerce_new_order"] and made.body["status"] == "active"
    assert len(receiver.pings()) == 1
    hook_id = made.body["id"]
    assert "secret" not in api.get(f"/webhooks/{hook_id}").body
    assert api.post("/webhooks", {"topic": "order.shipped", "delivery_url": receiver.url}).status == 400
    paused = api.put(f"/webhooks/{hook_id}", {"status": "paused"})
    assert paused.body["status"] == "paused"
    assert [w["id"] for w in api.get("/webhooks?status=paused").body] == [hook_id]
    assert api.delete(f"/webhooks/{hook_id}").status == 501
    assert api.call("DELETE", f"/webhooks/{hook_id}?force=true").status == 200
    assert api.get("/webhooks").body == []


def test_inspection_endpoints_need_no_credentials(store: WooStore, receiver: Receiver) -> None:
    store.add_webhook("order.created", receiver.url, secret="x")
    product = store.add_product("Mug", "10.00").id

    def call(method: str, path: str, payload: object = None) -> object:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(store.url + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read(), parse_float=Decimal)

    state = call("GET", "/_store/state")
    assert isinstance(state, dict) and state["consumer_key"] == store.consumer_key
    assert call("POST", "/_store/outage", {"outage": True})["outage"] is True  # type: ignore[index]
    store.place_order([(product, 1)], billing=ADDRESS)
    assert call("POST", "/_store/flush", {"timeout": 5}) == {"flushed": True}
    (record,) = call("GET", "/_store/deliveries")  # type: ignore[misc]
    assert record["status"] is None and record["failure_count"] == 1 and receiver.deliveries() == []


def test_concurrent_requests_and_deliveries_keep_the_store_consistent(store: WooStore, receiver: Receiver) -> None:
    store.add_webhook("order.created", receiver.url, secret="x")
    mug = store.add_product("Mug", "10.00", manage_stock=True, stock_quantity=1000).id
    api = Api(store)
    created: list[int] = []
    lock = threading.Lock()

    def shopper() -> None:
        for _ in range(10):
            reply = api.post("/orders", {"line_items": [{"product_id": mug, "quantity": 1}], "set_paid": True})
            assert reply.status == 201
            with lock:
                created.append(reply.body["id"])

    threads = [threading.Thread(target=shopper) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.flush_webhooks(20)
    assert len(set(created)) == 60 and store.state.products[mug].stock_quantity == 940
    assert sorted(json.loads(d.body)["id"] for d in receiver.deliveries()) == sorted(created)
