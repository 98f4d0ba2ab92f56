"""Items (spec ``Item``): codes required, at most 30 characters and unique.
https://developer.xero.com/documentation/api/accounting/items

``IsSold``/``IsPurchased`` set to false drop the sales/purchase details; an item with an
``InventoryAssetAccountCode`` (an INVENTORY account) and a purchase ``COGSAccountCode`` is
tracked, with ``QuantityOnHand`` and ``TotalCostPool`` that the API cannot set (the sandbox
keeps them at 0: it does not move stock).
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from local.xero_sandbox.errors import ITEM_CODE_TOO_LONG, ElementInvalid
from local.xero_sandbox.invoices import ZERO, number
from local.xero_sandbox.state import Organisation, new_id

CODE_MAX = 30
NAME_MAX = 50
DESCRIPTION_MAX = 4000


def find(org: Organisation, element: dict[str, Any]) -> dict[str, Any] | None:
    """By ItemID, else by Code (case-insensitively)."""
    item_id = element.get("ItemID")
    if item_id:
        return org.items.get(str(item_id).lower())
    code = element.get("Code")
    if code:
        wanted = str(code).casefold()
        return next((i for i in org.items.values() if i["Code"].casefold() == wanted), None)
    return None


def _details(org: Organisation, raw: Any, unitdp: int, label: str, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Any] = {}
    if raw.get("UnitPrice") is not None:
        out["UnitPrice"] = number(raw["UnitPrice"], f"{label}.UnitPrice", unitdp)
    for field in ("AccountCode", "COGSAccountCode"):
        code = raw.get(field)
        if code:
            if org.account_by_code(str(code)) is None:
                problems.append(f"Account code '{code}' is not a valid code for this item.")
            else:
                out[field] = str(code)
    tax_type = raw.get("TaxType")
    if tax_type:
        if str(tax_type) not in org.tax_rates:
            problems.append(f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of item.")
        else:
            out["TaxType"] = str(tax_type)
    return out


def _apply(org: Organisation, record: dict[str, Any], element: dict[str, Any], unitdp: int, now: datetime) -> None:
    problems: list[str] = []
    code = element.get("Code", record.get("Code"))
    if code is None or not str(code).strip():
        problems.append("Item code must be specified.")
    elif len(str(code)) > CODE_MAX:
        problems.append(ITEM_CODE_TOO_LONG)
    else:
        other = find(org, {"Code": code})
        if other is not None and other["ItemID"] != record.get("ItemID"):
            problems.append(f"Price List Item with Code ''{code}'' already exists")
    for field, limit in (
        ("Name", NAME_MAX),
        ("Description", DESCRIPTION_MAX),
        ("PurchaseDescription", DESCRIPTION_MAX),
    ):
        value = element.get(field)
        if isinstance(value, str) and len(value) > limit:
            problems.append(f"{field} must not be more than {limit} characters long.")
    sales = _details(org, element.get("SalesDetails"), unitdp, "SalesDetails", problems)
    purchase = _details(org, element.get("PurchaseDetails"), unitdp, "PurchaseDetails", problems)
    inventory = element.get("InventoryAssetAccountCode")
    if inventory:
        account = org.account_by_code(str(inventory))
        if account is None or account.get("Type") != "INVENTORY":
            problems.append(f"Account code '{inventory}' is not a valid inventory asset account.")
        elif not (purchase.get("COGSAccountCode") or (record.get("PurchaseDetails") or {}).get("COGSAccountCode")):
            problems.append("A tracked item needs a COGSAccountCode in its PurchaseDetails.")
    if problems:
        raise ElementInvalid(*problems)

    record["Code"] = str(code)
    for field in ("Name", "Description", "PurchaseDescription"):
        if element.get(field) is not None:
            record[field] = element[field]
    if "SalesDetails" in element:
        record["SalesDetails"] = sales
    if "PurchaseDetails" in element:
        record["PurchaseDetails"] = purchase
    for flag, details in (("IsSold", "SalesDetails"), ("IsPurchased", "PurchaseDetails")):
        if element.get(flag) is not None:
            record[flag] = bool(element[flag])
        if not record[flag]:
            record[details] = {}
    if inventory:
        record["InventoryAssetAccountCode"] = str(inventory)
        record["IsTrackedAsInventory"] = True
        record.setdefault("QuantityOnHand", ZERO)
        record.setdefault("TotalCostPool", ZERO)
    record["UpdatedDateUTC"] = now


def create(org: Organisation, element: dict[str, Any], unitdp: int, now: datetime) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ItemID": new_id(),
        "IsSold": True,
        "IsPurchased": True,
        "IsTrackedAsInventory": False,
        "SalesDetails": {},
        "PurchaseDetails": {},
    }
    _apply(org, record, element, unitdp, now)
    org.items[record["ItemID"]] = record
    return record


def update(
    org: Organisation, record: dict[str, Any], element: dict[str, Any], unitdp: int, now: datetime
) -> dict[str, Any]:
    draft = {**record}
    _apply(org, draft, element, unitdp, now)
    record.update(draft)
    return record


def render(record: dict[str, Any], unitdp: int) -> dict[str, Any]:
    """Unit prices at 2 dp unless ``unitdp=4`` (https://developer.xero.com/documentation/api-guides/rounding-in-xero)."""
    out = dict(record)
    for key in ("SalesDetails", "PurchaseDetails"):
        details = dict(out.get(key) or {})
        if "UnitPrice" in details:
            details["UnitPrice"] = Decimal(details["UnitPrice"]).quantize(Decimal(1).scaleb(-unitdp), ROUND_HALF_UP)
        out[key] = details
    return out
