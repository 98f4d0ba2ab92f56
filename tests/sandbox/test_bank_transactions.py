"""Bank transactions in the sandbox, over HTTP and validated against Xero's spec: Receive and
Spend Money on a bank account, totals from the lines, deleted unless reconciled, listed with
``where`` (what the settlements' per-order mode posts and reverses)."""

from decimal import Decimal
from typing import Any

from tests.sandbox.conftest import Box, contact

D = Decimal


def receive(box: Box, **extra: Any) -> Any:
    body = {
        "Type": "RECEIVE",
        "Contact": {"Name": "Shopify Payments"},
        "BankAccount": {"Code": "090"},
        "Date": "2026-11-20",
        "Reference": "TRACE-1",
        "LineAmountTypes": "Inclusive",
        "LineItems": [
            {
                "Description": "Payments received",
                "Quantity": 1,
                "UnitAmount": D("44.52"),
                "AccountCode": "200",
                "TaxType": "BASEXCLUDED",
            },
            {
                "Description": "Fees",
                "Quantity": 1,
                "UnitAmount": D("-1.21"),
                "AccountCode": "400",
                "TaxType": "BASEXCLUDED",
            },
        ],
        **extra,
    }
    return box.call("PUT", "/BankTransactions?summarizeErrors=false", {"BankTransactions": [body]})


def test_receive_money_totals_its_lines_on_the_bank_account_and_creates_the_named_contact(spec_box: Box) -> None:
    reply = receive(spec_box)
    assert reply.status == 200, reply.body
    [made] = reply.body["BankTransactions"]
    assert made["StatusAttributeString"] == "OK" and made["Status"] == "AUTHORISED"
    assert D(str(made["Total"])) == D("43.31") and made["BankAccount"]["Code"] == "090"
    assert made["Contact"]["Name"] == "Shopify Payments" and made["Reference"] == "TRACE-1"
    assert made["IsReconciled"] is False and made["DateString"].startswith("2026-11-20")
    assert spec_box.sandbox.spec_violations == []


def test_what_xero_refuses_fails_its_element_alone(spec_box: Box) -> None:
    not_bank = receive(spec_box, BankAccount={"Code": "200"}).body["BankTransactions"][0]
    assert not_bank["StatusAttributeString"] == "ERROR" and "not a bank account" in str(not_bank["ValidationErrors"])
    negative = receive(
        spec_box, LineItems=[{"Description": "x", "Quantity": 1, "UnitAmount": D(-5), "AccountCode": "200"}]
    )
    assert "cannot be negative" in str(negative.body["BankTransactions"][0]["ValidationErrors"])
    no_lines = receive(spec_box, LineItems=[])
    assert "At least one line item" in str(no_lines.body["BankTransactions"][0]["ValidationErrors"])
    euros = receive(spec_box, CurrencyCode="USD")
    assert "must match the bank account" in str(euros.body["BankTransactions"][0]["ValidationErrors"])
    assert spec_box.org.bank_transactions == {}
    assert spec_box.sandbox.spec_violations == []


def test_one_is_found_by_reference_and_deleted_unless_reconciled(spec_box: Box) -> None:
    made = receive(spec_box).body["BankTransactions"][0]
    found = spec_box.call("GET", "/BankTransactions?where=Reference%3D%3D%22TRACE-1%22").body["BankTransactions"]
    assert [t["BankTransactionID"] for t in found] == [made["BankTransactionID"]]
    path = f"/BankTransactions/{made['BankTransactionID']}"
    # the spec requires Type, BankAccount and LineItems in every BankTransaction it is sent; its own
    # update example sends an empty LineItems, which keeps the lines
    delete = {"BankTransactions": [{"Type": "RECEIVE", "BankAccount": {"Code": "090"}, "LineItems": [],
                                    "Status": "DELETED"}]}  # fmt: skip
    assert spec_box.call("POST", path, {"BankTransactions": [{"Status": "DELETED"}]}).status == 400
    deleted = spec_box.call("POST", path, delete)
    assert deleted.status == 200 and deleted.body["BankTransactions"][0]["Status"] == "DELETED"
    again = spec_box.call("POST", path, delete)
    assert again.status == 400 and "not of valid status" in str(again.body)
    reconciled = receive(spec_box, IsReconciled=True).body["BankTransactions"][0]
    refused = spec_box.call("POST", f"/BankTransactions/{reconciled['BankTransactionID']}", delete)
    assert refused.status == 400 and "reconciled" in str(refused.body)
    assert spec_box.sandbox.spec_violations == []


def test_spend_money_details_sent_with_the_contact_update_it(spec_box: Box) -> None:
    who = contact(spec_box, "Courier Co")
    reply = receive(spec_box, Type="SPEND", Contact={"ContactID": who, "EmailAddress": "ap@courier.example"})
    made = reply.body["BankTransactions"][0]
    assert made["Type"] == "SPEND" and made["Contact"]["EmailAddress"] == "ap@courier.example"
    assert spec_box.call("GET", f"/BankTransactions/{made['BankTransactionID']}").status == 200


def test_a_foreign_currency_account_takes_the_rate_sent_or_the_day_rate(spec_box: Box) -> None:
    from datetime import UTC, datetime

    from local.xero_sandbox.settings import create_account

    org = spec_box.org
    org.currencies["EUR"] = {"Code": "EUR", "Description": "Euro"}
    org.day_rates["EUR"] = D("0.61")
    element = {"Code": "095", "Name": "EUR account", "Type": "BANK", "CurrencyCode": "EUR", "BankAccountNumber": "1"}
    create_account(org, element, datetime.now(UTC))
    sent = receive(spec_box, BankAccount={"Code": "095"}, CurrencyRate=D("0.6123")).body["BankTransactions"][0]
    assert sent["CurrencyCode"] == "EUR" and D(str(sent["CurrencyRate"])) == D("0.6123")
    day = receive(spec_box, BankAccount={"Code": "095"}).body["BankTransactions"][0]
    assert D(str(day["CurrencyRate"])) == D("0.61")
    base = receive(spec_box, CurrencyRate=D("0.5")).body["BankTransactions"][0]
    assert D(str(base["CurrencyRate"])) == 1  # the base currency's rate is 1
    zero = receive(spec_box, BankAccount={"Code": "095"}, CurrencyRate=D(0)).body["BankTransactions"][0]
    assert "currency rate must be greater than zero" in str(zero["ValidationErrors"])
    assert spec_box.sandbox.spec_violations == []
