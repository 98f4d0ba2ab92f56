"""The contract with xerosync's Shopify adapter: every GraphQL document in
``xerosync.sources.shopify.queries`` validates against the simulator's schema (a faithful subset of
Shopify's) and runs over HTTP against a shop with data, within Shopify's single-query cost limit.
A document added to the adapter without an entry in VARIABLES fails here until it is given one."""

import json
import time
import urllib.request
from typing import Any

import pytest
from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse, validate

from local.shopify_store import ShopifyStore
from local.shopify_store.cost import Limits
from local.shopify_store.graphql_api import schema
from local.shopify_store.model import gid
from tests.shopify_store.conftest import Admin, simple_order
from xerosync.sources.shopify import queries
from xerosync.sources.shopify.store import PAGE


def documents() -> dict[str, str]:
    found = {}
    for name, value in vars(queries).items():
        if name.isupper() and isinstance(value, str):
            try:
                parsed = parse(value)
            except GraphQLSyntaxError:  # a fragment of a document (field lists): not sent on its own
                parsed = None
            if parsed is not None and any(isinstance(d, OperationDefinitionNode) for d in parsed.definitions):
                found[name] = value
    return found


def variables(store: ShopifyStore, name: str, ids: dict[str, Any]) -> dict[str, Any]:
    table: dict[str, dict[str, Any]] = {
        "ORDER": {"id": ids["order"]}, "ORDER_LINE_ITEMS": {"id": ids["order"], "after": None},
        "ORDER_SHIPPING_LINES": {"id": ids["order"], "after": None},
        "REFUND_LINE_ITEMS": {"id": ids["refund"], "after": None},
        "REFUND_SHIPPING_LINES": {"id": ids["refund"], "after": None},
        "REFUND_ADJUSTMENTS": {"id": ids["refund"], "after": None},
        "REFUND_TRANSACTIONS": {"id": ids["refund"], "after": None},
        "REFUND": {"id": ids["refund"]},
        "ORDERS_UPDATED": {"first": PAGE["order"], "query": "updated_at:>'2020-01-01T00:00:00Z'"},
        "ORDERS_COUNT": {"query": "created_at:>='2020-01-01T00:00:00Z'"},
        "CUSTOMERS_UPDATED": {"first": PAGE["customer"]}, "CUSTOMER": {"id": ids["customer"]},
        "PRODUCTS_UPDATED": {"first": PAGE["product"]},
        "PRODUCT": {"id": ids["product"]}, "VARIANT": {"id": ids["variant"]}, "ORDER_STATUS": {"id": ids["order"]},
        "WEBHOOK_SUBSCRIPTIONS": {"first": 100},
        "WEBHOOK_SUBSCRIPTION_CREATE": {"topic": "ORDERS_UPDATED", "webhookSubscription": {
            "uri": "https://example.com/webhooks/shopify", "format": "JSON"}},
        "WEBHOOK_SUBSCRIPTION_DELETE": {"id": ids["subscription"]},
        "BULK_RUN_QUERY": {"query": queries.bulk_orders("created_at:>='2020-01-01T00:00:00+10:00'")},
        "CURRENT_BULK_OPERATION": {}, "BULK_OPERATION": {"id": "gid://shopify/BulkOperation/1"},
        "ORDER_MARK_AS_PAID": {"input": {"id": ids["unpaid"]}},
        "PRODUCT_VARIANTS_BULK_UPDATE": {"productId": ids["product"], "variants": [
            {"id": ids["variant"], "price": "21.00"}]},
        "PRODUCT_UPDATE": {"product": {"id": ids["product"], "title": "Mug (large)"}},
        "INVENTORY_SET_QUANTITIES": {"input": {"name": "available", "reason": "correction", "quantities": [
            {"inventoryItemId": ids["item"], "locationId": gid("Location", 655441491), "quantity": 7,
             "changeFromQuantity": None}]}},
        "VARIANT_INVENTORY": {"id": ids["variant"]}, "SHOP": {}, "ACCESS_SCOPES": {},
    }  # fmt: skip
    if name not in table:
        raise AssertionError(f"queries.{name} is new: give it variables here so that it is run against the simulator")
    return table[name]


@pytest.fixture
def shop(store: ShopifyStore, admin: Admin) -> dict[str, Any]:
    order = simple_order(store)
    refund = store.refund(order.id, lines=[(order.line_items[0].id, 1)], shipping=True)
    unpaid = simple_order(store, paid=False)
    product = next(iter(store.products.values()))
    sub = store.subscribe("ORDERS_CREATE", "https://example.com/hooks")
    return {"order": gid("Order", order.id), "refund": gid("Refund", refund.id), "unpaid": gid("Order", unpaid.id),
            "customer": gid("Customer", order.customer_id or 0), "product": gid("Product", product.id),
            "variant": gid("ProductVariant", product.variants[0].id),
            "subscription": gid("WebhookSubscription", sub.id),
            "item": gid("InventoryItem", product.variants[0].inventory_item_id)}  # fmt: skip


def test_every_adapter_document_validates_against_the_schema() -> None:
    found = documents()
    assert {"ORDER", "REFUND", "ORDERS_UPDATED", "BULK_RUN_QUERY"} <= set(found)
    for name, document in {**found, "bulk_orders": queries.bulk_orders("created_at:>='2026-07-01'")}.items():
        problems = validate(schema(), parse(document))
        assert not problems, f"queries.{name}: {[p.message for p in problems]}"


def test_every_adapter_document_runs_against_the_simulator(
    store: ShopifyStore, admin: Admin, shop: dict[str, Any]
) -> None:
    store.throttle.limits = Limits(maximum=1e6, restore_rate=1e6, max_cost=10**6)  # cost: the next test
    for name, document in documents().items():
        reply = admin.call(document, variables(store, name, shop))
        assert reply.status == 200 and "errors" not in reply.body, f"queries.{name}: {reply.body}"
        data = reply.body["data"]
        for payload in data.values():
            if isinstance(payload, dict) and "userErrors" in payload and name != "BULK_RUN_QUERY":
                assert payload["userErrors"] == [], f"queries.{name}: {payload['userErrors']}"
    order = admin.data(queries.ORDER, {"id": shop["order"]})["order"]
    assert order["refunds"] and order["lineItems"]["nodes"][0]["taxLines"]
    refund = admin.data(queries.REFUND, {"id": shop["refund"]})["refund"]
    assert refund["refundShippingLines"]["nodes"] and refund["transactions"]["nodes"][0]["kind"] == "REFUND"


KNOWN_OVER: set[str] = set()  # none: every document is within Shopify's single-query cap


def over_the_limit(store: ShopifyStore, admin: Admin, shop: dict[str, Any]) -> dict[str, int]:
    """The documents Shopify would refuse outright (MAX_COST_EXCEEDED), with their requested cost."""
    over = {}
    for name, document in documents().items():
        store.clock.advance(30)  # the bucket refills between calls, as it would between a sync's calls
        body = admin.call(document, variables(store, name, shop)).body
        if body.get("errors") and body["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED":
            over[name] = body["errors"][0]["extensions"]["cost"]
        else:
            assert "errors" not in body, f"queries.{name}: {body}"
    return over


def test_adapter_documents_stay_within_shopifys_single_query_cost(
    store: ShopifyStore, admin: Admin, shop: dict[str, Any]
) -> None:
    assert set(over_the_limit(store, admin, shop)) <= KNOWN_OVER


def test_the_refund_query_stays_within_shopifys_single_query_cost(
    store: ShopifyStore, admin: Admin, shop: dict[str, Any]
) -> None:
    assert "REFUND" not in over_the_limit(store, admin, shop)


def test_the_adapters_bulk_query_exports_orders_with_their_lines(
    store: ShopifyStore, admin: Admin, shop: dict[str, Any]
) -> None:
    started = admin.data(queries.BULK_RUN_QUERY, {"query": queries.bulk_orders("created_at:>='2020-01-01'")})
    assert started["bulkOperationRunQuery"]["userErrors"] == []
    for _ in range(200):
        op = admin.data(queries.CURRENT_BULK_OPERATION)["currentBulkOperation"]
        if op["status"] == "COMPLETED":
            break
        time.sleep(0.05)
    with urllib.request.urlopen(op["url"], timeout=10) as response:
        lines = [json.loads(line) for line in response.read().splitlines()]
    roots = [line for line in lines if "__parentId" not in line]
    assert {r["id"] for r in roots} == {shop["order"], shop["unpaid"]}
    assert {line["__parentId"] for line in lines if "__parentId" in line} == {shop["order"], shop["unpaid"]}
