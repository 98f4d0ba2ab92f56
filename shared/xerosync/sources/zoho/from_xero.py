"""Xero -> Zoho CRM: a contact or item made in Xero created as a CRM record (the port's optional
:class:`~xerosync.sources.from_xero.CreatesFromXero`; the core decides which: :mod:`xerosync.sync.from_xero`).

* A contact becomes an Accounts or Contacts record (``store.xero_contacts_module``): its name
  (a Contact: first and last name, else the name as ``Last_Name``), first phone, postal (else
  street) address; on an Account its website and Xero ``ContactNumber`` (``Account_Number``), on a
  Contact its email (the standard fields of each module: Zoho's Accounts have no email, its Contacts
  no website); the Xero ContactID in ``xero_contact_id_field``.
* An item becomes a Products record: ``Product_Name``, ``Product_Code`` (Xero's ``Code``: the key
  the CRM's products and Xero's items already share), the sale price as ``Unit_Price`` (a
  ``Decimal``), its description, active; the ItemID in ``xero_item_id_field``.

Each is written with Zoho's upsert keyed by the Xero id field (``POST /crm/v8/{module}/upsert``,
``duplicate_check_fields``: https://zoho.com/crm/developer/docs/api/v8/upsert-records.html) and,
like every write of xerosync's, ``"trigger": []`` (no workflow, approval or blueprint runs): a
second try (a worker that died before recording it) finds the record the first made and updates
it, never a second record. The write is remembered in the write-back memory
(:class:`~.writeback.ZohoWriteBack`, as a create), so the ``insert`` notification Zoho sends for it is
known as xerosync's own (:func:`~.writeback.own_write`).

A contact whose ``ContactNumber`` is a CRM record's (``Accounts:5725767000011373001``: what the
contacts sync gives every contact it makes) was made by xerosync for that record
(:meth:`ZohoFromXero.made_for`), never created back. The record made is read back once (one credit
more): the core records it in the mapping table as the contacts or items sync will read it.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xerosync.sources.from_xero import XeroKind
from xerosync.sources.port import Found, StoreError
from xerosync.sources.zoho.mapping import MODULE, party_key
from xerosync.sources.zoho.settings import ZohoSettings, zoho_settings
from xerosync.sources.zoho.webhook import record_key
from xerosync.sources.zoho.writeback import CONTACT_MODULES, ZohoWriteBack, written
from xerosync.timestamps import store_time

if TYPE_CHECKING:
    from xerosync.config import StoreSettings

NAME_LIMIT = 120  # characters of a CRM name field (Zoho's single-line limit is 255; kept short, on the safe side)


def _first(values: Any, kind_field: str, order: tuple[str, ...]) -> Mapping[str, Any]:
    """The first entry of Xero's ``Phones`` or ``Addresses`` with a value, by type in ``order``."""
    entries = [e for e in values or () if isinstance(e, Mapping)]
    for wanted in order:
        for entry in entries:
            if entry.get(kind_field) == wanted and any(v for k, v in entry.items() if k != kind_field):
                return entry
    return {}


def _phone(contact: Mapping[str, Any]) -> str:
    phone = _first(contact.get("Phones"), "PhoneType", ("DEFAULT", "DDI", "MOBILE"))
    parts = (phone.get("PhoneCountryCode"), phone.get("PhoneAreaCode"), phone.get("PhoneNumber"))
    return " ".join(str(p).strip() for p in parts if p and str(p).strip())


def _address(contact: Mapping[str, Any], prefix: str, code: str) -> dict[str, str]:
    """Xero's postal address (its billing one), else its street address, in the CRM's fields."""
    found = _first(contact.get("Addresses"), "AddressType", ("POBOX", "STREET"))
    street = ", ".join(str(found.get(f"AddressLine{n}")).strip() for n in range(1, 5) if found.get(f"AddressLine{n}"))
    values = {
        f"{prefix}Street": street,
        f"{prefix}City": str(found.get("City") or ""),
        f"{prefix}State": str(found.get("Region") or ""),
        f"{prefix}{code}": str(found.get("PostalCode") or ""),
        f"{prefix}Country": str(found.get("Country") or ""),
    }
    return {k: v for k, v in values.items() if v}


def contact_row(contact: Mapping[str, Any], cfg: ZohoSettings) -> tuple[str, dict[str, Any]]:
    """The module and the record a Xero contact becomes."""
    module = cfg.xero_contacts_module
    name = str(contact.get("Name") or "").strip()[:NAME_LIMIT]
    row: dict[str, Any] = {cfg.xero_contact_id_field: str(contact["ContactID"])}
    if module == "Accounts":
        row["Account_Name"] = name
        if contact.get("ContactNumber"):
            row["Account_Number"] = str(contact["ContactNumber"])
        row.update(_address(contact, "Billing_", "Code"))
        if contact.get("Website"):
            row["Website"] = str(contact["Website"])  # an Account's field (a Contact has none)
    else:
        first, last = str(contact.get("FirstName") or "").strip(), str(contact.get("LastName") or "").strip()
        row.update({"First_Name": first, "Last_Name": last} if last else {"Last_Name": name})
        if contact.get("EmailAddress"):
            row["Email"] = str(contact["EmailAddress"])
        row.update(_address(contact, "Mailing_", "Zip"))
    if _phone(contact):
        row["Phone"] = _phone(contact)
    return module, {k: v for k, v in row.items() if v not in ("", None)}


def product_row(item: Mapping[str, Any], cfg: ZohoSettings) -> dict[str, Any]:
    """The Products record a Xero item becomes."""
    row: dict[str, Any] = {
        cfg.xero_item_id_field: str(item["ItemID"]),
        "Product_Name": str(item.get("Name") or item.get("Code") or "").strip()[:NAME_LIMIT],
        "Product_Code": str(item.get("Code") or ""),
        "Product_Active": True,
    }
    price = (item.get("SalesDetails") or {}).get("UnitPrice")
    if price not in (None, ""):
        row["Unit_Price"] = Decimal(str(price))
    if item.get("Description"):
        row["Description"] = str(item["Description"])
    return row


class ZohoFromXero(ZohoWriteBack):
    """The Zoho store client's side that creates CRM records for Xero's (mixed into it, with the
    write-back side whose memory it shares)."""

    def made_for(self, kind: XeroKind, record: Mapping[str, Any], settings: "StoreSettings") -> str | None:
        if kind != "contact":
            return None
        module, _, rid = str(record.get("ContactNumber") or "").partition(":")
        return party_key(module, rid) if module in CONTACT_MODULES and rid.isdigit() else None

    def create_from_xero(self, kind: XeroKind, record: Mapping[str, Any], settings: "StoreSettings") -> Found:
        cfg = zoho_settings(settings.store)
        if kind == "contact":
            module, row, key_field = *contact_row(record, cfg), cfg.xero_contact_id_field
        else:
            module, row, key_field = "Products", product_row(record, cfg), cfg.xero_item_id_field
        if module not in cfg.modules:
            raise StoreError(f"{module} is not among the modules synced (settings: store.modules)")
        answer = self.crm.upsert(module, [row], [key_field])[0]
        if not answer.ok or not answer.id:
            raise StoreError(f"Zoho CRM refused the {module} record for Xero {kind} {row[key_field]} "
                             f"({answer.code}: {answer.message})")  # fmt: skip
        rid = str(answer.id)
        created = answer.action != "update"  # an update: a record an earlier try made (found by the Xero id)
        self._remember(written(module, rid, {"id": rid, **row}, answer, datetime.now(UTC), created=created))
        # read back as Zoho holds it (one credit): what its own sync will read, numbers in Zoho's form,
        # and all of an earlier try's record
        raw = {**self.crm.get(module, rid), MODULE: module}
        stamp = raw.get("Modified_Time") or answer.details.get("Modified_Time")
        resource = "customer" if kind == "contact" else "product"
        return Found(resource, f"{resource}:{record_key(module, rid)}", store_time(stamp), raw, module)  # type: ignore[arg-type]
