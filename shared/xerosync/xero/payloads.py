"""Domain -> Xero request bodies (pure): the heart of accounting accuracy. Every body xerosync
sends Xero is built here.

Xero computes each line as ``round2(Quantity x UnitAmount) - DiscountAmount`` and its tax
per line, rounded to 2 dp, then sums (https://developer.xero.com/documentation/api/accounting/invoices,
"LineAmount" and "TaxAmount"). A store that rounds differently ends a cent or two away. So every
invoice and credit note built here (its lines: :mod:`xerosync.xero.lines`):

* carries each line's store tax as ``TaxAmount``, rounded to cents so that the lines add
  up to the store's tax total exactly (largest remainder);
* expresses each line's store amount after discount exactly, with the unit price at
  4 dp (``unitdp=4``) and the discount absorbing the unit price's rounding (the discount is
  never more than the line, and has the line's precision:
  https://github.com/XeroAPI/xero-php-oauth2/issues/288);
* adds one line on the rounding account for whatever difference is left, in either
  direction, so that Xero's ``Total`` equals the store's total to the cent.

Tax types come only from the store settings: xerosync never creates tax rates in Xero.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.domain import Party, Product, Refund, Sale, SaleLine
from xerosync.frozen import frozen
from xerosync.xero.lines import (
    ROUNDING_LINE,
    ZERO,
    MappingError,
    allocate_tax,
    cents,
    limit,
    line_items,
    line_sources,
    plain,
    units,
)

__all__ = [  # the line arithmetic, re-exported: callers build bodies here and read lines there
    "ROUNDING_LINE",
    "MappingError",
    "allocate_tax",
    "cents",
    "limit",
    "line_sources",
    "plain",
]

ITEM_CODE_MAX = 30
ITEM_NAME_MAX = 50


# --- contacts -------------------------------------------------------------------------------


def contact(party: Party) -> dict[str, Any]:
    """A Xero Contact for ``party`` (create or update body)."""
    body: dict[str, Any] = {"Name": limit(party.name, 255)}
    if party.customer_number:
        body["ContactNumber"] = limit(party.customer_number, 50)
    if party.first_name:
        body["FirstName"] = limit(party.first_name, 255)
    if party.last_name:
        body["LastName"] = limit(party.last_name, 255)
    if party.email:
        body["EmailAddress"] = limit(party.email, 255)
    if party.tax_number:
        body["TaxNumber"] = limit(party.tax_number, 50)
    if not party.address.is_empty():
        address: dict[str, Any] = {"AddressType": "POBOX"}
        for i, line in enumerate(party.address.lines[:4], start=1):
            address[f"AddressLine{i}"] = limit(line, 500)
        if party.address.city:
            address["City"] = limit(party.address.city, 255)
        if party.address.region:
            address["Region"] = limit(party.address.region, 255)
        if party.address.postcode:
            address["PostalCode"] = limit(party.address.postcode, 50)
        if party.address.country:
            address["Country"] = limit(party.address.country, 50)
        body["Addresses"] = [address]
    if party.phone:
        body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": limit(party.phone, 50)}]
    return body


# --- items ----------------------------------------------------------------------------------


@frozen
class ItemCode:
    """The Xero item code of a store SKU, and why (or why none)."""

    code: str | None  # None: this product gets no Xero item
    decision: str  # why, in words a merchant reads in the sync log


def item_code(sku: str | None, settings: StoreSettings) -> ItemCode:
    """The Xero item code for a store SKU (Xero: required, at most 30 characters, unique)."""
    if not sku:
        return ItemCode(None, "the product has no SKU, so it has no Xero item (its lines carry a description)")
    if len(sku) <= ITEM_CODE_MAX:
        return ItemCode(sku, "")
    if settings.items.long_sku == "skip":
        return ItemCode(None, f"SKU {sku!r} is longer than Xero's {ITEM_CODE_MAX} characters; no item (settings)")
    digest = hashlib.sha1(sku.encode(), usedforsecurity=False).hexdigest()[:8]
    code = f"{sku[: ITEM_CODE_MAX - 9]}~{digest}"
    return ItemCode(code, f"SKU {sku!r} is longer than Xero's {ITEM_CODE_MAX} characters; its item code is {code!r}")


def item(product: Product, code: str, settings: StoreSettings) -> dict[str, Any]:
    """An untracked Xero item (Xero's tracked inventory does not suit store channels)."""
    body: dict[str, Any] = {
        "Code": code,
        "Name": limit(product.name, ITEM_NAME_MAX),
        "Description": limit(product.description or product.name, 4000),
        "IsSold": True,
        "IsPurchased": False,
        "IsTrackedAsInventory": False,
        "SalesDetails": {"AccountCode": settings.accounts.sales},
    }
    if product.price is not None:
        body["SalesDetails"]["UnitPrice"] = units(product.price)
    return body


# --- invoices -------------------------------------------------------------------------------


def invoice_number(sale: Sale, settings: StoreSettings) -> str:
    return documents.invoice_number(settings.invoice_prefix, sale.number)


def invoice(
    sale: Sale,
    contact_id: str,
    settings: StoreSettings,
    *,
    status: str = "AUTHORISED",
    item_codes: Mapping[str, str] | None = None,
    line_ids: Mapping[str, str] | None = None,
    issue: int = 1,
) -> dict[str, Any]:
    """An ACCREC invoice for ``sale`` whose Xero Total equals the store total exactly (``issue``
    2 and up: issued again after a cancellation)."""
    number = invoice_number(sale, settings)
    reference = f"Order {sale.number}"
    if sale.payment_method_title:
        reference += f" - {sale.payment_method_title}"
    return {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "InvoiceNumber": documents.reissue_number(number, issue) if issue > 1 else number,
        "Reference": limit(reference, 255),
        "Date": sale.date.isoformat(),
        "DueDate": sale.date.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "Inclusive" if sale.prices_include_tax else "Exclusive",
        "Status": status,
        "LineItems": line_items(
            sale.lines,
            inclusive=sale.prices_include_tax,
            total=sale.total,
            total_tax=sale.total_tax,
            rates=sale.tax_rates,
            settings=settings,
            item_codes=item_codes or {},
            line_ids=line_ids or {},
        ),
    }


def status_change(status: str) -> dict[str, Any]:
    """An update that only changes a document's status (no LineItems: lines stay as they are)."""
    return {"Status": status}


# --- payments -------------------------------------------------------------------------------


def payment_reference(sale: Sale) -> str:
    return limit(sale.transaction_id or f"Order {sale.number}", 255)


def payment(
    *,
    invoice_id: str | None = None,
    credit_note_id: str | None = None,
    account: str,
    when: date,
    amount: Decimal,
    reference: str,
) -> dict[str, Any]:
    """A payment against an invoice (money in) or a credit note (a refund: money out)."""
    body: dict[str, Any] = {
        "Account": {"Code": account},
        "Date": when.isoformat(),
        "Amount": cents(amount),
        "Reference": limit(reference, 255),
    }
    if invoice_id:
        body["Invoice"] = {"InvoiceID": invoice_id}
    if credit_note_id:
        body["CreditNote"] = {"CreditNoteID": credit_note_id}
    return body


def payment_account(sale: Sale, settings: StoreSettings) -> str:
    return gateway_account(sale.payment_method, sale.payment_method_title, settings)


def gateway_account(gateway: str, title: str, settings: StoreSettings) -> str:
    """The account that money moved by ``gateway`` goes to (or comes from, for a refund)."""
    account = settings.payment_account(gateway)
    if account is None:
        raise MappingError(
            f"payment gateway {gateway!r} ({title}) has no Xero account: add "
            f'"{gateway}": "<account code>" under payments.accounts in the store settings'
        )
    return account


# --- credit notes ---------------------------------------------------------------------------


def credit_note_number(refund: Refund, sale: Sale, settings: StoreSettings) -> str:
    return documents.refund_number(invoice_number(sale, settings), refund.id)


def credit_note(
    refund: Refund,
    sale: Sale,
    contact_id: str,
    settings: StoreSettings,
    *,
    item_codes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An ACCRECCREDIT credit note for a refund, totalling the refunded amount exactly. Money the
    lines do not explain is the adapter's ``adjustment`` line, so the rounding line is rounding."""
    lines: Sequence[SaleLine] = refund.lines
    refund_tax = sum((line.tax for line in lines), ZERO)
    if not lines:
        lines, refund_tax = [_amount_only_line(refund, sale, settings)], ZERO
        if lines[0].tax_rate_ids and sale.total:
            # the refunded amount carries the order's tax in proportion
            rate = sale.tax_rates.get(lines[0].tax_rate_ids[0])
            percent = rate.percent if rate and rate.percent is not None else None
            if percent is not None:
                refund_tax = cents(refund.amount * percent / (100 + percent))
            else:
                refund_tax = cents(refund.amount * sale.total_tax / sale.total)
            lines = [_with_tax(lines[0], refund_tax)]
    reference = f"Refund {refund.id} of order {sale.number}" + (f": {refund.reason}" if refund.reason else "")
    return {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "CreditNoteNumber": credit_note_number(refund, sale, settings),
        "Reference": limit(reference, 255),
        "Date": refund.date.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "Inclusive" if sale.prices_include_tax else "Exclusive",
        "Status": "AUTHORISED",
        "LineItems": line_items(
            lines,
            inclusive=sale.prices_include_tax,
            total=refund.amount,
            total_tax=cents(refund_tax),
            rates=sale.tax_rates,
            settings=settings,
            item_codes=item_codes or {},
            line_ids={},
        ),
    }


def _amount_only_line(refund: Refund, sale: Sale, settings: StoreSettings) -> SaleLine:
    """An amount-only refund names no lines: it takes the order's tax rate when every line of
    the order had the same one, and no tax otherwise (it cannot be apportioned honestly)."""
    rate_sets = {line.tax_rate_ids for line in sale.lines}
    single = next(iter(rate_sets)) if settings.refunds.amount_only_tax == "order" and len(rate_sets) == 1 else ()
    description = f"Refund {refund.id}" + (f": {refund.reason}" if refund.reason else "")
    return SaleLine(
        "product", f"refund:{refund.id}", description, Decimal(1), refund.amount, ZERO, refund.amount, ZERO, single
    )


def _with_tax(line: SaleLine, tax: Decimal) -> SaleLine:
    """The refunded amount (tax included) split into its net amount and ``tax``."""
    net = line.total - tax
    return SaleLine(line.kind, line.source_id, line.description, line.quantity, net, tax, net, tax, line.tax_rate_ids)


# --- after the invoice is locked -----------------------------------------------------------

CREDIT_IN_FULL_FIELDS = (
    "Description",
    "Quantity",
    "UnitAmount",
    "DiscountAmount",
    "AccountCode",
    "TaxType",
    "TaxAmount",
    "ItemCode",
    "Tracking",
)


def adjustment(
    *,
    credit: bool,
    number: str,
    sale: Sale,
    contact_id: str,
    when: date,
    line_amount_types: str,
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    """A document booking a change made to an order after Xero locked its invoice (paid): a credit
    note for what went down, an invoice for what went up."""
    body: dict[str, Any] = {
        "Type": "ACCRECCREDIT" if credit else "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Reference": f"Change to order {sale.number} after payment",
        "Date": when.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": line_amount_types,
        "Status": "AUTHORISED",
        "LineItems": lines,
    }
    if credit:
        body["CreditNoteNumber"] = number
    else:
        body.update({"InvoiceNumber": number, "DueDate": when.isoformat()})
    return body


def adjustment_line(description: str, amount: Decimal, tax: Decimal, account: str, tax_type: str) -> dict[str, Any]:
    """One line of an adjustment: the change of one booked line (``amount`` and ``tax`` positive)."""
    return {
        "Description": f"Change to: {description}",
        "Quantity": Decimal(1),
        "UnitAmount": amount,
        "AccountCode": account,
        "TaxType": tax_type,
        "TaxAmount": tax,
    }


def credit_in_full(
    invoice: Mapping[str, Any], *, number: str, reason: str, invoice_number: str, when: date, amount: Decimal
) -> dict[str, Any]:
    """A credit note reversing what is still on a locked (paid) invoice, for a cancelled order:
    line for line, or, when the sale's credit notes already credited part of it (``amount`` is
    what they left: :func:`xerosync.sync.cancellation.cancellation_credit`), the rest in one line."""
    total = Decimal(str(invoice.get("Total", 0)))
    lines = [
        {k: line[k] for k in CREDIT_IN_FULL_FIELDS if line.get(k) not in (None, [], "")}
        for line in invoice.get("LineItems") or []
    ]
    if amount != total:
        lines = [
            {
                "Description": f"{reason}: the rest of {invoice_number}",
                "Quantity": Decimal(1),
                "UnitAmount": amount,
                "AccountCode": lines[0]["AccountCode"] if lines else "",
                "TaxType": "NONE",
                "TaxAmount": ZERO,
            }
        ]
    return {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": invoice["Contact"]["ContactID"]},
        "CreditNoteNumber": number,
        "Reference": f"{reason} ({invoice_number})",
        "Date": when.isoformat(),
        "CurrencyCode": invoice.get("CurrencyCode"),
        "LineAmountTypes": invoice.get("LineAmountTypes", "Exclusive"),
        "Status": "AUTHORISED",
        "LineItems": lines,
    }


# --- settling -------------------------------------------------------------------------------


def allocation(invoice_id: str, amount: Decimal, when: date) -> dict[str, Any]:
    return {"Invoice": {"InvoiceID": invoice_id}, "Amount": cents(amount), "Date": when.isoformat()}


def content_hash(body: dict[str, Any]) -> str:
    """A stable hash of a request body: equal bodies, equal hashes (Decimal-exact)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
