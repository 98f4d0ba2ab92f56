"""The order read's requested cost (issue 15): Shopify takes a query's whole requested cost before
running it, computed from the ``first:`` of every connection times what one node selects
(https://shopify.dev/docs/api/usage/limits#cost-calculation). The adapter's first pages are small
(854 points requested before, of a Standard shop's 2,000), and a big order is still read to its
last line and refund, page by page, to the cent."""

from collections.abc import Iterator
from decimal import Decimal

import pytest
from graphql import OperationDefinitionNode, parse

from local.shopify_store import LineSpec, ShippingSpec, ShopifyStore
from local.shopify_store.arithmetic import refund_money, totals
from local.shopify_store.cost import Coster, Limits
from local.shopify_store.graphql_api import schema
from xerosync.config import parse_settings
from xerosync.domain import Sale
from xerosync.sources.shopify import queries
from xerosync.sources.shopify.adapter import SOURCE as SHOPIFY
from xerosync.sources.shopify.store import ShopifyStore as Adapter
from xerosync.sources.shopify.values import nodes

D = Decimal
ORDER_MAX, REFUND_MAX = 200, 100  # requested points; 854 and 817 before


def requested(document: str) -> int:
    parsed = parse(document)
    op = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    return Coster(schema(), parsed, {}).operation(op)


def test_the_order_and_refund_reads_request_a_small_cost() -> None:
    assert requested(queries.ORDER) <= ORDER_MAX, requested(queries.ORDER)
    assert requested(queries.REFUND) <= REFUND_MAX, requested(queries.REFUND)
    for follow in (*queries.ORDER_PAGES.values(), *queries.REFUND_PAGES.values()):
        assert requested(follow) <= 1000  # Shopify's single-query cap


def test_the_simulator_sizes_a_connection_by_its_first_argument() -> None:
    small = "query Q($id: ID!) { order(id: $id) { lineItems(first: 2) { nodes { id variant { id } } } } }"
    # the order 1, the connection 2 + first x (node 1 + variant 1)
    assert requested(small) == 1 + 2 + 2 * 2
    assert requested(small.replace("first: 2", "first: 20")) == 1 + 2 + 20 * 2


@pytest.fixture(scope="module")
def shop() -> Iterator[ShopifyStore]:
    store = ShopifyStore(limits=Limits(maximum=100_000, restore_rate=100_000)).start()
    yield store
    store.stop()


def test_a_big_order_is_read_completely_by_pages_and_to_the_cent(shop: ShopifyStore) -> None:
    rates = (("CA State Tax", D("0.06")), ("Los Angeles County Tax", D("0.0025")))
    lines = [LineSpec(f"Part {n}", D("3.17") + D(n) / 100, 1 + n % 3, rates, f"P-{n}") for n in range(300)]
    shipping = [ShippingSpec(f"Parcel {n}", D("5.00") + n, (rates[0],)) for n in range(3)]
    order = shop.place_order(lines, shipping=shipping)
    shop.pay(order.id)
    ids = [li.id for li in order.line_items]
    shop.refund(order.id, lines=[(i, 1) for i in ids[:12]], shipping=True)  # 12 lines, 3 shipping lines
    for n in range(1, 30):
        shop.refund(order.id, lines=[(ids[12 + n], 1)], amount=D("1.00") if n % 5 == 0 else None)
    store = SHOPIFY.client({"shop": shop.url, "client_id": shop.app.client_id, "client_secret": shop.app.client_secret})
    assert isinstance(store, Adapter)

    raw = store.order(str(order.id))
    assert raw is not None
    truth = totals(shop.orders[order.id])
    read_lines = nodes(raw["lineItems"])
    assert [li["id"].rsplit("/", 1)[1] for li in read_lines] == [str(i) for i in ids]
    assert sum(D(li["originalTotalSet"]["shopMoney"]["amount"]) for li in read_lines) == truth.line_items.shop
    assert len(nodes(raw["shippingLines"])) == 3
    assert sum(D(s["originalPriceSet"]["shopMoney"]["amount"]) for s in nodes(raw["shippingLines"])) == (
        truth.shipping.shop
    )
    refunds = raw["refunds"]
    assert len(refunds) == 30
    assert len(nodes(refunds[0]["refundLineItems"])) == 12
    assert len(nodes(refunds[0]["refundShippingLines"])) == 3
    assert not any(r[part]["pageInfo"]["hasNextPage"] for r in refunds for part in queries.REFUND_PAGES)
    money_back = sum(
        D(t["amountSet"]["shopMoney"]["amount"])
        for r in refunds
        for t in nodes(r["transactions"])
        if t["kind"] == "REFUND" and t["status"] == "SUCCESS"
    )
    assert money_back == truth.refunded.shop == sum(refund_money(r).shop for r in shop.orders[order.id].refunds)
    refunded_lines = sum(
        D(x["subtotalSet"]["shopMoney"]["amount"]) for r in refunds for x in nodes(r["refundLineItems"])
    )
    assert refunded_lines == sum(x.subtotal.shop for r in shop.orders[order.id].refunds for x in r.line_items)

    # what the books get from it: the order's total and tax, and every refund, to the cent
    sale = SHOPIFY.read("order", raw, parse_settings("{}"))
    assert isinstance(sale, Sale)
    assert (sale.total, sale.total_tax) == (truth.total.shop, truth.tax.shop)
    assert len(sale.lines) >= 300
    assert len(sale.refunds) == 30
    assert sum(r.amount for r in sale.refunds) == truth.refunded.shop
