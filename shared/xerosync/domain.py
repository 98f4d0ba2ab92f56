"""The store-neutral domain: what a sale and a customer are, whatever store they came from.

Each store source (WooCommerce now; Shopify and Zoho later) maps its payloads into these
types; the Xero payload builders read only these. Amounts are ``Decimal`` at the store's
own precision (WooCommerce line taxes have three or more decimals); rounding to Xero's
rules happens in one place, :mod:`xerosync.xero.payloads`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

LineKind = Literal["product", "shipping", "fee"]
Day = date  # for fields declared after a field named ``date``


@dataclass(frozen=True)
class PostalAddress:
    lines: tuple[str, ...] = ()
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    def is_empty(self) -> bool:
        return not (any(self.lines) or self.city or self.region or self.postcode or self.country)


@dataclass(frozen=True)
class Party:
    """A customer as the books see them."""

    key: str  # the mapping key: "customer:<store id>" or "guest:<email>"
    name: str  # the display name: company, else first and last name, else email
    customer_number: str | None = None  # the store's customer id (Xero ContactNumber); None for guests
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    company: str = ""
    phone: str = ""
    tax_number: str = ""
    address: PostalAddress = field(default_factory=PostalAddress)


@dataclass(frozen=True)
class TaxRate:
    """A store tax rate as an order names it."""

    id: int
    code: str = ""  # WooCommerce rate_code, e.g. "AU-GST-1"
    label: str = ""
    percent: Decimal | None = None

    def describe(self) -> str:
        return f"{self.id} {self.code} ({self.label})".strip()


@dataclass(frozen=True)
class SaleLine:
    kind: LineKind
    source_id: str  # the store's line id, stable across updates of the order
    description: str
    quantity: Decimal
    subtotal: Decimal  # before discounts, excluding tax
    subtotal_tax: Decimal
    total: Decimal  # after discounts, excluding tax
    tax: Decimal  # after discounts, at the store's precision
    tax_rate_ids: tuple[int, ...] = ()  # the store tax rates charged on this line
    sku: str | None = None
    product_key: str | None = None  # "product:<id>" (the variation's id for a variation)


@dataclass(frozen=True)
class RefundSummary:
    """A refund as the order payload lists it: enough to know it exists."""

    id: int
    amount: Decimal  # positive
    reason: str = ""


@dataclass(frozen=True)
class Refund:
    """A refund in full (from the store's refunds API)."""

    key: str  # "refund:<order id>:<refund id>"
    id: int
    order_key: str
    date: date
    amount: Decimal  # positive: what went back to the customer
    reason: str
    lines: tuple[SaleLine, ...]  # positive amounts; empty for an amount-only refund
    refunded_payment: bool = False  # the gateway returned the money automatically


@dataclass(frozen=True)
class Product:
    """A product or a variation, as Xero's item list needs it."""

    key: str  # "product:<id>"
    sku: str | None
    name: str
    description: str
    price: Decimal | None  # the regular price, as the store shows it
    prices_include_tax: bool = False
    is_variation: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class Sale:
    key: str  # the mapping key: "order:<store id>"
    number: str  # the store's order number, as shown to the customer
    status: str  # the store's status word
    date: date  # the order date in the store's time zone
    currency: str
    prices_include_tax: bool
    customer: Party
    lines: tuple[SaleLine, ...]
    total: Decimal
    total_tax: Decimal
    modified_at: datetime | None = None
    paid_at: datetime | None = None
    payment_method: str = ""
    payment_method_title: str = ""
    transaction_id: str = ""
    tax_rates: dict[int, TaxRate] = field(default_factory=dict)  # the rates the order names
    refunds: tuple[RefundSummary, ...] = ()
    paid_date: Day | None = None  # the day it was paid, in the store's time zone
