"""What the ingress decides about one Zoho CRM notification (pure, standard library only).

Zoho CRM's notification channels (``actions/watch``) POST JSON to the channel's ``notify_url``
(``/webhooks/zoho``): ``{server_time (ms), query_params, module, resource_uri, ids, affected_fields,
operation (insert|update|delete), channel_id, token}``, plus ``affected_values`` when the channel
asked for them. The body carries record **ids, never records**, and one POST carries the ids of one
API call (https://www.zoho.com/crm/developer/docs/api/v8/notifications/overview.html; the v7
"Enable Notifications" page's callback sample; https://github.com/zoho/crm-oas
``v8.0/notifications.json``).

Zoho signs nothing: the only proof a delivery comes from the channel is the ``token`` it was
enabled with, echoed in every body (at most 50 characters). It is compared in constant time with
the stack's channel token (the secret given as ``secret``); a body without it, or with another,
is answered 401 and nothing is decided. A body that is not a JSON object cannot carry a token and
is answered 400. Behind a good token, a malformed body (ids not a list of record ids, an unknown
operation, no ``server_time``) is answered 400 with the reason, never 500.

Each id becomes one message for the queue of its entity (Accounts, Contacts and Vendors:
``contacts``; Products: ``items``; Quotes, Sales Orders, Invoices and Purchase Orders: ``orders``)
on the record's key ``<resource>:<Module>:<id>``: Zoho's API addresses a record by its module and
its id, so the key names both. The message carries no record, only what the notification says of
it (:func:`named`: its id and module, marked :data:`PARTIAL`, and the notification's content for
that record: module, id, operation, ``server_time``, its affected fields and values): the source
first asks whether that is xerosync's own write coming back (then nothing is read or written), and
otherwise reads the record from the CRM. Its identity is the hash of that content, never the
channel, the token or the delivery: Zoho delivering one notification twice, or two channels delivering it,
yields messages with equal identities, which the core takes once; an id repeated within one body
is decided once. A module xerosync does not sync (a channel watching Deals) is acknowledged and
ignored.
"""

import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from xerosync.webhooks import Decision, Enqueue, envelope, reply

SOURCE = "zoho"
MODULE = "$module"  # the mark on each record the store client reads: its module's API name
PARTIAL = "$partial"  # a record named only (its id, times or notification): read whole by the sync
NOTIFICATION = "notification"  # what the notification said of a record named only
MAX_TOKEN = 50  # Zoho's limit on a channel's token
# the modules xerosync syncs -> the store resource (and so the entity queue) each feeds
RESOURCE_OF_MODULE = {
    "Accounts": "customer",
    "Contacts": "customer",
    "Vendors": "customer",
    "Products": "product",
    "Quotes": "order",
    "Sales_Orders": "order",
    "Invoices": "order",
    "Purchase_Orders": "order",
}
LAST_MS = 253_402_300_800_000  # year 10000: a server_time past it is no time (and no OverflowError)
EVENT_OF_OPERATION = {"insert": "created", "update": "updated", "delete": "deleted"}


def record_key(module: str, record_id: str) -> str:
    """The record id an envelope carries (``Invoices:5725767000011400011``): the module and the id,
    as Zoho's API addresses a record."""
    return f"{module}:{record_id}"


def named(module: str, record_id: str, notification: Mapping[str, Any]) -> dict[str, Any]:
    """The payload of a record a notification names: no record, the notification's word on it."""
    return {"id": record_id, MODULE: module, PARTIAL: True, NOTIFICATION: dict(notification)}


def _record_id(value: object) -> str:
    """A Zoho record id (digits, as text or a whole number), or ``""``."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return ""


def _token_ok(given: object, secret: Callable[[], str]) -> str:
    """Why the body's token does not authenticate it (empty when it does)."""
    if not isinstance(given, str) or not given:
        return "missing_token"
    expected = secret()
    if not expected:
        return "no_channel_token"  # the stack has none: nothing can be authenticated
    # bytes: compare_digest refuses non-ASCII text (a TypeError would be a 500)
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        return "bad_token"
    return ""


def _per_record(items: object, what: str) -> tuple[dict[str, Any], str]:
    """``affected_fields`` (``[{id: [fields]}]``) or ``affected_values`` (``[{record_id, values}]``)
    by record id, or the reason it is malformed."""
    if items is None:
        return {}, ""
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return {}, f"{what} must be a list of objects"
    found: dict[str, Any] = {}
    for item in items:
        if what == "affected_values":
            found[str(item.get("record_id"))] = item.get("values")
        else:
            found.update({str(k): v for k, v in item.items()})
    return found, ""


def decide(
    headers: dict[str, str], raw_body: bytes, secret: Callable[[], str], now: datetime | None = None
) -> Decision:
    """Decide what to answer Zoho and what, if anything, to enqueue.

    ``headers`` have lower-case names (unused: Zoho authenticates in the body). ``secret`` (the
    stack's channel token) is called only for a body that carries a token.
    """
    try:
        payload = json.loads(raw_body.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8 (UnicodeDecodeError is a ValueError), not JSON, too deep
        return reply(400, "not_json", "body is not UTF-8 JSON")
    if not isinstance(payload, dict):
        return reply(400, "not_json", "body is not a JSON object")

    channel = payload.get("channel_id")
    log: dict[str, Any] = {"channel_id": str(channel) if isinstance(channel, str | int) else None}
    refused = _token_ok(payload.get("token"), secret)
    if refused:
        return reply(401, refused, "the notification does not carry this stack's channel token", **log)

    module, operation = payload.get("module"), payload.get("operation")
    if not isinstance(module, str) or not module:
        return reply(400, "bad_field", "module must be a module's API name (text)", **log)
    log["crm_module"] = module  # not "module": a LogRecord attribute the ingress may not overwrite
    if not isinstance(operation, str) or operation not in EVENT_OF_OPERATION:
        return reply(400, "bad_field", f"operation must be one of {', '.join(EVENT_OF_OPERATION)}", **log)
    log["operation"] = operation
    server_time = payload.get("server_time")
    if not isinstance(server_time, int) or isinstance(server_time, bool) or not 0 < server_time < LAST_MS:
        return reply(400, "bad_field", "server_time must be Zoho's time in milliseconds (a whole number)", **log)
    ids = payload.get("ids")
    if not isinstance(ids, list) or not ids:
        return reply(400, "no_ids", "ids must be a non-empty list of record ids", **log)
    record_ids = [_record_id(i) for i in ids]
    if not all(record_ids):
        return reply(400, "bad_id", "every id must be a Zoho record id (digits)", **log)
    fields, problem = _per_record(payload.get("affected_fields"), "affected_fields")
    values, problem = (_per_record(payload.get("affected_values"), "affected_values")) if not problem else ({}, problem)
    if problem:
        return reply(400, "bad_field", problem, **log)
    unique = list(dict.fromkeys(record_ids))
    log["ids"] = len(unique)

    resource = RESOURCE_OF_MODULE.get(module)
    if resource is None:
        return reply(200, "not_synced", f"{module} is not a module xerosync syncs; ignored", **log)

    event = EVENT_OF_OPERATION[operation]
    modified = datetime.fromtimestamp(server_time / 1000, UTC).isoformat(timespec="milliseconds")
    store = _store_of(payload.get("resource_uri"))
    messages: list[Enqueue] = []
    for record_id in unique:
        said: Mapping[str, Any] = {
            "module": module,
            "id": record_id,
            "operation": operation,
            "server_time": server_time,
            "affected_fields": fields.get(record_id),
            "affected_values": values.get(record_id),
        }
        content = json.dumps(named(module, record_id, said), sort_keys=True, separators=(",", ":"), default=str)
        message = envelope(
            source=SOURCE,
            store=store,
            topic=f"{module}.{operation}",
            resource=resource,
            event=event,
            record_id=record_key(module, record_id),
            modified=modified,
            raw=content.encode("utf-8"),
            webhook_id=log["channel_id"],
            now=now,
        )
        messages.append(message)
    return Decision(
        status=200,
        body={"message": "accepted"},
        outcome="enqueued",
        enqueue=messages[0],
        also=tuple(messages[1:]),
        log={**log, "queue": messages[0].queue},
    )


def _store_of(resource_uri: object) -> str:
    """The API domain the notification names (``https://www.zohoapis.eu``), or ``""``."""
    if not isinstance(resource_uri, str):
        return ""
    base, found, _ = resource_uri.partition("/crm/")
    return base if found else ""
