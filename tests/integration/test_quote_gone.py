"""A quote or purchase deleted at its source, against the sandbox over HTTP: its Xero document is
deleted (an approved bill voided), once; one the books moved on from (an invoiced quote) is
reported and left; one never synced, or a deletion the source denies, touches nothing."""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from tests.fakes import InMemoryMappings
from tests.quotes import AWKWARD, PURCHASING, SETTINGS, body_of
from xerosync.domain import DocumentGone, Party, Purchase, Quote
from xerosync.sources.port import Found
from xerosync.sync.quotes import sync_purchase, sync_quote
from xerosync.sync.quotes_gone import sync_gone
from xerosync.xero.client import XeroClient, XeroCredentials

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def org() -> Iterator[tuple[Any, XeroClient]]:
    sandbox = XeroSandbox().start()
    organisation = sandbox.add_organisation("Gone Pty Ltd")
    client = sandbox.add_client([organisation.tenant_id])
    yield organisation, XeroClient(XeroCredentials(client.client_id, client.client_secret), api_url=sandbox.url,
                                   identity_url=sandbox.url)  # fmt: skip
    sandbox.stop()


@dataclass
class Source:
    """The source's answer to "do you still have it?" (a hand-written fake of the port's fetch)."""

    has: bool

    def fetch(self, kind: Any, record_id: str) -> Found:
        return Found("order", f"order:{record_id}", None, {}, gone=not self.has)

    def refund(self, sale: Any, refund_id: str) -> Any:
        raise NotImplementedError


def quote(stage: Any) -> Quote:
    body = replace(body_of("Q-77", *AWKWARD), key="order:Quotes:77", modified_at=WHEN)
    return Quote(replace(body, customer=Party("customer:1", "Buyer")), stage)


def purchase() -> Purchase:
    body = replace(body_of("PO-77", *AWKWARD), key="order:Purchase_Orders:77", modified_at=WHEN)
    return Purchase(replace(body, customer=Party("customer:2", "Supplier")), "approved")


def test_a_deleted_quote_is_deleted_in_xero_once(org: tuple[Any, XeroClient]) -> None:
    organisation, xero = org
    mappings = InMemoryMappings()
    sync_quote(quote("accepted"), settings=SETTINGS, xero=xero, mappings=mappings)
    gone = DocumentGone("order:Quotes:77", "quote", "Quotes record deleted in the CRM")
    denied = sync_gone(gone, settings=SETTINGS, xero=xero, mappings=mappings, store=Source(has=True))  # type: ignore[arg-type]
    assert denied.action == "skipped" and "still has it" in denied.reason
    assert [q["Status"] for q in organisation.quotes.values()] == ["ACCEPTED"]
    outcome = sync_gone(gone, settings=SETTINGS, xero=xero, mappings=mappings, store=Source(has=False))  # type: ignore[arg-type]
    assert outcome.action == "updated" and outcome.also == ("quote DELETED",)
    assert [q["Status"] for q in organisation.quotes.values()] == ["DELETED"]
    assert sync_gone(gone, settings=SETTINGS, xero=xero, mappings=mappings).action == "unchanged"
    never = DocumentGone("order:Quotes:78", "quote", "deleted")
    assert sync_gone(never, settings=SETTINGS, xero=xero, mappings=mappings).action == "skipped"


def test_an_invoiced_quote_is_reported_not_deleted(org: tuple[Any, XeroClient]) -> None:
    organisation, xero = org
    mappings = InMemoryMappings()
    sync_quote(quote("invoiced"), settings=SETTINGS, xero=xero, mappings=mappings)
    outcome = sync_gone(DocumentGone("order:Quotes:77", "quote", "deleted"), settings=SETTINGS, xero=xero,
                        mappings=mappings)  # fmt: skip
    assert outcome.action == "skipped" and "INVOICED in Xero and stays so" in outcome.reason
    assert [q["Status"] for q in organisation.quotes.values()] == ["INVOICED"]


def test_a_deleted_purchase_order_is_deleted_and_an_approved_bill_voided(org: tuple[Any, XeroClient]) -> None:
    organisation, xero = org
    gone = DocumentGone("order:Purchase_Orders:77", "purchase", "deleted")
    mappings = InMemoryMappings()
    sync_purchase(purchase(), settings=SETTINGS, purchasing=PURCHASING, xero=xero, mappings=mappings)
    as_orders = replace(SETTINGS, purchasing=PURCHASING)
    assert sync_gone(gone, settings=as_orders, xero=xero, mappings=mappings).also == ("purchase order DELETED",)
    assert [o["Status"] for o in organisation.purchase_orders.values()] == ["DELETED"]
    bills = replace(PURCHASING, as_bills=True)
    mappings = InMemoryMappings()
    sync_purchase(purchase(), settings=SETTINGS, purchasing=bills, xero=xero, mappings=mappings)
    as_bills = replace(SETTINGS, purchasing=bills)
    assert sync_gone(gone, settings=as_bills, xero=xero, mappings=mappings).also == ("bill VOIDED",)
    assert [i["Status"] for i in organisation.invoices.values() if i["Type"] == "ACCPAY"] == ["VOIDED"]
