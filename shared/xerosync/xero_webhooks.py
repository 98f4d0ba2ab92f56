"""What the ingress function decides about one incoming Xero webhook (pure, stdlib only).

Xero signs every delivery with ``x-xero-signature`` = base64(HMAC-SHA256(raw body, webhook
key)) and wants, within 5 seconds, **200 with an empty body** for a correctly signed delivery and
**401** for anything else. That is also the whole of the "intent to receive" handshake: when a
webhook is created, re-enabled or moved, Xero sends signed deliveries with ``"events": []``, one
signed right and one wrong, and enables the webhook only when they are answered 200 and 401
(https://developer.xero.com/documentation/guides/webhooks/configuring-your-server).

Events are thin (an id, a category, a type): each INVOICE event goes on the Xero events queue in
the envelope the sync functions read, identified by the event itself (tenant, resource, time,
type), so a redelivered event is a duplicate; so does each CONTACT event (a contact made in Xero may
be created in the store: :mod:`xerosync.sync.from_xero`, a setting, off by default: the function
then answers it without a call). CREDITNOTE events are acknowledged and counted: nothing in the
store follows them yet.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import field
from datetime import UTC, datetime
from typing import Any

from xerosync.frozen import frozen
from xerosync.webhooks import ENVELOPE_VERSION, Enqueue

ACTED_ON = ("INVOICE", "CONTACT")  # event categories that reach the Xero events queue


def sign(body: bytes, key: str) -> str:
    """The value Xero puts in ``x-xero-signature`` for ``body``."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def verify(body: bytes, signature: str | None, key: str) -> bool:
    """True when ``signature`` is Xero's signature of ``body``; constant time."""
    if not signature or not key:
        return False
    return hmac.compare_digest(sign(body, key).encode("ascii"), signature.strip().encode("ascii", "replace"))


@frozen
class XeroDecision:
    status: int  # 200 or 401 (400 for a signed body that is not Xero's shape)
    outcome: str  # a short word for logs and metrics
    messages: tuple[Enqueue, ...] = ()
    log: dict[str, Any] = field(default_factory=dict)


def event_envelope(event: dict[str, Any], *, now: datetime | None = None) -> Enqueue | None:
    """The queue message for one Xero event (None for a category nothing acts on)."""
    category = str(event.get("eventCategory", "")).upper()
    resource_id = str(event.get("resourceId", ""))
    if category not in ACTED_ON or not resource_id:
        return None
    kind = str(event.get("eventType", "")).lower() or "update"
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"))
    resource = category.lower()
    envelope = {
        "v": ENVELOPE_VERSION,
        "source": "xero",
        "store": str(event.get("tenantId", "")),
        "topic": f"{resource}.{kind}",
        "resource": resource,
        "event": kind,
        "id": resource_id,
        "modified": event.get("eventDateUtc"),
        "sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "webhook_id": None,
        "delivery_id": None,
        "received_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "payload": canonical,
    }
    return Enqueue(queue="xero", body=json.dumps(envelope, separators=(",", ":")), group=f"{resource}:{resource_id}")


def decide_xero(
    headers: dict[str, str], raw_body: bytes, key: Callable[[], str], now: datetime | None = None
) -> XeroDecision:
    """Decide the answer to Xero and what to enqueue. ``headers`` have lower-case names."""
    if not verify(raw_body, headers.get("x-xero-signature"), key()):
        return XeroDecision(401, "bad_signature")
    try:
        payload = json.loads(raw_body)
    except ValueError:
        return XeroDecision(400, "not_json")
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        return XeroDecision(400, "not_xero_events")
    if not events:
        return XeroDecision(200, "intent_to_receive")
    messages = tuple(m for m in (event_envelope(e, now=now) for e in events if isinstance(e, dict)) if m)
    log = {
        "events": len(events),
        "enqueued": len(messages),
        "first_sequence": payload.get("firstEventSequence"),
        "last_sequence": payload.get("lastEventSequence"),
    }
    return XeroDecision(200, "enqueued" if messages else "ignored", messages, log)
