"""History as one Shopify bulk operation: run the query, wait for it, read its JSONL.

A bulk query runs on Shopify's side, free of the cost limit, one at a time per app and shop;
its result is a JSONL file at a signed URL, each connection's node on its own line with its
parent's id in ``__parentId`` after the parent
(https://shopify.dev/docs/api/usage/bulk-operations/queries). :func:`orders` puts each order's
lines back in it, in the shape of :data:`~xerosync.sources.shopify.queries.ORDER` (its refunds as
summaries: a refund's lines are read when the sync needs them). Waiting for the operation is
the one wait in this adapter: a job (``xerosync push``, the drift report) asks for a range of
days and cannot go on without it; it gives up after :data:`MAX_WAIT` seconds.
"""

import json
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from xerosync.sources.port import StoreError, StoreUnavailable
from xerosync.sources.shopify import queries

MAX_WAIT = 600.0
# seconds between polls, the last one repeated: a payout's few hundred orders are ready in about a
# second, a year's history in minutes
POLL = (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
CHILDREN = {"LineItem": "lineItems", "ShippingLine": "shippingLines"}


class GraphQL(Protocol):
    def query(self, document: str, variables: Any = None) -> dict[str, Any]: ...

    def mutate(self, document: str, variables: Any, field_name: str) -> dict[str, Any]: ...

    def download(self, url: str) -> Iterator[str]: ...


def decimal(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


def created_between(start: date, end: date, zone: ZoneInfo) -> str:
    """Shopify's search for orders placed from ``start`` to ``end``, the shop's own days."""
    low = datetime.combine(start, day_time(), zone).isoformat()
    high = datetime.combine(end + timedelta(days=1), day_time(), zone).isoformat()
    return f"created_at:>='{low}' AND created_at:<'{high}'"


def run(api: GraphQL, query: str) -> str:
    """Start a bulk query; its id. Shopify runs one at a time: a running one means later."""
    current = api.query(queries.CURRENT_BULK_OPERATION).get("currentBulkOperation") or {}
    if current.get("status") in ("CREATED", "RUNNING", "CANCELING"):
        error = StoreUnavailable(f"Shopify is running another bulk operation ({current.get('id')})")
        error.retry_after = 60.0
        raise error
    started = api.mutate(queries.BULK_RUN_QUERY, {"query": query}, "bulkOperationRunQuery")
    operation = started.get("bulkOperation") or {}
    if not operation.get("id"):
        raise StoreError("Shopify started no bulk operation")
    return str(operation["id"])


def wait(
    api: GraphQL, operation_id: str, sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic
) -> str | None:
    """The result URL once the operation completed (None: it found nothing)."""
    deadline = clock() + MAX_WAIT
    for n in range(10_000):
        found = api.query(queries.BULK_OPERATION, {"id": operation_id}).get("node") or {}
        status = found.get("status")
        if status == "COMPLETED":
            return str(found["url"]) if found.get("url") else None
        if status in ("FAILED", "CANCELED", "EXPIRED"):
            raise StoreError(f"Shopify's bulk operation {operation_id} ended {status}: {found.get('errorCode')}")
        pause = POLL[min(n, len(POLL) - 1)]
        if clock() + pause > deadline:
            break
        sleep(pause)
    error = StoreUnavailable(f"Shopify's bulk operation {operation_id} is still running after {MAX_WAIT:.0f} s")
    error.retry_after = 300.0
    raise error


def assemble(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Orders from the JSONL, each with its lines back in place (children follow their parent)."""
    current: dict[str, Any] | None = None
    for line in lines:
        record = json.loads(line, parse_float=Decimal)
        parent = record.pop("__parentId", None)
        if parent is None:
            if current is not None:
                yield current
            current = {**record, "lineItems": {"nodes": []}, "shippingLines": {"nodes": []}}
            continue
        kind = str(record.get("id") or "").split("/")[-2:-1]
        where = CHILDREN.get(kind[0] if kind else "")
        if current is None or current.get("id") != parent or where is None:
            raise StoreError(f"Shopify's bulk result has a {kind} apart from its order {parent}")
        current[where]["nodes"].append(record)
    if current is not None:
        yield current


def orders(api: GraphQL, search: str, sleep: Callable[[float], None] = time.sleep) -> Iterator[dict[str, Any]]:
    """Every order matching ``search``, through one bulk operation."""
    url = wait(api, run(api, queries.bulk_orders(search)), sleep)
    if url is not None:
        yield from assemble(api.download(url))
