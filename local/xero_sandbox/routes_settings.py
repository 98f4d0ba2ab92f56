"""``/Organisation``, ``/Accounts``, ``/TaxRates``, ``/Currencies``, ``/TrackingCategories``, ``/BrandingThemes``."""

from typing import TYPE_CHECKING, Any

from local.xero_sandbox import settings
from local.xero_sandbox.api import Handled, Request, elements, lookup, ordered, refuse, since, single
from local.xero_sandbox.errors import ElementInvalid, bad_request, not_found
from local.xero_sandbox.query import where
from local.xero_sandbox.state import Organisation

if TYPE_CHECKING:
    from local.xero_sandbox.server import XeroSandbox

# One element per request for accounts and tax rates; the wording is guessed.
ONE_ELEMENT = "Only one {0} can be created or updated per request."


def organisation_body(org: Organisation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "OrganisationID": org.tenant_id,
        "Name": org.name,
        "LegalName": org.name,
        "PaysTax": True,
        "Version": org.country,
        "OrganisationType": "COMPANY",
        "BaseCurrency": org.base_currency,
        "CountryCode": org.country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "ShortCode": org.short_code,
        "Class": "STANDARD",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Retail",
        "Timezone": "AUSEASTERNSTANDARDTIME",
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "FinancialYearEndDay": 30,
        "FinancialYearEndMonth": 6,
        "CreatedDateUTC": org.created,
        "OrganisationEntityType": "COMPANY",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }
    if org.period_lock_date:
        body["PeriodLockDate"] = org.period_lock_date
    if org.end_of_year_lock_date:
        body["EndOfYearLockDate"] = org.end_of_year_lock_date
    return body


def _one(request: Request, plural: str) -> dict[str, Any]:
    items = elements(request.json(), plural)
    if len(items) != 1:
        raise bad_request(ONE_ELEMENT.format(plural[:-1]))
    return single(request, items[0])


def _do(element: dict[str, Any], action: Any) -> Any:
    try:
        return action()
    except ElementInvalid as exc:
        raise refuse(element, *exc.messages) from None


def register(box: "XeroSandbox") -> None:
    box.api("GET", "/Organisation", lambda request: (200, {"Organisations": [organisation_body(request.organisation)]}))

    # --- accounts -----------------------------------------------------------------------------
    def list_accounts(request: Request) -> Handled:
        test = where(request.arg("where"))
        when = request.modified_since()
        found = [
            a
            for a in request.organisation.accounts.values()
            if test(a) and ("UpdatedDateUTC" not in a or since(a, when))
        ]
        return 200, {"Accounts": ordered(request, found)}

    def get_account(request: Request, AccountID: str) -> Handled:
        account = lookup(request.organisation.accounts, AccountID)
        if account is None:
            raise not_found()
        return 200, {"Accounts": [account]}

    def put_account(request: Request) -> Handled:
        element = _one(request, "Accounts")
        return 200, {
            "Accounts": [_do(element, lambda: settings.create_account(request.organisation, element, box.time()))]
        }

    def post_account(request: Request, AccountID: str) -> Handled:
        account = lookup(request.organisation.accounts, AccountID)
        if account is None:
            raise not_found()
        element = _one(request, "Accounts")
        updated = _do(element, lambda: settings.update_account(request.organisation, account, element, box.time()))
        return 200, {"Accounts": [updated]}

    def delete_account(request: Request, AccountID: str) -> Handled:
        account = lookup(request.organisation.accounts, AccountID)
        if account is None:
            raise not_found()
        deleted = _do(account, lambda: settings.delete_account(request.organisation, account, box.time()))
        return 200, {"Accounts": [deleted]}

    box.api("GET", "/Accounts", list_accounts)
    box.api("GET", "/Accounts/{AccountID}", get_account)
    box.api("PUT", "/Accounts", put_account)
    box.api("POST", "/Accounts/{AccountID}", post_account)
    box.api("DELETE", "/Accounts/{AccountID}", delete_account)

    # --- tax rates ----------------------------------------------------------------------------
    def list_tax_rates(request: Request) -> Handled:
        test = where(request.arg("where"))
        return 200, {"TaxRates": ordered(request, [t for t in request.organisation.tax_rates.values() if test(t)])}

    def get_tax_rate(request: Request, TaxType: str) -> Handled:
        tax_rate = request.organisation.tax_rates.get(TaxType.upper())
        if tax_rate is None:
            raise not_found()
        return 200, {"TaxRates": [tax_rate]}

    def put_tax_rate(request: Request) -> Handled:
        element = _one(request, "TaxRates")
        return 200, {"TaxRates": [_do(element, lambda: settings.create_tax_rate(request.organisation, element))]}

    def post_tax_rate(request: Request) -> Handled:
        element = _one(request, "TaxRates")
        return 200, {"TaxRates": [_do(element, lambda: settings.update_tax_rate(request.organisation, element))]}

    box.api("GET", "/TaxRates", list_tax_rates)
    box.api("GET", "/TaxRates/{TaxType}", get_tax_rate)
    box.api("PUT", "/TaxRates", put_tax_rate)
    box.api("POST", "/TaxRates", post_tax_rate)

    # --- currencies and branding themes -------------------------------------------------------
    def list_currencies(request: Request) -> Handled:
        test = where(request.arg("where"))
        return 200, {"Currencies": ordered(request, [c for c in request.organisation.currencies.values() if test(c)])}

    def put_currency(request: Request) -> Handled:
        element = single(request, request.json() if isinstance(request.json(), dict) else {})
        code = str(element.get("Code") or "").upper()
        if len(code) != 3:
            raise refuse(element, "A currency Code of three letters is required.")
        org = request.organisation
        org.currencies.setdefault(code, {"Code": code, "Description": str(element.get("Description") or code)})
        return 200, {"Currencies": [org.currencies[code]]}

    def list_themes(request: Request) -> Handled:
        themes = sorted(request.organisation.branding_themes.values(), key=lambda t: t["SortOrder"])
        return 200, {"BrandingThemes": themes}

    def get_theme(request: Request, BrandingThemeID: str) -> Handled:
        theme = lookup(request.organisation.branding_themes, BrandingThemeID)
        if theme is None:
            raise not_found()
        return 200, {"BrandingThemes": [theme]}

    box.api("GET", "/Currencies", list_currencies)
    box.api("PUT", "/Currencies", put_currency)
    box.api("GET", "/BrandingThemes", list_themes)
    box.api("GET", "/BrandingThemes/{BrandingThemeID}", get_theme)

    # --- tracking categories ------------------------------------------------------------------
    def category(request: Request, category_id: str) -> dict[str, Any]:
        found = lookup(request.organisation.tracking_categories, category_id)
        if found is None or found["Status"] == "DELETED":
            raise not_found()
        return found

    def render_category(found: dict[str, Any]) -> dict[str, Any]:
        return {**found, "Options": [o for o in found["Options"] if o["Status"] != "DELETED"]}

    def list_categories(request: Request) -> Handled:
        test = where(request.arg("where"))
        archived = request.flag("includeArchived", False)
        found = [
            render_category(c)
            for c in request.organisation.tracking_categories.values()
            if (c["Status"] == "ACTIVE" or (archived and c["Status"] == "ARCHIVED")) and test(c)
        ]
        return 200, {"TrackingCategories": ordered(request, found)}

    def get_category(request: Request, TrackingCategoryID: str) -> Handled:
        return 200, {"TrackingCategories": [render_category(category(request, TrackingCategoryID))]}

    def put_category(request: Request) -> Handled:
        element = single(request, request.json() if isinstance(request.json(), dict) else {})
        created = _do(element, lambda: settings.create_tracking_category(request.organisation, element))
        return 200, {"TrackingCategories": [render_category(created)]}

    def post_category(request: Request, TrackingCategoryID: str) -> Handled:
        found = category(request, TrackingCategoryID)
        element = single(request, request.json() if isinstance(request.json(), dict) else {})
        updated = _do(element, lambda: settings.update_tracking_category(request.organisation, found, element))
        return 200, {"TrackingCategories": [render_category(updated)]}

    def delete_category(request: Request, TrackingCategoryID: str) -> Handled:
        found = category(request, TrackingCategoryID)
        found["Status"] = "DELETED"
        return 200, {"TrackingCategories": [render_category(found)]}

    def put_option(request: Request, TrackingCategoryID: str) -> Handled:
        found = category(request, TrackingCategoryID)
        element = single(request, request.json() if isinstance(request.json(), dict) else {})
        return 200, {"Options": [_do(element, lambda: settings.add_option(found, element))]}

    def option(request: Request, category_id: str, option_id: str) -> dict[str, Any]:
        found = settings.find_option(category(request, category_id), option_id)
        if found is None or found["Status"] == "DELETED":
            raise not_found()
        return found

    def post_option(request: Request, TrackingCategoryID: str, TrackingOptionID: str) -> Handled:
        found = option(request, TrackingCategoryID, TrackingOptionID)
        element = single(request, request.json() if isinstance(request.json(), dict) else {})
        if element.get("Name"):
            found["Name"] = str(element["Name"])
        if element.get("Status"):
            found["Status"] = element["Status"]
        return 200, {"Options": [found]}

    def delete_option(request: Request, TrackingCategoryID: str, TrackingOptionID: str) -> Handled:
        found = option(request, TrackingCategoryID, TrackingOptionID)
        found["Status"] = "DELETED"
        return 200, {"Options": [found]}

    box.api("GET", "/TrackingCategories", list_categories)
    box.api("GET", "/TrackingCategories/{TrackingCategoryID}", get_category)
    box.api("PUT", "/TrackingCategories", put_category)
    box.api("POST", "/TrackingCategories/{TrackingCategoryID}", post_category)
    box.api("DELETE", "/TrackingCategories/{TrackingCategoryID}", delete_category)
    box.api("PUT", "/TrackingCategories/{TrackingCategoryID}/Options", put_option)
    box.api("POST", "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}", post_option)
    box.api("DELETE", "/TrackingCategories/{TrackingCategoryID}/Options/{TrackingOptionID}", delete_option)
