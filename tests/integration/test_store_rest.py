"""Our WooCommerce REST client against the store simulator over HTTP: listings page by page with
WooCommerce's headers and date filters, and the writes xerosync makes (webhooks, products, orders)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from local.woo_store import WooStore
from local.woo_store.generate import ManualClock
from xerosync.reconcile import iso
from xerosync.sources.woocommerce.rest import StoreCredentials, StoreError, StoreUnavailable, WooClient

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def store() -> Iterator[WooStore]:
    clock = ManualClock(T0)
    woo = WooStore(clock=clock).start()
    woo.add_tax_rate("10", "GST", country="AU", priority=1)
    for n in range(130):  # two pages of 100
        clock.set(T0 + timedelta(seconds=n))
        woo.add_product(f"Product {n}", "10.00", sku=f"SKU-{n:03d}")
    yield woo
    woo.stop()


@pytest.fixture
def client(store: WooStore) -> WooClient:
    return WooClient(StoreCredentials(store.url, store.consumer_key, store.consumer_secret))


def test_every_record_is_read_across_pages(client: WooClient) -> None:
    ids = [p["id"] for p in client.records("products", {"orderby": "id", "order": "asc"})]
    assert len(ids) == 130 and ids == sorted(ids)
    assert client.total("products", {}) == 130  # X-WP-Total


def test_modified_after_excludes_its_bound_in_whole_seconds(client: WooClient) -> None:
    since = {"modified_after": iso(T0 + timedelta(seconds=99)), "dates_are_gmt": "true"}
    found = list(client.records("products", since))
    assert sorted(p["name"] for p in found) == sorted(f"Product {n}" for n in range(100, 130))


def test_writes_to_products_orders_and_webhooks(client: WooClient, store: WooStore) -> None:
    first = next(iter(store.state.products.values()))
    written = client.update_product(first.id, {"regular_price": "12.50", "manage_stock": True, "stock_quantity": 4})
    assert (written["regular_price"], written["stock_quantity"]) == ("12.50", 4)
    order = store.place_order([(first.id, 1)], billing={"email": "a@example.com", "country": "AU"}, status="on-hold")
    assert client.update_order(order.id, {"status": "processing"})["date_paid_gmt"]
    assert client.get("orders", order.id)["status"] == "processing"

    hook = client.create_webhook({"topic": "order.created", "delivery_url": "http://127.0.0.1:9/x", "secret": "s"})
    assert client.update_webhook(hook["id"], {"status": "paused"})["status"] == "paused"
    assert any(w["id"] == hook["id"] for w in client.webhooks())
    client.delete_webhook(hook["id"])
    assert all(w["id"] != hook["id"] for w in client.webhooks())


def test_a_wrong_key_is_refused_and_an_unreachable_store_is_transient(store: WooStore) -> None:
    wrong = WooClient(StoreCredentials(store.url, store.consumer_key, "cs_wrong"))
    with pytest.raises(StoreError, match="401"):
        wrong.get("orders", 1)
    down = WooClient(StoreCredentials("http://127.0.0.1:9", "ck", "cs"), timeout=2)
    with pytest.raises(StoreUnavailable):
        down.update_order(1, {"status": "processing"})
