"""The use cases with in-memory fakes: what gets created, matched, skipped or left alone."""

import json
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import EVENTS
from tests.fakes import FakeXero, InMemoryMappings
from tests.woo import WOO, sync_customer_event, sync_order_event
from xerosync.config import Payments, StoreSettings, Sync, TaxSettings
from xerosync.domain import SaleChanged
from xerosync.events import StoreEvent
from xerosync.sync.contacts import ensure_contact
from xerosync.sync.invocation import SharedClaims
from xerosync.sync.invoice_contacts import NewContact, contact_for_invoice
from xerosync.sync.ports import Claimed, ClaimHeld, Mapping
from xerosync.xero import payloads
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroRejected, XeroTransientError
from xerosync.xero.payloads import MappingError

SETTINGS = StoreSettings(
    invoice_prefix="WC-",
    tax=TaxSettings(rates={"1": "OUTPUT"}, no_tax="EXEMPTOUTPUT"),
    payments=Payments(accounts={"stripe": "092", "ppcp-gateway": "093"}),
)
INVOICE_ONLY = replace(SETTINGS, sync=Sync(payments=False))


def event(name: str, topic: str, **changes: object) -> StoreEvent:
    payload = json.loads((EVENTS / "woocommerce" / name).read_text())
    payload.update(changes)
    resource, _, action = topic.partition(".")
    body = json.dumps(payload)
    return StoreEvent(
        "woocommerce",
        topic,
        resource,
        action,
        str(payload["id"]),
        payload.get("date_modified_gmt"),
        str(hash(body)),
        body,
    )


def test_new_order_creates_contact_and_invoice_and_maps_both() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    outcome = sync_order_event(
        event("order-1001.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings
    )
    assert outcome.action == "created"
    assert len(xero.contacts) == 1 and len(xero.invoices) == 1
    invoice = next(iter(xero.invoices.values()))
    assert invoice["InvoiceNumber"] == "WC-1001"
    assert invoice["Contact"]["ContactID"] == mappings.items["customer:12"].xero_id
    assert mappings.items["order:1001"].xero_id == invoice["InvoiceID"]


def test_same_state_twice_writes_nothing_the_second_time() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    first = event("order-1001.json", "order.created")
    sync_order_event(first, settings=SETTINGS, xero=xero, mappings=mappings)
    calls = list(xero.calls)
    outcome = sync_order_event(first, settings=SETTINGS, xero=xero, mappings=mappings)
    assert outcome.action == "unchanged"
    assert xero.calls == calls  # not even a lookup


def test_changed_order_updates_the_same_invoice() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    sync_order_event(event("order-1003.json", "order.created"), settings=INVOICE_ONLY, xero=xero, mappings=mappings)
    outcome = sync_order_event(
        event("order-1003.json", "order.updated", customer_note="leave at the door", payment_method_title="Card"),
        settings=INVOICE_ONLY,
        xero=xero,
        mappings=mappings,
    )
    assert outcome.action == "updated"
    assert len(xero.invoices) == 1
    assert next(iter(xero.invoices.values()))["Reference"] == "Order 1003 - Card"


def test_lost_mapping_is_recovered_by_invoice_number_not_duplicated() -> None:
    # Given an invoice created by an attempt that died before recording the mapping
    xero, mappings = FakeXero(), InMemoryMappings()
    sync_order_event(event("order-1002.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    del mappings.items["order:1002"]
    # When the order arrives again
    outcome = sync_order_event(
        event("order-1002.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings
    )
    # Then the existing invoice is found by number and kept; there is still one, and one payment
    assert outcome.action == "unchanged"
    assert len(xero.invoices) == 1
    assert len(next(iter(xero.invoices.values()))["Payments"]) == 1


def test_a_new_order_looks_nothing_up_but_its_customer() -> None:
    # Given a new customer's paid order, never seen before
    xero, mappings = FakeXero(), InMemoryMappings()
    sync_order_event(event("order-1002.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    # Then one read finds no contact (by number or email), and the rest are writes: the invoice
    # names the new buyer's details, so the one request creates the contact too; the first
    # claim on the invoice means no earlier attempt can have made it, and the payment is
    # sized from Xero's answer to the create
    assert xero.calls == ["contacts_matching", "create_invoices", "create_payments"]
    # And the contact has the buyer's details, and is mapped as a contact created by a PUT would be
    [contact] = xero.contacts.values()
    command = WOO.command(event("order-1002.json", "order.created"), SETTINGS, None)
    assert isinstance(command, SaleChanged)
    key = command.sale.customer.key
    assert {k: v for k, v in contact.items() if k not in ("ContactID", "ContactStatus")} == payloads.contact(
        command.sale.customer
    )
    assert mappings.items[key].xero_id == contact["ContactID"]
    assert next(iter(xero.invoices.values()))["Contact"] == {"ContactID": contact["ContactID"]}
    assert not mappings.claims and not mappings.locks


class LosesAnswers(FakeXero):
    """Xero commits the next invoice create, and the answer never arrives."""

    lose = 1

    def create_invoices(self, invoices: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        results = super().create_invoices(invoices, idempotency_key=idempotency_key)
        if self.lose:
            self.lose -= 1
            raise XeroTransientError("connection dropped")
        return results


def test_an_invoice_whose_answer_was_lost_is_found_before_any_new_create() -> None:
    xero, mappings = LosesAnswers(), InMemoryMappings()
    order = event("order-1002.json", "order.created")
    with pytest.raises(XeroTransientError):
        sync_order_event(order, settings=SETTINGS, xero=xero, mappings=mappings)
    xero.calls.clear()
    outcome = sync_order_event(order, settings=SETTINGS, xero=xero, mappings=mappings)
    # the contact the lost request created is found (the buyer's claim was let go), and the
    # invoice's claim remembers the attempt: the retry looks the number up first, and adopts it
    assert xero.calls[:2] == ["contacts_matching", "invoices_by_number"]
    assert len(xero.contacts) == 1
    assert "create_invoices" not in xero.calls
    assert outcome.action in ("unchanged", "updated") and len(xero.invoices) == 1
    assert len(next(iter(xero.invoices.values()))["Payments"]) == 1


def test_existing_xero_contact_is_matched_by_email_before_creating() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    xero.create_contacts([{"Name": "Sam T", "EmailAddress": "SAM.TAYLOR@example.net"}], idempotency_key="k")
    sync_order_event(event("order-1002.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    assert len(xero.contacts) == 1
    assert "create_contacts" not in xero.calls[1:]


def test_name_taken_by_another_contact_is_disambiguated_not_overwritten() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    sync_order_event(event("order-1001.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    xero.calls.clear()
    sync_order_event(event("order-1003.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    names = sorted(c["Name"] for c in xero.contacts.values())
    assert names == ["Jane Citizen", "Jane Citizen (jane.c@example.org)"]
    # the lookup saw the name taken: created under the disambiguated name at once, by the invoice
    # that names it (no refused create, no PUT /Contacts)
    assert xero.calls == ["contacts_matching", "create_invoices", "create_payments"]


@pytest.mark.parametrize("status", ["pending", "cancelled", "failed", "some-plugin-status"])
def test_statuses_the_settings_skip_are_skipped_with_a_reason(status: str) -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    outcome = sync_order_event(
        event("order-1001.json", "order.updated", status=status), settings=SETTINGS, xero=xero, mappings=mappings
    )
    assert outcome.action == "skipped" and status in outcome.reason
    assert xero.calls == []


def test_unmapped_tax_rate_fails_before_any_invoice_is_written() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    with pytest.raises(MappingError):
        sync_order_event(
            event("order-1001.json", "order.created"),
            settings=StoreSettings(invoice_prefix="WC-"),
            xero=xero,
            mappings=mappings,
        )
    assert xero.invoices == {}


def test_xero_rejection_carries_xeros_message() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    xero.invoices["x"] = {"InvoiceID": "x", "InvoiceNumber": "WC-1003"}
    mappings.put(Mapping("guest:jane.c@example.org", "c1"))
    xero.invoices_by_number = lambda numbers: []  # type: ignore[method-assign]
    with pytest.raises(XeroRejected, match="Invoice # must be unique"):
        sync_order_event(event("order-1003.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)


def test_customer_created_then_updated_keeps_one_contact() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    created = sync_customer_event(event("customer-12.json", "customer.created"), xero=xero, mappings=mappings)
    updated = sync_customer_event(
        event("customer-12.json", "customer.updated", last_name="Citizen-Smith"), xero=xero, mappings=mappings
    )
    again = sync_customer_event(
        event("customer-12.json", "customer.updated", last_name="Citizen-Smith"), xero=xero, mappings=mappings
    )
    assert (created.action, updated.action, again.action) == ("created", "updated", "unchanged")
    assert len(xero.contacts) == 1
    assert next(iter(xero.contacts.values()))["LastName"] == "Citizen-Smith"


def test_deleted_customer_keeps_the_xero_contact() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    outcome = sync_customer_event(event("customer-12.json", "customer.deleted"), xero=xero, mappings=mappings)
    assert outcome.action == "skipped" and xero.calls == []


def test_two_workers_racing_for_a_new_customer_create_one_contact() -> None:
    # Given worker A is creating customer 12's contact (it holds the claim)
    xero, mappings = FakeXero(), InMemoryMappings()
    assert mappings.claim("customer:12", "worker-a") == Claimed(first=True)
    # When worker B gets customer 12's order meanwhile
    with pytest.raises(ClaimHeld) as held:
        sync_order_event(event("order-1001.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    # Then B creates nothing and asks to be retried shortly
    assert held.value.retry_after > 0
    assert xero.contacts == {} and xero.invoices == {}
    # When A finishes and B's record comes back
    [contact] = xero.create_contacts([{"Name": "Jane Citizen", "ContactNumber": "12"}], idempotency_key="a")
    mappings.put(Mapping("customer:12", contact.record["ContactID"]), claim="worker-a")
    sync_order_event(event("order-1001.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    # Then there is one contact, and the invoice is on it
    assert len(xero.contacts) == 1
    assert next(iter(xero.invoices.values()))["Contact"]["ContactID"] == contact.record["ContactID"]


def test_claim_holder_looks_in_xero_before_creating() -> None:
    # Given a contact created by a worker that crashed before recording it
    xero, mappings = FakeXero(), InMemoryMappings()
    xero.create_contacts([{"Name": "Jane Citizen", "ContactNumber": "12"}], idempotency_key="crashed")
    # When the customer is synced again
    outcome = sync_customer_event(event("customer-12.json", "customer.created"), xero=xero, mappings=mappings)
    # Then the contact is found by ContactNumber and updated, not created twice
    assert outcome.action == "updated"
    assert len(xero.contacts) == 1


def test_an_older_state_arriving_after_a_newer_one_is_superseded() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    newer = event("order-1003.json", "order.updated", date_modified_gmt="2026-11-21T10:00:00", payment_method_title="B")
    older = event("order-1003.json", "order.updated", date_modified_gmt="2026-11-21T09:00:00", payment_method_title="A")
    sync_order_event(newer, settings=INVOICE_ONLY, xero=xero, mappings=mappings)
    calls = len(xero.calls)
    outcome = sync_order_event(older, settings=INVOICE_ONLY, xero=xero, mappings=mappings)
    assert outcome.action == "superseded" and "older" in outcome.reason
    assert len(xero.calls) == calls
    assert next(iter(xero.invoices.values()))["Reference"] == "Order 1003 - B"


def test_events_about_one_record_are_applied_one_at_a_time() -> None:
    xero, mappings = FakeXero(), InMemoryMappings()
    mappings.lock("order:1003", "another-worker")
    with pytest.raises(ClaimHeld, match="being changed by another worker"):
        sync_order_event(event("order-1003.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    assert xero.calls == []
    mappings.unlock("order:1003", "another-worker")
    assert (
        sync_order_event(
            event("order-1003.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings
        ).action
        == "created"
    )
    assert mappings.locks == {}  # released after the event


class RacingWorker(InMemoryMappings):
    """Another order of the same buyer arrives the moment this worker takes a contact name's lock."""

    def __init__(self, other: Any) -> None:
        super().__init__()
        self.other, self.outcome = other, None

    def lock(self, key: str, token: str) -> None:
        super().lock(key, token)
        if key.startswith("contact-name:") and self.other is not None:
            other, self.other = self.other, None
            try:
                self.outcome = other()
            except ClaimHeld as held:
                self.outcome = held


def test_a_buyers_other_order_never_sees_its_own_name_locked() -> None:
    # Given a new buyer's order taking its contact's name lock, and the buyer's other order
    # arriving just then (its contact created the usual way)
    xero = FakeXero()
    command = WOO.command(event("order-1002.json", "order.created"), SETTINGS, None)
    assert isinstance(command, SaleChanged)
    party = command.sale.customer
    mappings = RacingWorker(lambda: ensure_contact(party, xero, mappings))
    found = contact_for_invoice(party, xero, mappings)
    # Then the other order waits for the buyer's claim (taken before the name's lock), instead of
    # finding the name locked and creating the buyer's contact under "Name (email)"
    assert isinstance(mappings.outcome, ClaimHeld)
    assert isinstance(found, NewContact) and found.sent["Name"] == payloads.contact(party)["Name"]
    found.abandon()
    assert xero.contacts == {} and not mappings.locks and not mappings.claims


@pytest.mark.parametrize(
    ("records", "calls"),
    [
        (1, ["contacts_matching", "create_invoices", "create_payments"]),
        (200, ["contacts_matching", "create_contacts", "create_invoices", "create_payments"]),
    ],
)
def test_only_a_small_invocations_invoice_creates_its_buyers_contact(records: int, calls: list[str]) -> None:
    # a large batch creates its new buyers' contacts in one request before the invoices, and holds
    # no buyer's claim through the invoice phase
    xero = FakeXero()
    mappings = SharedClaims(InMemoryMappings(), records=records)
    sync_order_event(event("order-1002.json", "order.created"), settings=SETTINGS, xero=xero, mappings=mappings)
    assert xero.calls == calls
    [contact] = xero.contacts.values()
    assert next(iter(xero.invoices.values()))["Contact"] == {"ContactID": contact["ContactID"]}
