"""The store's words a merchant maps (tax rates, payment gateways, order statuses), read by the
WooCommerce adapter from the store simulator over HTTP: what the store has, never a fixed list."""

from collections.abc import Iterator

import pytest

from local.woo_store import WooStore
from xerosync import sources
from xerosync.sources.port import StoreError, lists_of

pytestmark = pytest.mark.integration


@pytest.fixture
def store() -> Iterator[WooStore]:
    woo = WooStore().start()
    woo.add_tax_rate("10", "GST", country="AU", priority=1)
    woo.add_tax_rate("5", "Reduced", country="AU", state="VIC", priority=2, tax_class="reduced-rate")
    yield woo
    woo.stop()


def _client(woo: WooStore, secret: str | None = None) -> object:
    credentials = {"url": woo.url, "consumer_key": woo.consumer_key, "consumer_secret": secret or woo.consumer_secret}
    return sources.source("woocommerce").client(credentials)


def test_the_lists_are_the_stores_own(store: WooStore) -> None:
    store.add_gateway("square_credit_card", "Square", enabled=True)
    product = store.add_product("Tent", "100.00", sku="TENT")
    store.place_order([(product.id, 1)], status="on-hold", payment_method="bacs")
    lister = lists_of(_client(store))
    assert lister is not None
    lists = lister.store_lists()
    assert lists.tax_rates is not None and lists.gateways is not None and lists.statuses is not None
    assert [(c.value, c.label, c.note) for c in lists.tax_rates] == [
        ("1", "GST 10% (AU)", "rate code AU-GST-1"),
        ("2", "Reduced 5% (AU-VIC)", "rate code AU-VIC-REDUCED-2, class reduced-rate"),
    ]
    gateways = {c.value: c for c in lists.gateways}
    assert gateways["square_credit_card"].label == "Square"  # a gateway installed is offered
    assert gateways["cheque"].note == "disabled" and gateways["stripe"].note == ""
    statuses = {c.value: c for c in lists.statuses}
    assert statuses["on-hold"].label == "On hold" and statuses["on-hold"].note == "1 orders"
    assert "trash" not in statuses and statuses["pending"].note == "0 orders"
    assert lists.status_setting == "order_statuses"


def test_a_refused_key_is_a_store_error(store: WooStore) -> None:
    lister = lists_of(_client(store, secret="cs_wrong"))
    assert lister is not None
    with pytest.raises(StoreError, match=r"payment_gateways|taxes"):
        lister.store_lists()
