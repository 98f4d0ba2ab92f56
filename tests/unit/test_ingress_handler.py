"""The ingress Lambda handler with its AWS adapters replaced by fakes, fed the sample events."""

import base64
import importlib
import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT, load_event, loaded_by_handler_import

SAMPLE_SECRET = json.loads((ROOT / "events" / "woocommerce" / "deliveries.json").read_text())["webhook_secret"]


class Context:
    function_name = "ingress"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ingress"
    aws_request_id = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def ingress(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, list[tuple[str, str]]]]:
    # Given the ingress function configured as the template configures it
    monkeypatch.setenv("ORDERS_QUEUE_URL", "https://sqs.example/orders")
    monkeypatch.setenv("CONTACTS_QUEUE_URL", "https://sqs.example/contacts")
    monkeypatch.setenv("ITEMS_QUEUE_URL", "https://sqs.example/items")
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "xerosync")
    monkeypatch.syspath_prepend(str(ROOT / "functions" / "ingress"))
    sys.modules.pop("app", None)
    app = importlib.import_module("app")
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(app.queues, "send", lambda url, body, attributes=None: sent.append((url, body)) or "id")
    monkeypatch.setattr(app.secrets, "get_secret_string", lambda arn: SAMPLE_SECRET)
    yield app, sent
    sys.modules.pop("app", None)


def invoke(app: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = app.lambda_handler(event, Context())
    return result


def test_signed_sample_order_is_enqueued(ingress: tuple[ModuleType, list[tuple[str, str]]]) -> None:
    app, sent = ingress
    response = invoke(app, load_event("ingress", "order-created-1001.json"))
    assert response["statusCode"] == 202
    assert [url for url, _ in sent] == ["https://sqs.example/orders"]
    assert json.loads(sent[0][1])["id"] == "1001"


def test_forged_sample_is_401_and_enqueues_nothing(ingress: tuple[ModuleType, list[tuple[str, str]]]) -> None:
    app, sent = ingress
    response = invoke(app, load_event("ingress", "order-created-forged-signature.json"))
    assert response["statusCode"] == 401
    assert sent == []


def test_ping_sample_is_exactly_200(ingress: tuple[ModuleType, list[tuple[str, str]]]) -> None:
    app, sent = ingress
    event = load_event("ingress", "ping.json")
    assert event["isBase64Encoded"]  # API Gateway base64-encodes form bodies
    response = invoke(app, event)
    assert response["statusCode"] == 200
    assert sent == []


def test_non_json_body_is_400(ingress: tuple[ModuleType, list[tuple[str, str]]]) -> None:
    app, sent = ingress
    from local.woo import sign

    event = load_event("ingress", "order-created-1001.json")
    body = b"<html>not json</html>"
    event["body"] = base64.b64encode(body).decode()
    event["isBase64Encoded"] = True
    event["headers"]["x-wc-webhook-signature"] = sign(body, SAMPLE_SECRET)
    assert invoke(app, event)["statusCode"] == 400
    assert sent == []


def test_checkout_draft_sample_is_dropped(ingress: tuple[ModuleType, list[tuple[str, str]]]) -> None:
    app, sent = ingress
    assert invoke(app, load_event("ingress", "order-updated-1004.json"))["statusCode"] == 200
    assert sent == []


def test_unknown_route_is_404(ingress: tuple[ModuleType, list[tuple[str, str]]]) -> None:
    app, _ = ingress
    event = {**load_event("ingress", "order-created-1001.json"), "routeKey": "POST /webhooks/shopify"}
    assert invoke(app, event)["statusCode"] == 404


def test_ingress_imports_nothing_heavy() -> None:
    # Given a fresh interpreter laid out as Lambda lays out the ingress function
    env = {"ORDERS_QUEUE_URL": "q", "CONTACTS_QUEUE_URL": "q", "ITEMS_QUEUE_URL": "q", "WEBHOOK_SECRET_ARN": "s"}
    # When the handler module is imported
    heavy = loaded_by_handler_import(
        "ingress",
        (
            "xero_python",
            "pydantic",
            "httpx",
            "yaml",
            "aws_lambda_powertools.utilities.idempotency",  # the sync functions'
            "aws_lambda_powertools.utilities.data_classes",
            "xerosync.handlers",
            "xerosync.wiring",
            "xerosync.config",
            "xerosync.sync",
            "xerosync.xero",
            "xerosync.xero_webhooks",  # on the first Xero delivery only
            "boto3.dynamodb",  # DynamoDB's conditions and attribute values: the ingress uses no table
        ),
        env,
    )
    # Then neither xero-python nor pydantic, nor the sync machinery, nor the Xero webhook's decision, nor
    # DynamoDB's helpers were loaded
    assert heavy == []
