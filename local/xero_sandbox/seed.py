"""A new organisation's chart of accounts, tax rates and currencies (an AU GST organisation,
like Xero's Demo Company (AU), trimmed to what a store sync touches)."""

from decimal import Decimal
from typing import Any

from local.xero_sandbox.state import Organisation, new_id

ACCOUNTS: list[tuple[str, str, str, str, str | None]] = [
    # Code, Name, Type, TaxType, SystemAccount
    ("090", "Business Bank Account", "BANK", "BASEXCLUDED", None),
    ("091", "Business Savings Account", "BANK", "BASEXCLUDED", None),
    ("092", "Stripe Clearing", "BANK", "BASEXCLUDED", None),
    ("093", "PayPal Clearing", "BANK", "BASEXCLUDED", None),
    ("200", "Sales", "REVENUE", "OUTPUT", None),
    ("210", "Shipping Income", "REVENUE", "OUTPUT", None),
    ("220", "Fees Income", "REVENUE", "OUTPUT", None),
    ("260", "Other Revenue", "REVENUE", "OUTPUT", None),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT", None),
    ("400", "Advertising", "EXPENSE", "INPUT", None),
    ("404", "Bank Fees", "EXPENSE", "INPUT", None),
    ("610", "Accounts Receivable", "CURRENT", "BASEXCLUDED", "DEBTORS"),
    ("630", "Inventory", "INVENTORY", "BASEXCLUDED", None),
    # the codes Xero's own spec examples use (createItems: 140 and 500; createPayments: 970, an
    # equity account that takes payments), as in a Xero demo company; the names are the sandbox's
    ("140", "Inventory Asset", "INVENTORY", "BASEXCLUDED", None),
    ("500", "Cost of Sales", "DIRECTCOSTS", "INPUT", None),
    ("970", "Owner A Funds Introduced", "EQUITY", "BASEXCLUDED", None),
    ("800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", "CREDITORS"),
    ("820", "GST", "CURRLIAB", "BASEXCLUDED", "GST"),
    ("860", "Rounding", "CURRLIAB", "BASEXCLUDED", "ROUNDING"),
]

# Every account Type's Class, Xero's table at developer.xero.com/documentation/api/accounting/types#accounts
# (Class is read-only: Xero derives it from Type). The one place the sandbox keeps it.
CLASS_OF = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}
# Accounts that take payments although they are not BANK accounts (EnablePaymentsToAccount)
PAYMENTS_ENABLED = frozenset({"970"})

TAX_RATES: list[tuple[str, str, Decimal, str]] = [
    # TaxType, Name, Rate (%), ReportTaxType
    ("OUTPUT", "GST on Income", Decimal("10.0000"), "OUTPUT"),
    ("INPUT", "GST on Expenses", Decimal("10.0000"), "INPUT"),
    ("EXEMPTOUTPUT", "GST Free Income", Decimal("0.0000"), "OUTPUT"),
    ("EXEMPTEXPENSES", "GST Free Expenses", Decimal("0.0000"), "INPUT"),
    ("BASEXCLUDED", "BAS Excluded", Decimal("0.0000"), "BASEXCLUDED"),
    ("NONE", "No GST", Decimal("0.0000"), "NONE"),
]

BRANDING_THEMES = ["Standard", "Special Projects"]

CURRENCIES = [("AUD", "Australian Dollar"), ("USD", "United States Dollar"), ("NZD", "New Zealand Dollar")]


def seed(org: Organisation) -> Organisation:
    for code, name, kind, tax_type, system in ACCOUNTS:
        account: dict[str, Any] = {
            "AccountID": new_id(),
            "Code": code,
            "Name": name,
            "Type": kind,
            "TaxType": tax_type,
            "Status": "ACTIVE",
            "Class": CLASS_OF[kind],
            "EnablePaymentsToAccount": kind == "BANK" or code in PAYMENTS_ENABLED,
            "ShowInExpenseClaims": False,
            "ReportingCode": "",
            "HasAttachments": False,
        }
        if kind == "BANK":
            account["BankAccountType"] = "BANK"
            account["CurrencyCode"] = org.base_currency
        if system:
            account["SystemAccount"] = system
        org.accounts[account["AccountID"]] = account
    for tax_type, name, rate, report in TAX_RATES:
        org.tax_rates[tax_type] = {
            "Name": name,
            "TaxType": tax_type,
            "ReportTaxType": report,
            "Status": "ACTIVE",
            "CanApplyToAssets": True,
            "CanApplyToEquity": True,
            "CanApplyToExpenses": report in ("INPUT", "BASEXCLUDED", "NONE"),
            "CanApplyToLiabilities": True,
            "CanApplyToRevenue": report in ("OUTPUT", "BASEXCLUDED", "NONE"),
            "DisplayTaxRate": rate,
            "EffectiveRate": rate,
            "TaxComponents": [{"Name": "GST", "Rate": rate, "IsCompound": False, "IsNonRecoverable": False}],
        }
    for code, description in CURRENCIES:
        org.currencies[code] = {"Code": code, "Description": description}
    for order, theme in enumerate(BRANDING_THEMES):
        theme_id = new_id()
        org.branding_themes[theme_id] = {
            "BrandingThemeID": theme_id,
            "Name": theme,
            "Type": "INVOICE",
            "SortOrder": order,
            "CreatedDateUTC": org.created,
        }
    return org
