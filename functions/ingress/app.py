"""Ingress: store webhooks in, one message per record on its entity queue; Xero webhooks in,
one message per invoice event on the Xero events queue.

Stays light on purpose (no xero-python, no pydantic): stores give up on a slow webhook (and
WooCommerce disables one after repeated failures), and Xero wants an answer within 5 s, so this
answers in milliseconds. The stack serves one store source (STORE_SOURCE); its adapter's
``webhook`` module decides on each delivery.
"""

import base64
import binascii
import json
from typing import Any

from xerosync.coldstart import cold_start

with cold_start():  # the import without the garbage collector's passes (xerosync.coldstart)
    from aws_lambda_powertools.metrics import MetricUnit

    from xerosync import sources
    from xerosync.aws import queues, secrets
    from xerosync.environment import current
    from xerosync.observability import logger, metrics
    from xerosync.webhooks import Enqueue, by_reference

    ENV = current().require("ORDERS_QUEUE_URL", "CONTACTS_QUEUE_URL", "ITEMS_QUEUE_URL", "WEBHOOK_SECRET_ARN")
    STORE_SOURCE = ENV.store_source or sources.DEFAULT
    STORE_ROUTE = "POST /webhooks/{source}"
    XERO_ROUTE = "POST /webhooks/xero"


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("routeKey") == XERO_ROUTE:
        return _xero(event)
    source = (event.get("pathParameters") or {}).get("source")
    if event.get("routeKey") != STORE_ROUTE or source != STORE_SOURCE:
        metrics.add_metric(name="webhook_no_route", unit=MetricUnit.Count, value=1)
        return _response(404, {"message": f"no such webhook route (this stack serves {STORE_SOURCE})"})
    decide = sources.decider(STORE_SOURCE)
    raw = _raw(event)
    if raw is None:
        metrics.add_metric(name="webhook_undecodable", unit=MetricUnit.Count, value=1)
        return _response(400, {"message": "the body could not be decoded"})
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}

    decision = decide(headers, raw, lambda: secrets.get_secret_string(ENV.webhook_secret_arn), None)
    _send(decision.messages)
    logger.info("webhook", extra={"outcome": decision.outcome, "status": decision.status, **decision.log})
    metrics.add_metric(name=f"webhook_{decision.outcome}", unit=MetricUnit.Count, value=1)
    return _response(decision.status, decision.body)


def _send(messages: tuple[Enqueue, ...]) -> None:
    """Put a delivery's messages on their queues (a record too large for SQS goes as a reference,
    which the sync function reads from the store). One that SQS does not take fails the delivery:
    the store sends it again, and what was taken the first time is then a duplicate."""
    if len(messages) == 1:
        [message] = messages
        queues.send(ENV.queue_urls[message.queue], by_reference(message.body), attributes={"record": message.group})
        return
    by_queue: dict[str, list[tuple[str, str, dict[str, str]]]] = {}
    for n, message in enumerate(messages):
        entry = (str(n), by_reference(message.body), {"record": message.group})
        by_queue.setdefault(message.queue, []).append(entry)
    failed = [f for queue, entries in by_queue.items() for f in queues.send_batch(ENV.queue_urls[queue], entries)]
    if failed:
        raise RuntimeError(f"{len(failed)} of the delivery's {len(messages)} messages could not be enqueued")


def _xero(event: dict[str, Any]) -> dict[str, Any]:
    """Xero wants 200 with an empty body (or 401) within 5 seconds; the events go on a queue.
    Its decision is imported on the first Xero delivery: a store's webhook never needs it."""
    from xerosync.xero_webhooks import decide_xero

    raw = _raw(event)
    if raw is None:
        return {"statusCode": 400, "headers": {}, "body": ""}
    decision = decide_xero(
        {k.lower(): v for k, v in (event.get("headers") or {}).items()},
        raw,
        lambda: secrets.get_secret_string(ENV.xero_webhook_key_secret_arn) if ENV.xero_webhook_key_secret_arn else "",
    )
    if decision.messages:
        failed = queues.send_batch(
            ENV.xero_events_queue_url,
            [(str(n), m.body, {"record": m.group}) for n, m in enumerate(decision.messages)],
        )
        if failed:  # Xero delivers again what was not answered 200
            raise RuntimeError(f"{len(failed)} Xero event(s) could not be enqueued")
    logger.info("xero webhook", extra={"outcome": decision.outcome, "status": decision.status, **decision.log})
    metrics.add_metric(name=f"xero_webhook_{decision.outcome}", unit=MetricUnit.Count, value=1)
    return {"statusCode": decision.status, "headers": {}, "body": ""}


def _raw(event: dict[str, Any]) -> bytes | None:
    """The body as the sender sent it; None when it cannot be (base64 that does not decode, text
    that is not Unicode): a malformed request is answered 400, never 500."""
    body = event.get("body") or ""
    try:
        if not isinstance(body, str):
            return None
        return base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
