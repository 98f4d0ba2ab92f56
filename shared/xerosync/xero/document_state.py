"""A Xero invoice or bill, read into the state the store is told of (pure).

The link opens the document in the right organisation: Xero's deep links are
``https://go.xero.com/organisationlogin/default.aspx?shortcode=<ShortCode>&redirecturl=<page>``,
the ``ShortCode`` from the Organisation endpoint, the page ``/AccountsReceivable/View.aspx?InvoiceID=<id>``
for an invoice and ``/AccountsPayable/Edit.aspx?InvoiceID=<id>`` for a bill, written as Xero's own
examples write them (https://developer.xero.com/documentation/guides/how-to-guides/deep-link-xero/).
A link only works for a user of that organisation who signs in: it is a pointer, not a grant.

Xero has no part-paid status: an authorised document with money paid or credited against it and
some still due is ``PART_PAID`` (:attr:`~xerosync.sources.port.XeroDocumentState.standing`).
Payment dates come from the invoice's ``Payments`` (each payment's ``Date``), ``FullyPaidOnDate``
once nothing is due (https://developer.xero.com/documentation/api/accounting/invoices).
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from xerosync.sources.port import XeroDocumentState
from xerosync.xero.models import money, xero_date

DEEP_LINK = "https://go.xero.com/organisationlogin/default.aspx?shortcode={code}&redirecturl={page}"
PAGES = {
    "ACCREC": "/AccountsReceivable/View.aspx?InvoiceID={id}",
    "ACCPAY": "/AccountsPayable/Edit.aspx?InvoiceID={id}",
    # a credit note (either kind) and a contact, as Xero's examples write them (the page above)
    "ACCRECCREDIT": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
    "ACCPAYCREDIT": "/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
    "CONTACT": "/Contacts/View/{id}",
}


def deep_link(short_code: str, document_type: str, document_id: str) -> str:
    """The link to a document in Xero, or ``""`` without the organisation's short code."""
    page = PAGES.get(document_type)
    if not short_code or not page or not document_id:
        return ""
    return DEEP_LINK.format(code=short_code, page=page.format(id=document_id))


def document_state(invoice: Mapping[str, Any], short_code: str = "") -> XeroDocumentState:
    """``invoice`` as Xero answers ``GET Invoices/{id}`` (money already ``Decimal``)."""
    kind: Literal["ACCREC", "ACCPAY"] = "ACCPAY" if invoice.get("Type") == "ACCPAY" else "ACCREC"
    document_id = str(invoice.get("InvoiceID") or "")
    payments = invoice.get("Payments") or ()
    dates = sorted(d for d in (xero_date(p.get("Date")) for p in payments if isinstance(p, Mapping)) if d)
    return XeroDocumentState(
        type=kind,
        document_id=document_id,
        number=str(invoice.get("InvoiceNumber") or ""),
        status=str(invoice.get("Status") or ""),
        currency=str(invoice.get("CurrencyCode") or ""),
        total=_cents(invoice.get("Total")),
        amount_paid=_cents(invoice.get("AmountPaid")),
        amount_due=_cents(invoice.get("AmountDue")),
        amount_credited=_cents(invoice.get("AmountCredited")),
        fully_paid_on=xero_date(invoice.get("FullyPaidOnDate")),
        payment_dates=tuple(dates),
        link=deep_link(short_code, kind, document_id),
    )


def updated_at(document: Mapping[str, Any]) -> datetime | None:
    """When Xero last changed ``document`` (``UpdatedDateUTC``: ``/Date(ms+0000)/`` or ISO), UTC."""
    value = str(document.get("UpdatedDateUTC") or "")
    if value.startswith("/Date("):
        digits = value[6:].split(")")[0].split("+")[0]
        try:
            return datetime.fromtimestamp(int(digits.lstrip("-") or 0) / 1000, tz=UTC)
        except (ValueError, OverflowError):
            return None
    try:
        found = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return found.replace(tzinfo=found.tzinfo or UTC) if found else None


def _cents(value: Any) -> Decimal:
    """Money to the cent (Xero answers ``unitdp=4`` amounts with up to four places)."""
    return money(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
