"""Per-store settings: one typed file, loaded by the deployment from SSM and by the CLI locally.

Every validation error names the field and what to put there. Nothing here talks to AWS
or Xero; ``xerosync settings check`` compares a file with a live (or sandbox) organisation.
"""

import json
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

InvoiceStatus = Literal["DRAFT", "AUTHORISED", "skip"]

DEFAULT_ORDER_STATUSES: dict[str, InvoiceStatus] = {
    "pending": "skip",
    "on-hold": "DRAFT",
    "processing": "AUTHORISED",
    "completed": "AUTHORISED",
    "refunded": "AUTHORISED",
    "cancelled": "skip",
    "failed": "skip",
}
# Statuses meaning the order will not be fulfilled: its invoice is voided (or deleted, or
# credited in full when already paid), never created.
CANCELLED_STATUSES = ("cancelled", "failed", "trash")


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Accounts(_Settings):
    """Xero account codes (Accounting > Chart of accounts > Code)."""

    sales: str = Field("200", description="account for product lines")
    shipping: str = Field("200", description="account for shipping lines")
    fees: str = Field("200", description="account for fee lines")
    rounding: str = Field("860", description="account for the line that reconciles store and Xero rounding")


class TaxSettings(_Settings):
    rates: dict[str, str] = Field(
        default_factory=dict,
        description='WooCommerce tax rate id or rate code (several joined by "+") -> Xero TaxType, '
        'e.g. {"1": "OUTPUT"} or {"AU-GST-1": "OUTPUT"}',
    )
    no_tax: str = Field("NONE", description="Xero TaxType for lines the store charged no tax on")
    rounding: str = Field("NONE", description="Xero TaxType of the rounding line")


class Payments(_Settings):
    accounts: dict[str, str] = Field(
        default_factory=dict,
        description="payment gateway id (WooCommerce payment_method) -> Xero bank or clearing account code, "
        'e.g. {"stripe": "092", "ppcp-gateway": "093"}',
    )
    default_account: str | None = Field(None, description="account for gateways not listed; unset = such payments fail")
    paid_statuses: tuple[str, ...] = Field(
        ("processing", "completed", "refunded"),
        description="order statuses in which an order with date_paid is paid",
    )


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


class StoreSettings(_Settings):
    invoice_prefix: str = Field("WC-", max_length=20, description="prefix of invoice numbers, before the order number")
    accounts: Accounts = Field(default_factory=Accounts)
    tax: TaxSettings = Field(default_factory=TaxSettings)
    payments: Payments = Field(default_factory=Payments)
    refunds: Refunds = Field(default_factory=Refunds)
    items: Items = Field(default_factory=Items)
    tracking: Tracking | None = Field(None, description="a tracking category option put on every line, or none")
    order_statuses: dict[str, InvoiceStatus] = Field(default_factory=lambda: dict(DEFAULT_ORDER_STATUSES))
    zero_total_orders: bool = Field(False, description="invoice orders whose total is 0 (free orders)")
    sync: Sync = Field(default_factory=Sync)

    @field_validator("order_statuses")
    @classmethod
    def _complete_statuses(cls, value: dict[str, InvoiceStatus]) -> dict[str, InvoiceStatus]:
        return {**DEFAULT_ORDER_STATUSES, **value}

    def payment_account(self, gateway: str) -> str | None:
        return self.payments.accounts.get(gateway, self.payments.default_account)


class SettingsError(ValueError):
    pass


def parse_settings(text: str, *, source: str = "settings") -> StoreSettings:
    """Parse a JSON or YAML settings document; errors name each field and the fix."""
    try:
        data: Any = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SettingsError(f"{source}: not valid JSON or YAML ({exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{source}: expected a mapping of settings at the top level")
    try:
        return StoreSettings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            problems.append(f"  {where}: {_fix(err)}")
        raise SettingsError(f"{source} has {len(problems)} problem(s):\n" + "\n".join(problems)) from None


def _fix(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown setting; remove it or check its spelling"
    if kind == "missing":
        return "required; add it"
    if kind == "literal_error":
        return f"{err['msg']} (got {err['input']!r})"
    return str(err["msg"])
