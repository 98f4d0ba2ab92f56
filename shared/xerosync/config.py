"""Per-store settings: one typed file, loaded by the deployment from SSM and by the CLI locally.

Every validation error names the field and what to put there. Nothing here talks to AWS
or Xero; ``xerosync settings check`` compares a file with a live organisation.
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


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Accounts(_Settings):
    """Xero account codes (Chart of accounts > Code)."""

    sales: str = Field("200", description="account for product lines")
    shipping: str = Field("200", description="account for shipping lines")
    fees: str = Field("200", description="account for fee lines")
    rounding: str = Field("860", description="account for the line that reconciles store and Xero rounding")


class TaxSettings(_Settings):
    rates: dict[str, str] = Field(
        default_factory=dict,
        description='WooCommerce tax rate id (or ids joined by "+") -> Xero TaxType, e.g. {"1": "OUTPUT"}',
    )
    no_tax: str = Field("NONE", description="Xero TaxType for lines the store charged no tax on")
    rounding: str = Field("NONE", description="Xero TaxType of the rounding line")


class StoreSettings(_Settings):
    invoice_prefix: str = Field("WC-", max_length=20, description="prefix of invoice numbers, before the order number")
    accounts: Accounts = Field(default_factory=Accounts)
    tax: TaxSettings = Field(default_factory=TaxSettings)
    order_statuses: dict[str, InvoiceStatus] = Field(default_factory=lambda: dict(DEFAULT_ORDER_STATUSES))

    @field_validator("order_statuses")
    @classmethod
    def _complete_statuses(cls, value: dict[str, InvoiceStatus]) -> dict[str, InvoiceStatus]:
        return {**DEFAULT_ORDER_STATUSES, **value}


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
    if kind == "literal_error":
        return f"{err['msg']} (got {err['input']!r})"
    return str(err["msg"])
