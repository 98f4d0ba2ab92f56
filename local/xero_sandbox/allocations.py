"""Credit note allocations (spec ``Allocation``).
https://github.com/XeroAPI/Xero-OpenAPI
https://developer.xero.com/documentation/api/accounting/invoices

An allocation moves credit from an AUTHORISED credit note to an AUTHORISED invoice of the
same side (ACCRECCREDIT to ACCREC, ACCPAYCREDIT to ACCPAY) and the same contact, for at
most the credit left and the amount due. Both documents become PAID when nothing is left;
deleting the allocation gives the money back (and PAID goes back to AUTHORISED).

An allocation sent without a ``Date`` is dated the later of the invoice's and the credit
note's dates, as Xero's credit notes docs say of the (read-only) allocation date
(developer.xero.com/documentation/api/accounting/creditnotes, "Allocating credit notes").
"""

from datetime import datetime
from typing import Any

from local.xero_sandbox import invoices
from local.xero_sandbox.dates import parse_date
from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.invoices import INVOICE, ZERO
from local.xero_sandbox.state import Organisation, new_id

SIDE = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}


def create(org: Organisation, credit_note: dict[str, Any], element: dict[str, Any], now: datetime) -> dict[str, Any]:
    reference = element.get("Invoice") or {}
    invoice = invoices.find(org, reference, INVOICE) if reference else None
    if invoice is None:
        raise ElementInvalid("Invoice could not be found")  # wording guessed
    problems: list[str] = []
    try:
        amount = invoices.number(element.get("Amount"), "Amount", 2)
        when = parse_date(element.get("Date")) or max(invoice["Date"], credit_note["Date"])
    except ElementInvalid as exc:
        raise ElementInvalid(*exc.messages) from None
    except ValueError as exc:
        raise ElementInvalid(str(exc)) from None
    if credit_note["Status"] != "AUTHORISED" or invoice["Status"] != "AUTHORISED":
        problems.append("Allocations can only be made between Authorised documents.")  # wording guessed
    if SIDE[credit_note["Type"]] != invoice["Type"]:
        problems.append(f"A {credit_note['Type']} credit note cannot be allocated to an {invoice['Type']} invoice.")
    if invoice["ContactID"] != credit_note["ContactID"]:
        problems.append("The credit note and the invoice must be for the same contact.")  # wording guessed
    if invoice.get("CurrencyCode") != credit_note.get("CurrencyCode"):
        problems.append("The credit note and the invoice must be in the same currency.")  # wording guessed
    if amount <= 0:
        problems.append("The allocation amount must be greater than zero.")  # wording guessed
    elif amount > invoices.outstanding(credit_note):
        problems.append("The amount allocated exceeds the remaining credit on the credit note.")  # wording guessed
    elif amount > invoices.outstanding(invoice):
        problems.append("The amount allocated exceeds the amount due on the invoice.")  # wording guessed
    try:
        invoices.check_lock(org, when)
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    if problems:
        raise ElementInvalid(*problems)
    allocation = {
        "AllocationID": new_id(),
        "Amount": amount,
        "Date": when,
        "InvoiceID": invoice["InvoiceID"],
        "CreditNoteID": credit_note["CreditNoteID"],
        "IsDeleted": False,
    }
    credit_note["Allocations"] = [*credit_note.get("Allocations", []), allocation]
    invoice["CreditNotes"] = [
        *invoice.get("CreditNotes", []),
        {
            "CreditNoteID": credit_note["CreditNoteID"],
            "CreditNoteNumber": credit_note.get("CreditNoteNumber", ""),
            "AllocationID": allocation["AllocationID"],
            "AppliedAmount": amount,
            "Total": credit_note["Total"],
            "Date": when,
        },
    ]
    invoices.settle(credit_note, ZERO, amount, when, now)
    invoices.settle(invoice, ZERO, amount, when, now)
    return allocation


def delete(org: Organisation, credit_note: dict[str, Any], allocation_id: str, now: datetime) -> dict[str, Any] | None:
    """Undo an allocation; None when the credit note has no live allocation with that id."""
    allocation: dict[str, Any] | None = next(
        (
            a
            for a in credit_note.get("Allocations", [])
            if a["AllocationID"] == allocation_id.lower() and not a["IsDeleted"]
        ),
        None,
    )
    if allocation is None:
        return None
    invoice = org.invoices[allocation["InvoiceID"]]
    allocation["IsDeleted"] = True
    credit_note["Allocations"] = [a for a in credit_note["Allocations"] if a is not allocation]
    invoice["CreditNotes"] = [
        c for c in invoice.get("CreditNotes", []) if c.get("AllocationID") != allocation_id.lower()
    ]
    invoices.settle(credit_note, ZERO, -allocation["Amount"], allocation["Date"], now)
    invoices.settle(invoice, ZERO, -allocation["Amount"], allocation["Date"], now)
    return allocation


def render(org: Organisation, allocation: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in allocation.items() if k not in ("InvoiceID", "CreditNoteID")}
    invoice = org.invoices.get(allocation["InvoiceID"])
    credit_note = org.credit_notes.get(allocation["CreditNoteID"])
    if invoice is not None:
        out["Invoice"] = {
            "InvoiceID": invoice["InvoiceID"],
            "InvoiceNumber": invoice.get("InvoiceNumber", ""),
            "Type": invoice["Type"],
            "Payments": [],
            "HasErrors": False,
        }
    if credit_note is not None:
        out["CreditNote"] = {
            "CreditNoteID": credit_note["CreditNoteID"],
            "CreditNoteNumber": credit_note.get("CreditNoteNumber", ""),
            "Type": credit_note["Type"],
            "HasErrors": False,
        }
    return out
