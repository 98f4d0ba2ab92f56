"""Xero's answers, as the sync reads them (pure): typed read models over the JSON the client
returns (PascalCase keys, money already ``Decimal``), so nobody digs ``AmountDue`` out of a dict.

Dates come as ``/Date(1543536000000+0000)/`` or as ``2018-11-30T00:00:00`` (Xero's JSON uses
both: https://developer.xero.com/documentation/api/accounting/requests-and-responses).
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from xerosync.frozen import frozen

ZERO = Decimal("0")
Day = date  # for fields declared after a field named ``date``
ACTIVE = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID")  # on the books (not voided or deleted)


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except ArithmeticError:
        return ZERO


def xero_date(value: Any) -> date | None:
    """A Xero date: ``/Date(1543536000000+0000)/`` or ``2018-11-30T00:00:00``."""
    if not value:
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    if text.startswith("/Date("):
        millis = int(text[6:].split(")")[0].split("+")[0].split("-")[0])
        return datetime.fromtimestamp(millis / 1000, tz=UTC).date()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


@frozen
class Payment:
    """A Xero payment, as the sync reads one."""

    id: str
    reference: str
    status: str
    amount: Decimal

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> "Payment":
        return cls(
            id=str(record.get("PaymentID") or ""),
            reference=str(record.get("Reference") or ""),
            status=str(record.get("Status") or "AUTHORISED"),
            amount=money(record.get("Amount")),
        )


@frozen
class Invoice:
    """An invoice (or an additional one) as Xero holds it."""

    id: str
    number: str
    status: str
    date: date | None
    total: Decimal = ZERO
    total_tax: Decimal = ZERO
    amount_due: Decimal = ZERO
    amount_paid: Decimal = ZERO
    amount_credited: Decimal = ZERO
    line_amount_types: str = "Exclusive"
    payments: tuple[Payment, ...] = ()
    known_due: bool = True  # False when the answer did not say what is due (not read whole)
    # the credit allocated to it, by credit note: (CreditNoteID, AppliedAmount), one per allocation
    credit_allocations: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> "Invoice":
        return cls(
            id=str(record.get("InvoiceID") or ""),
            number=str(record.get("InvoiceNumber") or ""),
            status=str(record.get("Status") or ""),
            date=xero_date(record.get("Date")),
            total=money(record.get("Total")),
            total_tax=money(record.get("TotalTax")),
            amount_due=money(record.get("AmountDue")),
            amount_paid=money(record.get("AmountPaid")),
            amount_credited=money(record.get("AmountCredited")),
            line_amount_types=str(record.get("LineAmountTypes") or "Exclusive"),
            payments=tuple(Payment.of(p) for p in record.get("Payments") or ()),
            known_due="AmountDue" in record,
            credit_allocations=tuple(
                (str(c.get("CreditNoteID") or ""), money(c.get("AppliedAmount")))
                for c in record.get("CreditNotes") or ()
            ),
        )

    def less_due(self, amount: Decimal) -> "Invoice":
        """The invoice after ``amount`` of it was paid or credited."""
        due = self.amount_due - amount
        return replace(self, amount_due=max(due, ZERO), status="PAID" if due <= 0 else self.status)

    @property
    def settled(self) -> Decimal:
        """What payments and credits took off it."""
        return self.amount_paid + self.amount_credited


@frozen
class CreditNote:
    """A Xero credit note, as the sync reads one."""

    id: str
    number: str
    status: str
    total: Decimal = ZERO
    total_tax: Decimal = ZERO
    remaining_credit: Decimal = ZERO
    known_remaining: bool = True  # False when the answer did not say what credit is left
    payments: tuple[Payment, ...] = ()  # the money paid out on it (a refund's)

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> "CreditNote":
        return cls(
            id=str(record.get("CreditNoteID") or ""),
            number=str(record.get("CreditNoteNumber") or ""),
            status=str(record.get("Status") or ""),
            total=money(record.get("Total")),
            total_tax=money(record.get("TotalTax")),
            remaining_credit=money(record.get("RemainingCredit")),
            known_remaining="RemainingCredit" in record,
            payments=tuple(Payment.of(p) for p in record.get("Payments") or ()),
        )


@frozen
class QuoteRecord:
    """A Xero quote, as the sync reads one (``line_amount_types`` in the quote's own spelling:
    ``EXCLUSIVE``, ``INCLUSIVE`` or ``NOTAX``)."""

    id: str
    number: str
    status: str
    date: date | None
    expiry: Day | None = None
    contact_id: str = ""
    total: Decimal = ZERO
    total_tax: Decimal = ZERO
    total_discount: Decimal = ZERO
    line_amount_types: str = "EXCLUSIVE"
    line_ids: tuple[str, ...] = ()  # LineItemIDs, in order

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> "QuoteRecord":
        return cls(
            id=str(record.get("QuoteID") or ""),
            number=str(record.get("QuoteNumber") or ""),
            status=str(record.get("Status") or ""),
            date=xero_date(record.get("Date")),
            expiry=xero_date(record.get("ExpiryDate")),
            contact_id=str((record.get("Contact") or {}).get("ContactID") or ""),
            total=money(record.get("Total")),
            total_tax=money(record.get("TotalTax")),
            total_discount=money(record.get("TotalDiscount")),
            line_amount_types=str(record.get("LineAmountTypes") or "EXCLUSIVE"),
            line_ids=tuple(str(line.get("LineItemID") or "") for line in record.get("LineItems") or ()),
        )


@frozen
class PurchaseOrderRecord:
    """A Xero purchase order, as the sync reads one."""

    id: str
    number: str
    status: str
    date: date | None
    delivery_date: Day | None = None
    contact_id: str = ""
    total: Decimal = ZERO
    total_tax: Decimal = ZERO
    sent_to_contact: bool = False
    line_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> "PurchaseOrderRecord":
        return cls(
            id=str(record.get("PurchaseOrderID") or ""),
            number=str(record.get("PurchaseOrderNumber") or ""),
            status=str(record.get("Status") or ""),
            date=xero_date(record.get("Date")),
            delivery_date=xero_date(record.get("DeliveryDate")),
            contact_id=str((record.get("Contact") or {}).get("ContactID") or ""),
            total=money(record.get("Total")),
            total_tax=money(record.get("TotalTax")),
            sent_to_contact=bool(record.get("SentToContact")),
            line_ids=tuple(str(line.get("LineItemID") or "") for line in record.get("LineItems") or ()),
        )
