"""The cost-based leaky bucket: every answer reports its cost; a query above what is available is
THROTTLED with HTTP 200; points come back at the restore rate on the shop's clock (https://shopify.dev/docs/api/usage/limits)."""

from datetime import timedelta

from local.shopify_store import ShopifyStore
from local.shopify_store.cost import Limits
from tests.shopify_store.conftest import Admin, simple_order

LIST = "{ orders(first: 50) { nodes { id lineItems(first: 5) { nodes { id } } } } }"


def test_every_answer_reports_requested_and_actual_cost(store: ShopifyStore, admin: Admin) -> None:
    simple_order(store)
    store.clock.pin(store.now())  # no points restore while the query runs
    cost = admin.call(LIST).body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 50 * (1 + 2 + 5 * 1)  # connection 2 + first x node
    assert cost["actualQueryCost"] == 2 + 1 * (1 + 2 + 1)  # one order with one line came back
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 2000.0 and status["restoreRate"] == 100.0
    assert status["currentlyAvailable"] == 2000 - cost["actualQueryCost"]
    assert admin.call("{ shop { name } }").body["extensions"]["cost"]["requestedQueryCost"] == 1


def test_a_query_above_the_available_points_is_throttled_until_they_restore() -> None:
    store = ShopifyStore(limits=Limits(maximum=1000.0, restore_rate=50.0)).start()
    try:
        admin = Admin(store)
        start = store.now()
        store.clock.pin(start)
        store.throttle.drain((store.app.client_id, store.domain), start)
        refused = admin.call(LIST)  # requests 402 points, 0 available
        assert refused.status == 200 and "data" not in refused.body
        assert refused.body["errors"][0]["message"] == "Throttled"
        assert refused.body["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert refused.body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 0
        store.clock.pin(start + timedelta(seconds=8))  # 400 restored: still short of 402
        assert admin.call(LIST).body["errors"][0]["message"] == "Throttled"
        store.clock.pin(start + timedelta(seconds=9))  # 450
        assert "data" in admin.call(LIST).body
        huge = admin.call("{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }").body
        assert huge["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
        assert store.throttle.refused == 2
    finally:
        store.stop()
