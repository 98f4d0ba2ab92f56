"""Xero webhooks in: the signature, the intent-to-receive handshake, which events reach the queue;
and what an invoice paid in Xero does to its store order."""

import base64
import hashlib
import hmac
import importlib
import json
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from local.events import SAMPLE_XERO_WEBHOOK_KEY
from local.xero_sandbox.webhooks import sign as sandbox_sign
from tests.conftest import ROOT, load_event
from tests.fakes import InMemoryMappings
from xerosync.config import StoreSettings, parse_settings
from xerosync.events import parse_envelope
from xerosync.sources.woocommerce.adapter import WooStore
from xerosync.sync.paid_in_xero import apply_xero_event
from xerosync.sync.ports import Mapping
from xerosync.xero_webhooks import decide_xero, sign, verify

KEY = "xero-webhook-key"
EVENT = {
    "resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/inv-1",
    "resourceId": "inv-1",
    "eventDateUtc": "2026-11-21T08:59:58.123",
    "eventType": "UPDATE",
    "eventCategory": "INVOICE",
    "tenantId": "tenant-1",
    "tenantType": "ORGANISATION",
}


def body(events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"events": events, "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "ABC"}).encode()


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    raw = body([EVENT])
    expected = base64.b64encode(hmac.new(KEY.encode(), raw, hashlib.sha256).digest()).decode()
    assert sign(raw, KEY) == expected == sandbox_sign(raw, KEY)
    assert verify(raw, expected, KEY)
    assert not verify(raw + b" ", expected, KEY)  # the raw bytes, never a re-serialisation
    assert not verify(raw, expected, "another key") and not verify(raw, None, KEY) and not verify(raw, expected, "")


def test_intent_to_receive_is_200_when_signed_right_and_401_otherwise() -> None:
    empty = body([])
    assert decide_xero({"x-xero-signature": sign(empty, KEY)}, empty, lambda: KEY).status == 200
    assert decide_xero({"x-xero-signature": sign(empty, KEY + "x")}, empty, lambda: KEY).status == 401
    assert decide_xero({}, empty, lambda: KEY).status == 401
    nothing_set = decide_xero({"x-xero-signature": sign(empty, "")}, empty, lambda: "")
    assert nothing_set.status == 401  # a key not set yet refuses everything


def test_invoice_and_contact_events_are_enqueued_in_the_sync_envelope_and_others_acknowledged() -> None:
    contact = {**EVENT, "eventCategory": "CONTACT", "eventType": "CREATE", "resourceId": "c-1"}
    note = {**EVENT, "eventCategory": "CREDITNOTE", "resourceId": "cn-1", "data": {"Type": "ACCRECCREDIT"}}
    raw = body([EVENT, contact, note])
    decision = decide_xero({"x-xero-signature": sign(raw, KEY)}, raw, lambda: KEY)
    assert decision.status == 200 and decision.log["events"] == 3
    message, made = decision.messages
    event = parse_envelope(message.body)
    assert (event.source, event.resource, event.id, event.key) == ("xero", "invoice", "inv-1", "invoice:inv-1")
    created = parse_envelope(made.body)  # a contact made in Xero may be created in the store
    assert (created.resource, created.event, created.key) == ("contact", "create", "contact:c-1")
    # Xero delivers an event again until it gets a 200: the same event is the same identity
    again = decide_xero({"x-xero-signature": sign(raw, KEY)}, raw, lambda: KEY)
    assert parse_envelope(again.messages[0].body).identity() == event.identity()
    later = {**EVENT, "eventDateUtc": "2026-11-21T09:30:00.000"}
    other = decide_xero({"x-xero-signature": sign(body([later]), KEY)}, body([later]), lambda: KEY)
    assert parse_envelope(other.messages[0].body).sha256 != event.sha256


def test_a_signed_body_that_is_not_xeros_shape_is_400() -> None:
    for raw in (b"not json", b'{"no": "events"}'):
        assert decide_xero({"x-xero-signature": sign(raw, KEY)}, raw, lambda: KEY).status == 400


# --- the ingress function, Xero route ----------------------------------------------------------
class Context:
    function_name = "ingress"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ingress"
    aws_request_id = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def ingress(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, list[tuple[str, str]]]]:
    for name in ("ORDERS", "CONTACTS", "ITEMS"):
        monkeypatch.setenv(f"{name}_QUEUE_URL", f"https://sqs.example/{name.lower()}")
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook")
    monkeypatch.setenv("XERO_WEBHOOK_KEY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:xero")
    monkeypatch.setenv("XERO_EVENTS_QUEUE_URL", "https://sqs.example/xero")
    monkeypatch.syspath_prepend(str(ROOT / "functions" / "ingress"))
    sys.modules.pop("app", None)
    app = importlib.import_module("app")
    sent: list[tuple[str, str]] = []

    def send_batch(url: str, messages: list[tuple[str, str, dict[str, str]]]) -> list[str]:
        sent.extend((url, m[1]) for m in messages)
        return []

    monkeypatch.setattr(app.queues, "send_batch", send_batch)
    monkeypatch.setattr(app.secrets, "get_secret_string", lambda arn: SAMPLE_XERO_WEBHOOK_KEY)
    yield app, sent
    sys.modules.pop("app", None)


def test_the_sample_intent_to_receive_pair_is_answered_200_and_401_with_empty_bodies(
    ingress: tuple[ModuleType, list[tuple[str, str]]],
) -> None:
    app, sent = ingress
    ok = app.lambda_handler(load_event("ingress", "xero-intent-to-receive.json"), Context())
    wrong = app.lambda_handler(load_event("ingress", "xero-intent-to-receive-wrong-signature.json"), Context())
    assert (ok["statusCode"], ok["body"]) == (200, "")
    assert (wrong["statusCode"], wrong["body"]) == (401, "")
    assert sent == []


def test_the_sample_invoice_event_goes_on_the_xero_events_queue(
    ingress: tuple[ModuleType, list[tuple[str, str]]],
) -> None:
    app, sent = ingress
    response = app.lambda_handler(load_event("ingress", "xero-invoice-update.json"), Context())
    assert (response["statusCode"], response["body"]) == (200, "")
    # the invoice, and the contact event (a contact made in Xero may be created in the store)
    assert [url for url, _ in sent] == ["https://sqs.example/xero"] * 2
    assert [parse_envelope(body).resource for _, body in sent] == ["invoice", "contact"]
    sample = load_event("xero_events", "sqs-batch.json")["Records"][0]["body"]
    assert parse_envelope(sent[0][1]).identity() == parse_envelope(sample).identity()


# --- an invoice paid in Xero ---------------------------------------------------------------------
MARK_PAID = parse_settings("pull: {mark_paid: true}")


class Lookup:
    def __init__(self, records: dict[str, str]) -> None:
        self.records = records

    def record_of(self, xero_id: str) -> str | None:
        return self.records.get(xero_id)


class Invoices:
    def __init__(self, status: str) -> None:
        self.status = status
        self.calls = 0

    def get_invoice(self, invoice_id: str) -> dict[str, Any]:
        self.calls += 1
        return {"InvoiceID": invoice_id, "InvoiceNumber": "WC-1001", "Status": self.status}


class Orders:
    def __init__(self, status: str = "on-hold", paid: str | None = None) -> None:
        self.order = {"id": 1001, "status": status, "date_paid_gmt": paid}
        self.updates: list[dict[str, Any]] = []

    def get(self, resource: str, record_id: int) -> dict[str, Any]:
        assert (resource, record_id) == ("orders", 1001)
        return self.order

    def update_order(self, order_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        self.updates.append(fields)
        return self.order


def paid_event() -> Any:
    decision = decide_xero({"x-xero-signature": sign(body([EVENT]), KEY)}, body([EVENT]), lambda: KEY)
    return parse_envelope(decision.messages[0].body)


def apply(settings: StoreSettings, xero: Invoices, store: Orders, mappings: InMemoryMappings | None = None) -> Any:
    """Through the WooCommerce adapter's client, over ``store`` standing in for its REST API."""
    return apply_xero_event(
        paid_event(),
        settings=settings,
        xero=xero,
        mappings=mappings or InMemoryMappings(),
        lookup=Lookup({"inv-1": "order:1001"}),
        store=WooStore(store),  # type: ignore[arg-type]
    )


def test_an_invoice_paid_in_xero_moves_its_waiting_order_to_processing() -> None:
    store = Orders()
    outcome = apply(MARK_PAID, Invoices("PAID"), store)
    assert outcome.action == "updated" and "paid in Xero" in outcome.reason
    assert store.updates == [{"status": "processing"}]


def test_the_cheap_checks_come_before_any_call_to_xero() -> None:
    xero, store = Invoices("PAID"), Orders()
    assert apply(StoreSettings(), xero, store).action == "skipped"  # the setting is off by default
    mappings = InMemoryMappings()
    mappings.put(Mapping("payment:1001", "pay-1"))
    assert apply(MARK_PAID, xero, store, mappings).action == "unchanged"  # xerosync paid it itself
    foreign = apply_xero_event(
        paid_event(),
        settings=MARK_PAID,
        xero=xero,
        mappings=InMemoryMappings(),
        lookup=Lookup({}),
        store=WooStore(store),  # type: ignore[arg-type]
    )
    assert foreign.action == "skipped" and "not an order invoice" in foreign.reason
    assert xero.calls == 0 and store.updates == []


def test_unpaid_invoices_and_orders_not_waiting_for_payment_change_nothing() -> None:
    store = Orders()
    assert apply(MARK_PAID, Invoices("AUTHORISED"), store).action == "skipped"
    assert apply(MARK_PAID, Invoices("PAID"), Orders(status="processing", paid="2026-11-21T08:00:00")).action == (
        "unchanged"
    )
    assert apply(MARK_PAID, Invoices("PAID"), Orders(status="cancelled")).action == "unchanged"
    assert store.updates == []
