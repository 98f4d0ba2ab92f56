"""Store lines -> Xero line items (pure): amounts and taxes that add up exactly.

Xero computes each line as ``round2(Quantity x UnitAmount) - DiscountAmount`` and its tax per
line, rounded to 2 dp, then sums. So every set of lines built here carries each line's store tax
as ``TaxAmount``, rounded to cents so that the lines add up to the store's tax total exactly
(largest remainder); expresses each line's store amount after discount exactly, with the unit
price at 4 dp (``unitdp=4``) and the discount absorbing the unit price's rounding; and adds one
line on the rounding account for whatever difference is left, in either direction.
"""

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xerosync.config import StoreSettings
from xerosync.domain import SaleLine, TaxRate
from xerosync.frozen import frozen

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")
ZERO = Decimal("0")
ROUNDING_LINE = "rounding"  # the source id of the rounding line, so it keeps its LineItemID


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


def limit(value: str, size: int) -> str:
    return value if len(value) <= size else value[: size - 1] + "…"


@frozen
class _Line:
    """A sale line's money as Xero will compute it, with its account and tax type."""

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
        if line.kind == "gift_card" and settings.tax.gift_cards:
            return settings.tax.gift_cards  # a gift card sold is taxed when it is spent, not now
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
    if line.kind == "gift_card":
        if not accounts.gift_cards:  # never revenue by default: the books would overstate sales
            raise MappingError(
                f"{line.description!r} sells a gift card, which is a liability (money held for a later "
                "purchase), not revenue: set accounts.gift_cards in the store settings to the code of your "
                "gift-card liability account (Xero: Chart of accounts, e.g. 'Gift cards outstanding')"
            )
        return accounts.gift_cards
    return {
        "product": accounts.sales,
        "shipping": accounts.shipping,
        "fee": accounts.fees,
        "duty": accounts.duties or accounts.shipping,
        "tip": accounts.tips or accounts.sales,
        "adjustment": accounts.adjustments or accounts.sales,
    }[line.kind]


def line_tax_type(line: SaleLine, rates: Mapping[str, TaxRate], settings: StoreSettings) -> str:
    """The Xero TaxType of a store line (from ``tax.rates``; :class:`MappingError` when unmapped)."""
    return _tax_type(line, rates, settings)


def line_account(line: SaleLine, settings: StoreSettings) -> str:
    """The Xero account of a store line, by what it is (product, shipping, gift card...)."""
    return _account(line, settings)


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


def line_items(
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
            "Description": limit(p.source.description, 4000),
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
