"""Contacts: Xero's rules for creating, matching and updating them."""

from datetime import datetime
from typing import Any

from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.state import Organisation, new_id

WRITABLE = (
    "Name",
    "ContactNumber",
    "AccountNumber",
    "FirstName",
    "LastName",
    "EmailAddress",
    "CompanyNumber",
    "TaxNumber",
    "BankAccountDetails",
    "DefaultCurrency",
    "Website",
    "Addresses",
    "Phones",
    "ContactPersons",
    "IsCustomer",
    "IsSupplier",
    "ContactStatus",
    "PaymentTerms",
    "SalesTrackingCategories",
    "PurchasesTrackingCategories",
)
LIMITS = {
    "Name": 255,
    "ContactNumber": 50,
    "AccountNumber": 50,
    "FirstName": 255,
    "LastName": 255,
    "EmailAddress": 255,
    "TaxNumber": 50,
}


def name_taken(org: Organisation, name: str, except_id: str | None = None) -> bool:
    wanted = " ".join(name.split()).casefold()
    return any(
        c["ContactID"] != except_id
        and c.get("ContactStatus", "ACTIVE") == "ACTIVE"
        and " ".join(str(c.get("Name", "")).split()).casefold() == wanted
        for c in org.contacts.values()
    )


def _validate(org: Organisation, element: dict[str, Any], except_id: str | None) -> None:
    problems = []
    sent_terms = element.get("PaymentTerms")
    for side, terms in (sent_terms if isinstance(sent_terms, dict) else {}).items():
        day = terms.get("Day") if isinstance(terms, dict) else None
        if isinstance(day, int) and not 0 <= day <= 31:
            problems.append(f"PaymentTerms {side} Day must be between 0 and 31.")  # wording guessed
    for field, limit in LIMITS.items():
        value = element.get(field)
        if isinstance(value, str) and len(value) > limit:
            problems.append(f"{field} must not be more than {limit} characters long.")
    name = element.get("Name")
    if name is not None and not str(name).strip():
        problems.append("The contact name must not be blank.")
    elif name and name_taken(org, str(name), except_id):
        problems.append(
            f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        )
    if problems:
        raise ElementInvalid(*problems)


def _apply(record: dict[str, Any], element: dict[str, Any], now: datetime) -> None:
    for field in WRITABLE:
        if field in element and field not in ("IsCustomer", "IsSupplier", "PaymentTerms"):  # Xero sets the flags
            record[field] = element[field]
    terms = element.get("PaymentTerms")
    if isinstance(terms, dict):
        # Bills and Sales are kept apart: an update naming one leaves the other (guessed; the
        # spec's examples send both)
        kept = {k: v for k, v in (record.get("PaymentTerms") or {}).items() if k not in terms}
        record["PaymentTerms"] = {**kept, **{k: v for k, v in terms.items() if v is not None}}
    record["UpdatedDateUTC"] = now


def create(org: Organisation, element: dict[str, Any], now: datetime) -> dict[str, Any]:
    if not element.get("Name"):
        raise ElementInvalid(
            "The Contact must contain at least 1 of the following elements to identify the contact: "
            "Name, ContactID, ContactNumber"
        )
    _validate(org, element, None)
    record: dict[str, Any] = {
        "ContactID": new_id(),
        "ContactStatus": "ACTIVE",
        "IsSupplier": False,
        "IsCustomer": False,
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "ContactPersons": [],
        "HasAttachments": False,
    }
    _apply(record, element, now)
    org.contacts[record["ContactID"]] = record
    return record


def update(org: Organisation, record: dict[str, Any], element: dict[str, Any], now: datetime) -> dict[str, Any]:
    if record.get("ContactStatus") == "ARCHIVED" and element.get("ContactStatus") != "ACTIVE":
        raise ElementInvalid("The contact is archived and cannot be updated.")
    _validate(org, element, record["ContactID"])
    _apply(record, element, now)
    return record


def find(org: Organisation, reference: dict[str, Any]) -> dict[str, Any] | None:
    """The contact an element refers to: by ContactID, else ContactNumber, else Name (active)."""
    contact_id = reference.get("ContactID")
    if contact_id:
        return org.contacts.get(str(contact_id).lower())
    number = reference.get("ContactNumber")
    if number:
        for c in org.contacts.values():
            if c.get("ContactNumber") == number:
                return c
    name = reference.get("Name")
    if name:
        wanted = " ".join(str(name).split()).casefold()
        for c in org.contacts.values():
            if c.get("ContactStatus", "ACTIVE") == "ACTIVE" and " ".join(str(c["Name"]).split()).casefold() == wanted:
                return c
    return None


def summary(record: dict[str, Any]) -> dict[str, Any]:
    """How a contact appears inside an invoice."""
    keep = ("ContactID", "ContactNumber", "Name", "FirstName", "LastName", "EmailAddress", "ContactStatus")
    return {k: record[k] for k in keep if k in record} | {"HasValidationErrors": False}
