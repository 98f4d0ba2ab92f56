"""``xerosync settings check``: does every code in the settings exist in the Xero organisation?

Account codes (active; payment accounts must take payments), tax types (active, usable on
revenue; purchases' usable on expenses), the tracking category and its option. Each problem names
the setting and the fix. The ``purchasing:`` section is checked for a source that books purchases
(:func:`xerosync.sources.quotes_port.documents_of`); ``quotes:`` names statuses only, which the
settings' own reading checks.
"""

from collections.abc import Collection
from dataclasses import fields
from typing import Any, Protocol

from xerosync.config import Problem, StoreSettings, review_settings
from xerosync.frozen import frozen
from xerosync.sources.port import StoreSource
from xerosync.sources.quotes_port import documents_of


class Organisation(Protocol):
    def accounts(self) -> list[dict[str, Any]]: ...

    def tax_rates(self) -> list[dict[str, Any]]: ...

    def tracking_categories(self) -> list[dict[str, Any]]: ...


@frozen
class Finding:
    setting: str
    value: str
    ok: bool
    detail: str


def check(settings: StoreSettings, xero: Organisation, *, documents: Collection[str] = ()) -> list[Finding]:
    """Every code of ``settings`` looked up in the organisation (``documents``: what the source
    books besides sales, ``"purchase"`` checking the purchasing section)."""
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

    def tax(setting: str, tax_type: str, *, revenue: bool = True, expenses: bool = False) -> None:
        found = taxes.get(tax_type)
        if found is None:
            findings.append(Finding(setting, tax_type, False, "no such tax type in this organisation (Tax rates)"))
        elif found.get("Status", "ACTIVE") != "ACTIVE":
            findings.append(Finding(setting, tax_type, False, f"tax rate {found.get('Name')} is not active"))
        elif revenue and found.get("CanApplyToRevenue") is False:
            findings.append(Finding(setting, tax_type, False, f"tax rate {found.get('Name')} cannot be used on sales"))
        elif expenses and found.get("CanApplyToExpenses") is False:
            findings.append(
                Finding(setting, tax_type, False, f"tax rate {found.get('Name')} cannot be used on purchases")
            )
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
    if "purchase" in documents:
        p = settings.purchasing
        account("purchasing.account", p.account)
        for rate, tax_type in sorted(p.tax_rates.items()):
            tax(f"purchasing.tax_rates.{rate}", tax_type, revenue=False, expenses=True)
        tax("purchasing.no_tax", p.no_tax, revenue=False, expenses=True)
    if settings.settlements.enabled:
        findings += _settlements(settings, accounts, account, tax)
    tracked = [settings.tracking, settings.settlements.tracking if settings.settlements.enabled else None]
    for prefix, tracking in zip(("tracking", "settlements.tracking"), tracked, strict=True):
        if tracking is not None:
            findings += _tracking(prefix, tracking, xero)
    return findings


@frozen
class Review:
    """A settings document checked as ``xerosync settings check`` checks a file."""

    settings: StoreSettings | None  # None: the document itself has problems (Xero was not asked)
    problems: list[Problem]  # every setting to fix, the organisation's findings included
    findings: list[Finding]  # what the organisation said of each code (empty when not asked)
    notes: list[str]  # settings read from their old place


def review(text: str, source: StoreSource, xero: Organisation) -> Review:
    """``text`` read as the stack reads it (the store's defaults applied, its section checked by its
    adapter), then, when that is fine, every code looked up in the organisation."""
    settings, problems, notes = review_settings(
        text, source="settings", defaults=source.settings_defaults, check=source.check_settings
    )
    if settings is None:
        return Review(None, problems, [], notes)
    findings = check(settings, xero, documents=documents_of(source, settings))
    bad = [Problem(f.setting, f"{f.value}: {f.detail}") for f in findings if not f.ok]
    return Review(settings, bad, findings, notes)


def _settlements(settings: StoreSettings, accounts: dict[Any, Any], account: Any, tax: Any) -> list[Finding]:
    """The settlements' accounts: the bank account a bank account, the clearing account one that
    takes payments (the orders' payments go there in per-order mode), the others existing."""
    found: list[Finding] = []
    s = settings.settlements
    bank = accounts.get(s.bank_account)
    if not s.bank_account:
        pass  # one bank account per currency (bank_accounts) instead
    elif bank is not None and bank.get("Type") != "BANK":
        found.append(
            Finding(
                "settlements.bank_account",
                str(s.bank_account),
                False,
                f"account {bank.get('Name')} is not a bank account: the deposits land in one",
            )
        )
    else:
        account("settlements.bank_account", str(s.bank_account))
    for currency, code in sorted(s.bank_accounts.items()):
        setting = f"settlements.bank_accounts.{currency}"
        bank = accounts.get(code)
        if bank is None:
            account(setting, code)  # names it missing
        elif bank.get("Type") != "BANK":
            found.append(Finding(setting, code, False, f"account {bank.get('Name')} is not a bank account"))
        elif bank.get("CurrencyCode") and bank.get("CurrencyCode") != currency:
            found.append(
                Finding(
                    setting,
                    code,
                    False,
                    f"bank account {bank.get('Name')} is in {bank.get('CurrencyCode')}: {currency} deposits land "
                    f"in a {currency} bank account (add one in Xero: Chart of accounts, Add Bank Account)",
                )
            )
        else:
            account(setting, code)
    for field in fields(s.accounts):
        code = getattr(s.accounts, field.name)
        if field.name == "by_type" or code is None:
            continue
        account(f"settlements.accounts.{field.name}", str(code), payments=field.name == "clearing")
    for kind in sorted(s.accounts.by_type):
        target = s.accounts.kind(kind)
        assert target is not None
        account(f"settlements.accounts.by_type.{kind}", target.account)
        if target.tax_type:
            tax(f"settlements.accounts.by_type.{kind}.tax_type", target.tax_type, revenue=False)
    if s.fee_tax:
        tax("settlements.fee_tax", s.fee_tax, revenue=False)  # fees are the provider's charges: expenses
    return found


def _tracking(prefix: str, tracking: Any, xero: Organisation) -> list[Finding]:
    findings: list[Finding] = []
    settings_tracking = tracking
    if settings_tracking:
        categories = {c.get("Name"): c for c in xero.tracking_categories() if c.get("Status", "ACTIVE") == "ACTIVE"}
        category = categories.get(settings_tracking.category)
        if category is None:
            findings.append(
                Finding(
                    f"{prefix}.category",
                    settings_tracking.category,
                    False,
                    "no active tracking category with this name",
                )
            )
        else:
            options = {o.get("Name") for o in category.get("Options") or [] if o.get("Status", "ACTIVE") == "ACTIVE"}
            ok = settings_tracking.option in options
            findings.append(
                Finding(
                    f"{prefix}.option",
                    settings_tracking.option,
                    ok,
                    "found" if ok else f"not an active option of {settings_tracking.category}",
                )
            )
    return findings
