"""Several marketplaces and currencies in one Xero organisation: each settlement one document in its
own currency, paid from the bank account of that currency (``settlements.bank_accounts``).

Given a USD organisation with a USD and a EUR bank account, an EU seller's Amazon.de settlement
(its flat file in the German convention: decimal commas, dd.mm.yyyy dates) read through the SP-API
simulator and the synthetic USD settlement beside it, when EUR is not yet a currency of the
organisation, then Xero's refusal is reported with Xero's words and nothing is posted; once it is,
the EUR settlement is a EUR invoice at the organisation's day rate paid from the EUR bank account,
the USD one a USD invoice paid from the USD account; an Amazon.co.uk settlement in GBP, a currency
the settings name no bank account for, is not posted and the error names GBP. The sandbox refuses
what Xero refuses: a payment from a bank account in a third currency, a currency rate of zero.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from local.amazon_sp import AmazonSP
from local.xero_sandbox import XeroSandbox
from local.xero_sandbox.settings import create_account
from tests.conftest import reference_file
from tests.fakes import InMemoryMappings
from tests.integration.test_amazon_reissue import Books
from tests.integration.test_amazon_settlement_xero import xero  # noqa: F401 (the sandbox, its accounts)
from tests.integration.test_amazon_sp_client import NOW
from tests.unit.test_amazon_settlement import ACCOUNTS, amazon_settings
from xerosync.settlement import book
from xerosync.sources.amazon.flatfile import parse
from xerosync.sources.amazon.settlements import to_settlement
from xerosync.sync.settlements import settle
from xerosync.xero.client import XeroClient, XeroCredentials

pytestmark = pytest.mark.integration
D = Decimal
SETTINGS = '  bank_accounts: {USD: "090", EUR: "095"}'


def test_a_eur_settlement_beside_a_usd_one_each_in_its_currency_and_bank_account(
    xero: tuple[XeroSandbox, Any, XeroClient],  # noqa: F811 (the fixture)
) -> None:
    sandbox, _, client = xero
    org = sandbox.add_organisation("Amazon Seller EU", base_currency="USD", country="US")
    assert org.account_by_code("090")["CurrencyCode"] == "USD"  # type: ignore[index] # the seeded bank account

    def bank(code: str, currency: str) -> None:
        element = {"Code": code, "Name": f"{currency} account", "Type": "BANK", "CurrencyCode": currency}
        create_account(org, {**element, "BankAccountNumber": f"DE{code}"}, NOW)

    for code in [*ACCOUNTS.values(), "899"]:
        if org.account_by_code(code) is None:
            create_account(org, {"Code": code, "Name": f"Amazon {code}", "Type": "CURRENT"}, NOW)
    org.currencies.pop("EUR", None)
    org.currencies["GBP"] = {"Code": "GBP", "Description": "Pound Sterling"}
    bank("096", "GBP")
    org.day_rates["EUR"] = D("0.920000")  # the day rate Xero takes (XE.com's stands in)
    connection = sandbox.add_client([org.tenant_id])
    client = XeroClient(
        XeroCredentials(connection.client_id, connection.client_secret), api_url=sandbox.url, identity_url=sandbox.url
    )
    sp = AmazonSP(region="eu", seed=11, base_clock=lambda: NOW).start()
    try:
        books = Books(sp, sandbox, org, client, amazon_settings(SETTINGS))
        de = sp.settle("Amazon.de", orders=10, compressed=True)
        assert de.settlement is not None and de.settlement.total > 0
        text = de.settlement.flat_file()
        assert f"\t{str(de.settlement.total).replace('.', ',')}\tEUR\t" in text  # the German decimal comma
        assert parse(text).decimal == ","

        # EUR is not a currency of the organisation yet: Xero refuses, in its words, and nothing is posted
        refused = books.poll()
        [(_, why)] = refused.failed
        assert "The currency code 'EUR' is not set up in this organisation." in why, why
        assert not org.invoices and refused.watermark(None) is not None

        org.currencies["EUR"] = {"Code": "EUR", "Description": "Euro"}  # the merchant adds it in Xero...
        bank("095", "EUR")  # ...and the bank account Amazon pays the euros into
        posted = books.poll()
        assert posted.count("created") == 1 and posted.failed == [], (posted.outcomes, posted.failed)
        [eur] = books.documents(de.settlement.id)
        assert eur["CurrencyCode"] == "EUR" and eur["CurrencyRate"] == D("0.92") and eur["Total"] == de.settlement.total
        [eur_paid] = [p for p in org.payments.values() if p["Document"][1] == eur["InvoiceID"]]
        assert eur_paid["AccountID"] == org.account_by_code("095")["AccountID"]  # type: ignore[index]
        assert eur_paid["Amount"] == eur_paid["BankAmount"] == de.settlement.total  # in the EUR account's currency

        # the synthetic USD settlement beside it (another marketplace's stack, the same organisation)
        usd = to_settlement(
            parse(reference_file("fixtures", "amazon", "synthetic_settlement_v2_flat_file_USD.tsv").read_bytes())
        )
        outcome = settle(book(usd, amazon_settings(SETTINGS)), mappings=InMemoryMappings(), xero=client)
        assert outcome.action == "created", outcome.reason
        *_, last = books.documents(usd.id)
        assert last["CurrencyCode"] == "USD" and last["CurrencyRate"] == 1 and last["Total"] == D("30.30")
        [usd_paid] = [p for p in org.payments.values() if p["Document"][1] == last["InvoiceID"]]
        assert usd_paid["AccountID"] == org.account_by_code("090")["AccountID"]  # type: ignore[index]

        # GBP: no bank account named for it in the settings: not posted, the error says which currency
        uk = sp.settle("Amazon.co.uk", orders=10, compressed=False)
        assert uk.settlement is not None
        before = len(org.invoices)
        unmapped = books.poll()
        [(_, reason)] = unmapped.failed
        assert "is in GBP" in reason and "bank_accounts" in reason and "add GBP" in reason, reason
        assert len(org.invoices) == before

        # what Xero refuses, the sandbox refuses: a EUR invoice paid from the GBP account; a rate of 0
        [bad] = client.create_payments(
            [
                {
                    "Invoice": {"InvoiceID": eur["InvoiceID"]},
                    "Account": {"Code": "096"},
                    "Amount": D("1.00"),
                    "Date": datetime.now(UTC).date().isoformat(),
                }
            ],
            idempotency_key="gbp-pays-eur",
        )
        assert not bad.ok and any("must be the document's (EUR) or the base currency (USD)" in e for e in bad.errors)
        [zero] = client.create_invoices(
            [{"Type": "ACCREC", "Contact": {"Name": "Amazon.de"}, "CurrencyCode": "EUR", "CurrencyRate": D(0),
              "LineItems": [{"Description": "x", "Quantity": D(1), "UnitAmount": D(1), "AccountCode": "201"}]}],
            idempotency_key="zero-rate",
        )  # fmt: skip
        assert not zero.ok and any("currency rate must be greater than zero" in e for e in zero.errors)

        # settings checked against the organisation: each currency's account a bank account in it
        from xerosync.settings_check import check

        found = {f.setting: f for f in check(amazon_settings(SETTINGS), client)}
        assert found["settlements.bank_accounts.EUR"].ok and found["settlements.bank_accounts.USD"].ok
        wrong = amazon_settings('  bank_accounts: {EUR: "096", GBP: "201"}')
        found = {f.setting: f for f in check(wrong, client)}
        eur, gbp = found["settlements.bank_accounts.EUR"], found["settlements.bank_accounts.GBP"]
        assert not eur.ok and "is in GBP: EUR deposits land in a EUR bank account" in eur.detail
        assert not gbp.ok and "not a bank account" in gbp.detail
        assert sandbox.spec_violations == []
    finally:
        sp.stop()
