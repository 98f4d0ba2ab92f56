"""Ingress: store webhooks in, one message per record on its entity queue.

Stays light on purpose (no xero-python, no pydantic): WooCommerce gives up after 60 s and
disables a webhook after repeated failures, so this answers in milliseconds.
"""

import base64
import json
import os
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from xerosync.aws import queues, secrets
from xerosync.observability import logger, metrics
from xerosync.webhooks import decide_woocommerce

QUEUE_URLS = {
    "orders": os.environ["ORDERS_QUEUE_URL"],
    "contacts": os.environ["CONTACTS_QUEUE_URL"],
    "items": os.environ["ITEMS_QUEUE_URL"],
}
WEBHOOK_SECRET_ARN = os.environ["WEBHOOK_SECRET_ARN"]
ROUTES = {"POST /webhooks/woocommerce": decide_woocommerce}


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    decide = ROUTES.get(event.get("routeKey", ""))
    if decide is None:
        metrics.add_metric(name="webhook_no_route", unit=MetricUnit.Count, value=1)
        return _response(404, {"message": "no such webhook route"})
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}

    decision = decide(headers, raw, lambda: secrets.get_secret_string(WEBHOOK_SECRET_ARN))
    if decision.enqueue:
        message = decision.enqueue
        queues.send(QUEUE_URLS[message.queue], message.body, attributes={"record": message.group})
    logger.info("webhook", extra={"outcome": decision.outcome, "status": decision.status, **decision.log})
    metrics.add_metric(name=f"webhook_{decision.outcome}", unit=MetricUnit.Count, value=1)
    return _response(decision.status, decision.body)


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
