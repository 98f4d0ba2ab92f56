"""Bulk operations (shopify.dev/docs/api/usage/bulk-operations/queries).

``bulkOperationRunQuery(query:)`` validates the inner query (at least one connection, at most five,
nested two deep), refuses a second one while one runs (``OPERATION_IN_PROGRESS``), and runs it in
the background with no page size: every node of every connection. The result is JSONL, one object
a line: the top connection's nodes, and the nodes of nested connections on their own lines after
their parent with ``__parentId`` (``groupObjects: false``; ``true`` is accepted and gives the same
file - a simplification). ``url`` serves the file for 7 days on the shop's clock; ``currentBulkOperation``,
``bulkOperation(id:)`` and ``node(id:)`` report status, counts and size; bulk_operations/finish is
triggered when it completes.

As on Shopify, the operation does not hold up the shop's other requests while it runs: the worker
pickles the shop's customers, products and orders under the store's lock (:class:`Snapshot`, the
shop as it was when the operation started) and renders the export from that copy with the lock
released, so queries and mutations go on meanwhile (a month's export rendered under the lock kept
them waiting past a client's timeout). Payouts and balance transactions are read from the live
shop, each under the lock as any query reads them.
"""

import json
import pickle
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, get_named_type, parse, validate

from local.shopify_store.model import gid
from local.shopify_store.views import Ctx

if TYPE_CHECKING:
    from local.shopify_store.store import ShopifyStore

KEEP = timedelta(days=7)


@dataclass
class Operation:
    id: int
    query: str
    created_at: datetime
    status: str = "CREATED"
    completed_at: datetime | None = None
    content: bytes | None = None
    object_count: int = 0
    root_count: int = 0
    error_code: str | None = None


def _connections(node: Any, parent: Any, depth: int, found: list[int]) -> None:
    """The depth (0 = top) of every connection a query selects."""
    for sel in getattr(getattr(node, "selection_set", None), "selections", []) or []:
        if not isinstance(sel, FieldNode):
            _connections(sel, parent, depth, found)
            continue
        fields = getattr(parent, "fields", {}) or {}
        field = fields.get(sel.name.value)
        if field is None:
            continue
        named = get_named_type(field.type)
        if named.name.endswith("Connection"):
            found.append(depth)
            node_type = get_named_type(named.fields["nodes"].type)
            for sub in sel.selection_set.selections if sel.selection_set else []:
                if isinstance(sub, FieldNode) and sub.name.value == "nodes":
                    _connections(sub, node_type, depth + 1, found)
                elif isinstance(sub, FieldNode) and sub.name.value == "edges":
                    for inner in sub.selection_set.selections if sub.selection_set else []:
                        if isinstance(inner, FieldNode) and inner.name.value == "node":
                            _connections(inner, node_type, depth + 1, found)
        else:
            _connections(sel, named, depth, found)


def flatten(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSONL lines of a bulk query's answer (module doc)."""
    lines: list[dict[str, Any]] = []

    def nodes_of(conn: dict[str, Any]) -> list[dict[str, Any]]:
        if "nodes" in conn:
            return list(conn["nodes"])
        return [e["node"] for e in conn.get("edges", [])]

    def emit(obj: dict[str, Any], parent: str | None) -> None:
        line: dict[str, Any] = {}
        children: list[dict[str, Any]] = []
        for key, value in obj.items():
            if isinstance(value, dict) and ("edges" in value or "nodes" in value):
                children.extend(nodes_of(value))
            else:
                line[key] = value
        if parent is not None:
            line["__parentId"] = parent
        lines.append(line)
        for child in children:
            emit(child, obj.get("id"))

    for value in data.values():
        if isinstance(value, dict) and ("edges" in value or "nodes" in value):
            for item in nodes_of(value):
                emit(item, None)
    return lines


class Snapshot:
    """The store as a bulk operation reads it: its records as they were when the operation started
    (pickled under the store's lock, unpickled outside it) and its clock stopped there; everything
    else is the live store's. Its own ``lock`` lets the resolvers that take ``store.lock`` run
    without the store's."""

    def __init__(self, store: "ShopifyStore") -> None:
        from local.shopify_store.store import Records

        self._store = store
        with store.lock:  # only the pickling holds the lock: about 3x faster than copy.deepcopy
            self._now = store.now()
            frozen = pickle.dumps(
                (store.records.customers, store.records.products, store.records.orders), pickle.HIGHEST_PROTOCOL
            )
            subscriptions = dict(store.records.subscriptions)
        customers, products, orders = pickle.loads(frozen)  # noqa: S301 - our own bytes, just made
        self.records = Records(customers=customers, products=products, orders=orders, subscriptions=subscriptions)
        self.lock = threading.RLock()

    def now(self) -> datetime:
        return self._now

    @property
    def customers(self) -> dict[int, Any]:
        return self.records.customers

    @property
    def products(self) -> dict[int, Any]:
        return self.records.products

    @property
    def orders(self) -> dict[int, Any]:
        return self.records.orders

    def variant(self, variant_id: int) -> Any:
        return next((v for p in self.products.values() for v in p.variants if v.id == variant_id), None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class BulkOperations:
    def __init__(self, store: "ShopifyStore") -> None:
        self.store = store
        self.ops: dict[int, Operation] = {}
        self.gate = threading.Event()  # cleared: operations wait in CREATED (a test's way to see one running)
        self.gate.set()

    def view(self, ctx: Ctx, number: int) -> dict[str, Any] | None:
        op = self.ops.get(number)
        if op is None:
            return None
        done = op.status == "COMPLETED"
        return {
            "id": gid("BulkOperation", op.id), "status": op.status, "type": "QUERY", "errorCode": op.error_code,
            "createdAt": op.created_at, "completedAt": op.completed_at, "objectCount": op.object_count,
            "rootObjectCount": op.root_count, "fileSize": len(op.content) if done and op.content else None,
            "url": f"{self.store.url}/_bulk/{op.id}.jsonl" if done and op.object_count else None,
            "partialDataUrl": None, "query": op.query,
        }  # fmt: skip

    def current(self, ctx: Ctx, kind: str) -> dict[str, Any] | None:
        if kind != "QUERY" or not self.ops:
            return None
        return self.view(ctx, max(self.ops))

    def file(self, number: int) -> bytes | None:
        op = self.ops.get(number)
        if op is None or op.completed_at is None or self.store.now() > op.completed_at + KEEP:
            return None
        return op.content

    def run(self, ctx: Ctx, query: str, group: bool) -> dict[str, Any]:
        from local.shopify_store.graphql_api import schema

        def refuse(message: str, code: str = "INVALID") -> dict[str, Any]:
            return {"bulkOperation": None, "userErrors": [{"code": code, "field": ["query"], "message": message}]}

        busy = [o for o in self.ops.values() if o.status in ("CREATED", "RUNNING")]
        if busy:
            return refuse(f"A bulk query operation for this app and shop is already in progress: "
                          f"{gid('BulkOperation', busy[0].id)}.", "OPERATION_IN_PROGRESS")  # fmt: skip
        try:
            document = parse(query)
        except GraphQLError as err:
            return refuse(f"Invalid bulk query: {err.message}")
        problems = validate(schema(), document)
        if problems:
            return refuse(f"Invalid bulk query: {problems[0].message}")
        op_node = next((d for d in document.definitions if isinstance(d, OperationDefinitionNode)), None)
        if op_node is None or op_node.operation.value != "query":
            return refuse("Bulk queries must be queries.")
        depths: list[int] = []
        _connections(op_node, schema().query_type, 0, depths)
        if not depths:
            return refuse("Bulk queries must contain at least one connection.")
        if len(depths) > 5:
            return refuse("Bulk queries cannot contain more than 5 connections.")
        if max(depths) > 1:
            return refuse("Bulk queries cannot contain connections with a nesting depth greater than 2.")
        op = Operation(self.store.ids.next(), query, self.store.now())
        self.ops[op.id] = op
        threading.Thread(target=self._work, args=(op, document, ctx), daemon=True, name="shopify-bulk").start()
        return {"bulkOperation": self.view(ctx, op.id), "userErrors": []}

    def cancel(self, ctx: Ctx, number: int) -> dict[str, Any]:
        op = self.ops.get(number)
        if op is None:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
            }
        if op.status in ("CREATED", "RUNNING"):
            op.status = "CANCELED"
        return {"bulkOperation": self.view(ctx, number), "userErrors": []}

    def _work(self, op: Operation, document: Any, ctx: Ctx) -> None:
        from local.shopify_store.graphql_api import run

        store = self.store
        self.gate.wait()
        with store.lock:
            if op.status == "CANCELED":
                return
            op.status = "RUNNING"
        shop = Snapshot(store)  # the lock only while it pickles the records; rendered without it
        answer = run(Ctx(cast("ShopifyStore", shop), ctx.grant, ctx.version, bulk=True), document, {}, None)
        if op.status == "CANCELED":
            return
        if answer.get("errors"):
            op.status, op.error_code = "FAILED", "INTERNAL_SERVER_ERROR"
        else:
            lines = flatten(answer.get("data") or {})
            op.content = b"".join(json.dumps(line, separators=(",", ":")).encode() + b"\n" for line in lines)
            op.object_count = len(lines)
            op.root_count = len([line for line in lines if "__parentId" not in line])
            op.status = "COMPLETED"
        op.completed_at = store.now()
        store.trigger("bulk_operations/finish", {
            "admin_graphql_api_id": gid("BulkOperation", op.id), "completed_at": op.completed_at.isoformat(),
            "created_at": op.created_at.isoformat(), "error_code": op.error_code and op.error_code.lower(),
            "status": op.status.lower(), "type": "query"})  # fmt: skip
