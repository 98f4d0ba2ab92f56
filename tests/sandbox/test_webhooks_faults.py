"""Signed Xero webhooks to a receiver, and faults on demand (seeded, replayable)."""

import base64
import hashlib
import hmac
import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from local.xero_sandbox.faults import ConnectionDropped, Faults
from tests.sandbox.conftest import Box, contact, invoice, line, pay

KEY = "webhook-key-from-the-developer-portal"


class Receiver:
    """A webhook endpoint that checks Xero's signature the way a correct receiver must."""

    def __init__(self, honest: bool = True) -> None:
        self.bodies: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                expected = base64.b64encode(hmac.new(KEY.encode(), raw, hashlib.sha256).digest()).decode()
                valid = hmac.compare_digest(expected, self.headers.get("x-xero-signature", ""))
                if valid or not honest:
                    receiver.bodies.append(json.loads(raw))
                self.send_response(200 if valid or not honest else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xero/webhooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


def test_intent_to_receive_reports_a_correct_receiver_as_passed(box: Box, receiver: Receiver) -> None:
    subscription = box.sandbox.subscribe_webhooks(receiver.url, KEY)
    assert subscription.intent is not None and subscription.intent.passed
    assert receiver.bodies[0]["events"] == [] and receiver.bodies[0]["entropy"]
    careless = Receiver(honest=False)
    try:
        intent = box.sandbox.webhooks.intent_to_receive(careless.url, KEY)
        assert (intent.signed_status, intent.unsigned_status, intent.passed) == (200, 200, False)
    finally:
        careless.close()


def test_creates_and_updates_are_delivered_signed_in_xeros_shape(box: Box, receiver: Receiver) -> None:
    box.sandbox.subscribe_webhooks(receiver.url, KEY)
    receiver.bodies.clear()
    who = contact(box, "Hooked")
    made = invoice(box, who)
    box.call("POST", f"/Contacts/{who}", {"Contacts": [{"FirstName": "H"}]})
    note = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": who}, "LineItems": [line()]}
    credit = box.call("PUT", "/CreditNotes", {"CreditNotes": [note]}).body["CreditNotes"][0]
    box.call("GET", "/Contacts")  # reads fire nothing
    deliveries = box.sandbox.deliver_webhooks()
    assert [d.status for d in deliveries] == [200]
    [body] = receiver.bodies
    assert (body["firstEventSequence"], body["lastEventSequence"]) == (1, 4) and len(body["entropy"]) == 20
    seen = [(e["eventCategory"], e["eventType"], e["resourceId"]) for e in body["events"]]
    assert seen == [
        ("CONTACT", "CREATE", who),
        ("INVOICE", "CREATE", made["InvoiceID"]),
        ("CONTACT", "UPDATE", who),
        ("CREDITNOTE", "CREATE", credit["CreditNoteID"]),
    ]
    event = body["events"][1]
    assert event["tenantId"] == box.org.tenant_id and event["tenantType"] == "ORGANISATION"
    assert event["resourceUrl"] == f"{box.url}/api.xro/2.0/Invoices/{made['InvoiceID']}"
    assert body["events"][3]["data"] == {"Type": "ACCRECCREDIT", "Status": "DRAFT"}
    assert box.sandbox.deliver_webhooks() == []  # nothing left


def test_undelivered_events_stay_queued(box: Box) -> None:
    box.sandbox.subscribe_webhooks("http://127.0.0.1:9/nobody", KEY, intent_to_receive=False)
    contact(box, "Queued")
    assert box.sandbox.deliver_webhooks()[0].status is None
    assert box.sandbox.webhooks.pending() == 1


def test_the_webhooks_match_the_spec(box: Box, receiver: Receiver) -> None:
    import yaml
    from jsonschema import Draft202012Validator

    from tests.conftest import reference_file

    spec = yaml.safe_load(reference_file("xero", "xero-webhooks.yaml").read_text())
    schema = {**spec["components"]["schemas"]["CreditNoteWebhookEvent"], "components": spec["components"]}
    box.sandbox.subscribe_webhooks(receiver.url, KEY, intent_to_receive=False)
    who = contact(box)
    box.call(
        "PUT",
        "/CreditNotes",
        {"CreditNotes": [{"Type": "ACCRECCREDIT", "Contact": {"ContactID": who}, "LineItems": [line()]}]},
    )
    box.sandbox.deliver_webhooks()
    body = receiver.bodies[-1]
    credit_events = {**body, "events": [e for e in body["events"] if e["eventCategory"] == "CREDITNOTE"]}
    assert list(Draft202012Validator(schema).iter_errors(credit_events)) == []


def test_faults_are_seeded_so_a_run_replays() -> None:
    def run(seed: int) -> list[bool]:
        faults = Faults(seed)
        faults.add("error", endpoint="PUT /Invoices", rate=0.3)
        return [faults.draw("t", "PUT /Invoices") is not None for _ in range(50)]

    assert run(7) == run(7) and run(7) != run(8)
    assert 5 < sum(run(7)) < 25


def test_error_and_next_n_faults(box: Box) -> None:
    box.sandbox.faults.next(2, "error", endpoint="GET /Contacts", status=503)
    assert [box.call("GET", "/Contacts").status for _ in range(3)] == [503, 503, 200]
    box.sandbox.faults.next(1, "error", tenant="someone-else")
    assert box.call("GET", "/Contacts").status == 200


def test_a_dropped_connection_does_nothing(box: Box) -> None:
    box.sandbox.faults.next(1, "drop", endpoint="PUT /Contacts")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, OSError)):
        box.call("PUT", "/Contacts", {"Contacts": [{"Name": "Never"}]})
    assert box.org.contacts == {}


def test_a_lost_response_commits_the_write_and_an_idempotency_key_saves_the_retry(box: Box) -> None:
    who = contact(box)
    body = {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": who}, "LineItems": [line()]}]}
    box.sandbox.faults.next(1, "lost_response", endpoint="PUT /Invoices")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, OSError)):
        box.call("PUT", "/Invoices", body, headers={"Idempotency-Key": "order-1"})
    assert len(box.org.invoices) == 1  # committed although nobody heard the answer
    retry = box.call("PUT", "/Invoices", body, headers={"Idempotency-Key": "order-1"})
    assert retry.status == 200 and len(box.org.invoices) == 1
    naive = box.call("PUT", "/Invoices", body)  # a retry without a key duplicates, as in Xero
    assert naive.status == 200 and len(box.org.invoices) == 2


def test_in_process_handle_raises_connection_dropped(box: Box) -> None:
    box.sandbox.faults.next(1, "lost_response")
    headers = {"Authorization": f"Bearer {box.access}", "xero-tenant-id": box.org.tenant_id}
    with pytest.raises(ConnectionDropped) as caught:
        box.sandbox.handle("PUT", "/api.xro/2.0/Contacts", headers, json.dumps({"Name": "Lost"}).encode())
    assert caught.value.committed and len(box.org.contacts) == 1


def test_slow_responses_take_their_time(box: Box) -> None:
    import time

    box.sandbox.faults.next(1, "slow", delay=0.3)
    started = time.monotonic()
    assert box.call("GET", "/Organisation").status == 200
    assert time.monotonic() - started >= 0.3


def test_a_hung_request_waits_then_drops_without_doing_anything(box: Box) -> None:
    import time

    box.sandbox.faults.next(1, "hang", endpoint="PUT /Contacts", delay=0.3)
    started = time.monotonic()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, OSError)):
        box.call("PUT", "/Contacts", {"Contacts": [{"Name": "Never"}]})
    assert time.monotonic() - started >= 0.3 and box.org.contacts == {}


def test_payments_update_their_invoice_webhook(box: Box, receiver: Receiver) -> None:
    made = invoice(box, contact(box))
    box.sandbox.subscribe_webhooks(receiver.url, KEY, intent_to_receive=False)
    pay(box, made["InvoiceID"], "10")
    box.sandbox.deliver_webhooks()
    assert [(e["eventCategory"], e["eventType"]) for e in receiver.bodies[-1]["events"]] == [("INVOICE", "UPDATE")]
