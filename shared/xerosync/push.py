"""``xerosync push``: store records the operator names, through the queues like any webhook.

History moves only when asked: a date range of orders, "everything modified since the last
sync" (the reconciliation's watermark), or one record by id (an "instant sync"). Each record is
enqueued in the envelope a webhook would make (:mod:`xerosync.envelopes`), so the sync functions
apply it exactly once: a second push of the same records finds them in the mapping table (or
drops them as duplicates of the same state) and writes nothing new to Xero.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from xerosync.reconcile import iso

Kind = Literal["range", "since", "record"]
RECORD_RESOURCES = {"order": "orders", "customer": "customers", "product": "products"}


class StoreReader(Protocol):
    def records(self, resource: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]: ...

    def total(self, resource: str, params: dict[str, Any]) -> int: ...

    def get(self, resource: str, record_id: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Selection:
    """What to push."""

    kind: Kind
    start: date | None = None  # range: orders created from this day ...
    end: date | None = None  # ... to this one, both included (the store's own dates)
    since: datetime | None = None  # since: records modified after this (store time, UTC)
    resource: str = "order"  # record: order | customer | product
    record_id: int = 0

    def describe(self) -> str:
        if self.kind == "range":
            return f"orders created {self.start} to {self.end}"
        if self.kind == "since":
            return f"orders, products and new customers modified since {iso(self.since) if self.since else '?'} UTC"
        return f"{self.resource} {self.record_id}"


@dataclass(frozen=True)
class Listing:
    resource: str  # the REST collection: orders, products, customers, products/{id}/variations
    params: dict[str, Any]
    kind: str  # order | product | customer (the queue's resource)


def listings(selection: Selection) -> list[Listing]:
    """The store listings a selection reads (variations are listed per variable product later)."""
    if selection.kind == "range":
        assert selection.start is not None and selection.end is not None
        window = {
            "after": f"{selection.start - timedelta(days=1)}T23:59:59",  # exclusive bounds, the site's time
            "before": f"{selection.end + timedelta(days=1)}T00:00:00",
            "status": "any",
            "orderby": "id",
            "order": "asc",
        }
        return [Listing("orders", window, "order")]
    if selection.kind == "since":
        assert selection.since is not None
        window = {"modified_after": iso(selection.since), "dates_are_gmt": "true", "orderby": "id", "order": "asc"}
        return [
            Listing("orders", {**window, "status": "any"}, "order"),
            Listing("products", window, "product"),
            Listing("customers", {"orderby": "registered_date", "order": "desc"}, "customer"),
        ]
    return []


def count(store: StoreReader, selection: Selection) -> int | None:
    """How many records the push will read, when the store can say up front."""
    if selection.kind == "record":
        return 1
    if selection.kind == "range":
        return sum(store.total(listing.resource, listing.params) for listing in listings(selection))
    return None  # variations and new customers are only known while reading


def records(store: StoreReader, selection: Selection) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(resource, record)`` for every record the selection names."""
    if selection.kind == "record":
        yield selection.resource, store.get(RECORD_RESOURCES[selection.resource], selection.record_id)
        return
    for listing in listings(selection):
        for record in store.records(listing.resource, listing.params):
            if listing.kind == "order" and selection.kind == "range":
                day = str(record.get("date_created") or "")[:10]
                if (
                    selection.start
                    and selection.end
                    and not selection.start.isoformat() <= day <= selection.end.isoformat()
                ):
                    continue
            if listing.kind == "customer":
                registered = str(record.get("date_created_gmt") or "")
                if selection.since is not None and registered <= iso(selection.since):
                    break  # newest first
            yield listing.kind, record
            if listing.kind == "product" and record.get("type") == "variable":
                variations = f"products/{record['id']}/variations"
                for variation in store.records(variations, {"orderby": "id", "order": "asc"}):
                    yield "product", variation
