"""Payments: against AUTHORISED invoices, and refunds of
AUTHORISED credit notes (a payment on a credit note). Never more than what is outstanding.
A payment cannot be edited, only created or deleted (``Status: DELETED``); deleting one
gives the money back to its document, so a PAID document is AUTHORISED again.
https://github.com/XeroAPI/Xero-OpenAPI, https://developer.xero.com/documentation/api/accounting/payments
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from local.xero_sandbox import invoices
from local.xero_sandbox.dates import parse_date
from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.invoices import CREDIT_NOTE, INVOICE, ZERO, Doc
from local.xero_sandbox.lines import r2
from local.xero_sandbox.state import Organisation, new_id

EXCEEDS = "Payment amount exceeds the amount outstanding on this document"
NOT_AUTHORISED = "Payments can only be made against Authorised documents."
PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}


def _document(org: Organisation, element: dict[str, Any]) -> tuple[Doc, dict[str, Any]]:
    for doc, key, number_key in (
        (INVOICE, "Invoice", "InvoiceNumber"),
        (CREDIT_NOTE, "CreditNote", "CreditNoteNumber"),
    ):
        reference = dict(element.get(key) or {})
        if element.get(number_key):
            reference.setdefault(doc.number_field, element[number_key])
        if reference.get(doc.id_field) or reference.get(doc.number_field):
            found = _find_any(org, reference, doc)
            if found is None:
                raise ElementInvalid(f"{doc.label} could not be found")  # wording guessed
            return doc, found
    if element.get("Prepayment") or element.get("Overpayment"):
        raise ElementInvalid("The sandbox does not support payments on prepayments or overpayments.")
    raise ElementInvalid("A payment must be applied to an Invoice or a CreditNote.")  # wording guessed


def _find_any(org: Organisation, reference: dict[str, Any], doc: Doc) -> dict[str, Any] | None:
    found = invoices.find(org, reference, doc)
    number = reference.get(doc.number_field)
    if found is None and number and not reference.get(doc.id_field):  # ACCPAY numbers are found too
        found = next((r for r in doc.store(org).values() if r.get(doc.number_field) == number), None)
    return found


def _account(org: Organisation, element: dict[str, Any]) -> dict[str, Any]:
    reference = element.get("Account") or {}
    account = None
    if reference.get("AccountID"):
        account = org.accounts.get(str(reference["AccountID"]).lower())
    elif reference.get("Code") or element.get("Code"):
        account = org.account_by_code(str(reference.get("Code") or element.get("Code")))
    if account is None:
        raise ElementInvalid("Account could not be found")  # wording guessed
    if account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise ElementInvalid(
            f"Account {account['Code']} is not a bank account and does not have payments enabled."  # guessed
        )
    return account


def create(org: Organisation, element: dict[str, Any], now: datetime) -> tuple[dict[str, Any], Doc, dict[str, Any]]:
    """Record a payment; returns it with the document it paid (already updated)."""
    doc, document = _document(org, element)
    account = _account(org, element)
    problems: list[str] = []
    try:
        amount = invoices.number(element.get("Amount"), "Amount", 2) if element.get("Amount") is not None else None
    except ElementInvalid as exc:
        raise ElementInvalid(*exc.messages) from None
    try:
        when = parse_date(element.get("Date")) or now.date()
    except ValueError as exc:
        raise ElementInvalid(str(exc)) from None
    if document["Status"] != "AUTHORISED":
        problems.append(NOT_AUTHORISED)
    currency = document.get("CurrencyCode") or org.base_currency
    bank_currency = account.get("CurrencyCode") or org.base_currency
    if bank_currency not in (currency, org.base_currency):  # Xero Central: "Receive a foreign currency payment"
        problems.append(
            f"The bank account's currency ({bank_currency}) must be the document's ({currency}) or the "
            f"base currency ({org.base_currency})."  # wording guessed
        )
    try:
        rate = invoices.currency_rate(org, currency, element.get("CurrencyRate"), document.get("CurrencyRate"))
    except ElementInvalid as exc:
        problems.extend(exc.messages)
        rate = Decimal(1)
    if amount is None or amount <= 0:
        problems.append("Payment amount must be greater than zero.")  # wording guessed
    elif amount > invoices.outstanding(document):
        problems.append(EXCEEDS)
    try:
        invoices.check_lock(org, when)
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    if problems:
        raise ElementInvalid(*problems)
    assert amount is not None
    record: dict[str, Any] = {
        "PaymentID": new_id(),
        "Date": when,
        "Amount": amount,
        # in the bank account's currency: the document's, or the base currency at the payment's rate
        "BankAmount": amount if bank_currency == currency else r2(amount / rate),
        "CurrencyRate": rate,
        "Reference": str(element.get("Reference") or ""),
        "IsReconciled": bool(element.get("IsReconciled") or False),
        "Status": "AUTHORISED",
        "PaymentType": PAYMENT_TYPES[document["Type"]],
        "AccountID": account["AccountID"],
        "Document": (doc.plural, document[doc.id_field]),
        "HasAccount": True,
        "HasValidationErrors": False,
        "UpdatedDateUTC": now,
    }
    org.payments[record["PaymentID"]] = record
    document["Payments"] = [*document.get("Payments", []), _summary(record)]
    invoices.settle(document, amount, ZERO, when, now)
    return record, doc, document


def delete(
    org: Organisation, record: dict[str, Any], element: dict[str, Any], now: datetime
) -> tuple[Doc, dict[str, Any]]:
    if element.get("Status") != "DELETED":
        raise ElementInvalid("A payment can only be deleted: send Status DELETED.")  # wording guessed
    if record["Status"] == "DELETED":
        raise ElementInvalid("This payment has already been deleted.")  # wording guessed
    if record.get("IsReconciled"):
        raise ElementInvalid("A reconciled payment cannot be deleted.")  # wording guessed
    plural, document_id = record["Document"]
    doc = INVOICE if plural == INVOICE.plural else CREDIT_NOTE
    document = doc.store(org)[document_id]
    record["Status"] = "DELETED"
    record["UpdatedDateUTC"] = now
    document["Payments"] = [p for p in document.get("Payments", []) if p["PaymentID"] != record["PaymentID"]]
    invoices.settle(document, -record["Amount"], ZERO, record["Date"], now)
    return doc, document


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    """How a payment appears inside its invoice or credit note."""
    keep = ("PaymentID", "Date", "Amount", "Reference", "CurrencyRate", "HasAccount", "HasValidationErrors")
    return {k: record[k] for k in keep}


def render(org: Organisation, record: dict[str, Any]) -> dict[str, Any]:
    """A payment as Xero shows it: its account and a summary of its document."""
    out = {k: v for k, v in record.items() if k not in ("AccountID", "Document")}
    account = org.accounts.get(record["AccountID"])
    if account is not None:
        out["Account"] = {"AccountID": account["AccountID"], "Code": account["Code"], "Name": account["Name"]}
    plural, document_id = record["Document"]
    doc = INVOICE if plural == INVOICE.plural else CREDIT_NOTE
    document = doc.store(org).get(document_id)
    if document is not None:
        key = "Invoice" if doc is INVOICE else "CreditNote"
        summary = {
            doc.id_field: document_id,
            "Type": document["Type"],
            "Status": document["Status"],
            "CurrencyCode": document.get("CurrencyCode"),
            "Payments": [],
            "HasErrors": False,
        }
        if document.get(doc.number_field):
            summary[doc.number_field] = document[doc.number_field]
            out[doc.number_field] = document[doc.number_field]
        contact = org.contacts.get(document["ContactID"])
        if contact is not None:
            summary["Contact"] = {
                "ContactID": contact["ContactID"],
                "Name": contact["Name"],
                "HasValidationErrors": False,
            }
        out[key] = summary
    return out
