"""Zoho CRM's own section of the store settings (``store:``).

* ``data_centre``: where the CRM organisation lives. Zoho runs one accounts server per data
  centre and a client (Self Client or server-based) is known only to its own
  (https://www.zoho.com/accounts/protocol/oauth/multi-dc.html); the client mints its tokens there
  and takes the API domain from the token response, never from this table.
* ``modules``: the CRM modules synced (API names, https://www.zoho.com/crm/developer/docs/api/v8/modules-api.html).
* Xero -> CRM (:mod:`.writeback`): what Xero's state of an invoice or bill writes to the CRM record
  it came from (Invoices, Sales_Orders, Purchase_Orders). ``xero_status_map`` maps where the
  document stands in Xero (DRAFT, SUBMITTED, AUTHORISED, PART_PAID, PAID, VOIDED, DELETED) to a
  value of the record's ``status_field`` picklist; a standing it leaves out writes no status, and a
  map given replaces the default whole. Each value must be one of the picklist's in the org's
  layout (``GET /crm/v8/settings/fields?module=Invoices``): "Cancelled" is in Zoho's stock lists,
  "Paid" is a **guess** the merchant adds or maps. The ``*_field`` settings name the custom fields
  (API names) that take the Xero number, the link, the amounts paid and due (currency fields), the
  date fully paid and the last payment's date (date fields); empty writes nothing there.
* ``own_write_window``: seconds after one of xerosync's writes during which a notification that
  names only fields it wrote, without their values, is taken as that write coming back (see
  :func:`~.writeback.own_write` for the rule and its limits).
* ``xero_contact_id_field``: the API name of the CRM custom field that holds the Xero ContactID
  on Accounts, Contacts and Vendors, written back so a match survives (the field is created by
  the merchant in the CRM's layout; Zoho gives custom fields API names like ``Xero_Contact_ID``).
  The contacts sync looks a contact up by it right after the mapping table.
* Xero -> CRM, records made in Xero (:mod:`.from_xero`; only with ``pull.create_contacts`` /
  ``pull.create_items`` on): ``xero_contacts_module`` is the module a contact made in Xero becomes
  (Accounts or Contacts), ``xero_item_id_field`` the Products field that takes the Xero ItemID (as
  ``xero_contact_id_field`` takes the ContactID). xerosync creates them with Zoho's upsert keyed by
  that field, so a second try never makes a second record: the field must be a unique one ("Do not
  allow duplicate values" in the layout; https://zoho.com/crm/developer/docs/api/v8/upsert-records.html,
  https://www.zoho.com/deluge/help/crm/upsert-record-V8.html).
* ``no_email_match_field``: for a record without an email, the CRM field that, with the account
  or vendor name, identifies its Xero contact (empty: such records are matched through the
  mapping table only).
  What the core matches a contact by is the mapping table, then Xero's ``ContactNumber``, then
  the email (:mod:`xerosync.sync.contacts`); a record's ``ContactNumber`` is its CRM module and
  id (``Accounts:5725767000011373001``), so a contact xerosync made is found again whatever
  changes, email or none. For a record without an email, this field's value (an account number,
  say) is its ``ContactNumber`` instead, so a contact the merchant made in Xero with that number
  is adopted rather than duplicated.
* ``sales_orders``: whether Sales Orders are invoiced too (Invoices always are). Only for an
  organisation that does not raise CRM invoices from its sales orders: one that does would have
  each sale booked twice (its order and its invoice, two Xero invoices).
* ``invoice_statuses`` / ``sales_order_statuses``: the CRM's ``Status`` picklist value -> where
  the sale stands (the core decides on that; ``invoice_status`` in the settings says what each
  stage becomes in Xero). Zoho's standard picklists are Created, Approved, Delivered, Cancelled
  (plus Paid, which orgs commonly add to Invoices); an org's layout may add others
  (https://help.zoho.com/portal/en/kb/crm/sales-force-automation/inventory-management/articles/invoices).
  A status not listed is not booked (the sync log says which), as a status the merchant never
  mapped should not reach the books. "paid" books the invoice AUTHORISED; the CRM records no
  payment date or method, so no payment is recorded (Xero's own payment does that).
* ``quote_stages`` / ``purchase_order_statuses``: a Quote's ``Quote_Stage`` and a Purchase
  Order's ``Status`` -> the stage the core books (draft, sent, accepted, declined, invoiced,
  withdrawn; draft, submitted, approved, billed, cancelled), whose Xero status the settings'
  ``quotes:`` and ``purchasing:`` sections give. Zoho's own examples show the stage "Delivered"
  and the status "Approved" (github.com/zoho/crm-oas ``createRecords.md``); the other defaults
  are the CRM's stock picklists as its layouts show them (a **guess** for any one org: check
  ``GET /crm/v8/settings/fields?module=Quotes``). A value not listed is not booked (the sync log
  says which).
* ``paid_status`` (older settings): read as ``xero_status_map.PAID``, the one setting for the
  Status a CRM invoice moves to when its Xero invoice is paid (:func:`migrated`); given with a
  different ``xero_status_map.PAID``, ``xerosync settings check`` says to drop it.
* ``tax_inclusive_field``: the record field that says its prices include tax (Zoho publishes no
  name for the switch; empty: every record is tax exclusive).
* ``currency``: the organisation's home currency, for records without a ``Currency`` field
  (only multi-currency orgs have one).
"""

from dataclasses import field
from typing import Annotated, Any, Literal

from xerosync.config import section_problems, store_section
from xerosync.domain import Lifecycle, PurchaseStage, QuoteStage
from xerosync.frozen import frozen
from xerosync.schema import After, Pattern

DataCentre = Literal["com", "eu", "in", "com.au", "jp", "com.cn", "ca", "sa", "uk"]
Module = Literal["Accounts", "Contacts", "Vendors", "Products", "Quotes", "Sales_Orders", "Invoices", "Purchase_Orders"]
MODULES: tuple[Module, ...] = (
    "Accounts", "Contacts", "Vendors", "Products", "Quotes", "Sales_Orders", "Invoices", "Purchase_Orders",
)  # fmt: skip
API_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,99}$"  # a CRM field's API name
API_NAME_OR_EMPTY = r"^([A-Za-z][A-Za-z0-9_]{0,99})?$"
INVOICE_STATUSES: dict[str, Lifecycle] = {
    "Created": "confirmed",
    "Approved": "confirmed",
    "Delivered": "confirmed",
    "Paid": "paid",
    "Cancelled": "cancelled",
}
SALES_ORDER_STATUSES: dict[str, Lifecycle] = {
    "Created": "unconfirmed",  # not agreed yet: nothing to book
    "Approved": "confirmed",
    "Delivered": "confirmed",
    "Cancelled": "cancelled",
}

QUOTE_STAGES: dict[str, QuoteStage] = {
    "Draft": "draft",
    "Negotiation": "sent",
    "Delivered": "sent",
    "On Hold": "sent",
    "Confirmed": "accepted",
    "Closed Won": "accepted",
    "Closed Lost": "declined",
}
PURCHASE_ORDER_STATUSES: dict[str, PurchaseStage] = {
    "Created": "draft",
    "Approved": "approved",
    "Delivered": "approved",  # the goods came; the supplier's bill is another matter
    "Cancelled": "cancelled",
}


def _modules(value: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        raise ValueError("name at least one module (e.g. [Accounts, Invoices])")
    return tuple(dict.fromkeys(value))  # each once, in the order given


Standing = Literal["DRAFT", "SUBMITTED", "AUTHORISED", "PART_PAID", "PAID", "VOIDED", "DELETED"]
DEFAULT_STATUS_MAP: dict[Standing, str] = {"PAID": "Paid", "VOIDED": "Cancelled", "DELETED": "Cancelled"}
PICKLIST_VALUE = 120  # characters: longer is no picklist value (a guess at Zoho's limit, on the safe side)


def _status_values(value: dict[Standing, str]) -> dict[Standing, str]:
    odd = [k for k, v in value.items() if not v.strip() or len(v) > PICKLIST_VALUE]
    if odd:
        raise ValueError(f"{', '.join(odd)}: a status is a picklist value of 1 to {PICKLIST_VALUE} characters")
    return value


def _window(value: int) -> int:
    if not 0 <= value <= 3600:
        raise ValueError("between 0 and 3600 seconds")
    return value


@frozen
class ZohoSettings:
    data_centre: DataCentre = "com"
    """the CRM's data centre: com, eu, in, com.au, jp, com.cn, ca, sa or uk (the domain of its sign-in page)"""
    modules: Annotated[tuple[Module, ...], After(_modules)] = MODULES
    """the CRM modules synced, by API name"""
    # --- Xero -> CRM (writeback.py) ---
    xero_status_map: Annotated[dict[Standing, str], After(_status_values)] = field(
        default_factory=lambda: dict(DEFAULT_STATUS_MAP)
    )
    """where a document stands in Xero (DRAFT, SUBMITTED, AUTHORISED, PART_PAID, PAID, VOIDED, DELETED) -> the
    CRM record's status (a picklist value); a standing left out writes no status
    """
    status_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = "Status"
    """API name of the status picklist on Invoices, Sales_Orders, Purchase_Orders (empty: none written)"""
    xero_number_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = "Xero_Number"
    """API name of the field that takes the Xero invoice or bill number (empty: none written)"""
    xero_link_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = "Xero_Link"
    """API name of the URL field that takes the link to the document in Xero (empty: none written)"""
    amount_paid_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = "Xero_Amount_Paid"
    """API name of the currency field that takes the amount paid in Xero (empty: none written)"""
    amount_due_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = "Xero_Amount_Due"
    """API name of the currency field that takes the amount still due in Xero (empty: none written)"""
    paid_on_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = "Xero_Paid_On"
    """API name of the date field that takes the day the document was fully paid (empty: none written)"""
    last_payment_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = "Xero_Last_Payment_On"
    """API name of the date field that takes the day of its last payment (empty: none written)"""
    own_write_window: Annotated[int, After(_window)] = 300
    """seconds after a write of xerosync's in which a notification naming only its fields (no values) is its own"""
    xero_contact_id_field: Annotated[str, Pattern(API_NAME)] = "Xero_Contact_ID"
    """API name of the CRM field that holds the Xero ContactID (Accounts, Contacts, Vendors)"""
    xero_contacts_module: Literal["Accounts", "Contacts"] = "Accounts"
    """the CRM module a contact made in Xero becomes (pull.create_contacts): Accounts or Contacts"""
    xero_item_id_field: Annotated[str, Pattern(API_NAME)] = "Xero_Item_ID"
    """API name of the Products field that holds the Xero ItemID (a unique field: pull.create_items)"""
    no_email_match_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = ""
    """for records without email: the CRM field whose value is the Xero ContactNumber (empty: the CRM id)"""
    sales_orders: bool = False
    """invoice Sales Orders too (Invoices always are)"""
    invoice_statuses: dict[str, Lifecycle] = field(default_factory=lambda: dict(INVOICE_STATUSES))
    """an Invoice's Status -> unconfirmed, awaiting_payment, confirmed, paid or cancelled (unlisted: not booked)"""
    sales_order_statuses: dict[str, Lifecycle] = field(default_factory=lambda: dict(SALES_ORDER_STATUSES))
    """a Sales Order's Status -> where the sale stands (unlisted: not booked)"""
    quote_stages: dict[str, QuoteStage] = field(default_factory=lambda: dict(QUOTE_STAGES))
    """a Quote's Quote_Stage -> draft, sent, accepted, declined, invoiced or withdrawn (unlisted: not booked)"""
    purchase_order_statuses: dict[str, PurchaseStage] = field(default_factory=lambda: dict(PURCHASE_ORDER_STATUSES))
    """a Purchase Order's Status -> draft, submitted, approved, billed or cancelled (unlisted: not booked)"""
    tax_inclusive_field: Annotated[str, Pattern(API_NAME_OR_EMPTY)] = "Tax_Inclusive"
    """the record field that says its prices include tax (empty: always exclusive)"""
    currency: Annotated[str, Pattern(r"^([A-Z]{3})?$")] = ""
    """the CRM's home currency (three capitals), for records without a Currency field"""

    def statuses(self, module: str) -> dict[str, Lifecycle]:
        return self.sales_order_statuses if module == "Sales_Orders" else self.invoice_statuses


def migrated(section: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The section with an older ``paid_status`` read as ``xero_status_map.PAID`` (into the default
    map, or the map given), and what is wrong with it: not a picklist value, or a map that says
    otherwise."""
    if "paid_status" not in section:
        return section, []
    rest = {k: v for k, v in section.items() if k != "paid_status"}
    old, given = section["paid_status"], rest.get("xero_status_map")
    if not isinstance(old, str) or not old.strip() or len(old) > PICKLIST_VALUE:
        why = f"a picklist value of 1 to {PICKLIST_VALUE} characters (now set as store.xero_status_map.PAID)"
        return rest, [f"store.paid_status: {why}"]
    if given is None:
        rest["xero_status_map"] = {**DEFAULT_STATUS_MAP, "PAID": old}
    elif isinstance(given, dict):
        if given.get("PAID", old) != old:
            return rest, [
                f"store.paid_status: {old!r} while store.xero_status_map.PAID is {given['PAID']!r}; paid_status "
                "is replaced by xero_status_map.PAID: drop paid_status"
            ]
        rest["xero_status_map"] = {**given, "PAID": old}
    return rest, []


def zoho_settings(section: dict[str, Any]) -> ZohoSettings:
    """The section, validated (cached)."""
    return store_section(ZohoSettings, migrated(section)[0])


def problems(section: dict[str, Any]) -> list[str]:
    """What is wrong with the section, each naming its field and the fix."""
    rest, found = migrated(section)
    return found + section_problems(ZohoSettings, rest)
