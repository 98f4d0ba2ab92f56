"""What the ingress decides about one WooCommerce webhook delivery (pure, standard library only).

It verifies the signature over the raw body, answers the creation ping, refuses what is not
signed or not JSON, drops what xerosync never syncs, and wraps everything else in the envelope
of :mod:`xerosync.webhooks` for the queue of its entity.
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
        payload = json.loads(raw_body)
    except ValueError:
        return reply(400, "not_json", "body is not JSON")
    if not isinstance(payload, dict):
        return reply(400, "not_json", "body is not a JSON object")

    topic = headers.get("x-wc-webhook-topic", "")
    resource, _, event = topic.partition(".")
    record_id = str(payload.get("id", ""))
    log = {"topic": topic, "resource_id": record_id, "webhook_id": headers.get("x-wc-webhook-id")}

    if resource not in KNOWN_RESOURCES or event not in KNOWN_EVENTS:
        return reply(200, "unknown_topic", f"topic {topic!r} is not one we sync; ignored", **log)
    if resource not in QUEUE_FOR_RESOURCE:
        return reply(200, "not_synced", f"{resource} sync is not enabled; ignored", **log)
    if not record_id:
        return reply(400, "no_id", f"{topic} payload has no id")
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
