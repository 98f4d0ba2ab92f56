"""Bulk operations: a query run in the background, its JSONL served by URL with children on their
own lines carrying ``__parentId`` (https://shopify.dev/docs/api/usage/bulk-operations/queries)."""

import json
import threading
import time
import urllib.request
from typing import Any

from local.shopify_store import ShopifyStore
from tests.shopify_store.conftest import Admin, simple_order

RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status }
  userErrors { code field message } } }"""
INNER = """{ orders(query: "financial_status:paid") { edges { node { id name totalPriceSet { shopMoney { amount } }
  lineItems { edges { node { id sku quantity } } } } } } }"""


def finished(admin: Admin) -> dict[str, Any]:
    for _ in range(200):
        op: dict[str, Any] = admin.data("{ currentBulkOperation { id status objectCount rootObjectCount url } }")[
            "currentBulkOperation"]  # fmt: skip
        if op["status"] == "COMPLETED":
            return op
        time.sleep(0.05)
    raise AssertionError("the bulk operation did not finish")


def test_a_bulk_query_exports_every_node_as_jsonl_with_parent_ids(store: ShopifyStore, admin: Admin) -> None:
    orders = [simple_order(store) for _ in range(3)]
    simple_order(store, paid=False)
    started = admin.data(RUN, {"q": INNER})["bulkOperationRunQuery"]
    assert started["userErrors"] == [] and started["bulkOperation"]["id"].startswith("gid://shopify/BulkOperation/")
    op = finished(admin)
    assert (op["rootObjectCount"], op["objectCount"]) == ("3", "6")
    with urllib.request.urlopen(op["url"], timeout=10) as response:
        lines = [json.loads(line) for line in response.read().splitlines()]
    roots = [line for line in lines if "__parentId" not in line]
    assert [r["id"] for r in roots] == [f"gid://shopify/Order/{o.id}" for o in orders]
    assert all("lineItems" not in r for r in roots)
    children = [line for line in lines if "__parentId" in line]
    assert [c["__parentId"] for c in children] == [r["id"] for r in roots]
    assert lines.index(children[0]) == lines.index(roots[0]) + 1  # a child follows its parent
    by_node = admin.data("query($id: ID!) { node(id: $id) { ... on BulkOperation { status } } }", {"id": op["id"]})
    assert by_node["node"]["status"] == "COMPLETED"


def test_bulk_queries_are_checked_and_one_runs_at_a_time(store: ShopifyStore, admin: Admin) -> None:
    refused = admin.data(RUN, {"q": "{ shop { name } }"})["bulkOperationRunQuery"]
    assert refused["userErrors"][0]["message"] == "Bulk queries must contain at least one connection."
    invalid = admin.data(RUN, {"q": "{ orders { nodes { colour } } }"})["bulkOperationRunQuery"]
    assert invalid["userErrors"][0]["code"] == "INVALID"
    store.bulk.gate.clear()  # the first operation waits to run
    first = admin.data(RUN, {"q": INNER})["bulkOperationRunQuery"]
    second = admin.data(RUN, {"q": INNER})["bulkOperationRunQuery"]
    store.bulk.gate.set()
    assert first["userErrors"] == []
    assert second["userErrors"][0]["code"] == "OPERATION_IN_PROGRESS"
    finished(admin)


def test_a_running_export_holds_up_no_other_request_and_reads_the_shop_as_it_started(
    store: ShopifyStore, admin: Admin, monkeypatch: Any
) -> None:
    """Shopify runs a bulk query in the background: the shop answers meanwhile. The simulator
    renders the export from a copy of the records made under the lock, so a query made while the
    export renders is answered at once, and a change made then is not in the file."""
    from local.shopify_store import graphql_api

    first = simple_order(store)
    rendering, release = threading.Event(), threading.Event()
    real_run = graphql_api.run

    def slow_run(ctx: Any, *args: Any) -> Any:
        if ctx.bulk:
            rendering.set()
            assert release.wait(10)
        return real_run(ctx, *args)

    monkeypatch.setattr(graphql_api, "run", slow_run)
    assert admin.data(RUN, {"q": INNER})["bulkOperationRunQuery"]["userErrors"] == []
    assert rendering.wait(10)
    began = time.monotonic()
    seen = admin.data("{ orders(first: 5) { nodes { id } } }")["orders"]["nodes"]
    assert time.monotonic() - began < 5 and [o["id"] for o in seen] == [f"gid://shopify/Order/{first.id}"]
    simple_order(store)  # a write while the export renders: the store's lock is free
    status = admin.data("{ currentBulkOperation { status } }")["currentBulkOperation"]["status"]
    assert status == "RUNNING"
    release.set()
    op = finished(admin)
    with urllib.request.urlopen(op["url"], timeout=10) as response:
        roots = [json.loads(line) for line in response.read().splitlines() if b"__parentId" not in line]
    assert [r["id"] for r in roots] == [f"gid://shopify/Order/{first.id}"]
