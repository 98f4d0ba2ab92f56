"""Per-store settings: one typed file, loaded by the deployment from SSM and by the CLI locally.

Every validation error names the field and what to put there. Nothing here talks to AWS
or Xero; ``xerosync settings check`` compares a file with a live (or sandbox) organisation.
"""

import json
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

InvoiceStatus = Literal["DRAFT", "AUTHORISED", "skip"]

# Settings that name the store's own words (its order statuses) moved into the store's own
# section, ``store:``, which its adapter reads. A file that still has them at the old place keeps
# working: they are moved on reading, and ``xerosync settings validate`` says so.
LEGACY_STORE_KEYS = (
    (("order_statuses",), "order_statuses"),
    (("payments", "paid_statuses"), "paid_statuses"),
    (("pull", "paid_status"), "paid_status"),
)


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Accounts(_Settings):
    """Xero account codes (Accounting > Chart of accounts > Code)."""

    sales: str = Field("200", description="account for product lines")
    shipping: str = Field("200", description="account for shipping lines")
    fees: str = Field("200", description="account for fee lines")
    rounding: str = Field("860", description="account for the line that reconciles store and Xero rounding")
    duties: str | None = Field(
        None, description="account for import duties the buyer paid at checkout; unset = the shipping account"
    )
    tips: str | None = Field(
        None,
        description="account for tips the buyer added (a liability when they are passed on to staff); "
        "unset = the sales account",
    )
    gift_cards: str | None = Field(
        None,
        description="liability account for gift cards sold: money held for a later purchase, not revenue "
        "(e.g. a current liability 'Gift cards outstanding'); required once an order sells a gift card",
    )
    adjustments: str | None = Field(
        None,
        description="account for the store's adjustments, e.g. the part of a refund its lines do not explain "
        "(more or less money went back than the lines add up to); unset = the sales account",
    )


class TaxSettings(_Settings):
    rates: dict[str, str] = Field(
        default_factory=dict,
        description='store tax rate id or rate code (several joined by "+") -> Xero TaxType, '
        'e.g. {"1": "OUTPUT"} or {"AU-GST-1": "OUTPUT"}',
    )
    no_tax: str = Field("NONE", description="Xero TaxType for lines the store charged no tax on")
    rounding: str = Field("NONE", description="Xero TaxType of the rounding line")
    gift_cards: str | None = Field(
        None,
        description="Xero TaxType of gift cards sold without tax (in most countries the sale of a gift card is "
        "outside the scope of tax, which is charged when it is spent: e.g. BASEXCLUDED in Australia); "
        "unset = no_tax",
    )


class Payments(_Settings):
    accounts: dict[str, str] = Field(
        default_factory=dict,
        description="payment gateway id (as the store names it, e.g. WooCommerce's payment_method) -> Xero bank "
        "or clearing account code, "
        'e.g. {"stripe": "092", "ppcp-gateway": "093"}; a gift card redeemed is a payment from the gift-card '
        'liability account (payments enabled on it in Xero), e.g. {"gift_card": "825"}',
    )
    default_account: str | None = Field(None, description="account for gateways not listed; unset = such payments fail")


class Refunds(_Settings):
    record_refund_payments: bool = Field(
        True,
        description="when a paid order is refunded, also record the money going back (a payment on the credit note)",
    )
    amount_only_tax: Literal["order", "none"] = Field(
        "order",
        description='tax of refunds without line items: "order" = the order\'s tax rate when it has exactly one, '
        '"none" = no tax',
    )


class Items(_Settings):
    unknown_sku: Literal["item", "description"] = Field(
        "description",
        description='order lines whose product is not a Xero item: "item" = sync the item first, '
        '"description" = a description-only line',
    )
    long_sku: Literal["shorten", "skip"] = Field(
        "shorten",
        description='SKUs over Xero\'s 30 characters: "shorten" = a stable 30-character code, "skip" = no item',
    )


class Tracking(_Settings):
    category: str = Field(..., description="Xero tracking category name, e.g. 'Channel'")
    option: str = Field(..., description="its option for this store, e.g. 'Online store'")


class Sync(_Settings):
    """Automatic sync, per entity: off means webhooks for it are acknowledged and ignored."""

    customers: bool = True
    products: bool = True
    orders: bool = True
    payments: bool = True
    refunds: bool = True


Owner = Literal["store", "xero"]


class Pull(_Settings):
    """What comes back from Xero into the store. Every field has exactly one owner, so the two
    systems never fight: a field the store owns is written to Xero and never from it; a field
    Xero owns is written to the store and never sent to Xero (xerosync's own write to the store
    comes back as a product.updated webhook, which then changes nothing in Xero)."""

    name: Owner = Field(
        "store",
        description='who owns product names (and item descriptions): "store" = written to the Xero item; '
        "\"xero\" = the Xero item's name is written to the store product (simple products: a variation's "
        "name comes from its attributes)",
    )
    price: Owner = Field(
        "store",
        description='who owns the regular price: "store" = written to the Xero item\'s sale price; '
        '"xero" = the Xero item\'s sale price is written to the store product',
    )
    stock_items: tuple[str, ...] = Field(
        (),
        description="SKUs whose stock level Xero owns (tracked inventory items in Xero): their QuantityOnHand "
        "is written to the store product, which then manages its stock; empty = the store owns all stock",
    )
    mark_paid: bool = Field(
        False,
        description="when an invoice xerosync wrote is paid in Xero (e.g. a bank transfer reconciled there), "
        "mark its store order paid (needs the Xero webhook; how, is the store section's to say)",
    )

    @field_validator("stock_items")
    @classmethod
    def _skus(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(dict.fromkeys(s.strip() for s in value))
        if any(not s for s in cleaned):
            raise ValueError("an empty SKU cannot name a stock item")
        return cleaned

    def owned_by_xero(self) -> bool:
        return self.name == "xero" or self.price == "xero" or bool(self.stock_items)


class Reconcile(_Settings):
    """The scheduled reconciliation (its rate is the stack parameter ReconcileSchedule)."""

    overlap_seconds: int = Field(
        120,
        ge=1,
        le=86_400,
        description="each run also looks this far behind its watermark (records saved late, whole-second "
        "dates); records found in step with the mapping table are not enqueued again",
    )
    max_records: int = Field(5000, ge=1, description="most records one run enqueues; the rest wait for the next run")
    webhooks: bool = Field(
        True, description="check the store's webhooks every run: re-enable disabled ones, recreate missing ones"
    )
    customer_sweep_hours: int = Field(
        24,
        ge=0,
        description="hours between full sweeps of the store's customers for changed ones (WooCommerce cannot "
        "list customers by modification date; new customers are found every run); 0 = never",
    )
    drift: bool = Field(
        True,
        description="once a day, compare the previous day's orders with Xero (the drift report, in the sync "
        "log) and re-enqueue what the sync can fix",
    )


class InvoiceStatuses(_Settings):
    """The Xero status of a sale's invoice, by where the sale stands (its lifecycle, which the
    store's adapter reads from the store's status words: see the store section). A paid sale's
    invoice is always AUTHORISED (Xero takes payments only on those); a cancelled one's comes off
    the books."""

    unconfirmed: InvoiceStatus = Field("skip", description="placed, payment not completed")
    awaiting_payment: InvoiceStatus = Field("DRAFT", description="accepted, to be paid later")
    confirmed: InvoiceStatus = Field("AUTHORISED", description="a sale, not paid (or not known to be)")


SettlementMode = Literal["per_order", "summary"]
SettlementGrouping = Literal["single", "tax_rate", "product_type"]


class KindAccount(_Settings):
    """Where one kind of settlement line goes: an account, and its tax type when not the default."""

    account: str = Field(min_length=1, description="Xero account code")
    tax_type: str | None = Field(None, description="Xero TaxType; unset = tax.no_tax (fees: settlements.fee_tax)")


class SettlementAccounts(_Settings):
    """Accounts of a settlement's lines that the sale accounts (``accounts:``) do not cover. A
    line of a kind the store adds later, or one these leave unset, goes to ``other`` and is
    logged: never a failure, never revenue by accident."""

    clearing: str | None = Field(
        None,
        description="per_order mode: the account the payment gateway's money went to when each order was "
        "paid, which each settlement empties into the bank; unset = payments.accounts of the settlement's "
        "gateway (e.g. shopify_payments)",
    )
    fees: str | None = Field(None, description="the payment provider's fees; unset = accounts.fees")
    adjustments: str | None = Field(
        None, description="the provider's adjustments; unset = accounts.adjustments, else other"
    )
    disputes: str | None = Field(None, description="chargebacks and their reversals; unset = other")
    reserves: str | None = Field(
        None, description="money held back and released (an asset, e.g. 'Payments reserve'); unset = other"
    )
    retried: str | None = Field(
        None,
        description="money of an earlier failed settlement paid out again, when that settlement's own lines "
        "cannot be read; unset = other",
    )
    pending: str | None = Field(
        None,
        description="summary mode: the part of a sale paid through the settlement's gateway in another "
        "settlement, or not paid yet; unset = the clearing account",
    )
    discounts: str | None = Field(
        None, description="summary mode: discounts, as their own lines; unset = the discounted line's account"
    )
    other: str | None = Field(
        None, description="whatever the others do not cover (required once settlements are enabled)"
    )
    by_type: dict[str, "str | KindAccount"] = Field(
        default_factory=dict,
        description="the store's own word for a kind of line -> account code, or {account, tax_type}, before "
        'any of the above, matched ignoring case (e.g. {"ADVANCE": "880"}; Amazon\'s words are its three '
        'columns: {"Order / ItemFees / Commission": {account: "6100", tax_type: INPUT}})',
    )
    carried_forward: str | None = Field(
        None,
        description="split_by_month: the account that carries a settlement's balance from one month's document "
        "to the next (A2X's 'Carried Forward Balance'); required when splitting",
    )

    def kind(self, word: str) -> "KindAccount | None":
        """The account (and tax type) the settings give the store's word ``word``, ignoring case."""
        found = self.by_type.get(word)
        if found is None:
            folded = word.casefold()
            found = next((v for k, v in self.by_type.items() if k.casefold() == folded), None)
        if found is None:
            return None
        return found if isinstance(found, KindAccount) else KindAccount(account=found)


class Settlements(_Settings):
    """The deposits a payment provider or marketplace pays into the bank (a payout, a
    settlement), each posted once so that Xero explains the deposit to the cent."""

    enabled: bool = Field(False, description="poll the store's settlements and post each one once")
    mode: SettlementMode = Field(
        "per_order",
        description='"per_order": sales are booked order by order (their payments into the clearing account) '
        "and each settlement is one bank transaction from clearing to the bank with its fees, reserves, "
        'adjustments and disputes; "summary": no order documents, one invoice (a credit note when negative) '
        "per settlement with its payment from the bank",
    )
    bank_account: str | None = Field(None, description="code of the Xero bank account the deposits land in")
    bank_accounts: dict[str, str] = Field(
        default_factory=dict,
        description="several currencies (marketplaces paying in their own): currency code -> code of the Xero "
        "bank account in that currency its deposits land in; once set, a settlement in a currency it does not "
        "name is not posted (the error names the currency); unset = bank_account for every settlement",
    )
    contact: str = Field("", description="Xero contact of the settlement documents; empty = the store's name for it")
    number_prefix: str | None = Field(
        None, max_length=20, description="prefix of the summary documents' numbers; unset = the store's"
    )
    status: Literal["DRAFT", "AUTHORISED"] = Field(
        "AUTHORISED",
        description='summary mode: "DRAFT" leaves the invoice for review (no payment: approve it, then match the '
        'deposit to it in Xero); "AUTHORISED" posts the payment too',
    )
    grouping: SettlementGrouping = Field(
        "tax_rate",
        description='summary mode: "single" = one line per account and tax type, "tax_rate" = per store tax rate, '
        '"product_type" = per product type too',
    )
    fee_tax: str | None = Field(None, description="Xero TaxType of fee lines; unset = tax.no_tax")
    tracking: Tracking | None = Field(None, description="a tracking option on every line; unset = tracking")
    overlap_days: int = Field(
        3,
        ge=0,
        le=60,
        description="each poll also looks this far behind its watermark (a settlement can fail days later)",
    )
    since: date | None = Field(
        None, description="post settlements from this day on (a first run starts here); unset = the first run's day"
    )
    split_by_month: bool = Field(
        False,
        description="a settlement whose lines span a month end becomes one document per month, each month's "
        "zeroed by a carried-forward line and the last totalling the deposit (A2X's method), so each month's "
        "income and fees fall in that month",
    )
    negative: Literal["credit_note", "bill"] = Field(
        "credit_note",
        description='summary mode: a negative settlement (money taken from the bank) as an ACCREC "credit_note" '
        'or an ACCPAY "bill" (what A2X posts)',
    )
    accounts: SettlementAccounts = Field(default_factory=SettlementAccounts)


class StoreSettings(_Settings):
    invoice_prefix: str = Field(
        "", max_length=20, description="prefix of invoice numbers, before the order number (each store has a default)"
    )
    accounts: Accounts = Field(default_factory=Accounts)
    tax: TaxSettings = Field(default_factory=TaxSettings)
    payments: Payments = Field(default_factory=Payments)
    refunds: Refunds = Field(default_factory=Refunds)
    items: Items = Field(default_factory=Items)
    tracking: Tracking | None = Field(None, description="a tracking category option put on every line, or none")
    invoice_status: InvoiceStatuses = Field(default_factory=InvoiceStatuses)
    zero_total_orders: bool = Field(False, description="invoice orders whose total is 0 (free orders)")
    sync: Sync = Field(default_factory=Sync)
    pull: Pull = Field(default_factory=Pull)
    reconcile: Reconcile = Field(default_factory=Reconcile)
    store: dict[str, Any] = Field(
        default_factory=dict,
        description="the store's own settings (its status words and the like): what they are is said by "
        "the store's adapter, which validates them",
    )
    settlements: Settlements = Field(default_factory=Settlements)

    @model_validator(mode="after")
    def _settlements_complete(self) -> Self:
        s = self.settlements
        if not s.enabled:
            return self
        missing = [f"settlements.{name}" for name, value in (("bank_account", s.bank_account or s.bank_accounts),
                   ("accounts.other", s.accounts.other)) if not value]  # fmt: skip
        odd = [c for c in s.bank_accounts if not (len(c) == 3 and c.isalpha() and c.isupper())]
        if odd:
            raise ValueError(f"settlements.bank_accounts: {', '.join(odd)} is not a currency code (three capitals)")
        if s.split_by_month and not s.accounts.carried_forward:
            missing.append("settlements.accounts.carried_forward (split_by_month)")
        if missing:
            raise ValueError(f"{' and '.join(missing)} required once settlements are enabled")
        if s.mode == "summary" and self.sync.orders:
            raise ValueError(
                "settlements.mode summary books the sales from each settlement: set sync.orders to false, "
                "or the sales are booked twice (once per order, once in the summary)"
            )
        return self

    def payment_account(self, gateway: str) -> str | None:
        return self.payments.accounts.get(gateway, self.payments.default_account)


class SettingsError(ValueError):
    pass


Check = Callable[["StoreSettings"], list[str]]


def parse_settings(
    text: str, *, source: str = "settings", defaults: Mapping[str, Any] | None = None, check: Check | None = None
) -> StoreSettings:
    """Parse a JSON or YAML settings document; errors name each field and the fix. ``defaults``
    (the store adapter's, such as its invoice prefix) apply where the document says nothing;
    ``check`` (the adapter's) finds the problems of the store's own section."""
    return parse_settings_noting(text, source=source, defaults=defaults, check=check)[0]


def parse_settings_noting(
    text: str, *, source: str = "settings", defaults: Mapping[str, Any] | None = None, check: Check | None = None
) -> tuple[StoreSettings, list[str]]:
    """:func:`parse_settings`, and notes on settings that were read from their old place."""
    try:
        data: Any = _document(text)
    except ValueError as exc:
        raise SettingsError(f"{source}: not valid JSON or YAML ({exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{source}: expected a mapping of settings at the top level")
    data, notes = _moved(data)
    data = {**(defaults or {}), **data}
    try:
        settings = StoreSettings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"  {where}: {_fix(err)}")
        raise SettingsError(f"{source} has {len(problems)} problem(s):\n" + "\n".join(problems)) from None
    found = check(settings) if check is not None else []
    if found:
        raise SettingsError(f"{source} has {len(found)} problem(s):\n" + "\n".join(f"  {p}" for p in found))
    return settings, notes


def _document(text: str) -> Any:
    """A JSON or YAML document (None when empty). The YAML parser is imported for YAML only: a
    sync function whose settings are JSON, or absent, never loads it."""
    if not text.strip():
        return None
    if text.lstrip().startswith("{"):
        return json.loads(text)
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc


def _moved(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Settings found at their old place (:data:`LEGACY_STORE_KEYS`), moved into ``store``."""
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    notes = []
    for path, new in LEGACY_STORE_KEYS:
        parent: dict[str, Any] = data
        for part in path[:-1]:
            child = parent.get(part)
            parent = child if isinstance(child, dict) else {}
        if path[-1] not in parent:
            continue
        store = data.setdefault("store", {})
        if not isinstance(store, dict) or new in store:
            continue
        store[new] = parent.pop(path[-1])
        notes.append(f"{'.'.join(path)} is now store.{new}: read from its old place; move it in your file")
    return data, notes


def _fix(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown setting; remove it or check its spelling"
    if kind == "missing":
        return "required; add it"
    if kind in ("literal_error", "string_pattern_mismatch"):
        return f"{err['msg']} (got {err['input']!r})"
    return str(err["msg"])


# --- a store adapter's own section (``store:``) ------------------------------------------------
@cache
def _section(model: type[BaseModel], text: str) -> BaseModel:
    return model.model_validate(json.loads(text))


def store_section[Section: BaseModel](model: type[Section], section: dict[str, Any]) -> Section:
    """The store's section read as the adapter's ``model`` (cached: settings change every few
    minutes at most, and the sync reads them once per record)."""
    parsed = _section(model, json.dumps(section, sort_keys=True, default=str))
    assert isinstance(parsed, model)
    return parsed


def section_problems(model: type[BaseModel], section: dict[str, Any]) -> list[str]:
    """What is wrong with the store's section, each naming its field (``store.<field>``) and the fix."""
    try:
        store_section(model, section)
    except ValidationError as exc:
        return [f"store.{'.'.join(str(p) for p in err['loc'])}: {_fix(err)}" for err in exc.errors()]
    return []
