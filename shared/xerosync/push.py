"""``xerosync push``: store records the operator names, through the queues like any webhook.

History moves only when asked: a date range of orders, "everything modified since the last
sync" (the reconciliation's watermark), or one record by id (an "instant sync"). Each record is
enqueued in the envelope a webhook would make (the store adapter's
:meth:`~xerosync.sources.port.StoreSource.message`), so the sync functions apply it exactly once:
a second push of the same records finds them in the mapping table (or drops them as duplicates
of the same state) and writes nothing new to Xero.
"""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Literal

from xerosync.frozen import frozen
from xerosync.reconcile import iso
from xerosync.sources.port import Found, Kind, StoreClient

Way = Literal["range", "since", "record"]
KINDS: tuple[Kind, ...] = ("order", "customer", "product")


@frozen
class Selection:
    """What to push."""

    kind: Way
    start: date | None = None  # range: orders created from this day ...
    end: date | None = None  # ... to this one, both included (the store's own dates)
    since: datetime | None = None  # since: records modified after this (store time, UTC)
    resource: Kind = "order"  # record: order | customer | product
    record_id: str = ""

    def describe(self) -> str:
        if self.kind == "range":
            return f"orders created {self.start} to {self.end}"
        if self.kind == "since":
            return f"what changed since {iso(self.since) if self.since else '?'} UTC (orders, products, customers)"
        return f"{self.resource} {self.record_id}"


def count(store: StoreClient, selection: Selection) -> int | None:
    """How many records the push will read, when the store can say up front."""
    if selection.kind == "record":
        return 1
    if selection.kind == "range":
        assert selection.start is not None and selection.end is not None
        return store.count_sales_created(selection.start, selection.end)
    return None  # what changed is only known while reading


def records(store: StoreClient, selection: Selection) -> Iterator[Found]:
    """Every record the selection names, as the store lists it."""
    if selection.kind == "record":
        yield store.fetch(selection.resource, selection.record_id)
    elif selection.kind == "range":
        assert selection.start is not None and selection.end is not None
        yield from store.sales_created(selection.start, selection.end)
    else:
        assert selection.since is not None
        yield from store.changed_since(selection.since, set(KINDS))
