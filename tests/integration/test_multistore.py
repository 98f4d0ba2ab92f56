"""Several stores, one Xero organisation: a WooCommerce stack and a Shopify stack, one sandbox
organisation, one budget (the Shopify stack's XeroBudgetTable names the WooCommerce stack's table).
The heavier runs: make multi-store, and make bench's multistore part."""

import os

from bench import multistore

# Light, for make test: one document per Xero request (several calls an order) on a clock barely
# faster than the wall's, so the two stacks ask for about twice the organisation's minute and only
# the shared governor keeps them under it (this machine applies ~3 calls a second: a call costs
# ~0.6 s of test however the limits are scaled). make multi-store pushes 200 orders each.
ORDERS = int(os.environ.get("XEROSYNC_MULTISTORE_ORDERS", "15"))


def test_a_woocommerce_and_a_shopify_stack_share_one_organisations_budget_and_never_exceed_it() -> None:
    clock = os.environ.get("XEROSYNC_TIME_SCALE")
    figures = multistore.run(
        ORDERS, scale=2.0, batching=False, timeout=240.0, sources=("woocommerce", "shopify"), log=lambda _: None
    )

    assert figures.drained, figures.summary()
    # Xero never had to refuse a call: the two stacks together kept to the organisation's limits
    assert figures.rejected == {}, figures.summary()
    assert figures.max_minute <= multistore.MINUTE_LIMIT, figures.summary()
    assert figures.peak_in_flight <= multistore.CONCURRENT_LIMIT, figures.summary()
    # both stores' orders landed, each store under its own invoice numbers, none failed; the Shopify
    # stack read its orders from the shop without being throttled
    assert set(figures.invoices) == {"WA", "SB"}, figures.summary()
    assert figures.store_api_calls and figures.store_api_throttled == 0, figures.summary()
    assert figures.dead_letters == 0 and figures.failed == 0, figures.summary()
    assert figures.max_minute >= multistore.MINUTE_LIMIT * 0.8, "not under load: " + figures.summary()
    # one budget, kept in the first stack's table only
    assert figures.budget_items["a"] > 0 and figures.budget_items["b"] == 0, figures.summary()
    assert os.environ.get("XEROSYNC_TIME_SCALE") == clock  # the run's simulated clock stays with the run
