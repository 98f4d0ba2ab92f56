"""Settlements posted to the Xero sandbox over HTTP (validated against Xero's spec): once each,
whatever retries, lost answers and crashes do, and reversed when they fail after posting.

Given the docs payout's lines (41.90) and the mapping table, when it is posted in either mode,
then Xero holds exactly one document whose total is the deposit (and, in summary mode, its
payment from the bank), a second run calls Xero for nothing, and a reversal takes it off the
books; a crash between the invoice and its payment ends, on the next run, with one of each.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.settings import create_account
from tests.fakes import InMemoryMappings
from xerosync.config import StoreSettings, parse_settings
from xerosync.settlement import Entry, Settlement, book
from xerosync.settlement_job import entry
from xerosync.sync.settlements import payment_key, post_settlement, reverse_settlement
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.errors import XeroTransientError

pytestmark = pytest.mark.integration
D = Decimal
SETTINGS = """
payments: {accounts: {shopify_payments: "615"}}
accounts: {fees: "404"}
settlements:
  enabled: true
  bank_account: "090"
  accounts: {other: "260"}
"""


@pytest.fixture
def xero() -> Iterator[tuple[XeroSandbox, Any, XeroClient]]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Payouts Pty Ltd")
    clearing = {"Code": "615", "Name": "Shopify Payments clearing", "Type": "CURRENT", "EnablePaymentsToAccount": True}
    create_account(org, clearing, datetime.now(UTC))
    org.currencies["USD"] = {"Code": "USD", "Description": "United States Dollar"}
    connection = sandbox.add_client([org.tenant_id])
    client = XeroClient(
        XeroCredentials(connection.client_id, connection.client_secret), api_url=sandbox.url, identity_url=sandbox.url
    )
    yield sandbox, org, client
    sandbox.stop()


def settings(mode: str = "per_order", status: str = "AUTHORISED") -> StoreSettings:
    extra = f"  mode: {mode}\n  status: {status}\n" + ("sync: {orders: false}\n" if mode == "summary" else "")
    return parse_settings(SETTINGS + extra)


def docs_payout(sign: int = 1) -> Settlement:
    entries = (
        Entry("charge", D("44.52"), "CHARGE", sale_key="order:920000001", tender="930000001"),
        Entry("fee", D("-1.32"), "CHARGE"),
        Entry("refund", D("-3.54"), "REFUND", sale_key="order:920000003", tender="930000003"),
        Entry("fee", D("0.23"), "REFUND"),
        Entry("adjustment", D("2.13"), "ADJUSTMENT"),
        Entry("fee", D("-0.12"), "ADJUSTMENT"),
    )
    entries = tuple(Entry(e.category, sign * e.amount, e.kind, sale_key=e.sale_key, tender=e.tender) for e in entries)
    return Settlement(
        key="payout:623721858",
        id="623721858",
        number="SP-623721858",
        status="paid",
        currency="AUD",
        date=datetime(2026, 11, 12).date(),
        deposit=sum((e.amount for e in entries), D(0)),
        gateway="shopify_payments",
        payer="Shopify Payments",
        entries=entries,
        reference="TRACE623721858",
        label="Shopify payout 623721858",
    )


def calls(sandbox: XeroSandbox) -> int:
    return sum(n for (tenant, _), n in sandbox.state.calls.items() if tenant != "-")


def test_per_order_mode_posts_one_bank_transaction_once_and_reverses_it(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    sandbox, org, client = xero
    mappings = InMemoryMappings()
    booking = book(docs_payout(), settings())
    outcome = post_settlement(booking, mappings=mappings, xero=client)
    assert outcome.action == "created"
    [made] = org.bank_transactions.values()
    assert made["Type"] == "RECEIVE" and made["Total"] == D("41.90") and made["Reference"] == "TRACE623721858"
    assert {line["AccountCode"]: line["LineAmount"] for line in made["LineItems"]}["404"] == D("-1.21")
    before = calls(sandbox)
    assert post_settlement(booking, mappings=mappings, xero=client).action == "unchanged"
    assert calls(sandbox) == before  # a re-run asks Xero nothing: the mapping table knows it
    reversed_ = reverse_settlement(booking.settlement.key, "payout FAILED", mappings=mappings, xero=client)
    assert reversed_.action == "deleted" and made["Status"] == "DELETED"
    assert reverse_settlement(booking.settlement.key, "again", mappings=mappings, xero=client).action == "unchanged"
    assert post_settlement(booking, mappings=mappings, xero=client).action == "skipped"
    assert len(org.bank_transactions) == 1
    assert sandbox.spec_violations == []


def test_summary_mode_posts_an_invoice_paid_from_the_bank_and_voids_it_on_failure(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    sandbox, org, client = xero
    mappings = InMemoryMappings()
    booking = book(docs_payout(), settings("summary"))
    outcome = post_settlement(booking, mappings=mappings, xero=client)
    assert outcome.action == "created" and outcome.also == ("payment created",)
    [invoice] = org.invoices.values()
    assert invoice["InvoiceNumber"] == "SP-623721858" and invoice["Total"] == D("41.90") and invoice["Status"] == "PAID"
    [payment] = org.payments.values()
    assert payment["Amount"] == D("41.90")
    assert calls(sandbox) == 2  # the invoice and its payment: nothing looked up on a first claim
    reverse_settlement(booking.settlement.key, "payout FAILED", mappings=mappings, xero=client)
    assert invoice["Status"] == "VOIDED" and payment["Status"] == "DELETED"
    assert mappings.get(payment_key(booking.settlement.key)).data["state"] == "deleted"  # type: ignore[union-attr]
    assert sandbox.spec_violations == []


def test_a_negative_payout_is_a_credit_note_refunded_to_the_bank_or_spend_money(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    sandbox, org, client = xero
    negative = docs_payout(-1)
    post_settlement(book(negative, settings("summary")), mappings=InMemoryMappings(), xero=client)
    [note] = org.credit_notes.values()
    assert note["Type"] == "ACCRECCREDIT" and note["Total"] == D("41.90") and note["Status"] == "PAID"
    post_settlement(book(negative, settings()), mappings=InMemoryMappings(), xero=client)
    [spend] = org.bank_transactions.values()
    assert spend["Type"] == "SPEND" and spend["Total"] == D("41.90")
    assert sandbox.spec_violations == []


def test_a_crash_between_the_invoice_and_its_payment_ends_with_one_of_each(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    sandbox, org, client = xero
    mappings = InMemoryMappings()
    booking = book(docs_payout(), settings("summary"))
    sandbox.faults.next(1, "error", endpoint="PUT /Payments", status=503)
    with pytest.raises(XeroTransientError):
        post_settlement(booking, mappings=mappings, xero=client)
    assert len(org.invoices) == 1 and not org.payments
    assert post_settlement(booking, mappings=mappings, xero=client).also == ("payment created",)
    assert len(org.invoices) == 1 and len(org.payments) == 1


def test_a_payment_xero_wrote_but_nobody_recorded_is_found_and_logged_as_applied(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    # the state a worker killed after Xero wrote the payment leaves (the chaos run's kill): the
    # invoice recorded, the payment in Xero, its mapping and the run's sync log entry never written
    sandbox, org, client = xero
    mappings = InMemoryMappings()
    booking = book(docs_payout(), settings("summary"))
    sandbox.faults.next(1, "lost_response", endpoint="PUT /Payments")
    with pytest.raises(XeroTransientError):
        post_settlement(booking, mappings=mappings, xero=client)
    assert len(org.payments) == 1
    found = post_settlement(booking, mappings=mappings, xero=client)
    assert found.action == "matched" and found.also == (
        "its payment found in Xero (posted by an attempt that ended before recording it)",
    )
    assert entry(found).outcome == "applied"  # the sync log says the settlement is on the books
    assert len(org.invoices) == 1 and len(org.payments) == 1


def test_a_lost_answer_is_found_by_its_reference_not_posted_twice(xero: tuple[XeroSandbox, Any, XeroClient]) -> None:
    sandbox, org, client = xero
    mappings = InMemoryMappings()
    booking = book(docs_payout(), settings())
    sandbox.faults.next(1, "lost_response", endpoint="PUT /BankTransactions")
    with pytest.raises(XeroTransientError):
        post_settlement(booking, mappings=mappings, xero=client)
    adopted = post_settlement(booking, mappings=mappings, xero=client)
    assert adopted.action == "matched" and "found in Xero" in adopted.also[-1]  # the sync log says it is posted
    assert len(org.bank_transactions) == 1
    assert post_settlement(booking, mappings=mappings, xero=client).action == "unchanged"
    assert mappings.get(booking.settlement.key).data["adopted"] is True  # type: ignore[union-attr]


def test_a_draft_summary_has_no_payment_and_is_deleted_on_failure(xero: tuple[XeroSandbox, Any, XeroClient]) -> None:
    _sandbox, org, client = xero
    mappings = InMemoryMappings()
    booking = book(docs_payout(), settings("summary", "DRAFT"))
    post_settlement(booking, mappings=mappings, xero=client)
    [invoice] = org.invoices.values()
    assert invoice["Status"] == "DRAFT" and not org.payments
    assert reverse_settlement(booking.settlement.key, "failed", mappings=mappings, xero=client).action == "deleted"
    assert invoice["Status"] == "DELETED"


def test_a_settlement_paying_again_a_failed_one_still_posted_waits_for_its_reversal(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    _sandbox, _org, client = xero
    mappings = InMemoryMappings()
    first = docs_payout()
    post_settlement(book(first, settings()), mappings=mappings, xero=client)
    retry = Settlement(**{**first.__dict__, "key": "payout:2", "id": "2", "number": "SP-2", "reference": "T2",
                          "retries": (first.key,)})  # fmt: skip
    parked = post_settlement(book(retry, settings()), mappings=mappings, xero=client)
    assert parked.action == "parked" and "payout:623721858" in parked.reason
    reverse_settlement(first.key, "failed", mappings=mappings, xero=client)
    assert post_settlement(book(retry, settings()), mappings=mappings, xero=client).action == "created"


def test_settings_check_validates_the_settlements_against_the_organisation(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    from xerosync.settings_check import check

    client = xero[2]
    good = {f.setting: f for f in check(settings(), client)}
    assert good["settlements.bank_account"].ok and good["settlements.accounts.other"].ok
    wrong = parse_settings(
        SETTINGS.replace('bank_account: "090"', 'bank_account: "200"').replace(
            'accounts: {other: "260"}',
            'accounts: {other: "999", clearing: "200", by_type: {ADVANCE: "260"}}\n  fee_tax: INPUT',
        )
    )
    found = {f.setting: f for f in check(wrong, client)}
    assert not found["settlements.bank_account"].ok and "not a bank account" in found["settlements.bank_account"].detail
    assert not found["settlements.accounts.other"].ok and "no account" in found["settlements.accounts.other"].detail
    assert not found["settlements.accounts.clearing"].ok  # the orders' payments must be able to go there
    assert "accept payments" in found["settlements.accounts.clearing"].detail
    assert found["settlements.accounts.by_type.ADVANCE"].ok and found["settlements.fee_tax"].ok
