"""The settings of settlements (``settlements:``): the deposits a payment provider or marketplace
pays into the bank, each posted once so that Xero explains the deposit to the cent; and the
tracking option (``tracking:``), which the sales' lines and the settlements' both carry.
:class:`xerosync.config.StoreSettings` holds them (read by :mod:`xerosync.schema`, as every
settings class is).
"""

from dataclasses import field
from datetime import date
from typing import Annotated, Literal

from xerosync.frozen import frozen
from xerosync.schema import Bounds, Length


@frozen
class Tracking:
    category: str
    """Xero tracking category name, e.g. 'Channel'"""
    option: str
    """its option for this store, e.g. 'Online store'"""


SettlementMode = Literal["per_order", "summary"]
SettlementGrouping = Literal["single", "tax_rate", "product_type"]


@frozen
class KindAccount:
    """Where one kind of settlement line goes: an account, and its tax type when not the default."""

    account: Annotated[str, Length(min=1)]
    """Xero account code"""
    tax_type: str | None = None
    """Xero TaxType; unset = tax.no_tax (fees: settlements.fee_tax)"""


@frozen
class SettlementAccounts:
    """Accounts of a settlement's lines that the sale accounts (``accounts:``) do not cover. A
    line of a kind the store adds later, or one these leave unset, goes to ``other`` and is
    logged: never a failure, never revenue by accident."""

    clearing: str | None = None
    """per_order mode: the account the payment gateway's money went to when each order was paid, which each
    settlement empties into the bank; unset = payments.accounts of the settlement's gateway (e.g.
    shopify_payments)
    """
    fees: str | None = None
    """the payment provider's fees; unset = accounts.fees"""
    adjustments: str | None = None
    """the provider's adjustments; unset = accounts.adjustments, else other"""
    disputes: str | None = None
    """chargebacks and their reversals; unset = other"""
    reserves: str | None = None
    """money held back and released (an asset, e.g. 'Payments reserve'); unset = other"""
    retried: str | None = None
    """money of an earlier failed settlement paid out again, when that settlement's own lines cannot be read;
    unset = other
    """
    pending: str | None = None
    """summary mode: the part of a sale paid through the settlement's gateway in another settlement, or not paid
    yet; unset = the clearing account
    """
    discounts: str | None = None
    """summary mode: discounts, as their own lines; unset = the discounted line's account"""
    other: str | None = None
    """whatever the others do not cover (required once settlements are enabled)"""
    by_type: dict[str, str | KindAccount] = field(default_factory=dict)
    """the store's own word for a kind of line -> account code, or {account, tax_type}, before any of the above,
    matched ignoring case (e.g. {"ADVANCE": "880"}; Amazon's words are its three columns: {"Order / ItemFees /
    Commission": {account: "6100", tax_type: INPUT}})
    """
    carried_forward: str | None = None
    """split_by_month: the account that carries a settlement's balance from one month's document to the next
    (A2X's 'Carried Forward Balance'); required when splitting
    """

    def kind(self, word: str) -> "KindAccount | None":
        """The account (and tax type) the settings give the store's word ``word``, ignoring case."""
        found = self.by_type.get(word)
        if found is None:
            folded = word.casefold()
            found = next((v for k, v in self.by_type.items() if k.casefold() == folded), None)
        if found is None:
            return None
        return found if isinstance(found, KindAccount) else KindAccount(account=found)


@frozen
class Settlements:
    """The deposits a payment provider or marketplace pays into the bank (a payout, a
    settlement), each posted once so that Xero explains the deposit to the cent."""

    enabled: bool = False
    """poll the store's settlements and post each one once"""
    mode: SettlementMode = "per_order"
    """"per_order": sales are booked order by order (their payments into the clearing account) and each
    settlement is one bank transaction from clearing to the bank with its fees, reserves, adjustments and
    disputes; "summary": no order documents, one invoice (a credit note when negative) per settlement with its
    payment from the bank
    """
    bank_account: str | None = None
    """code of the Xero bank account the deposits land in"""
    bank_accounts: dict[str, str] = field(default_factory=dict)
    """several currencies (marketplaces paying in their own): currency code -> code of the Xero bank account in
    that currency its deposits land in; once set, a settlement in a currency it does not name is not posted
    (the error names the currency); unset = bank_account for every settlement
    """
    contact: str = ""
    """Xero contact of the settlement documents; empty = the store's name for it"""
    number_prefix: Annotated[str | None, Length(max=20)] = None
    """prefix of the summary documents' numbers; unset = the store's"""
    status: Literal["DRAFT", "AUTHORISED"] = "AUTHORISED"
    """summary mode: "DRAFT" leaves the invoice for review (no payment: approve it, then match the deposit to it
    in Xero); "AUTHORISED" posts the payment too
    """
    grouping: SettlementGrouping = "tax_rate"
    """summary mode: "single" = one line per account and tax type, "tax_rate" = per store tax rate,
    "product_type" = per product type too
    """
    fee_tax: str | None = None
    """Xero TaxType of fee lines; unset = tax.no_tax"""
    tracking: Tracking | None = None
    """a tracking option on every line; unset = tracking"""
    overlap_days: Annotated[int, Bounds(ge=0, le=60)] = 3
    """each poll also looks this far behind its watermark (a settlement can fail days later)"""
    since: date | None = None
    """post settlements from this day on (a first run starts here); unset = the first run's day"""
    split_by_month: bool = False
    """a settlement whose lines span a month end becomes one document per month, each month's zeroed by a
    carried-forward line and the last totalling the deposit (A2X's method), so each month's income and fees
    fall in that month
    """
    negative: Literal["credit_note", "bill"] = "credit_note"
    """summary mode: a negative settlement (money taken from the bank) as an ACCREC "credit_note" or an ACCPAY
    "bill" (what A2X posts)
    """
    accounts: SettlementAccounts = field(default_factory=SettlementAccounts)
