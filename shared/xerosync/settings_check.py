"""``xerosync settings check``: does every code in the settings exist in the Xero organisation?

Account codes (active; payment accounts must take payments), tax types (active, usable on
revenue), the tracking category and its option. Each problem names the setting and the fix.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from xerosync.config import StoreSettings


class Organisation(Protocol):
    def accounts(self) -> list[dict[str, Any]]: ...

    def tax_rates(self) -> list[dict[str, Any]]: ...

    def tracking_categories(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Finding:
    setting: str
    value: str
    ok: bool
    detail: str


def check(settings: StoreSettings, xero: Organisation) -> list[Finding]:
    accounts = {a.get("Code"): a for a in xero.accounts() if a.get("Code")}
    taxes = {t.get("TaxType"): t for t in xero.tax_rates()}
    findings: list[Finding] = []

    def account(setting: str, code: str, *, payments: bool = False) -> None:
        found = accounts.get(code)
        if found is None:
            findings.append(Finding(setting, code, False, "no account with this code; see Chart of accounts"))
        elif found.get("Status", "ACTIVE") != "ACTIVE":
            findings.append(Finding(setting, code, False, f"account {found.get('Name')} is archived"))
        elif payments and not (found.get("Type") == "BANK" or found.get("EnablePaymentsToAccount")):
            findings.append(
                Finding(
                    setting,
                    code,
                    False,
                    f"account {found.get('Name')} does not accept payments: "
                    "use a bank account, or enable payments to it in Xero",
                )
            )
        else:
            findings.append(Finding(setting, code, True, str(found.get("Name", ""))))

    def tax(setting: str, tax_type: str) -> None:
        found = taxes.get(tax_type)
        if found is None:
            findings.append(Finding(setting, tax_type, False, "no such tax type in this organisation (Tax rates)"))
        elif found.get("Status", "ACTIVE") != "ACTIVE":
            findings.append(Finding(setting, tax_type, False, f"tax rate {found.get('Name')} is not active"))
        elif found.get("CanApplyToRevenue") is False:
            findings.append(Finding(setting, tax_type, False, f"tax rate {found.get('Name')} cannot be used on sales"))
        else:
            findings.append(Finding(setting, tax_type, True, f"{found.get('Name')} ({found.get('EffectiveRate')}%)"))

    for field in ("sales", "shipping", "fees", "rounding", "duties", "tips", "gift_cards", "adjustments"):
        if getattr(settings.accounts, field) is not None:  # the optional ones fall back on another when unset
            account(f"accounts.{field}", getattr(settings.accounts, field))
    for gateway, code in sorted(settings.payments.accounts.items()):
        account(f"payments.accounts.{gateway}", code, payments=True)
    if settings.payments.default_account:
        account("payments.default_account", settings.payments.default_account, payments=True)
    for rate, tax_type in sorted(settings.tax.rates.items()):
        tax(f"tax.rates.{rate}", tax_type)
    tax("tax.no_tax", settings.tax.no_tax)
    tax("tax.rounding", settings.tax.rounding)
    if settings.tax.gift_cards:
        tax("tax.gift_cards", settings.tax.gift_cards)
    if settings.tracking:
        categories = {c.get("Name"): c for c in xero.tracking_categories() if c.get("Status", "ACTIVE") == "ACTIVE"}
        category = categories.get(settings.tracking.category)
        if category is None:
            findings.append(
                Finding(
                    "tracking.category", settings.tracking.category, False, "no active tracking category with this name"
                )
            )
        else:
            options = {o.get("Name") for o in category.get("Options") or [] if o.get("Status", "ACTIVE") == "ACTIVE"}
            ok = settings.tracking.option in options
            findings.append(
                Finding(
                    "tracking.option",
                    settings.tracking.option,
                    ok,
                    "found" if ok else f"not an active option of {settings.tracking.category}",
                )
            )
    return findings
