"""The docs payout 623721858 and the synthetic balance transactions that add up to it (41.90),
read by the Shopify adapter, booked in both modes and posted to the Xero sandbox over HTTP:
Xero's document totals 41.90 either way (issue 16). Skips when ../shared is absent."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.settings import create_account
from tests.conftest import reference_file
from tests.fakes import InMemoryMappings
from xerosync.config import parse_settings
from xerosync.settlement import book
from xerosync.sources.shopify.adapter import SOURCE as SHOPIFY
from xerosync.sources.shopify.payouts import read_settlement
from xerosync.sync.settlements import post_settlement
from xerosync.xero.client import XeroClient, XeroCredentials

pytestmark = pytest.mark.integration
D = Decimal
SETTINGS = """
payments: {accounts: {shopify_payments: "615"}}
accounts: {fees: "404", adjustments: "260"}
settlements: {enabled: true, bank_account: "090", accounts: {other: "260"}}
"""


def fixture(name: str) -> Any:
    return json.loads(reference_file("fixtures", "shopify", name).read_text(), parse_float=Decimal)


def test_the_synthetic_transactions_add_up_to_the_docs_payout_left_out_its_transfer() -> None:
    docs = fixture("docs_payout_623721858.json")
    settlement = SHOPIFY.read_settlement(fixture("synthetic_payout_623721858_balance_transactions.json"))
    assert settlement.deposit == D(docs["payout"]["amount"]) == D("41.90") == settlement.lines_total
    assert settlement.key == "payout:623721858" and settlement.status == "paid" and settlement.currency == "USD"
    gross = {c: sum((e.amount for e in settlement.entries if e.category == c), D(0)) for c in ("charge", "refund")}
    summary = docs["payout"]["summary"]
    assert gross == {"charge": D(summary["charges_gross_amount"]), "refund": D(summary["refunds_gross_amount"])}
    fees = -sum((e.amount for e in settlement.entries if e.category == "fee"), D(0))
    assert fees == sum(D(summary[f"{c}_fee_amount"]) for c in ("charges", "refunds", "adjustments"))
    assert "TRANSFER" not in {e.kind for e in settlement.entries}


def test_the_docs_payout_alone_is_a_settlement_without_lines_and_is_not_posted() -> None:
    settlement = read_settlement({"payout": fixture("docs_payout_623721858.json")["payout"]})
    booking = book(settlement, parse_settings(SETTINGS))
    assert booking.problem() is not None and "41.90 unexplained" in str(booking.problem())


@pytest.mark.parametrize("mode", ["per_order", "summary"])
def test_the_fixture_posts_a_document_totalling_the_deposit_in_both_modes(mode: str) -> None:
    settlement = SHOPIFY.read_settlement(fixture("synthetic_payout_623721858_balance_transactions.json"))
    text = SETTINGS.replace("enabled: true", f"enabled: true, mode: {mode}")
    settings = parse_settings(text + ("sync: {orders: false}\n" if mode == "summary" else ""))
    booking = book(settlement, settings)  # summary: the synthetic orders are not in any store: one line each
    assert booking.total == D("41.90") and booking.problem() is None
    sandbox = XeroSandbox().start()
    try:
        org = sandbox.add_organisation("Fixture Pty Ltd")
        org.currencies["USD"] = {"Code": "USD", "Description": "United States Dollar"}
        bank = {"Name": "USD account", "Code": "091", "Type": "BANK", "BankAccountNumber": "1", "CurrencyCode": "USD"}
        org.accounts = {k: v for k, v in org.accounts.items() if v["Code"] != "091"}
        create_account(org, bank, datetime.now(UTC))
        clearing = {
            "Code": "615",
            "Name": "Shopify Payments clearing",
            "Type": "CURRENT",
            "EnablePaymentsToAccount": True,
        }
        create_account(org, clearing, datetime.now(UTC))
        connection = sandbox.add_client([org.tenant_id])
        client = XeroClient(
            XeroCredentials(connection.client_id, connection.client_secret),
            api_url=sandbox.url,
            identity_url=sandbox.url,
        )
        usd = parse_settings(text.replace('bank_account: "090"', 'bank_account: "091"')
                             + ("sync: {orders: false}\n" if mode == "summary" else ""))  # fmt: skip
        post_settlement(book(settlement, usd), mappings=InMemoryMappings(), xero=client)
        documents = list(org.bank_transactions.values()) if mode == "per_order" else list(org.invoices.values())
        assert [d["Total"] for d in documents] == [D("41.90")]
        assert documents[0]["CurrencyCode"] == "USD"
        if mode == "summary":
            assert [p["Amount"] for p in org.payments.values()] == [D("41.90")] and documents[0]["Status"] == "PAID"
        assert sandbox.spec_violations == []
    finally:
        sandbox.stop()
