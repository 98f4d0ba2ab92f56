"""Domain -> Xero request bodies (pure): the heart of accounting accuracy.

Xero computes each line as ``round2(Quantity x UnitAmount) - DiscountAmount`` and its tax
per line, rounded to 2 dp, then sums (research/xero.md 2.5). A store that rounds
differently ends a cent or two away. So every invoice built here:

* carries each line's store tax as ``TaxAmount``, rounded to cents so that the lines add
  up to the store's ``total_tax`` exactly (largest remainder);
* expresses each line's store amount after discount exactly, with the unit price at
  4 dp (``unitdp=4``) and the discount absorbing the unit price's rounding;
* adds one line on the rounding account for whatever difference is left, in either
  direction, so that Xero's ``Total`` equals the store's total to the cent.
"""

import hashlib
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xerosync.config import StoreSettings
from xerosync.domain import Party, Sale, SaleLine

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")
ZERO = Decimal("0")


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


@dataclass(frozen=True)
class _Line:
    source: SaleLine
    quantity: Decimal
    unit_amount: Decimal
    discount: Decimal
    line_amount: Decimal  # what Xero will compute: round2(q x unit) - discount
    tax_type: str
    account: str


def _tax_type(line: SaleLine, sale: Sale, settings: StoreSettings) -> str:
    if not line.tax_rate_ids:
        if line.tax != 0:
            raise MappingError(
                f"{line.description!r} carries tax {line.tax} but names no WooCommerce tax rate; "
                "the order cannot be mapped to a Xero tax type"
            )
        return settings.tax.no_tax
    key = "+".join(str(i) for i in line.tax_rate_ids)
    mapped = settings.tax.rates.get(key)
    if mapped is None:
        names = ", ".join(f"{i} {sale.tax_rate_labels.get(i, '')}".strip() for i in line.tax_rate_ids)
        raise MappingError(
            f'WooCommerce tax rate {names} has no Xero tax type: add "{key}": "<Xero TaxType>" '
            "under tax.rates in the store settings (xerosync never creates tax rates in Xero)"
        )
    return mapped


def _account(line: SaleLine, settings: StoreSettings) -> str:
    return {"product": settings.accounts.sales, "shipping": settings.accounts.shipping, "fee": settings.accounts.fees}[
        line.kind
    ]


def _price_line(line: SaleLine, sale: Sale, settings: StoreSettings) -> _Line:
    inclusive = sale.prices_include_tax
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
        tax_type=_tax_type(line, sale, settings),
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


def invoice_number(sale: Sale, settings: StoreSettings) -> str:
    return f"{settings.invoice_prefix}{sale.number}"


def invoice(sale: Sale, contact_id: str, settings: StoreSettings, *, status: str = "AUTHORISED") -> dict[str, Any]:
    """An ACCREC invoice for ``sale`` whose Xero Total equals the store total exactly."""
    priced = [_price_line(line, sale, settings) for line in sale.lines]
    taxes = allocate_tax([p.source.tax for p in priced], sale.total_tax)
    line_items: list[dict[str, Any]] = []
    for p, tax in zip(priced, taxes, strict=True):
        item: dict[str, Any] = {
            "Description": _limit(p.source.description, 4000),
            "Quantity": plain(p.quantity),
            "UnitAmount": p.unit_amount,
            "AccountCode": p.account,
            "TaxType": p.tax_type,
            "TaxAmount": tax,
        }
        if p.discount:
            item["DiscountAmount"] = p.discount
        line_items.append(item)

    line_total = sum((p.line_amount for p in priced), ZERO)
    tax_total = sum(taxes, ZERO)
    xero_total = line_total if sale.prices_include_tax else line_total + tax_total
    difference = cents(sale.total) - xero_total
    if difference:
        line_items.append(
            {
                "Description": "Rounding (difference between the store's and Xero's rounding)",
                "Quantity": Decimal("1"),
                "UnitAmount": difference,
                "AccountCode": settings.accounts.rounding,
                "TaxType": settings.tax.rounding,
                "TaxAmount": ZERO,
            }
        )

    reference = f"Order {sale.number}"
    if sale.payment_method_title:
        reference += f" - {sale.payment_method_title}"
    return {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "InvoiceNumber": invoice_number(sale, settings),
        "Reference": _limit(reference, 255),
        "Date": sale.date.isoformat(),
        "DueDate": sale.date.isoformat(),
        "CurrencyCode": sale.currency,
        "LineAmountTypes": "Inclusive" if sale.prices_include_tax else "Exclusive",
        "Status": status,
        "LineItems": line_items,
    }


def content_hash(body: dict[str, Any]) -> str:
    """A stable hash of a request body: equal bodies, equal hashes (Decimal-exact)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]
