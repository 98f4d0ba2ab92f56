"""Zoho CRM's own section of the store settings (``store:``).

* ``data_centre``: where the CRM organisation lives. Zoho runs one accounts server per data
  centre and a client (Self Client or server-based) is known only to its own
  (https://www.zoho.com/accounts/protocol/oauth/multi-dc.html); the client mints its tokens there
  and takes the API domain from the token response, never from this table.
* ``modules``: the CRM modules synced (API names, https://www.zoho.com/crm/developer/docs/api/v8/modules-api.html).
* ``xero_contact_id_field``: the API name of the CRM custom field that holds the Xero ContactID
  on Accounts, Contacts and Vendors, written back so a match survives (the field is created by
  the merchant in the CRM's layout; Zoho gives custom fields API names like ``Xero_Contact_ID``).
* ``no_email_match_field``: for a record without an email, the CRM field that, with the account
  or vendor name, identifies its Xero contact (empty: such records are matched through the
  mapping table only, and a new one is reported for review rather than created twice).
"""

from typing import Annotated, Any, Literal

from xerosync.config import section_problems, store_section
from xerosync.frozen import frozen
from xerosync.schema import After, Pattern

DataCentre = Literal["com", "eu", "in", "com.au", "jp", "com.cn", "ca", "sa", "uk"]
Module = Literal["Accounts", "Contacts", "Vendors", "Products", "Quotes", "Sales_Orders", "Invoices", "Purchase_Orders"]
MODULES: tuple[Module, ...] = (
    "Accounts", "Contacts", "Vendors", "Products", "Quotes", "Sales_Orders", "Invoices", "Purchase_Orders",
)  # fmt: skip
API_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,99}$"  # a CRM field's API name
API_NAME_OR_EMPTY = r"^([A-Za-z][A-Za-z0-9_]{0,99})?$"


def _modules(value: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        raise ValueError("name at least one module (e.g. [Accounts, Invoices])")
    return tuple(dict.fromkeys(value))  # each once, in the order given


@frozen
class ZohoSettings:
    data_centre: DataCentre = "com"
    """the CRM's data centre: com, eu, in, com.au, jp, com.cn, ca, sa or uk (the domain of its sign-in page)"""
    modules: Annotated[tuple[Module, ...], After(_modules)] = MODULES
    """the CRM modules synced, by API name"""
    xero_contact_id_field: Annotated[str, Pattern(API_NAME)] = "Xero_Contact_ID"
    """API name of the CRM field that holds the Xero ContactID (Accounts, Contacts, Vendors)"""
    no_email_match_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = ""
    """for records without email: the CRM field matched with the name (empty: mapping table only)"""


def zoho_settings(section: dict[str, Any]) -> ZohoSettings:
    """The section, validated (cached)."""
    return store_section(ZohoSettings, section)


def problems(section: dict[str, Any]) -> list[str]:
    """What is wrong with the section, each naming its field and the fix."""
    return section_problems(ZohoSettings, section)
