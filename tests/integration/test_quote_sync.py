"""The quote and purchase use cases against the sandbox over HTTP: each source record's document
made exactly once, kept in step while Xero allows, moved to its stage, and a change Xero would
refuse reported instead."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from tests.fakes import InMemoryMappings
from tests.quotes import AWKWARD, PURCHASING, SETTINGS, body_of, item
from xerosync.domain import Party, Purchase, Quote
from xerosync.sync.quotes import BILL, PURCHASE_ORDER, QUOTE, moves, sync_purchase, sync_quote
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.errors import XeroTransientError

Org = tuple[XeroSandbox, Any, XeroClient]


@pytest.fixture
def org() -> Iterator[Org]:
    sandbox = XeroSandbox().start()
    organisation = sandbox.add_organisation("Quotes Pty Ltd")
    client = sandbox.add_client([organisation.tenant_id])
    credentials = XeroCredentials(client.client_id, client.client_secret)
    yield sandbox, organisation, XeroClient(credentials, api_url=sandbox.url, identity_url=sandbox.url)
    sandbox.stop()


def offer(stage: Any, *lines: Any, minute: int = 0, **extra: Any) -> Quote:
    body = replace(body_of("Q-500", *(lines or AWKWARD)), modified_at=datetime(2026, 11, 20, 9, minute, tzinfo=UTC))
    return Quote(body, stage, **extra)


def purchase(stage: Any, *lines: Any, minute: int = 0) -> Purchase:
    body = replace(
        body_of("PO-9", *(lines or AWKWARD), key="purchase"),
        customer=Party("vendor:3", "Bolts Wholesale"),
        modified_at=datetime(2026, 11, 20, 9, minute, tzinfo=UTC),
    )
    return Purchase(body, stage, delivery_date=date(2026, 12, 1))


def writes(sandbox: XeroSandbox, org: Any, endpoint: str) -> int:
    return sandbox.state.calls[(org.tenant_id, endpoint)]


def test_a_quote_accepted_at_its_source_is_created_sent_then_accepted_once(org: Org) -> None:
    sandbox, organisation, xero = org
    mappings = InMemoryMappings()
    quote = offer("accepted", title="Spring")
    outcome = sync_quote(quote, settings=SETTINGS, xero=xero, mappings=mappings)
    assert outcome.action == "created" and outcome.also == ("quote ACCEPTED",)
    [made] = organisation.quotes.values()
    assert made["Status"] == "ACCEPTED" and made["Title"] == "Spring"
    assert (made["Total"], made["TotalTax"]) == (quote.body.total, quote.body.total_tax)
    assert made["ContactID"] == mappings.get("account:1").xero_id  # type: ignore[union-attr]

    before = sum(sandbox.state.calls.values())
    again = sync_quote(quote, settings=SETTINGS, xero=xero, mappings=mappings)  # a redelivery
    assert again.action == "unchanged" and sum(sandbox.state.calls.values()) == before


def test_a_lost_answer_is_adopted_not_created_twice(org: Org) -> None:
    sandbox, organisation, xero = org
    mappings = InMemoryMappings()
    sandbox.faults.next(1, "lost_response", endpoint="PUT /Quotes")
    with pytest.raises(XeroTransientError):
        sync_quote(offer("sent"), settings=SETTINGS, xero=xero, mappings=mappings)
    assert len(organisation.quotes) == 1
    adopted = sync_quote(offer("sent"), settings=SETTINGS, xero=xero, mappings=mappings)
    assert adopted.action == "updated" and len(organisation.quotes) == 1  # found by number, its lines re-sent
    assert sync_quote(offer("sent"), settings=SETTINGS, xero=xero, mappings=mappings).action == "unchanged"


def test_a_sent_quote_changes_in_place_and_an_accepted_one_is_reported(org: Org) -> None:
    _, organisation, xero = org
    mappings = InMemoryMappings()
    sync_quote(offer("sent"), settings=SETTINGS, xero=xero, mappings=mappings)
    [made] = organisation.quotes.values()
    first_lines = [line["LineItemID"] for line in made["LineItems"]]
    changed = offer("sent", *AWKWARD, item(4, "2", "3.3333"), minute=1)
    assert sync_quote(changed, settings=SETTINGS, xero=xero, mappings=mappings).action == "updated"
    assert made["Total"] == changed.body.total and len(organisation.quotes) == 1
    assert [line["LineItemID"] for line in made["LineItems"]][:3] == first_lines  # the same lines, kept

    accepted = offer("accepted", *AWKWARD, item(4, "2", "3.3333"), minute=2)
    assert sync_quote(accepted, settings=SETTINGS, xero=xero, mappings=mappings).also == ("quote ACCEPTED",)
    late = sync_quote(offer("accepted", item(9, "1", "1"), minute=3), settings=SETTINGS, xero=xero, mappings=mappings)
    assert late.reason == "the quote is ACCEPTED in Xero: the change is reported, not booked"
    assert made["Total"] == changed.body.total and made["Status"] == "ACCEPTED"

    older = sync_quote(offer("draft", minute=0), settings=SETTINGS, xero=xero, mappings=mappings)
    assert older.action == "superseded"


def test_a_quote_changed_by_hand_in_xero_is_moved_from_where_it_is(org: Org) -> None:
    _, organisation, xero = org
    mappings = InMemoryMappings()
    sync_quote(offer("sent"), settings=SETTINGS, xero=xero, mappings=mappings)
    [made] = organisation.quotes.values()
    made["Status"] = "DECLINED"  # the customer declined, and someone recorded it in Xero
    outcome = sync_quote(offer("accepted", minute=1), settings=SETTINGS, xero=xero, mappings=mappings)
    assert made["Status"] == "ACCEPTED" and outcome.also == ("quote SENT", "quote ACCEPTED")


def test_withdrawn_quotes(org: Org) -> None:
    _, organisation, xero = org
    mappings = InMemoryMappings()
    never = sync_quote(offer("withdrawn"), settings=SETTINGS, xero=xero, mappings=mappings)
    assert never.action == "skipped" and not organisation.quotes
    sync_quote(offer("sent", minute=1), settings=SETTINGS, xero=xero, mappings=mappings)
    gone = sync_quote(offer("withdrawn", minute=2), settings=SETTINGS, xero=xero, mappings=mappings)
    assert gone.also == ("quote DELETED",) and [q["Status"] for q in organisation.quotes.values()] == ["DELETED"]


def test_a_purchase_becomes_a_purchase_order_on_the_supplier_then_billed(org: Org) -> None:
    _, organisation, xero = org
    mappings = InMemoryMappings()
    assert sync_purchase(
        purchase("approved"), settings=SETTINGS, purchasing=PURCHASING, xero=xero, mappings=mappings
    ).action == "created"  # fmt: skip
    [made] = organisation.purchase_orders.values()
    assert made["Status"] == "AUTHORISED" and made["Total"] == purchase("approved").body.total
    assert organisation.contacts[made["ContactID"]]["Name"] == "Bolts Wholesale"
    billed = sync_purchase(purchase("billed", minute=1), settings=SETTINGS, purchasing=PURCHASING, xero=xero,
                           mappings=mappings)  # fmt: skip
    assert billed.also == ("purchase order BILLED",) and made["Status"] == "BILLED"
    late = sync_purchase(purchase("billed", item(7, "1", "2"), minute=2), settings=SETTINGS, purchasing=PURCHASING,
                         xero=xero, mappings=mappings)  # fmt: skip
    assert "reported" in late.reason and len(organisation.purchase_orders) == 1


def test_a_purchase_as_a_bill_is_approved_then_voided_when_cancelled(org: Org) -> None:
    _, organisation, xero = org
    mappings = InMemoryMappings()
    as_bills = replace(PURCHASING, as_bills=True)
    sync_purchase(purchase("approved"), settings=SETTINGS, purchasing=as_bills, xero=xero, mappings=mappings)
    [bill] = organisation.invoices.values()
    assert (bill["Type"], bill["Status"], bill["Total"]) == ("ACCPAY", "AUTHORISED", purchase("approved").body.total)
    cancelled = sync_purchase(purchase("cancelled", minute=1), settings=SETTINGS, purchasing=as_bills, xero=xero,
                              mappings=mappings)  # fmt: skip
    assert cancelled.also == ("bill VOIDED",) and bill["Status"] == "VOIDED"
    assert not organisation.purchase_orders


def test_the_moves_follow_xeros_statuses() -> None:
    assert moves(QUOTE, "DRAFT", "ACCEPTED") == ["SENT", "ACCEPTED"]
    assert moves(QUOTE, "DRAFT", "DECLINED") == ["SENT", "DECLINED"]  # Xero refuses DRAFT -> DECLINED
    assert moves(QUOTE, "ACCEPTED", "DECLINED") == ["SENT", "DECLINED"]  # and ACCEPTED -> DECLINED
    assert moves(QUOTE, "DELETED", "SENT") is None
    assert moves(PURCHASE_ORDER, "DRAFT", "BILLED") == ["AUTHORISED", "BILLED"]
    assert moves(BILL, "AUTHORISED", "DELETED") == ["VOIDED"] and moves(BILL, "DRAFT", "DELETED") == ["DELETED"]


def test_a_quote_taken_back_to_sent_is_moved_then_changed(org: Org) -> None:
    _, organisation, xero = org
    mappings = InMemoryMappings()
    sync_quote(offer("accepted"), settings=SETTINGS, xero=xero, mappings=mappings)
    reopened = offer("sent", *AWKWARD, item(5, "1", "9.99"), minute=1)
    outcome = sync_quote(reopened, settings=SETTINGS, xero=xero, mappings=mappings)
    [made] = organisation.quotes.values()
    assert outcome.action == "updated" and outcome.reason == "" and outcome.also == ("quote SENT",)
    assert (made["Status"], made["Total"]) == ("SENT", reopened.body.total)


def test_a_quote_deleted_by_hand_in_xero_is_reported_not_retried_forever(org: Org) -> None:
    _, organisation, xero = org
    mappings = InMemoryMappings()
    sync_quote(offer("sent"), settings=SETTINGS, xero=xero, mappings=mappings)
    [made] = organisation.quotes.values()
    made["Status"] = "DELETED"
    outcome = sync_quote(offer("sent", item(8, "2", "4"), minute=1), settings=SETTINGS, xero=xero, mappings=mappings)
    assert outcome.reason.startswith("the quote is DELETED in Xero: the change is reported")
    assert "cannot be moved to SENT" in outcome.reason and made["Status"] == "DELETED"
