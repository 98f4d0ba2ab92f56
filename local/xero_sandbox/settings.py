"""The organisation's settings: Accounts, TaxRates, Currencies, TrackingCategories.

Accounts and tax rates take one element per request. Messages the spec does
not quote are the sandbox's own wording.
https://github.com/XeroAPI/Xero-OpenAPI, https://developer.xero.com/documentation/api/accounting/accounts
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.seed import CLASS_OF
from local.xero_sandbox.state import Organisation, new_id

MAX_ACTIVE_TRACKING = 2


# --- accounts -------------------------------------------------------------------------------
def _account_problems(org: Organisation, element: dict[str, Any], except_id: str | None) -> list[str]:
    problems: list[str] = []
    code, name = element.get("Code"), element.get("Name")
    others = [a for a in org.accounts.values() if a["AccountID"] != except_id and a["Status"] != "DELETED"]
    if code is not None:
        if len(str(code)) > 10:
            problems.append("Code must not be more than 10 characters long.")
        if any(str(a.get("Code", "")).casefold() == str(code).casefold() for a in others):
            problems.append("Please enter a unique Code.")
    if name is not None and any(str(a["Name"]).casefold() == str(name).casefold() for a in others):
        problems.append("Please enter a unique Name.")
    tax_type = element.get("TaxType")
    if tax_type and tax_type not in org.tax_rates:
        problems.append(f"The TaxType code '{tax_type}' does not exist.")
    kind = element.get("Type")
    if kind and kind not in CLASS_OF:
        problems.append(f"'{kind}' is not a valid account Type.")  # wording guessed (the spec refuses it first)
    return problems


def create_account(org: Organisation, element: dict[str, Any], now: datetime) -> dict[str, Any]:
    problems = _account_problems(org, element, None)
    kind = element.get("Type")
    if not element.get("Name"):
        problems.append("Name is required.")
    if not kind:
        problems.append("Type is required.")
    if kind != "BANK" and not element.get("Code"):
        problems.append("Code is required.")
    if kind == "BANK" and not element.get("BankAccountNumber"):
        problems.append("BankAccountNumber is required for a bank account.")
    if problems:
        raise ElementInvalid(*problems)
    account: dict[str, Any] = {
        "AccountID": new_id(),
        "Code": str(element.get("Code") or ""),
        "Name": element["Name"],
        "Type": kind,
        "Status": "ACTIVE",
        "TaxType": element.get("TaxType") or "BASEXCLUDED",
        "Class": CLASS_OF[str(kind)],
        "EnablePaymentsToAccount": bool(element.get("EnablePaymentsToAccount") or False),
        "ShowInExpenseClaims": bool(element.get("ShowInExpenseClaims") or False),
        "ReportingCode": str(element.get("ReportingCode") or ""),
        "HasAttachments": False,
        "UpdatedDateUTC": now,
    }
    for field in ("Description", "BankAccountNumber", "CurrencyCode"):
        if element.get(field):
            account[field] = element[field]
    if kind == "BANK":
        account["BankAccountType"] = element.get("BankAccountType") or "BANK"
        account.setdefault("CurrencyCode", org.base_currency)
    org.accounts[account["AccountID"]] = account
    return account


def update_account(
    org: Organisation, account: dict[str, Any], element: dict[str, Any], now: datetime
) -> dict[str, Any]:
    problems = _account_problems(org, element, account["AccountID"])
    if account.get("SystemAccount") and element.get("Status") not in (None, "ACTIVE"):
        problems.append("A system account cannot be archived or deleted.")
    if problems:
        raise ElementInvalid(*problems)
    for field in (
        "Code",
        "Name",
        "Type",
        "Description",
        "TaxType",
        "Status",
        "EnablePaymentsToAccount",
        "ShowInExpenseClaims",
        "ReportingCode",
    ):
        if element.get(field) is not None:
            account[field] = element[field]
    account["Class"] = CLASS_OF[str(account["Type"])]
    account["UpdatedDateUTC"] = now
    return account


def delete_account(org: Organisation, account: dict[str, Any], now: datetime) -> dict[str, Any]:
    if account.get("SystemAccount"):
        raise ElementInvalid("A system account cannot be deleted.")
    used = any(
        line.get("AccountID") == account["AccountID"]
        for document in (*org.invoices.values(), *org.credit_notes.values())
        for line in document.get("LineItems", [])
    ) or any(p["AccountID"] == account["AccountID"] for p in org.payments.values())
    if used:
        raise ElementInvalid("This account has transactions and cannot be deleted; archive it instead.")
    account["Status"] = "DELETED"
    account["UpdatedDateUTC"] = now
    return account


# --- tax rates ------------------------------------------------------------------------------
def _components(element: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for component in element.get("TaxComponents") or []:
        out.append(
            {
                "Name": str(component.get("Name") or ""),
                "Rate": Decimal(str(component.get("Rate") or 0)).quantize(Decimal("0.0001")),
                "IsCompound": bool(component.get("IsCompound") or False),
                "IsNonRecoverable": bool(component.get("IsNonRecoverable") or False),
            }
        )
    return out


def create_tax_rate(org: Organisation, element: dict[str, Any]) -> dict[str, Any]:
    problems: list[str] = []
    name = element.get("Name")
    components = _components(element)
    if not name:
        problems.append("Name is required.")
    elif any(t["Name"].casefold() == str(name).casefold() and t["Status"] != "DELETED" for t in org.tax_rates.values()):
        problems.append("Please enter a unique Name.")
    if not components:
        problems.append("At least one tax component is required.")
    if problems:
        raise ElementInvalid(*problems)
    number = 1 + sum(1 for t in org.tax_rates if t.startswith("TAX"))
    rate = sum((c["Rate"] for c in components), Decimal("0"))
    tax_type = f"TAX{number:03d}"
    tax_rate: dict[str, Any] = {
        "Name": str(name),
        "TaxType": tax_type,
        "ReportTaxType": element.get("ReportTaxType") or "OUTPUT",
        "Status": "ACTIVE",
        "CanApplyToAssets": True,
        "CanApplyToEquity": True,
        "CanApplyToExpenses": True,
        "CanApplyToLiabilities": True,
        "CanApplyToRevenue": True,
        "DisplayTaxRate": rate,
        "EffectiveRate": rate,
        "TaxComponents": components,
    }
    org.tax_rates[tax_type] = tax_rate
    return tax_rate


def update_tax_rate(org: Organisation, element: dict[str, Any]) -> dict[str, Any]:
    tax_type, name = element.get("TaxType"), element.get("Name")
    tax_rate = org.tax_rates.get(str(tax_type)) if tax_type else None
    if tax_rate is None and name:
        tax_rate = next((t for t in org.tax_rates.values() if t["Name"].casefold() == str(name).casefold()), None)
    if tax_rate is None:
        raise ElementInvalid("The tax rate could not be found.")
    if not tax_rate["TaxType"].startswith("TAX"):
        raise ElementInvalid("System tax rates cannot be changed.")
    if element.get("TaxComponents"):
        tax_rate["TaxComponents"] = _components(element)
        rate = sum((c["Rate"] for c in tax_rate["TaxComponents"]), Decimal("0"))
        tax_rate["DisplayTaxRate"] = tax_rate["EffectiveRate"] = rate
    for field in ("Status", "ReportTaxType"):
        if element.get(field):
            tax_rate[field] = element[field]
    if name:
        tax_rate["Name"] = str(name)
    return tax_rate


# --- tracking categories --------------------------------------------------------------------
def _active_categories(org: Organisation, except_id: str | None = None) -> list[dict[str, Any]]:
    return [
        c for c in org.tracking_categories.values() if c["Status"] == "ACTIVE" and c["TrackingCategoryID"] != except_id
    ]


def create_tracking_category(org: Organisation, element: dict[str, Any]) -> dict[str, Any]:
    name = str(element.get("Name") or "").strip()
    if not name:
        raise ElementInvalid("Name is required.")
    if any(
        c["Name"].casefold() == name.casefold() for c in org.tracking_categories.values() if c["Status"] != "DELETED"
    ):
        raise ElementInvalid("Please enter a unique Name.")
    if len(_active_categories(org)) >= MAX_ACTIVE_TRACKING:
        raise ElementInvalid(f"You can only have {MAX_ACTIVE_TRACKING} active tracking categories.")
    category: dict[str, Any] = {"TrackingCategoryID": new_id(), "Name": name, "Status": "ACTIVE", "Options": []}
    org.tracking_categories[category["TrackingCategoryID"]] = category
    return category


def update_tracking_category(org: Organisation, category: dict[str, Any], element: dict[str, Any]) -> dict[str, Any]:
    name = element.get("Name")
    if name and any(
        c["Name"].casefold() == str(name).casefold() and c is not category and c["Status"] != "DELETED"
        for c in org.tracking_categories.values()
    ):
        raise ElementInvalid("Please enter a unique Name.")
    status = element.get("Status")
    reactivating = status == "ACTIVE" and category["Status"] != "ACTIVE"
    if reactivating and len(_active_categories(org, category["TrackingCategoryID"])) >= MAX_ACTIVE_TRACKING:
        raise ElementInvalid(f"You can only have {MAX_ACTIVE_TRACKING} active tracking categories.")
    if name:
        category["Name"] = str(name)
    if status:
        category["Status"] = status
    return category


def add_option(category: dict[str, Any], element: dict[str, Any]) -> dict[str, Any]:
    name = str(element.get("Name") or "").strip()
    if not name:
        raise ElementInvalid("Name is required.")
    if any(o["Name"].casefold() == name.casefold() and o["Status"] != "DELETED" for o in category["Options"]):
        raise ElementInvalid("Please enter a unique Name.")
    option = {
        "TrackingOptionID": new_id(),
        "Name": name,
        "Status": "ACTIVE",
        "TrackingCategoryID": category["TrackingCategoryID"],
    }
    category["Options"].append(option)
    return option


def find_option(category: dict[str, Any], option_id: str) -> dict[str, Any] | None:
    return next((o for o in category["Options"] if o["TrackingOptionID"] == option_id.lower()), None)
