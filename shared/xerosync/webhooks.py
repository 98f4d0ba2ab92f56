"""What the ingress function decides about one incoming store webhook (pure, stdlib only).

The ingress function must answer WooCommerce fast and must stay light: this module imports
only the standard library. It verifies the signature over the raw body, answers the
creation ping, refuses what is not signed or not JSON, drops what we never sync, and wraps
everything else in a :class:`StoreEvent` envelope for the queue of its entity.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from xerosync.sources.woocommerce import signature

ENVELOPE_VERSION = 1

# Entity queues that exist, and which store resource feeds each.
QUEUE_FOR_RESOURCE = {
    "order": "orders",
    "customer": "contacts",
    "product": "items",  # variations arrive as product.* too
}
# Topics WooCommerce can send (WC_Webhook::get_default_topic_hooks). Known topics for a
# resource we do not sync yet are acknowledged and logged, like unknown ones.
KNOWN_RESOURCES = ("order", "customer", "product", "coupon")
KNOWN_EVENTS = ("created", "updated", "deleted", "restored", "published")
# Orders WooCommerce sometimes delivers although nobody ordered anything yet
# (block checkout drafts: WC issues #37958 and #66995).
DRAFT_ORDER_STATUSES = frozenset({"checkout-draft", "draft", "auto-draft"})

_PING_RE = re.compile(rb"^webhook_id=\d+$")


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


def _reply(status: int, outcome: str, message: str, **log: Any) -> Decision:
    return Decision(status=status, body={"message": message}, outcome=outcome, log=log)


def is_ping(raw_body: bytes, headers: dict[str, str]) -> bool:
    """WooCommerce's creation ping: form body ``webhook_id=N``, no signature, no topic."""
    return "x-wc-webhook-signature" not in headers and _PING_RE.match(raw_body.strip()) is not None


def decide_woocommerce(
    headers: dict[str, str], raw_body: bytes, secret: Callable[[], str], now: datetime | None = None
) -> Decision:
    """Decide what to answer WooCommerce and what, if anything, to enqueue.

    ``headers`` must have lower-case names (API Gateway HTTP APIs deliver them so).
    ``secret`` is called only when a signature has to be checked (never for the ping).
    """
    if is_ping(raw_body, headers):
        return _reply(200, "ping", "pong")

    sig = headers.get("x-wc-webhook-signature")
    if not sig:
        return _reply(401, "unsigned", "missing X-WC-Webhook-Signature")
    if not signature.verify(raw_body, sig, secret()):
        return _reply(401, "bad_signature", "signature does not match")

    try:
        payload = json.loads(raw_body)
    except ValueError:
        return _reply(400, "not_json", "body is not JSON")
    if not isinstance(payload, dict):
        return _reply(400, "not_json", "body is not a JSON object")

    topic = headers.get("x-wc-webhook-topic", "")
    resource, _, event = topic.partition(".")
    record_id = str(payload.get("id", ""))
    log = {"topic": topic, "resource_id": record_id, "webhook_id": headers.get("x-wc-webhook-id")}

    if resource not in KNOWN_RESOURCES or event not in KNOWN_EVENTS:
        return _reply(200, "unknown_topic", f"topic {topic!r} is not one we sync; ignored", **log)
    queue = QUEUE_FOR_RESOURCE.get(resource)
    if queue is None:
        return _reply(200, "not_synced", f"{resource} sync is not enabled; ignored", **log)
    if not record_id:
        return _reply(400, "no_id", f"{topic} payload has no id")
    status = payload.get("status")
    if resource == "order" and status in DRAFT_ORDER_STATUSES:
        return _reply(200, "draft_dropped", f"{status} orders are not synced", **log)

    received = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    envelope = {
        "v": ENVELOPE_VERSION,
        "source": "woocommerce",
        "store": headers.get("x-wc-webhook-source", ""),
        "topic": topic,
        "resource": resource,
        "event": event,
        "id": record_id,
        "modified": payload.get("date_modified_gmt"),
        "sha256": hashlib.sha256(raw_body).hexdigest(),
        "webhook_id": headers.get("x-wc-webhook-id"),
        "delivery_id": headers.get("x-wc-webhook-delivery-id"),
        "received_at": received,
        "payload": raw_body.decode("utf-8"),
    }
    message = Enqueue(queue=queue, body=json.dumps(envelope, separators=(",", ":")), group=f"{resource}:{record_id}")
    return Decision(
        status=202,
        body={"message": "accepted"},
        outcome="enqueued",
        enqueue=message,
        log={**log, "queue": queue},
    )
