"""Per-store settings: one typed file, loaded by the deployment from SSM and by the CLI locally.

Every validation error names the field and what to put there. Nothing here talks to AWS
or Xero; ``xerosync settings check`` compares a file with a live (or sandbox) organisation.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import field
from functools import cache
from typing import Annotated, Any, Literal

from xerosync.config_quotes import Purchasing, Quotes
from xerosync.config_settlements import Settlements, Tracking
from xerosync.frozen import frozen
from xerosync.schema import After, Bounds, Invalid, Length, read

InvoiceStatus = Literal["DRAFT", "AUTHORISED", "skip"]

# Settings that name the store's own words (its order statuses) moved into the store's own
# section, ``store:``, which its adapter reads. A file that still has them at the old place keeps
# working: they are moved on reading, and ``xerosync settings validate`` says so.
LEGACY_STORE_KEYS = (
    (("order_statuses",), "order_statuses"),
    (("payments", "paid_statuses"), "paid_statuses"),
    (("pull", "paid_status"), "paid_status"),
)


@frozen
class Accounts:
    """Xero account codes (Accounting > Chart of accounts > Code)."""

    sales: str = "200"
    """account for product lines"""
    shipping: str = "200"
    """account for shipping lines"""
    fees: str = "200"
    """account for fee lines"""
    rounding: str = "860"
    """account for the line that reconciles store and Xero rounding"""
    duties: str | None = None
    """account for import duties the buyer paid at checkout; unset = the shipping account"""
    tips: str | None = None
    """account for tips the buyer added (a liability when they are passed on to staff); unset = the sales account"""
    gift_cards: str | None = None
    """liability account for gift cards sold: money held for a later purchase, not revenue (e.g. a current
    liability 'Gift cards outstanding'); required once an order sells a gift card
    """
    adjustments: str | None = None
    """account for the store's adjustments, e.g. the part of a refund its lines do not explain (more or less
    money went back than the lines add up to); unset = the sales account
    """


@frozen
class TaxSettings:
    rates: dict[str, str] = field(default_factory=dict)
    """store tax rate id or rate code (several joined by "+") -> Xero TaxType, e.g. {"1": "OUTPUT"} or
    {"AU-GST-1": "OUTPUT"}
    """
    no_tax: str = "NONE"
    """Xero TaxType for lines the store charged no tax on"""
    rounding: str = "NONE"
    """Xero TaxType of the rounding line"""
    gift_cards: str | None = None
    """Xero TaxType of gift cards sold without tax (in most countries the sale of a gift card is outside the
    scope of tax, which is charged when it is spent: e.g. BASEXCLUDED in Australia); unset = no_tax
    """


@frozen
class Payments:
    accounts: dict[str, str] = field(default_factory=dict)
    """payment gateway id (as the store names it, e.g. WooCommerce's payment_method) -> Xero bank or clearing
    account code, e.g. {"stripe": "092", "ppcp-gateway": "093"}; a gift card redeemed is a payment from the
    gift-card liability account (payments enabled on it in Xero), e.g. {"gift_card": "825"}
    """
    default_account: str | None = None
    """account for gateways not listed; unset = such payments fail"""


@frozen
class Refunds:
    record_refund_payments: bool = True
    """when a paid order is refunded, also record the money going back (a payment on the credit note)"""
    amount_only_tax: Literal["order", "none"] = "order"
    """tax of refunds without line items: "order" = the order's tax rate when it has exactly one, "none" = no tax"""


@frozen
class Items:
    unknown_sku: Literal["item", "description"] = "description"
    """order lines whose product is not a Xero item: "item" = sync the item first, "description" = a
    description-only line
    """
    long_sku: Literal["shorten", "skip"] = "shorten"
    """SKUs over Xero's 30 characters: "shorten" = a stable 30-character code, "skip" = no item"""


@frozen
class Sync:
    """Automatic sync, per entity: off means webhooks for it are acknowledged and ignored."""

    customers: bool = True
    products: bool = True
    orders: bool = True
    payments: bool = True
    refunds: bool = True


Owner = Literal["store", "xero"]


def _stock_skus(value: tuple[str, ...]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(s.strip() for s in value))
    if any(not s for s in cleaned):
        raise ValueError("an empty SKU cannot name a stock item")
    return cleaned


@frozen
class Pull:
    """What comes back from Xero into the store. Every field has exactly one owner, so the two
    systems never fight: a field the store owns is written to Xero and never from it; a field
    Xero owns is written to the store and never sent to Xero (xerosync's own write to the store
    comes back as a product.updated webhook, which then changes nothing in Xero)."""

    name: Owner = "store"
    """who owns product names (and item descriptions): "store" = written to the Xero item; "xero" = the Xero
    item's name is written to the store product (simple products: a variation's name comes from its
    attributes)
    """
    price: Owner = "store"
    """who owns the regular price: "store" = written to the Xero item's sale price; "xero" = the Xero item's sale
    price is written to the store product
    """
    stock_items: Annotated[tuple[str, ...], After(_stock_skus)] = ()
    """SKUs whose stock level Xero owns (tracked inventory items in Xero): their QuantityOnHand is written to the
    store product, which then manages its stock; empty = the store owns all stock
    """
    mark_paid: bool = False
    """when an invoice xerosync wrote is paid in Xero (e.g. a bank transfer reconciled there), mark its store
    order paid (needs the Xero webhook; how, is the store section's to say)
    """
    write_back: bool = True
    """for a store that records Xero's state of each document on its own record (Zoho CRM): write back the
    status, amounts paid and due, payment dates, number and link of every invoice or bill xerosync wrote, each
    time Xero changes it (needs the Xero webhook; which fields, is the store section's to say); other stores
    are only marked paid (mark_paid)
    """
    create_contacts: bool = False
    """for a store that can (Zoho CRM): a Xero contact xerosync does not know (made in Xero, not by xerosync) is
    created in the store once, when Xero says it changed (its webhook, or the pull's catch-up); which store
    record it becomes, is the store section's to say
    """
    create_items: bool = False
    """for a store that can (Zoho CRM): a Xero item xerosync does not know is created as a store product once,
    found by the pull's catch-up (Xero has no item webhook)
    """

    def owned_by_xero(self) -> bool:
        return self.name == "xero" or self.price == "xero" or bool(self.stock_items)


@frozen
class Reconcile:
    """The scheduled reconciliation (its rate is the stack parameter ReconcileSchedule)."""

    overlap_seconds: Annotated[int, Bounds(ge=1, le=86_400)] = 120
    """each run also looks this far behind its watermark (records saved late, whole-second dates); records found
    in step with the mapping table are not enqueued again
    """
    max_records: Annotated[int, Bounds(ge=1)] = 5000
    """most records one run enqueues; the rest wait for the next run"""
    webhooks: bool = True
    """check the store's webhooks every run: re-enable disabled ones, recreate missing ones"""
    customer_sweep_hours: Annotated[int, Bounds(ge=0)] = 24
    """hours between full sweeps of the store's customers for changed ones (WooCommerce cannot list customers by
    modification date; new customers are found every run); 0 = never
    """
    drift: bool = True
    """once a day, compare the previous day's orders with Xero (the drift report, in the sync log) and re-enqueue
    what the sync can fix
    """


@frozen
class InvoiceStatuses:
    """The Xero status of a sale's invoice, by where the sale stands (its lifecycle, which the
    store's adapter reads from the store's status words: see the store section). A paid sale's
    invoice is always AUTHORISED (Xero takes payments only on those); a cancelled one's comes off
    the books."""

    unconfirmed: InvoiceStatus = "skip"
    """placed, payment not completed"""
    awaiting_payment: InvoiceStatus = "DRAFT"
    """accepted, to be paid later"""
    confirmed: InvoiceStatus = "AUTHORISED"
    """a sale, not paid (or not known to be)"""


@frozen
class StoreSettings:
    invoice_prefix: Annotated[str, Length(max=20)] = ""
    """prefix of invoice numbers, before the order number (each store has a default)"""
    accounts: Accounts = field(default_factory=Accounts)
    tax: TaxSettings = field(default_factory=TaxSettings)
    payments: Payments = field(default_factory=Payments)
    refunds: Refunds = field(default_factory=Refunds)
    items: Items = field(default_factory=Items)
    tracking: Tracking | None = None
    """a tracking category option put on every line, or none"""
    invoice_status: InvoiceStatuses = field(default_factory=InvoiceStatuses)
    zero_total_orders: bool = False
    """invoice orders whose total is 0 (free orders)"""
    after_payment: Literal["adjust", "report"] = "adjust"
    """a sale changed once its invoice is paid or part-paid in Xero (Xero refuses edits): "adjust" = the difference
    is booked as a credit note or an additional invoice; "report" = nothing is written, the sync log and the drift
    report say what changed (the store's default may differ: a CRM reports)
    """
    sync: Sync = field(default_factory=Sync)
    pull: Pull = field(default_factory=Pull)
    reconcile: Reconcile = field(default_factory=Reconcile)
    store: dict[str, Any] = field(default_factory=dict)
    """the store's own settings (its status words and the like): what they are is said by the store's adapter,
    which validates them
    """
    settlements: Settlements = field(default_factory=Settlements)
    quotes: Quotes = field(default_factory=Quotes)
    purchasing: Purchasing = field(default_factory=Purchasing)
    """quotes and purchases, for a source that has them (a CRM): xerosync.config_quotes"""

    def validate(self) -> None:
        """Settlements, once enabled, need what they post to (:func:`xerosync.schema.read` asks)."""
        s = self.settlements
        if not s.enabled:
            return
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
    settings, problems, notes = review_settings(text, source=source, defaults=defaults, check=check)
    if settings is None:
        raise SettingsError(f"{source} has {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems))
    return settings, notes


@frozen
class Problem:
    """What is wrong with one setting (``setting`` empty: with the document as a whole)."""

    setting: str
    detail: str

    def __str__(self) -> str:
        return f"{self.setting}: {self.detail}" if self.setting else self.detail


def review_settings(
    text: str, *, source: str = "settings", defaults: Mapping[str, Any] | None = None, check: Check | None = None
) -> tuple[StoreSettings | None, list[Problem], list[str]]:
    """The settings (None when they have problems), their problems each at its setting (the
    store's ``check`` last), and the notes of :func:`parse_settings_noting`. A text that is no
    mapping of settings at all is a :class:`SettingsError`."""
    data, notes = read_document(text, source=source)
    try:
        settings = read(StoreSettings, {**(defaults or {}), **data})
    except Invalid as exc:
        return (
            None,
            [Problem(".".join(str(p) for p in loc) or "(top level)", what) for loc, what in exc.problems],
            notes,
        )
    found = check(settings) if check is not None else []
    if found:
        return None, [Problem(*p.split(": ", 1)) if ": " in p else Problem("", p) for p in found], notes
    return settings, [], notes


def read_document(text: str, *, source: str = "settings") -> tuple[dict[str, Any], list[str]]:
    """The settings document as a mapping (empty when the text is), settings found at their old
    place moved (:data:`LEGACY_STORE_KEYS`), and notes saying which."""
    try:
        data: Any = _document(text)
    except ValueError as exc:
        raise SettingsError(f"{source}: not valid JSON or YAML ({exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{source}: expected a mapping of settings at the top level")
    return _moved(data)


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


# --- a store adapter's own section (``store:``) ------------------------------------------------
@cache
def _section(model: Any, text: str) -> Any:
    return read(model, json.loads(text))


def store_section[Section](model: type[Section], section: dict[str, Any]) -> Section:
    """The store's section read as the adapter's settings class ``model`` (a frozen dataclass, read
    by :mod:`xerosync.schema`), cached: settings change every few minutes at most, and the sync
    reads them once per record."""
    cls: Any = model  # a class: hashable, which its TypeVar cannot say
    parsed = _section(cls, json.dumps(section, sort_keys=True, default=str))
    assert isinstance(parsed, model)
    return parsed


def section_problems(model: type[Any], section: dict[str, Any]) -> list[str]:
    """What is wrong with the store's section, each naming its field (``store.<field>``) and the fix."""
    try:
        store_section(model, section)
    except Invalid as exc:
        return exc.lines("store.")
    return []
