"""The store-neutral domain: what a sale and a customer are, whatever store they came from.

Each store source (an adapter under :mod:`xerosync.sources`) maps its payloads into these
types and into the commands at the end of this module; the use cases and the Xero payload
builders read only these. Ids are the store's own, as strings (some stores number their
records, others use opaque ids). Amounts are ``Decimal`` at the store's own precision (a
store may keep line taxes to three or more decimals); rounding to Xero's rules happens in one
place, :mod:`xerosync.xero.payloads`.
"""

from dataclasses import field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from xerosync.frozen import frozen

# What a line is, which decides its account: goods, shipping, a fee, import duties, a tip, a gift
# card sold (a liability, not revenue), or an adjustment the store made (e.g. a refund that
# returned more or less than its lines: the store's money is the truth, the difference a line)
LineKind = Literal["product", "shipping", "fee", "duty", "tip", "gift_card", "adjustment"]
# Where a sale stands, as the adapter reads it from the store's own status words (each store's
# words, and the merchant's choices about them, live in its adapter and its settings section):
#   unconfirmed       placed, payment not completed (often abandoned): nothing to book yet
#   awaiting_payment  accepted, the customer pays later (a bank transfer, an order on hold)
#   confirmed         a sale to book, not paid (or not known to be)
#   paid              a sale to book, and the money was received (see ``Sale.paid_date``)
#   cancelled         will not be fulfilled: whatever was booked comes off the books
Lifecycle = Literal["unconfirmed", "awaiting_payment", "confirmed", "paid", "cancelled"]
LIFECYCLES: tuple[Lifecycle, ...] = ("unconfirmed", "awaiting_payment", "confirmed", "paid", "cancelled")
Day = date  # for fields declared after a field named ``date``


@frozen
class PostalAddress:
    """A postal address as the store holds it (Xero's STREET or POBOX address)."""

    lines: tuple[str, ...] = ()
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""

    def is_empty(self) -> bool:
        return not (any(self.lines) or self.city or self.region or self.postcode or self.country)


@frozen
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
    xero_contact_id: str = ""  # the Xero ContactID the store record keeps (a store that writes it back)


@frozen
class TaxRate:
    """A store tax rate as an order names it."""

    id: str
    code: str = ""  # the store's code for the rate, e.g. "AU-GST-1"
    label: str = ""
    percent: Decimal | None = None

    def describe(self) -> str:
        return f"{self.id} {self.code} ({self.label})".strip()


@frozen
class SaleLine:
    """One line of a sale (goods, shipping, a fee, ...), its money as the store computed it."""

    kind: LineKind
    source_id: str  # the store's line id, stable across updates of the order
    description: str
    quantity: Decimal
    subtotal: Decimal  # before discounts, excluding tax
    subtotal_tax: Decimal
    total: Decimal  # after discounts, excluding tax
    tax: Decimal  # after discounts, at the store's precision
    tax_rate_ids: tuple[str, ...] = ()  # the store tax rates charged on this line
    sku: str | None = None
    product_key: str | None = None  # "product:<id>" (the variant's id for a variant)
    group: str = ""  # the store's grouping of what it sells (a product type), for summary documents


@frozen
class Tender:
    """Money that moved for a sale, one way: a card charge, a gift card redeemed, a PayPal payment
    (a sale's payments); or money going back to the customer (a refund's)."""

    id: str  # the store's id of the transaction ("" where the store records one payment per order)
    gateway: str  # the store's name for the way it was paid (settings: payments.accounts)
    amount: Decimal  # positive
    date: date
    reference: str = ""  # what the bank or gateway shows (a transaction id)
    gateway_title: str = ""  # for people: "Stripe (credit card)"


@frozen
class RefundSummary:
    """A refund as the order payload lists it: enough to know it exists, and all of it when the
    payload carries its lines (then the store's API is not asked for them)."""

    id: str
    amount: Decimal  # positive
    reason: str = ""
    detail: "Refund | None" = None


@frozen
class Refund:
    """A refund in full (from the store's refunds API)."""

    key: str  # "refund:<order id>:<refund id>"
    id: str
    order_key: str
    date: date
    amount: Decimal  # positive: what went back to the customer
    reason: str
    lines: tuple[SaleLine, ...]  # positive amounts; empty for an amount-only refund
    refunded_payment: bool = False  # the gateway returned the money automatically
    payments: tuple[Tender, ...] = ()  # the money that went back, by tender, where the store says


@frozen
class Product:
    """A product or a variant, as Xero's item list needs it."""

    key: str  # "product:<id>"
    sku: str | None
    name: str
    description: str
    price: Decimal | None  # the regular price, as the store shows it
    prices_include_tax: bool = False
    is_variation: bool = False
    deleted: bool = False
    sellable: bool = True  # False for a product sold only as its variants: no item of its own
    # a product sold as its variants: their keys, as the store lists them now (empty: not said)
    variants: tuple[str, ...] = ()


@frozen
class Sale:
    """A store's order in the domain's terms: what the core books in Xero."""

    key: str  # the mapping key: "order:<store id>"
    id: str  # the store's id of the order
    number: str  # the store's order number, as shown to the customer
    lifecycle: Lifecycle  # where it stands: what the core decides on
    status_word: str  # the store's own word for it, for messages only (never decided on)
    date: date  # the order date in the store's time zone
    currency: str
    prices_include_tax: bool
    customer: Party
    lines: tuple[SaleLine, ...]
    total: Decimal
    total_tax: Decimal
    modified_at: datetime | None = None
    created_at: datetime | None = None  # when it was placed (an aware datetime)
    paid_at: datetime | None = None
    payment_method: str = ""
    payment_method_title: str = ""
    transaction_id: str = ""
    tax_rates: dict[str, TaxRate] = field(default_factory=dict)  # the rates the order names
    refunds: tuple[RefundSummary, ...] = ()
    paid_date: Day | None = None  # the day it was paid, in the store's time zone
    payments: tuple[Tender, ...] = ()  # the money received, by tender, where the store says


# --- documents that are not (yet) sales: a quote to a customer, an order to a supplier --------------
# Where each stands, in the core's words (the adapter maps its source's words, and the merchant's
# choices about them, to these; the Xero statuses they become are chosen in one place, the payloads)
QuoteStage = Literal["draft", "sent", "accepted", "declined", "invoiced", "withdrawn"]
PurchaseStage = Literal["draft", "submitted", "approved", "billed", "cancelled"]


@frozen
class Quote:
    """An offer to a customer (a Xero quote). Its lines, customer, currency, dates and totals are a
    sale's, so ``body`` is a :class:`Sale` (key ``"quote:<source id>"``; its ``lifecycle`` and
    payment fields are not read): the same line arithmetic as every sale's then gives the same
    to-the-cent totals, and nothing about sales had to change to carry quotes."""

    body: Sale
    stage: QuoteStage
    expiry: date | None = None
    title: str = ""
    summary: str = ""
    terms: str = ""


@frozen
class Purchase:
    """An order to a supplier (a Xero purchase order, or an ACCPAY bill where the settings say so).
    ``body`` is a :class:`Sale` as for :class:`Quote` (key ``"purchase:<source id>"``), whose
    ``customer`` is the supplier and whose lines are what is bought."""

    body: Sale
    stage: PurchaseStage
    delivery_date: date | None = None
    delivery_address: str = ""
    attention_to: str = ""
    telephone: str = ""
    delivery_instructions: str = ""


# --- what a store event asks of the core -------------------------------------------------------
@frozen
class SaleChanged:
    """A sale was placed or changed: ``sale`` is its whole current state."""

    sale: Sale


@frozen
class QuoteChanged:
    """A quote was created or changed at its source: ``quote`` is its whole current state (its
    ``body.key`` the record's key, as the source's envelopes name it). Orders' queue: a quote is
    a document about a sale to be, delivered with the source's sales."""

    quote: Quote


@frozen
class PurchaseChanged:
    """An order to a supplier was created or changed at its source (as :class:`QuoteChanged`)."""

    purchase: Purchase


@frozen
class DocumentGone:
    """A quote or purchase was deleted at its source: its Xero document is deleted (or, an
    approved bill, voided) where Xero allows, else the deletion is reported."""

    key: str  # the record's key, as its envelopes name it
    document: Literal["quote", "purchase"]
    reason: str  # "Quotes record deleted in the CRM"


@frozen
class SaleGone:
    """A sale was deleted in the store: whatever was booked comes off the books."""

    key: str  # "order:<store id>"
    reason: str  # "order deleted in the store"


@frozen
class CustomerChanged:
    """A customer was created or changed in the store: its Xero contact follows."""

    party: Party
    modified: datetime | None = None  # the store's time of this state


@frozen
class ProductChanged:
    """A product was created or changed in the store: its Xero item follows."""

    product: Product
    modified: datetime | None = None


@frozen
class Ignored:
    """Nothing for the books (a customer or product deleted in the store: Xero keeps its record)."""

    key: str
    reason: str


# --- privacy requests (the store's own webhooks for them, or the operator's command) ----------------
@frozen
class RedactCustomer:
    """Remove what the stack holds on one customer (they asked the store to forget them). Xero keeps
    its accounting records: the outcome tells the merchant what to do there."""

    request: str  # the request's id, for the log: never personal data itself
    keys: tuple[str, ...]  # the customer's record keys, as the adapter makes them: "customer:7", "guest:<email>"
    emails: tuple[str, ...] = ()  # found in any stored text: payloads, reasons
    orders: tuple[str, ...] = ()  # the store ids of their orders (their records: "order:<id>")
    details: tuple[str, ...] = ()  # other text that identifies them, found like the emails (a phone number)


@frozen
class CustomerDataRequest:
    """Say what the stack holds on one customer (their request to see their data), as a sync-log
    entry the merchant exports (``xerosync privacy export``)."""

    request: str
    keys: tuple[str, ...]
    emails: tuple[str, ...] = ()
    orders: tuple[str, ...] = ()
    details: tuple[str, ...] = ()


@frozen
class StopSync:
    """Stop syncing until the operator resumes it (the app was uninstalled, the shop asked to be
    erased). With ``erase``, every customer's data the stack holds goes too (a shop redaction)."""

    reason: str  # for the merchant: "the app was uninstalled in the store"
    erase: bool = False
    request: str = ""  # the request's id, for the log


PrivacyCommand = RedactCustomer | CustomerDataRequest | StopSync
DocumentChanged = QuoteChanged | PurchaseChanged | DocumentGone
Command = SaleChanged | SaleGone | CustomerChanged | ProductChanged | Ignored | PrivacyCommand | DocumentChanged
