"""What the ingress decides about one Acme webhook delivery (standard library only).

Acme signs the raw body with HMAC-SHA256 and sends it hex-encoded: ``X-Acme-Signature:
sha256=<hex>``. The body is an event: ``{"type": "<kind>.<change>", "eventId": "evt_...",
"shop": "<shop domain>", "sentAt": ..., "data": {<the record>}}``. Only the record is enqueued,
re-encoded canonically, so that its hash (the event's identity) is the record's state: the same
state sent again under another event id is a duplicate.
"""

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from xerosync.webhooks import Decision, envelope, reply

SOURCE = "acme_store"
SIGNATURE_HEADER = "x-acme-signature"
KINDS = ("order", "customer", "product")
CHANGES = {"changed": "updated", "deleted": "deleted"}  # Acme's word -> the envelope's event
CART = "cart"  # an order nobody has placed yet: never synced
# Acme's privacy requests (Shopify's bodies) -> the envelope's event (xerosync.sync.privacy)
PRIVACY_TOPICS = {
    "customer.redact": "redact",
    "customer.data_request": "data_request",
    "shop.redact": "shop_redact",
    "app.uninstalled": "uninstalled",
}


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def canonical(record: Any) -> bytes:
    """A record as the envelope carries it (sorted keys, compact): equal state, equal bytes."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decide(
    headers: dict[str, str], raw_body: bytes, secret: Callable[[], str], now: datetime | None = None
) -> Decision:
    """``headers`` have lower-case names; ``secret`` is read only when a signature is to be checked."""
    given = headers.get(SIGNATURE_HEADER, "").strip()
    if not given:
        return reply(401, "unsigned", "missing X-Acme-Signature")
    if not hmac.compare_digest(given.lower(), sign(raw_body, secret())):
        return reply(401, "bad_signature", "signature does not match")
    try:
        event = json.loads(raw_body)
    except ValueError:
        return reply(400, "not_json", "body is not JSON")
    if not isinstance(event, dict):
        return reply(400, "not_json", "body is not a JSON object")
    kind_change, record = event.get("type"), event.get("data")
    if not isinstance(kind_change, str) or not isinstance(record, dict):
        return reply(400, "malformed", 'an Acme event has a "type" and a "data" object')
    kind, _, change = kind_change.partition(".")
    log = {"topic": kind_change, "event_id": event.get("eventId")}
    if kind_change in PRIVACY_TOPICS:
        return _privacy(kind_change, record, str(event.get("shop") or ""), log, now)
    if kind not in KINDS or change not in CHANGES:
        return reply(200, "unknown_topic", f"Acme event {kind_change!r} is not one we sync; ignored", **log)
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id:
        return reply(400, "no_id", f"{kind_change} data has no string id")
    if kind == "order" and record.get("state") == CART:
        return reply(200, "draft_dropped", "carts are not synced", **log)
    message = envelope(
        source=SOURCE,
        store=str(event.get("shop") or ""),
        topic=kind_change,
        resource=kind,
        event=CHANGES[change],
        record_id=record_id,
        modified=record.get("updatedAt"),
        raw=canonical(record),
        delivery_id=str(event.get("eventId") or "") or None,
        now=now,
    )
    return Decision(202, {"message": "accepted"}, "enqueued", message, {**log, "queue": message.queue})


def _privacy(topic: str, body: dict[str, Any], shop: str, log: dict[str, Any], now: datetime | None) -> Decision:
    """A privacy request: resource ``privacy``, on the contacts queue. Its id is the request's own
    (no personal data), unique per request: the body's digest, so a repeated delivery is a duplicate."""
    raw = canonical(body)
    event = PRIVACY_TOPICS[topic]
    message = envelope(
        source=SOURCE,
        store=shop,
        topic=topic,
        resource="privacy",
        event=event,
        record_id=f"{event}-{hashlib.sha256(raw).hexdigest()[:16]}",
        modified=None,
        raw=raw,
        now=now,
    )
    return Decision(202, {"message": "accepted"}, "enqueued", message, {**log, "queue": message.queue})
