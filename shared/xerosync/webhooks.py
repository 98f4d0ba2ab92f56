"""What the ingress function answers a store and puts on a queue (pure, standard library only).

The ingress must answer fast and stay light: this module, and every source's ``webhook`` module
that uses it, import only the standard library. A source's decision (its signature check, its
topics) returns a :class:`Decision`; everything it enqueues is a :func:`envelope`, the one shape
every sync function reads (:class:`xerosync.events.StoreEvent`), whoever made it: the ingress, the
reconciliation or ``xerosync push``.
"""

import hashlib
import json
from dataclasses import field
from datetime import UTC, datetime
from typing import Any

from xerosync.frozen import frozen

ENVELOPE_VERSION = 1

# SQS takes a message of up to 1 MiB, its body and its attributes together, and as much in one
# SendMessageBatch request (the API reference of SendMessageBatch; raised from 256 KiB in August
# 2025). A store record can be larger (an order with hundreds of lines): its envelope then goes
# without its payload, flagged ``by_reference``, and the sync function reads the record from the
# store (:func:`by_reference`). The margin is for the message's attributes (the record key, a
# reason when it is parked on a dead-letter queue).
MAX_MESSAGE_BYTES = 1_048_576
MAX_ENVELOPE_BYTES = MAX_MESSAGE_BYTES - 8 * 1024

# Entity queues that exist, and which store resource feeds each.
QUEUE_FOR_RESOURCE = {
    "order": "orders",
    "customer": "contacts",
    "product": "items",
    "privacy": "contacts",  # a store's privacy requests (xerosync.sync.privacy): event redact,
    # data_request, shop_redact or uninstalled; id unique per request; payload the store's body
}


@frozen
class Enqueue:
    """A message for the queue of ``queue`` (an entity queue name, e.g. ``orders``)."""

    queue: str
    body: str
    group: str  # "<resource>:<id>", the record this event is about


@frozen
class Decision:
    """What to answer the store, and the messages to enqueue: ``enqueue``, and ``also`` when one
    delivery is about several records (a product and each of its variants: each variant is an
    item of its own, on its own record key)."""

    status: int
    body: dict[str, Any]
    outcome: str  # a short word for logs and metrics
    enqueue: Enqueue | None = None
    log: dict[str, Any] = field(default_factory=dict)
    also: tuple[Enqueue, ...] = ()

    @property
    def messages(self) -> tuple[Enqueue, ...]:
        """Every message the delivery enqueues, in order (none when it is refused or ignored)."""
        return ((self.enqueue,) if self.enqueue is not None else ()) + self.also


def by_reference(body: str) -> str:
    """``body`` (an envelope) as a queue can take it: itself, or, over :data:`MAX_ENVELOPE_BYTES`,
    the envelope without its payload, flagged ``"by_reference": true`` with the payload's size.
    Its identity (source, resource, id, event, sha256) is the full event's, so a duplicate of the
    state is still a duplicate."""
    if len(body.encode("utf-8")) <= MAX_ENVELOPE_BYTES:
        return body
    data = json.loads(body)
    payload = data.get("payload") or ""
    reference = {**data, "payload": None, "by_reference": True, "payload_bytes": len(payload.encode("utf-8"))}
    return json.dumps(reference, separators=(",", ":"))


def reference(message: Enqueue) -> Enqueue:
    """``message`` without its payload, flagged ``by_reference``: a delivery that names a record
    without carrying it (the sync function reads it from the store, as for a record too large for
    its queue). Its identity (the hash of what the delivery said of it) is unchanged."""
    data = json.loads(message.body)
    body = {**data, "payload": None, "by_reference": True}
    return Enqueue(message.queue, json.dumps(body, separators=(",", ":")), message.group)


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
