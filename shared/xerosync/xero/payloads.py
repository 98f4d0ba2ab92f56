"""Domain -> Xero request bodies (pure): the heart of accounting accuracy.

Xero computes each line as ``round2(Quantity x UnitAmount) - DiscountAmount`` and its tax
per line, rounded to 2 dp, then sums (research/xero.md 2.5). A store that rounds
differently ends a cent or two away. So every invoice and credit note built here:

* carries each line's store tax as ``TaxAmount``, rounded to cents so that the lines add
  up to the store's tax total exactly (largest remainder);
* expresses each line's store amount after discount exactly, with the unit price at
  4 dp (``unitdp=4``) and the discount absorbing the unit price's rounding (the discount is
  never more than the line, and has the line's precision: WooCommerce Xero #288);
* adds one line on the rounding account for whatever difference is left, in either
  direction, so that Xero's ``Total`` equals the store's total to the cent.

Tax types come only from the store settings: xerosync never creates tax rates in Xero.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.domain import Party, Product, Refund, Sale, SaleLine, TaxRate

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")
ZERO = Decimal("0")
ROUNDING_LINE = "rounding"  # the source id of the rounding line, so it keeps its LineItemID
ITEM_CODE_MAX = 30
ITEM_NAME_MAX = 50


class MappingError(ValueError):
    """The store record cannot become a Xero document until the merchant fixes something."""


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def plain(x: Decimal) -> Decimal:
    """``x`` without trailing zeros and never in exponent form (10, not 1E+1)."""
    if x == x.to_integral_value():
        return x.quantize(Decimal(1))
    return x.normalize()


def units(x: Decimal) -> Decimal:
    """A unit amount at Xero's ``unitdp=4`` precision."""
    return plain(x.quantize(UNIT, rounding=ROUND_HALF_UP))


def _limit(value: str, size: int) -> str:
    return value if len(value) <= size else value[: size - 1] + "…"


# --- contacts -------------------------------------------------------------------------------


def contact(party: Party) -> dict[str, Any]:
    """A Xero Contact for ``party`` (create or update body)."""
    body: dict[str, Any] = {"Name": _limit(party.name, 255)}
    if party.customer_number:
        body["ContactNumber"] = _limit(party.customer_number, 50)
    if party.first_name:
        body["FirstName"] = _limit(party.first_name, 255)
    if party.last_name:
        body["LastName"] = _limit(party.last_name, 255)
    if party.email:
        body["EmailAddress"] = _limit(party.email, 255)
    if party.tax_number:
        body["TaxNumber"] = _limit(party.tax_number, 50)
    if not party.address.is_empty():
        address: dict[str, Any] = {"AddressType": "POBOX"}
        for i, line in enumerate(party.address.lines[:4], start=1):
            address[f"AddressLine{i}"] = _limit(line, 500)
        if party.address.city:
            address["City"] = _limit(party.address.city, 255)
        if party.address.region:
            address["Region"] = _limit(party.address.region, 255)
        if party.address.postcode:
            address["PostalCode"] = _limit(party.address.postcode, 50)
        if party.address.country:
            address["Country"] = _limit(party.address.country, 50)
        body["Addresses"] = [address]
    if party.phone:
        body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": _limit(party.phone, 50)}]
    return body


# --- items ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemCode:
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
        "Name": _limit(product.name, ITEM_NAME_MAX),
        "Description": _limit(product.description or product.name, 4000),
        "IsSold": True,
        "IsPurchased": False,
        "IsTrackedAsInventory": False,
        "SalesDetails": {"AccountCode": settings.accounts.sales},
    }
    if product.price is not None:
        body["SalesDetails"]["UnitPrice"] = units(product.price)
    return body


# --- lines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    source: SaleLine
    quantity: Decimal
    unit_amount: Decimal
    discount: Decimal
    line_amount: Decimal  # what Xero will compute: round2(q x unit) - discount
    tax_type: str
    account: str


def _tax_type(line: SaleLine, rates: Mapping[str, TaxRate], settings: StoreSettings) -> str:
    if not line.tax_rate_ids:
        if line.tax != 0:
            raise MappingError(
                f"{line.description!r} carries tax {line.tax} but names no store tax rate; "
                "the order cannot be mapped to a Xero tax type"
            )
        return settings.tax.no_tax
    by_id = "+".join(line.tax_rate_ids)
    by_code = "+".join(rates[i].code for i in line.tax_rate_ids if i in rates and rates[i].code)
    for key in (by_id, by_code):
        if key and key in settings.tax.rates:
            return settings.tax.rates[key]
    names = ", ".join(rates[i].describe() if i in rates else str(i) for i in line.tax_rate_ids)
    raise MappingError(
        f'store tax rate {names} has no Xero tax type: add "{by_id}": "<Xero TaxType>" '
        "under tax.rates in the store settings (xerosync never creates tax rates in Xero)"
    )


def _account(line: SaleLine, settings: StoreSettings) -> str:
    accounts = settings.accounts
    return {"product": accounts.sales, "shipping": accounts.shipping, "fee": accounts.fees}[line.kind]


def _price_line(line: SaleLine, inclusive: bool, rates: Mapping[str, TaxRate], settings: StoreSettings) -> _Line:
    before = line.subtotal + (line.subtotal_tax if inclusive else ZERO)  # before discount
    after = cents(line.total + (line.tax if inclusive else ZERO))  # the store's line amount
    quantity = line.quantity if line.quantity != 0 else Decimal("1")
    unit = units(before / quantity)
    gross = cents(quantity * unit)
    discount = gross - after
    if discount < 0 or (after >= 0 and discount > gross) or (after < 0 and discount != 0):
        # no usable discount (negative fees, or a total above the subtotal): price the line as it ended
        unit = units(after / quantity)
        gross = cents(quantity * unit)
        discount = ZERO
    return _Line(
        source=line,
        quantity=quantity,
        unit_amount=unit,
        discount=discount,
        line_amount=gross - discount,
        tax_type=_tax_type(line, rates, settings),
        account=_account(line, settings),
    )


def allocate_tax(taxes: list[Decimal], target: Decimal) -> list[Decimal]:
    """Round each line tax to cents so that they sum to ``target`` (largest remainder first)."""
    rounded = [cents(t) for t in taxes]
    gap = cents(target) - sum(rounded, ZERO)
    if gap == 0 or not any(t != 0 for t in taxes):
        return rounded
    step = CENT if gap > 0 else -CENT
    # lines whose rounding moved them furthest from their true value get the cents first
    order = sorted(
        (i for i, t in enumerate(taxes) if t != 0),
        key=lambda i: (taxes[i] - rounded[i]) * (1 if gap > 0 else -1),
        reverse=True,
    )
    i = 0
    while gap != 0:
        index = order[i % len(order)]
        rounded[index] += step
        gap -= step
        i += 1
    return rounded


def _line_items(
    lines: Sequence[SaleLine],
    *,
    inclusive: bool,
    total: Decimal,
    total_tax: Decimal,
    rates: Mapping[str, TaxRate],
    settings: StoreSettings,
    item_codes: Mapping[str, str],
    line_ids: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Xero line items whose total is ``total`` and whose tax is ``total_tax``, exactly."""
    priced = [_price_line(line, inclusive, rates, settings) for line in lines]
    taxes = allocate_tax([p.source.tax for p in priced], total_tax)
    tracking = [{"Name": settings.tracking.category, "Option": settings.tracking.option}] if settings.tracking else None
    items: list[dict[str, Any]] = []
    for p, tax in zip(priced, taxes, strict=True):
        line: dict[str, Any] = {
            "Description": _limit(p.source.description, 4000),
            "Quantity": plain(p.quantity),
            "UnitAmount": p.unit_amount,
            "AccountCode": p.account,
            "TaxType": p.tax_type,
            "TaxAmount": tax,
        }
        if p.discount:
            line["DiscountAmount"] = p.discount
        code = item_codes.get(p.source.product_key or "")
        if code:
            line["ItemCode"] = code
        if tracking:
            line["Tracking"] = tracking
        if p.source.source_id in line_ids:
            line["LineItemID"] = line_ids[p.source.source_id]
        items.append(line)

    line_total = sum((p.line_amount for p in priced), ZERO)
    tax_total = sum(taxes, ZERO)
    xero_total = line_total if inclusive else line_total + tax_total
    difference = cents(total) - xero_total
    if difference:
        rounding: dict[str, Any] = {
            "Description": "Rounding (difference between the store's and Xero's rounding)",
            "Quantity": Decimal("1"),
            "UnitAmount": difference,
            "AccountCode": settings.accounts.rounding,
            "TaxType": settings.tax.rounding,
            "TaxAmount": ZERO,
        }
        if tracking:
            rounding["Tracking"] = tracking
        if ROUNDING_LINE in line_ids:
            rounding["LineItemID"] = line_ids[ROUNDING_LINE]
        items.append(rounding)
    return items


def line_sources(sale_lines: Sequence[SaleLine], body: dict[str, Any]) -> list[str]:
    """The source id of each line of ``body`` (built from ``sale_lines``), in order."""
    sources = [line.source_id for line in sale_lines]
    extra = len(body["LineItems"]) - len(sources)
    return sources + [ROUNDING_LINE] * extra


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
        "Reference": _limit(reference, 255),
        "Date": sale.date.isoformat(),
        "DueDate": sale.date.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "Inclusive" if sale.prices_include_tax else "Exclusive",
        "Status": status,
        "LineItems": _line_items(
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
    return _limit(sale.transaction_id or f"Order {sale.number}", 255)


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
        "Reference": _limit(reference, 255),
    }
    if invoice_id:
        body["Invoice"] = {"InvoiceID": invoice_id}
    if credit_note_id:
        body["CreditNote"] = {"CreditNoteID": credit_note_id}
    return body


def payment_account(sale: Sale, settings: StoreSettings) -> str:
    account = settings.payment_account(sale.payment_method)
    if account is None:
        raise MappingError(
            f"payment gateway {sale.payment_method!r} ({sale.payment_method_title}) has no Xero account: add "
            f'"{sale.payment_method}": "<account code>" under payments.accounts in the store settings'
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
    """An ACCRECCREDIT credit note for a refund, totalling the refunded amount exactly."""
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
        "Reference": _limit(reference, 255),
        "Date": refund.date.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "Inclusive" if sale.prices_include_tax else "Exclusive",
        "Status": "AUTHORISED",
        "LineItems": _line_items(
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


def full_credit(
    sale: Sale,
    contact_id: str,
    settings: StoreSettings,
    *,
    reason: str,
    number: str,
    item_codes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A credit note for the whole of ``sale`` (a paid order cancelled: its invoice is locked)."""
    return {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "CreditNoteNumber": number,
        "Reference": _limit(f"{reason} (order {sale.number})", 255),
        "Date": sale.date.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "Inclusive" if sale.prices_include_tax else "Exclusive",
        "Status": "AUTHORISED",
        "LineItems": _line_items(
            sale.lines,
            inclusive=sale.prices_include_tax,
            total=sale.total,
            total_tax=sale.total_tax,
            rates=sale.tax_rates,
            settings=settings,
            item_codes=item_codes or {},
            line_ids={},
        ),
    }


def allocation(invoice_id: str, amount: Decimal, when: date) -> dict[str, Any]:
    return {"Invoice": {"InvoiceID": invoice_id}, "Amount": cents(amount), "Date": when.isoformat()}


def content_hash(body: dict[str, Any]) -> str:
    """A stable hash of a request body: equal bodies, equal hashes (Decimal-exact)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
