"""A settlement's Xero documents (pure): the bodies :mod:`xerosync.sync.settlements` sends.

**Per-order mode: one bank transaction (Receive Money; Spend Money for a withdrawal).** Each
payout must become one Xero entry that moves its net from the clearing account to the bank and
books its fees, reserves, adjustments and disputes, and whose bank side a statement line matches
1:1. Of Xero's documents:

* a bank transaction (``PUT /BankTransactions``, Type ``RECEIVE`` or ``SPEND``:
  https://developer.xero.com/documentation/api/accounting/banktransactions) sits on the bank
  account with one total, carries line items to any account (the clearing account, fees,
  reserves...) and a ``Reference`` ("Only supported for SPEND and RECEIVE transactions", Xero's
  spec), and is what Xero's bank reconciliation matches a statement line with
  (https://central.xero.com/s/article/Reconcile-your-bank-account): one entry, one match;
* a bank transfer (https://developer.xero.com/documentation/api/accounting/banktransfers) moves
  an amount between two accounts that are both bank accounts, with no lines: the fees would need
  a second document and the clearing account would have to be a bank account;
* a manual journal (https://developer.xero.com/documentation/api/accounting/manualjournals) has
  no bank side that a statement line is matched with.

Its lines are money with tax included (``Inclusive``), so the transaction's total is the sum of
the lines whatever tax types the merchant gives fees; a withdrawal is a ``SPEND`` with every line
negated (Xero's totals are positive). Xero has no draft bank transactions (its statuses are
AUTHORISED, DELETED, VOIDED), so this mode always posts AUTHORISED.

**Summary mode: an ACCREC invoice (a credit note when the deposit is negative) and its payment
from the bank account**, the A2X and Reconcile.ly shape (https://support.a2xaccounting.com/en/articles/959808,
https://help.reconcile.ly): the lines carry the store's tax (``TaxAmount``), the document's total
is the deposit, and the payment of that total from the bank is what the statement line matches.
"""

from decimal import Decimal
from typing import Any

from xerosync.settlement import Booking, Line, Part
from xerosync.xero.lines import limit
from xerosync.xero.payloads import payment


def _lines(booking: Booking, sign: Decimal, lines: tuple[Line, ...] | None = None) -> list[dict[str, Any]]:
    tracking = [{"Name": booking.tracking.category, "Option": booking.tracking.option}] if booking.tracking else None
    out = []
    for line in booking.lines if lines is None else lines:
        item: dict[str, Any] = {
            "Description": limit(line.description, 4000),
            "Quantity": Decimal(1),
            "UnitAmount": sign * line.amount,
            "AccountCode": line.account,
            "TaxType": line.tax_type,
        }
        if line.tax is not None:
            item["TaxAmount"] = sign * line.tax
        if tracking:
            item["Tracking"] = tracking
        out.append(item)
    return out


def _sign(booking: Booking) -> Decimal:
    return Decimal(-1) if booking.settlement.deposit < 0 else Decimal(1)


def bank_transaction(booking: Booking) -> dict[str, Any]:
    """Per-order mode: the deposit as Receive Money (a withdrawal as Spend Money)."""
    s = booking.settlement
    return {
        "Type": "SPEND" if s.deposit < 0 else "RECEIVE",
        "Contact": {"Name": limit(booking.contact, 255)},
        "BankAccount": {"Code": booking.bank_account},
        "Date": s.date.isoformat(),
        "Reference": limit(booking.reference, 255),
        "CurrencyCode": s.currency,
        "LineAmountTypes": "Inclusive",
        "Status": "AUTHORISED",
        "LineItems": _lines(booking, _sign(booking)),
    }


TYPES = {"invoice": "ACCREC", "credit_note": "ACCRECCREDIT", "bill": "ACCPAY"}


def summary_document(booking: Booking, part: Part | None = None) -> dict[str, Any]:
    """Summary mode: the ACCREC invoice of a deposit; a withdrawal's credit note or ACCPAY bill
    (``settlements.negative``). ``part``: one month's document of a settlement split by month
    (the same type as the settlement's, its total zero but for the last); unset, the last."""
    s = booking.settlement
    part = part or booking.parts[-1]
    kind = booking.document
    body: dict[str, Any] = {
        "Type": TYPES[kind],
        "Contact": {"Name": limit(booking.contact, 255)},
        "Reference": limit(booking.reference, 255),
        "Date": part.date.isoformat(),
        "CurrencyCode": s.currency,
        "LineAmountTypes": "Inclusive",
        "Status": booking.status,
        "LineItems": _lines(booking, _sign(booking), part.lines),
    }
    if kind == "credit_note":
        body["CreditNoteNumber"] = part.number
    else:
        body.update({"InvoiceNumber": part.number, "DueDate": max(part.date, s.date).isoformat()})
    return body


def settlement_payment(booking: Booking, document_id: str) -> dict[str, Any]:
    """Summary mode: the deposit paid from (a withdrawal: refunded to) the bank account."""
    s = booking.settlement
    return payment(
        invoice_id=None if booking.document == "credit_note" else document_id,
        credit_note_id=document_id if booking.document == "credit_note" else None,
        account=booking.bank_account,
        when=s.date,
        amount=abs(s.deposit),
        reference=booking.reference,
    )


def document_total(body: dict[str, Any]) -> Decimal:
    """What Xero will total a body built here to (its lines are tax inclusive, one unit each)."""
    return sum((Decimal(line["UnitAmount"]) for line in body["LineItems"]), Decimal(0))


__all__ = ["Line", "Part", "bank_transaction", "document_total", "settlement_payment", "summary_document"]
