"""What the ingress decides about one WooCommerce webhook delivery (pure, standard library only).

It verifies the signature over the raw body, answers the creation ping, refuses what is not
signed or not JSON, drops what xerosync never syncs, and wraps everything else in the envelope
of :mod:`xerosync.webhooks` for the queue of its entity.

WooCommerce signs the body only (``X-WC-Webhook-Signature``), never the topic header: a captured
signed order re-sent as ``order.deleted`` carries a valid signature. So the topic must agree with
the body before anything is enqueued, and a disagreement is refused (400): WooCommerce's body of
a ``*.deleted`` event is ``{"id": N}`` and nothing else (``WC_Webhook::build_payload``), any other
event carries the record itself, and only an order carries ``line_items``. The sync asks the store
again before it voids anything (:func:`xerosync.sync.orders.sync_sale`), and the event's kind is
part of its identity (a deletion is never a duplicate of the update whose body it replays).

Malformed input behind a valid signature (not UTF-8, nested too deep to parse, an ``id`` that is
not a number, a ``status`` or ``date_modified_gmt`` that is not text) is answered 400, never 500.
"""

import json
import re
from collections.abc import Callable
from datetime import datetime

from xerosync.sources.woocommerce import signature
from xerosync.webhooks import QUEUE_FOR_RESOURCE, Decision, envelope, reply

SOURCE = "woocommerce"
# Topics WooCommerce can send (WC_Webhook::get_default_topic_hooks). Known topics for a
# resource we do not sync yet are acknowledged and logged, like unknown ones.
KNOWN_RESOURCES = ("order", "customer", "product", "coupon")
KNOWN_EVENTS = ("created", "updated", "deleted", "restored", "published")
# Orders WooCommerce sometimes delivers although nobody ordered anything yet
# (block checkout drafts: WooCommerce issues #37958 and #66995).
DRAFT_ORDER_STATUSES = frozenset({"checkout-draft", "draft", "auto-draft"})

_PING_RE = re.compile(rb"^webhook_id=\d+$")


def is_ping(raw_body: bytes, headers: dict[str, str]) -> bool:
    """WooCommerce's creation ping: form body ``webhook_id=N``, no signature, no topic."""
    return "x-wc-webhook-signature" not in headers and _PING_RE.match(raw_body.strip()) is not None


def resource_of(resource: str) -> str:
    """``product`` for products and variations alike (variations fire ``product.*`` too)."""
    return "product" if resource in ("product", "variation") else resource


def record_id_of(value: object) -> str:
    """A WooCommerce id (a whole number above 0, as a number or as its digits), or ``""``."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return value.strip()
    return ""


def topic_mismatch(resource: str, event: str, payload: dict[str, object]) -> str:
    """Why ``payload`` cannot be the body WooCommerce sends for ``resource.event`` (empty when it can)."""
    if event == "deleted":
        extra = sorted(set(payload) - {"id"})
        return f"a deletion carries only the id, this body has {', '.join(extra[:5])}" if extra else ""
    if set(payload) <= {"id"}:
        return "only an id, which is the body of a deletion"
    if resource == "order" and not isinstance(payload.get("line_items"), list):
        return "an order carries its line_items"
    if resource != "order" and "line_items" in payload:
        return f"line_items are an order's, not a {resource}'s"
    return ""


def decide(
    headers: dict[str, str], raw_body: bytes, secret: Callable[[], str], now: datetime | None = None
) -> Decision:
    """Decide what to answer WooCommerce and what, if anything, to enqueue.

    ``headers`` must have lower-case names (API Gateway HTTP APIs deliver them so).
    ``secret`` is called only when a signature has to be checked (never for the ping).
    """
    if is_ping(raw_body, headers):
        return reply(200, "ping", "pong")

    sig = headers.get("x-wc-webhook-signature")
    if not sig:
        return reply(401, "unsigned", "missing X-WC-Webhook-Signature")
    if not signature.verify(raw_body, sig, secret()):
        return reply(401, "bad_signature", "signature does not match")

    try:
        payload = json.loads(raw_body.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8 (UnicodeDecodeError is a ValueError), not JSON, too deep
        return reply(400, "not_json", "body is not UTF-8 JSON")
    if not isinstance(payload, dict):
        return reply(400, "not_json", "body is not a JSON object")

    topic = headers.get("x-wc-webhook-topic", "")
    resource, _, event = topic.partition(".")
    record_id = record_id_of(payload.get("id"))
    log = {"topic": topic, "resource_id": record_id, "webhook_id": headers.get("x-wc-webhook-id")}

    if resource not in KNOWN_RESOURCES or event not in KNOWN_EVENTS:
        return reply(200, "unknown_topic", f"topic {topic!r} is not one we sync; ignored", **log)
    if resource not in QUEUE_FOR_RESOURCE:
        return reply(200, "not_synced", f"{resource} sync is not enabled; ignored", **log)
    if not record_id:
        return reply(400, "no_id", f"{topic} payload has no id (a whole number)", **log)
    mismatch = topic_mismatch(resource, event, payload)
    if mismatch:
        return reply(400, "topic_mismatch", f"the body is not a {topic} body: {mismatch}", **log)
    wrong = [name for name in ("status", "date_modified_gmt") if not isinstance(payload.get(name), str | None)]
    if wrong:
        return reply(400, "bad_field", f"{' and '.join(wrong)} must be text", **log)
    status = payload.get("status")
    if resource == "order" and status in DRAFT_ORDER_STATUSES:
        return reply(200, "draft_dropped", f"{status} orders are not synced", **log)

    message = envelope(
        source=SOURCE,
        store=headers.get("x-wc-webhook-source", ""),
        topic=topic,
        resource=resource,
        event=event,
        record_id=record_id,
        modified=payload.get("date_modified_gmt"),
        raw=raw_body,
        webhook_id=headers.get("x-wc-webhook-id"),
        delivery_id=headers.get("x-wc-webhook-delivery-id"),
        now=now,
    )
    return Decision(
        status=202,
        body={"message": "accepted"},
        outcome="enqueued",
        enqueue=message,
        log={**log, "queue": message.queue},
    )
