"""An Amazon settlement posted to the Xero sandbox over HTTP (validated against Xero's spec).

Given the synthetic V2 flat file (30.30 across a month end), when it is posted split by month,
then Xero holds two invoices (August totalling 0, September 30.30) and the payment of 30.30 from
the bank on the deposit date; a re-run calls Xero for nothing; a negative settlement posted as a
bill is an ACCPAY paid from the bank; one that does not add up is parked and nothing is sent.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.settings import create_account
from tests.conftest import reference_file
from tests.fakes import InMemoryMappings
from tests.unit.test_amazon_settlement import ACCOUNTS, amazon_settings, flat, line
from xerosync.settlement import book
from xerosync.sources.amazon.flatfile import parse
from xerosync.sources.amazon.settlements import to_settlement
from xerosync.sync.settlements import post_settlement
from xerosync.xero.client import XeroClient, XeroCredentials

pytestmark = pytest.mark.integration
D = Decimal
PAYMENT_DAY = "2026-09-10"


@pytest.fixture
def xero() -> Iterator[tuple[XeroSandbox, Any, XeroClient]]:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("Amazon Seller Ltd")
    codes = {str(a.get("Code")) for a in org.accounts.values()}
    for name, code in [*ACCOUNTS.items(), ("Amazon other", "899")]:
        if code not in codes:
            create_account(org, {"Code": code, "Name": name, "Type": "CURRENT"}, datetime.now(UTC))
    org.currencies["USD"] = {"Code": "USD", "Description": "United States Dollar"}
    org.currencies["GBP"] = {"Code": "GBP", "Description": "Pound Sterling"}
    connection = sandbox.add_client([org.tenant_id])
    client = XeroClient(
        XeroCredentials(connection.client_id, connection.client_secret), api_url=sandbox.url, identity_url=sandbox.url
    )
    yield sandbox, org, client
    sandbox.stop()


def calls(sandbox: XeroSandbox) -> int:
    return sum(n for (tenant, _), n in sandbox.state.calls.items() if tenant != "-")


def test_the_fixture_is_two_invoices_and_one_payment_of_the_deposit_once(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    sandbox, org, client = xero
    report = parse(reference_file("fixtures", "amazon", "synthetic_settlement_v2_flat_file_USD.tsv").read_bytes())
    booking = book(to_settlement(report), amazon_settings())
    mappings = InMemoryMappings()
    outcome = post_settlement(booking, mappings=mappings, xero=client)
    assert outcome.action == "created", outcome.reason
    invoices = {i["InvoiceNumber"]: i for i in org.invoices.values()}
    assert set(invoices) == {"AMZ-24680135790-2026-08", "AMZ-24680135790-2026-09"}
    assert invoices["AMZ-24680135790-2026-08"]["Total"] == 0
    assert invoices["AMZ-24680135790-2026-09"]["Total"] == D("30.30")
    [payment] = org.payments.values()
    assert payment["Amount"] == D("30.30") and PAYMENT_DAY in str(payment["Date"]), payment["Date"]
    assert calls(sandbox) <= 4  # the bench goal: Xero calls per settlement, whatever its orders
    before = calls(sandbox)
    assert post_settlement(booking, mappings=mappings, xero=client).action == "unchanged"
    assert calls(sandbox) == before and len(org.invoices) == 2 and len(org.payments) == 1
    assert sandbox.spec_violations == []


def test_a_negative_settlement_as_a_bill_and_an_inconsistent_one_parked(
    xero: tuple[XeroSandbox, Any, XeroClient],
) -> None:
    sandbox, org, client = xero
    fee = line(3, "other-transaction / other-transaction / Storage Fee", "-5.00", date(2026, 3, 2))
    mappings = InMemoryMappings()
    bill = book(to_settlement(flat("-5.00", fee)), amazon_settings("  negative: bill"))
    assert post_settlement(bill, mappings=mappings, xero=client).action == "created"
    [made] = org.invoices.values()
    assert made["Type"] == "ACCPAY" and made["Total"] == D("5.00") and made["CurrencyCode"] == "GBP"
    [paid] = org.payments.values()
    assert paid["Amount"] == D("5.00")
    before = calls(sandbox)
    off = book(to_settlement(flat("-4.99", fee)), amazon_settings("  negative: bill"))
    outcome = post_settlement(off, mappings=InMemoryMappings(), xero=client)
    assert outcome.action == "parked" and "(0.01 unexplained)" in str(outcome.reason)
    assert calls(sandbox) == before
    assert sandbox.spec_violations == []
