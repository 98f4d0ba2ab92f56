"""Queue messages for store records xerosync reads itself (the reconciliation, the drift report,
``xerosync push``), in exactly the envelope the ingress function makes of a webhook delivery.

So there is one sync path: whatever put a record on its queue, the same sync function applies it,
with the same idempotency and the same mapping table. The payload is the record as the store's
REST API returns it (a webhook carries the same representation), re-encoded the way WordPress
encodes a webhook body (``wp_json_encode``: compact, ``/`` escaped, non-ASCII as ``\\uXXXX``), so
that a state the store already delivered by webhook hashes to the same ``sha256`` and the
sync functions' idempotency drops it as a duplicate without touching Xero.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from xerosync.webhooks import DRAFT_ORDER_STATUSES, ENVELOPE_VERSION, QUEUE_FOR_RESOURCE


@dataclass(frozen=True)
class Message:
    """One message for the queue of ``queue`` (orders, contacts, items)."""

    queue: str
    key: str  # the record, as the mapping table and the sync log name it: "order:1001"
    body: str


def wp_json_encode(record: Any) -> bytes:
    """PHP ``json_encode`` with WordPress's default flags, as WooCommerce encodes a webhook body."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode("ascii")


def resource_of(record: dict[str, Any], resource: str) -> str:
    """``product`` for products and variations alike (variations fire ``product.*`` too)."""
    return "product" if resource in ("product", "variation") else resource


def store_message(
    resource: str,
    record: dict[str, Any],
    *,
    store_url: str,
    origin: str,
    now: datetime | None = None,
) -> Message | None:
    """The queue message for ``record`` (a REST representation), or None when the ingress would
    drop it too (a checkout draft). A trashed order becomes ``order.deleted`` with ``{"id": N}``,
    as WooCommerce's own webhook for the trash carries. ``origin`` (e.g. ``reconcile``) goes in
    ``delivery_id``: it says where the message came from, and, like a delivery id, is never part
    of the event's identity."""
    resource = resource_of(record, resource)
    queue = QUEUE_FOR_RESOURCE.get(resource)
    if queue is None:
        raise ValueError(f"no queue syncs {resource} records")
    record_id = str(record.get("id", ""))
    if not record_id:
        raise ValueError(f"a {resource} record without an id cannot be enqueued")
    status = record.get("status")
    if resource == "order" and status in DRAFT_ORDER_STATUSES:
        return None
    event = "updated"
    payload: dict[str, Any] = record
    if status == "trash":
        event, payload = "deleted", {"id": record["id"]}
    raw = wp_json_encode(payload)
    envelope = {
        "v": ENVELOPE_VERSION,
        "source": "woocommerce",
        "store": store_url,
        "topic": f"{resource}.{event}",
        "resource": resource,
        "event": event,
        "id": record_id,
        "modified": record.get("date_modified_gmt") if event != "deleted" else None,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "webhook_id": None,
        "delivery_id": origin,
        "received_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "payload": raw.decode("ascii"),
    }
    return Message(queue, f"{resource}:{record_id}", json.dumps(envelope, separators=(",", ":")))
