"""What the ingress decides about one Shopify webhook delivery (pure, standard library only).

Shopify signs each delivery with ``base64(HMAC-SHA256(raw body, the app's client secret))`` in
``X-Shopify-Hmac-Sha256``; the raw bytes are verified, never re-serialised JSON
(https://shopify.dev/docs/apps/build/webhooks/verify-deliveries). A wrong or missing signature
gets 401 and nothing is enqueued (what Shopify's privacy review checks for the mandatory
compliance topics: https://shopify.dev/docs/apps/build/privacy-law-compliance). After a secret
is rotated Shopify may sign with the old one for up to an hour, so the webhook secret may hold
both (:func:`secrets_of`).

Shopify gives up on a delivery after 5 s (https://shopify.dev/docs/apps/build/webhooks/best-practices),
so this decides in microseconds: verify, read the record's id and ``updated_at``, envelope it.

* ``orders/*`` and ``refunds/create`` go to the orders queue keyed by the **order** id: each says
  "order X changed", and the sync re-reads the order from the Admin API (the REST-shaped body
  lacks transactions and the refunds' money). orders/edited carries the edit, not the order:
  ``{"order_edit": {"id", "order_id", "committed_at", "line_items": {"additions", "removals"}, ...}}``
  (the docs' sample, https://shopify.dev/docs/api/webhooks/2026-07), so it is keyed by
  ``order_edit.order_id`` and stamped with ``committed_at``; it names the order only, and the
  sync reads the order as it stands after the edit;
* ``customers/create|update`` to contacts; ``products/create|update`` to items, as one message per
  variant (each variant is a Xero item: :func:`product_envelopes`) and one for the product itself;
* ``X-Shopify-Topic`` is not signed (the HMAC covers the body only), so ``orders/delete``, the
  one destructive topic, is taken only with Shopify's body of a deletion (``{"id": N}``): a captured
  order body re-sent as ``orders/delete`` is refused (400), and the sync asks the store before it
  voids anything. Malformed input behind a valid signature (not UTF-8, nested too deep, an id
  that is not a number or text, an ``updated_at`` that is not text) is answered 400, never 500;
* the privacy topics (``customers/data_request``, ``customers/redact``, ``shop/redact``) and
  ``app/uninstalled`` to the contacts queue as resource ``privacy`` (:func:`privacy_envelope`),
  for the core's privacy handling.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from xerosync.webhooks import ENVELOPE_VERSION, Decision, Enqueue, envelope, reference, reply

SOURCE = "shopify"
PRIVACY = "privacy"  # the envelope resource of the privacy topics and app/uninstalled
PRIVACY_QUEUE = "contacts"  # they concern people's data: the contacts function's queue

# topic -> (resource, event). refunds/create is about its order (the body's ``order_id``).
RECORD_TOPICS: dict[str, tuple[str, str]] = {
    "orders/create": ("order", "created"),
    "orders/updated": ("order", "updated"),
    "orders/paid": ("order", "paid"),
    "orders/cancelled": ("order", "cancelled"),
    "orders/edited": ("order", "edited"),
    "orders/delete": ("order", "deleted"),
    "refunds/create": ("order", "refunded"),
    "customers/create": ("customer", "created"),
    "customers/update": ("customer", "updated"),
    "customers/delete": ("customer", "deleted"),
    "products/create": ("product", "created"),
    "products/update": ("product", "updated"),
    "products/delete": ("product", "deleted"),
}
# Shopify's privacy topics and app/uninstalled -> the envelope's event (what xerosync.sync.privacy does)
PRIVACY_TOPICS: dict[str, str] = {
    "customers/data_request": "data_request",
    "customers/redact": "redact",
    "shop/redact": "shop_redact",
    "app/uninstalled": "uninstalled",
}


def sign(body: bytes, secret: str) -> str:
    """The value Shopify puts in ``X-Shopify-Hmac-Sha256`` for ``body``."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def secrets_of(value: str) -> list[str]:
    """The client secrets a webhook secret holds: the secret itself, or during a rotation
    ``{"client_secret": NEW, "previous_client_secret": OLD}`` (the credentials secret's shape
    works too), or a JSON list of secrets."""
    text = value.strip()
    if text[:1] in "[{":
        try:
            data = json.loads(text)
        except ValueError:
            return [text] if text else []
        if isinstance(data, dict):
            data = [data.get("client_secret"), data.get("previous_client_secret")]
        if isinstance(data, list):
            return [str(s) for s in data if isinstance(s, str) and s]
    return [text] if text else []


def verify(body: bytes, signature: str | None, secret: str) -> bool:
    """True when ``signature`` is Shopify's signature of ``body`` with one of the secrets
    ``secret`` holds; each comparison in constant time."""
    if not signature:
        return False
    given = signature.strip().encode("ascii", "replace")
    matches = [hmac.compare_digest(sign(body, s).encode("ascii"), given) for s in secrets_of(secret)]
    return any(matches)


# what Shopify's body of a deleted order holds (its docs' sample is {"id": N}; the GraphQL id is
# allowed beside it)
DELETION_KEYS = frozenset({"id", "admin_graphql_api_id"})


ORDER_EDIT = "order_edit"  # the orders/edited body's one key


def _record_id(payload: dict[str, Any], resource: str, topic: str) -> str:
    if topic == "orders/edited":
        edit = payload.get(ORDER_EDIT)
        value = edit.get("order_id") if isinstance(edit, dict) else None
    else:
        value = payload.get("order_id") if topic == "refunds/create" else payload.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return ""
    text = str(value).strip()
    return text if text.isprintable() and len(text) <= 100 else ""


def privacy_envelope(
    topic: str, payload: dict[str, Any], raw: bytes, headers: dict[str, str], now: datetime | None = None
) -> Enqueue | None:
    """The queue message of a privacy topic or ``app/uninstalled`` (None when it names no one):

    ``{"v": 1, "source": "shopify", "store": <shop domain>, "topic": <Shopify's topic>,
    "resource": "privacy", "event": data_request | redact | shop_redact | uninstalled,
    "id": "<event>-<sha256 of the body, 16 hex>", "modified": null, ...,
    "payload": <the body as Shopify sent it>}`` - the envelope of :func:`xerosync.webhooks.envelope`
    with resource ``privacy``, on the contacts queue. The id is the request's own (no personal data)
    and unique per request, so a repeated delivery is a duplicate and two requests in one batch stay
    two; the group names who it is about (``privacy:customer:<id>`` or ``privacy:shop:<id>``)."""
    event = PRIVACY_TOPICS[topic]
    customer = payload.get("customer")
    if topic.startswith("customers/"):
        customer_id = customer.get("id") if isinstance(customer, dict) else None
        subject = f"customer:{customer_id}" if customer_id not in (None, "") else ""
    else:  # shop/redact names the shop by shop_id; app/uninstalled carries the Shop itself
        shop_id = payload.get("shop_id", payload.get("id"))
        subject = f"shop:{shop_id}" if shop_id not in (None, "") else ""
    if not subject:
        return None
    record = f"{event}-{hashlib.sha256(raw).hexdigest()[:16]}"
    body = {
        "v": ENVELOPE_VERSION,
        "source": SOURCE,
        "store": headers.get("x-shopify-shop-domain", ""),
        "topic": topic,
        "resource": PRIVACY,
        "event": event,
        "id": record,
        "modified": None,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "webhook_id": headers.get("x-shopify-name"),
        "delivery_id": headers.get("x-shopify-webhook-id"),
        "received_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "payload": raw.decode("utf-8"),
    }
    return Enqueue(PRIVACY_QUEUE, json.dumps(body, separators=(",", ":")), f"{PRIVACY}:{subject}")


def decide(
    headers: dict[str, str], raw_body: bytes, secret: Callable[[], str], now: datetime | None = None
) -> Decision:
    """Decide what to answer Shopify and what, if anything, to enqueue. ``headers`` have
    lower-case names (API Gateway HTTP APIs deliver them so, and HTTP/2 sends them so)."""
    signature = headers.get("x-shopify-hmac-sha256")
    if not signature:
        return reply(401, "unsigned", "missing X-Shopify-Hmac-Sha256")
    if not verify(raw_body, signature, secret()):
        return reply(401, "bad_signature", "signature does not match")

    topic = headers.get("x-shopify-topic", "").strip()
    log: dict[str, Any] = {
        "topic": topic,
        "shop": headers.get("x-shopify-shop-domain"),
        "webhook_id": headers.get("x-shopify-webhook-id"),
        "event_id": headers.get("x-shopify-event-id"),
        "triggered_at": headers.get("x-shopify-triggered-at"),
        "api_version": headers.get("x-shopify-api-version"),
    }
    try:
        payload = json.loads(raw_body.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8 (UnicodeDecodeError is a ValueError), not JSON, too deep
        return reply(400, "not_json", "body is not UTF-8 JSON", **log)
    if not isinstance(payload, dict):
        return reply(400, "not_json", "body is not a JSON object", **log)
    if not topic:
        return reply(400, "no_topic", "missing X-Shopify-Topic", **log)

    if topic in PRIVACY_TOPICS:
        message = privacy_envelope(topic, payload, raw_body, headers, now)
        if message is None:
            return reply(400, "no_id", f"{topic} payload names no customer or shop", **log)
        return _accepted(message, {**log, "resource_id": json.loads(message.body)["id"]})

    if topic not in RECORD_TOPICS:
        return reply(200, "unknown_topic", f"topic {topic!r} is not one we sync; ignored", **log)
    resource, event = RECORD_TOPICS[topic]
    record_id = _record_id(payload, resource, topic)
    log["resource_id"] = record_id
    if not record_id:
        named = {"refunds/create": "order_id", "orders/edited": "order_edit.order_id"}.get(topic, "id")
        return reply(400, "no_id", f"{topic} payload has no {named}")
    if topic == "orders/delete" and set(payload) - DELETION_KEYS:
        extra = ", ".join(sorted(set(payload) - DELETION_KEYS)[:5])
        return reply(400, "topic_mismatch", f"the body is not an orders/delete body: it has {extra}", **log)
    edit = payload.get(ORDER_EDIT) if topic == "orders/edited" else None
    stamps = edit if isinstance(edit, dict) else payload
    modified = (
        stamps.get("updated_at") or stamps.get("committed_at") or stamps.get("processed_at") or stamps.get("created_at")
    )
    if modified is not None and not isinstance(modified, str):
        return reply(400, "bad_field", "updated_at must be text", **log)
    if resource == "product" and event != "deleted":
        try:
            messages = product_envelopes(topic, event, record_id, modified, payload, headers, now)
        except ValueError as problem:
            return reply(400, "bad_field", str(problem), **log)
        variants = [json.loads(m.body)["id"] for m in messages[1:]]
        return _accepted(messages[0], {**log, "variants": variants}, messages[1:])
    message = envelope(
        source=SOURCE,
        store=headers.get("x-shopify-shop-domain", ""),
        topic=topic,
        resource=resource,
        event=event,
        record_id=record_id,
        modified=str(modified) if modified and event != "deleted" else None,
        raw=raw_body,
        webhook_id=headers.get("x-shopify-name"),
        delivery_id=headers.get("x-shopify-webhook-id"),
        now=now,
    )
    return _accepted(message, log)


def _accepted(message: Enqueue, log: dict[str, Any], also: tuple[Enqueue, ...] = ()) -> Decision:
    return Decision(
        status=200,
        body={"message": "accepted"},
        outcome="enqueued",
        enqueue=message,
        log={**log, "queue": message.queue},
        also=also,
    )


VARIANT_GID = "gid://shopify/ProductVariant/"


def product_envelopes(
    topic: str,
    event: str,
    product_id: str,
    modified: str | None,
    payload: dict[str, Any],
    headers: dict[str, str],
    now: datetime | None,
) -> tuple[Enqueue, ...]:
    """A products/create or products/update delivery as the records it is about (ValueError for a
    body whose variants are not Shopify's shape):

    * the product itself (``product:<product id>``): which variants it has now, the body reduced
      to the product's id, title, status, ``updated_at`` and its variants' ids. A product is sold
      as its variants, so this makes no item; the sync notes a variant that is no longer there
      (its Xero item is kept: Xero items are never deleted, invoices refer to them);
    * each variant (``product:<variant id>``, the key the reconciliation lists it by): the product
      with that variant alone, stamped with the later of the product's and the variant's
      ``updated_at`` (a new product title renames every variant's item);
    * a variant named only in ``variant_gids`` (each variant's GraphQL id and ``updated_at``, in
      the docs' sample beside ``variants``: https://shopify.dev/docs/api/webhooks/2026-07), if the
      body lists fewer variants than the product has, by reference: the sync reads it from the
      Admin API.

    The parts are JSON made again from the verified body (sorted keys: equal state, equal hash)."""
    variants = payload.get("variants") or []
    gids = payload.get("variant_gids") or []
    if not isinstance(variants, list) or not all(isinstance(v, dict) for v in variants):
        raise ValueError("variants must be a list of objects")
    if not isinstance(gids, list) or not all(isinstance(g, dict) for g in gids):
        raise ValueError("variant_gids must be a list of objects")
    carried = {_variant_id(v.get("id")): v for v in variants}
    named = {_variant_id(str(g.get("admin_graphql_api_id") or "").removeprefix(VARIANT_GID)): g for g in gids}
    if "" in carried or "" in named:
        raise ValueError("a variant without an id")
    product_part = {k: payload.get(k) for k in ("id", "admin_graphql_api_id", "title", "status", "updated_at")}
    every = [*carried, *(i for i in named if i not in carried)]
    product_part["variants"] = [{"id": int(i) if i.isdigit() else i} for i in every]

    def made(record_id: str, at: str | None, part: dict[str, Any]) -> Enqueue:
        return envelope(
            source=SOURCE,
            store=headers.get("x-shopify-shop-domain", ""),
            topic=topic,
            resource="product",
            event=event,
            record_id=record_id,
            modified=at,
            raw=json.dumps(part, separators=(",", ":"), sort_keys=True).encode(),
            webhook_id=headers.get("x-shopify-name"),
            delivery_id=headers.get("x-shopify-webhook-id"),
            now=now,
        )

    whole = {k: v for k, v in payload.items() if k not in ("variants", "variant_gids")}
    messages = [made(product_id, modified, product_part)]
    for variant_id, variant in carried.items():
        messages.append(made(variant_id, _later(modified, variant.get("updated_at")), {**whole, "variants": [variant]}))
    for variant_id, named_only in named.items():
        if variant_id not in carried:
            at = _later(modified, named_only.get("updated_at"))
            messages.append(reference(made(variant_id, at, {"id": variant_id, "product_id": product_id, "at": at})))
    return tuple(messages)


def _variant_id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return ""
    text = str(value).strip()
    return text if text.isprintable() and 0 < len(text) <= 100 and "/" not in text else ""


def _later(first: str | None, second: Any) -> str | None:
    """The later of two of Shopify's times (ISO 8601 with an offset); either when the other is missing."""
    if not isinstance(second, str) or not second:
        return first
    if not first:
        return second
    try:
        a, b = datetime.fromisoformat(first), datetime.fromisoformat(second)
        return second if b > a else first
    except (ValueError, TypeError):  # not a time, or one without an offset: the product's own
        return first
