"""The adapter's client under a batch: the records of one sync invocation run in threads that
share one client (xerosync.handlers), and each re-reads its order, a query Shopify charges its
whole requested cost for up front (182 points of a Standard shop's 2,000; 854 before issue 15) and gives the unused
part back after (62 of them used, here). The threads take turns at the bucket rather than all
being sent at once and all but two refused."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from local.shopify_store import LineSpec, ShopifyStore
from tests.shopify_store.conftest import CA_TAXES
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import Found, StoreUnavailable
from xerosync.sources.shopify.client import Credentials, ShopifyGraphQL
from xerosync.sources.shopify.store import ShopifyStore as ShopifyAdapterStore


def test_forty_threads_reading_orders_at_once_take_turns_and_shopify_throttles_none(store: ShopifyStore) -> None:
    # Given a Standard-plan shop (the simulator's bucket: 2,000 points, 100 a second) with 40 paid orders
    mug = store.add_product("Mug", [("Default Title", "20.00", "MUG-1")])
    line = LineSpec("Mug", Decimal("20.00"), 2, CA_TAXES, "MUG-1", mug.variants[0].id, mug.id)
    ids = [store.place_order([line], email=f"buyer{n}@example.com").id for n in range(40)]
    for order_id in ids:
        store.pay(order_id)
    credentials = Credentials(store.url, store.app.client_id, store.app.client_secret)
    shop = ShopifyAdapterStore(ShopifyGraphQL(credentials, tokens=MemoryTokens()))

    def read(order_id: int) -> Found | StoreUnavailable:
        try:
            return shop.fetch("order", str(order_id))
        except StoreUnavailable as exc:
            return exc

    # When a batch's 40 threads read their orders through one client at once
    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(read, ids))

    # Then Shopify answered THROTTLED to none; the orders are read while the bucket pays for them
    # (2,000 points at 62 an order and 100 a second: about 20, as the threads' timing goes, where
    # only two fit at once), the others go back to their queue with the time to wait
    assert store.throttle.refused == 0, store.throttle.refused
    found = [r for r in results if isinstance(r, Found)]
    assert len(found) >= 10 and all(f.raw["displayFinancialStatus"] == "PAID" for f in found)
    later = [r for r in results if isinstance(r, StoreUnavailable)]
    assert len(found) + len(later) == 40 and all(e.retry_after and e.retry_after >= 1 for e in later)
