"""What the ingress function answers a store and puts on a queue (pure, standard library only).

The ingress must answer fast and stay light: this module, and every source's ``webhook`` module
that uses it, import only the standard library. A source's decision (its signature check, its
topics) returns a :class:`Decision`; everything it enqueues is a :func:`envelope`, the one shape
every sync function reads (:class:`xerosync.events.StoreEvent`), whoever made it: the ingress, the
reconciliation or ``xerosync push``.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ENVELOPE_VERSION = 1

# Entity queues that exist, and which store resource feeds each.
QUEUE_FOR_RESOURCE = {
    "order": "orders",
    "customer": "contacts",
    "product": "items",
    "privacy": "contacts",  # a store's privacy requests (xerosync.sync.privacy): event redact,
    # data_request, shop_redact or uninstalled; id unique per request; payload the store's body
}


@dataclass(frozen=True)
class Enqueue:
    """A message for the queue of ``queue`` (an entity queue name, e.g. ``orders``)."""

    queue: str
    body: str
    group: str  # "<resource>:<id>", the record this event is about


@dataclass(frozen=True)
class Decision:
    status: int
    body: dict[str, Any]
    outcome: str  # a short word for logs and metrics
    enqueue: Enqueue | None = None
    log: dict[str, Any] = field(default_factory=dict)


def reply(status: int, outcome: str, message: str, **log: Any) -> Decision:
    return Decision(status=status, body={"message": message}, outcome=outcome, log=log)


def envelope(
    *,
    source: str,
    store: str,
    resource: str,
    event: str,
    record_id: str,
    modified: str | None,
    raw: bytes,
    topic: str = "",
    webhook_id: str | None = None,
    delivery_id: str | None = None,
    now: datetime | None = None,
) -> Enqueue:
    """The queue message for one store event. ``raw`` is the payload byte for byte: its hash is
    the event's identity (equal state, equal hash), never the delivery id."""
    queue = QUEUE_FOR_RESOURCE[resource]
    body = {
        "v": ENVELOPE_VERSION,
        "source": source,
        "store": store,
        "topic": topic or f"{resource}.{event}",
        "resource": resource,
        "event": event,
        "id": record_id,
        "modified": modified,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "webhook_id": webhook_id,
        "delivery_id": delivery_id,
        "received_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "payload": raw.decode("utf-8"),
    }
    return Enqueue(queue=queue, body=json.dumps(body, separators=(",", ":")), group=f"{resource}:{record_id}")
