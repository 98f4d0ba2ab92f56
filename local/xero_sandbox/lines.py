"""An invoice's or credit note's line: Xero's arithmetic for one line item.

* ``UnitAmount`` is rounded to 2 dp, or 4 dp with ``unitdp=4``; ``Quantity`` to 4 dp;
* a line is ``round2(Quantity x UnitAmount)`` less its discount (``DiscountRate`` percent,
  or ``DiscountAmount``);
* a line that gives ``LineAmount`` but leaves out ``UnitAmount`` or ``Quantity`` has the
  missing one computed from it (the spec's LineItem: "If you wish to omit either the Quantity
  or UnitAmount you can provide a LineAmount and Xero will calculate the missing amount for
  you"), and keeps the ``LineAmount`` it gave;
* the line's tax is computed and rounded to 2 dp on its own, unless the request gives
  ``TaxAmount``, which Xero accepts as an override.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.state import Organisation, new_id

CENT = Decimal("0.01")
ZERO = Decimal("0")


def r2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Any, field: str, places: int) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ElementInvalid(f"{field} must be a number.") from None
    return result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _active(
    records: Iterable[dict[str, Any]], entry: dict[str, Any], id_field: str, name_field: str
) -> dict[str, Any] | None:
    """The active category or option a line's tracking entry names, by id or by name."""
    wanted = str(entry.get(id_field) or entry.get(name_field) or "").casefold()
    return next(
        (r for r in records if r["Status"] == "ACTIVE" and wanted in (r[id_field], r["Name"].casefold())),
        None,
    )


def _tracking(org: Organisation, raw: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """A line's tracking: at most two, each an active category and option (by name or id)."""
    if not raw:
        return [], []
    if not isinstance(raw, list) or len(raw) > 2:
        return [], ["A line item can have at most 2 tracking categories."]
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    for entry in raw:
        category = _active(org.tracking_categories.values(), entry, "TrackingCategoryID", "Name")
        if category is None:
            problems.append(
                f"The tracking category '{entry.get('Name') or entry.get('TrackingCategoryID')}' is not valid."
            )
            continue
        option = _active(category["Options"], entry, "TrackingOptionID", "Option")
        if option is None:
            problems.append(
                f"The tracking option '{entry.get('Option') or entry.get('TrackingOptionID')}' is not valid."
            )
            continue
        out.append(
            {
                "TrackingCategoryID": category["TrackingCategoryID"],
                "TrackingOptionID": option["TrackingOptionID"],
                "Name": category["Name"],
                "Option": option["Name"],
            }
        )
    return out, problems


def _item_defaults(org: Organisation, raw: dict[str, Any], kind: str) -> tuple[dict[str, Any], list[str]]:
    """A line naming an ``ItemCode`` takes the item's description, price, account and tax type
    for what it leaves out (sales details on sales documents, purchase details on bills)."""
    code = raw.get("ItemCode")
    if not code:
        return raw, []
    item = next((i for i in org.items.values() if str(i["Code"]).casefold() == str(code).casefold()), None)
    if item is None:
        return raw, [f"Item code '{code}' is not valid"]
    sales = kind in ("ACCREC", "ACCRECCREDIT")
    details = item.get("SalesDetails" if sales else "PurchaseDetails") or {}
    filled = dict(raw)
    filled["ItemCode"] = item["Code"]
    defaults = {
        "Description": item.get("Description" if sales else "PurchaseDescription") or item.get("Description"),
        "UnitAmount": details.get("UnitPrice"),
        "AccountCode": details.get("AccountCode"),
        "TaxType": details.get("TaxType"),
    }
    for field, value in defaults.items():
        if filled.get(field) in (None, "") and value not in (None, ""):
            filled[field] = value
    return filled, []


def _given(raw: dict[str, Any], field: str) -> bool:
    return raw.get(field) not in (None, "")


def _quantity_and_unit(raw: dict[str, Any], unitdp: int) -> tuple[Decimal, Decimal, Decimal | None]:
    """Quantity, UnitAmount and the LineAmount sent (if any), the missing amount computed from it."""
    given = number(raw["LineAmount"], "LineAmount", 2) if _given(raw, "LineAmount") else None
    has_quantity, has_unit = _given(raw, "Quantity"), _given(raw, "UnitAmount")
    quantity = number(raw["Quantity"], "Quantity", 4) if has_quantity else Decimal(1)
    if has_unit or given is None:
        unit = number(raw.get("UnitAmount", 0) if has_unit else 0, "UnitAmount", unitdp)
        if given is not None and not has_quantity and unit:
            quantity = number(_undiscounted(raw, given) / unit, "Quantity", 4)
        return quantity.quantize(Decimal("0.0001")), unit, given
    unit = number(_undiscounted(raw, given) / quantity, "UnitAmount", unitdp) if quantity else ZERO
    return quantity.quantize(Decimal("0.0001")), unit, given


def _undiscounted(raw: dict[str, Any], line_amount: Decimal) -> Decimal:
    """Quantity x UnitAmount before the line's discount, from its LineAmount."""
    if _given(raw, "DiscountRate"):
        rate = number(raw["DiscountRate"], "DiscountRate", 2)
        return line_amount * 100 / (100 - rate) if rate != 100 else line_amount
    if _given(raw, "DiscountAmount"):
        return line_amount + number(raw["DiscountAmount"], "DiscountAmount", 2)
    return line_amount


def line_item(
    org: Organisation, raw: dict[str, Any], amounts: str, unitdp: int, kind: str = "ACCREC"
) -> dict[str, Any]:
    raw, problems = _item_defaults(org, raw, kind)
    description = str(raw.get("Description") or "").strip()
    item_code = raw.get("ItemCode")
    if not description and not item_code:
        problems.append("Description must be specified for each line item.")
    quantity, unit, given = _quantity_and_unit(raw, unitdp)
    gross = r2(quantity * unit)
    discount = ZERO
    if raw.get("DiscountRate") not in (None, ""):
        rate = number(raw["DiscountRate"], "DiscountRate", 2)
        discount = r2(gross * rate / 100)
        if abs(discount) > abs(gross):
            problems.append(f"The discount rate '{rate}' is invalid. Discount must not be greater than the line total.")
    elif raw.get("DiscountAmount") not in (None, ""):
        discount = number(raw["DiscountAmount"], "DiscountAmount", 2)
        if discount < 0 or abs(discount) > abs(gross):
            problems.append("Discount must not be greater than the line total.")
    line_amount = gross - discount
    if given is not None:
        if given != line_amount and _given(raw, "Quantity") and _given(raw, "UnitAmount"):
            problems.append(f"The line total {given} does not match the expected line total {line_amount}")
        line_amount = given  # the amount sent stands; the missing one was computed from it

    account_code = raw.get("AccountCode")
    account = org.account_by_code(str(account_code)) if account_code else None
    if account_code and account is None:
        problems.append(f"Account code '{account_code}' is not a valid code for this document.")
    tax_type = raw.get("TaxType") or (account or {}).get("TaxType") or "NONE"
    tax_rate = org.tax_rates.get(str(tax_type))
    if tax_rate is None or tax_rate.get("Status") != "ACTIVE":
        problems.append(f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of transaction.")
        rate = ZERO
    else:
        rate = Decimal(tax_rate["EffectiveRate"]) / 100
    tracking, tracking_problems = _tracking(org, raw.get("Tracking"))
    problems.extend(tracking_problems)
    if problems:
        raise ElementInvalid(*problems)

    if amounts == "NoTax":
        tax = ZERO
    elif raw.get("TaxAmount") not in (None, ""):
        tax = number(raw["TaxAmount"], "TaxAmount", 2)  # an override, which Xero accepts
    elif amounts == "Inclusive":
        tax = r2(line_amount * rate / (1 + rate))
    else:
        tax = r2(line_amount * rate)
    line: dict[str, Any] = {
        "LineItemID": str(raw.get("LineItemID") or new_id()).lower(),
        "Description": description,
        "Quantity": quantity,
        "UnitAmount": unit,
        "TaxType": tax_type,
        "TaxAmount": tax,
        "LineAmount": line_amount,
        "Tracking": tracking,
    }
    if item_code:
        line["ItemCode"] = item_code
    if account:
        line["AccountCode"] = account["Code"]
        line["AccountID"] = account["AccountID"]
    if "DiscountRate" in raw and raw["DiscountRate"] not in (None, ""):
        line["DiscountRate"] = number(raw["DiscountRate"], "DiscountRate", 2)
    elif discount:
        line["DiscountAmount"] = discount
    return line
