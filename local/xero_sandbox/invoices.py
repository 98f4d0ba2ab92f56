"""Invoices: Xero's arithmetic and its rules for creating and changing them.

The arithmetic is Xero's (research/xero.md 2.5), written here independently of xerosync's
own payload builder so that a mistake in one is caught by the other:

* ``UnitAmount`` is rounded to 2 dp, or 4 dp with ``unitdp=4``; ``Quantity`` to 4 dp;
* a line is ``round2(Quantity x UnitAmount)`` less its discount (``DiscountRate`` percent,
  or ``DiscountAmount``);
* each line's tax is computed and rounded to 2 dp on its own - unless the request gives
  ``TaxAmount``, which Xero accepts as an override - and the totals are sums of lines;
* ``Total`` in a request is ignored when it does not equal the sum of the lines.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from local.xero_sandbox import contacts
from local.xero_sandbox.dates import parse_date
from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.state import Organisation, new_id

CENT = Decimal("0.01")
ZERO = Decimal("0")
TYPES = ("ACCREC", "ACCPAY")
CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "AUTHORISED", "DRAFT", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
    "PAID": set(),
    "VOIDED": set(),
    "DELETED": set(),
}
NOT_MODIFIABLE = "Invoice not of valid status for modification"
HAS_PAYMENT = "This document cannot be edited as it has a payment or credit note allocated to it."


def r2(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Any, field: str, places: int) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ElementInvalid(f"{field} must be a number.") from None
    return result.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _line(org: Organisation, raw: dict[str, Any], amounts: str, unitdp: int) -> dict[str, Any]:
    problems: list[str] = []
    description = str(raw.get("Description") or "").strip()
    item_code = raw.get("ItemCode")
    if not description and not item_code:
        problems.append("Description must be specified for each line item.")
    quantity = number(raw.get("Quantity", 1), "Quantity", 4)
    unit = number(raw.get("UnitAmount", 0), "UnitAmount", unitdp)
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
    if raw.get("LineAmount") not in (None, ""):
        given = number(raw["LineAmount"], "LineAmount", 2)
        if given != line_amount and "Quantity" in raw and "UnitAmount" in raw:
            problems.append(f"The line total {given} does not match the expected line total {line_amount}")

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
        "Tracking": raw.get("Tracking") or [],
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


def _totals(record: dict[str, Any]) -> None:
    lines = record["LineItems"]
    tax = sum((line["TaxAmount"] for line in lines), ZERO)
    amounts = sum((line["LineAmount"] for line in lines), ZERO)
    subtotal = amounts - tax if record["LineAmountTypes"] == "Inclusive" else amounts
    record["SubTotal"] = subtotal
    record["TotalTax"] = tax
    record["Total"] = subtotal + tax
    record["AmountDue"] = record["Total"] - record.get("AmountPaid", ZERO) - record.get("AmountCredited", ZERO)
    record["IsDiscounted"] = any(line.get("DiscountAmount") or line.get("DiscountRate") for line in lines)


def _check_lock(org: Organisation, when: date | None) -> None:
    if when is None:
        return
    for lock, label in (
        (org.end_of_year_lock_date, "end of year lock date"),
        (org.period_lock_date, "period lock date"),
    ):
        if lock and when <= lock:
            raise ElementInvalid(
                f"The document date cannot be before the {label}, currently set at {lock.strftime('%d-%b-%Y')}"
            )


def _number_taken(org: Organisation, kind: str, value: str, except_id: str | None) -> bool:
    return kind == "ACCREC" and any(
        i["InvoiceID"] != except_id
        and i["Type"] == "ACCREC"
        and i["Status"] != "DELETED"
        and str(i.get("InvoiceNumber", "")).casefold() == value.casefold()
        for i in org.invoices.values()
    )


def _next_number(org: Organisation) -> str:
    existing = sum(1 for i in org.invoices.values() if i["Type"] == "ACCREC")
    return f"INV-{existing + 1:04d}"


def _apply(org: Organisation, record: dict[str, Any], element: dict[str, Any], unitdp: int, now: datetime) -> None:
    problems: list[str] = []
    if "Contact" in element:
        reference = element.get("Contact") or {}
        contact = contacts.find(org, reference)
        if contact is None and reference.get("Name") and not reference.get("ContactID"):
            contact = contacts.create(org, reference, now)  # Xero creates a contact named on a document
        if contact is None:
            problems.append("The contact with the specified ContactID could not be found.")
        else:
            record["ContactID"] = contact["ContactID"]
    elif "ContactID" not in record:
        problems.append("A Contact must be specified for this type of transaction.")

    for field in ("Date", "DueDate"):
        if field in element:
            try:
                record[field] = parse_date(element[field])
            except ValueError as exc:
                problems.append(str(exc))
    if "Date" not in record or record["Date"] is None:
        record["Date"] = now.date()
    for field in ("Reference", "Url", "CurrencyCode", "BrandingThemeID", "SentToContact"):
        if field in element:
            record[field] = element[field]
    if "LineAmountTypes" in element:
        if element["LineAmountTypes"] not in ("Exclusive", "Inclusive", "NoTax"):
            problems.append(f"'{element['LineAmountTypes']}' is not a valid LineAmountTypes value.")
        else:
            record["LineAmountTypes"] = element["LineAmountTypes"]
    currency = record.get("CurrencyCode") or org.base_currency
    if currency not in org.currencies:
        problems.append(f"The currency code '{currency}' is not set up in this organisation.")
    record["CurrencyCode"] = currency

    if element.get("InvoiceNumber"):
        if len(str(element["InvoiceNumber"])) > 255:
            problems.append("Invoice number must not be more than 255 characters long.")
        elif _number_taken(org, record["Type"], str(element["InvoiceNumber"]), record.get("InvoiceID")):
            problems.append("Invoice # must be unique.")
        else:
            record["InvoiceNumber"] = str(element["InvoiceNumber"])
    if "LineItems" in element:
        lines: list[dict[str, Any]] = []
        for raw in element.get("LineItems") or []:
            try:
                lines.append(_line(org, raw, record["LineAmountTypes"], unitdp))
            except ElementInvalid as exc:
                problems.extend(exc.messages)
        record["LineItems"] = lines  # lines left out of an update are deleted, as in Xero
    elif "LineAmountTypes" in element and record.get("LineItems"):
        record["LineItems"] = [  # re-priced under the new amount type; stored tax is recomputed
            _line(org, {k: v for k, v in line.items() if k != "TaxAmount"}, record["LineAmountTypes"], unitdp)
            for line in record["LineItems"]
        ]
    try:
        _check_lock(org, record.get("Date"))
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    if problems:
        raise ElementInvalid(*dict.fromkeys(problems))


def create(org: Organisation, element: dict[str, Any], unitdp: int, now: datetime) -> dict[str, Any]:
    kind = element.get("Type")
    if kind not in TYPES:
        raise ElementInvalid("Invoice Type must be ACCREC or ACCPAY." if kind else "Invoice Type must be specified.")
    status = element.get("Status") or "DRAFT"
    if status not in CREATE_STATUSES:
        raise ElementInvalid("Invoice not of valid status for creation")
    record: dict[str, Any] = {
        "Type": kind,
        "InvoiceID": new_id(),
        "Status": status,
        "LineAmountTypes": element.get("LineAmountTypes") or "Exclusive",
        "LineItems": [],
        "AmountPaid": ZERO,
        "AmountCredited": ZERO,
        "CurrencyRate": Decimal("1"),
        "Payments": [],
        "CreditNotes": [],
        "Prepayments": [],
        "Overpayments": [],
        "HasAttachments": False,
        "SentToContact": False,
    }
    _apply(org, record, element, unitdp, now)
    if status == "AUTHORISED" and not record["LineItems"]:
        raise ElementInvalid("At least one line item must be specified for an approved invoice.")
    if kind == "ACCREC" and not record.get("InvoiceNumber"):
        record["InvoiceNumber"] = _next_number(org)
    _totals(record)
    record["UpdatedDateUTC"] = now
    org.invoices[record["InvoiceID"]] = record
    contact = org.contacts.get(record["ContactID"])
    if contact is not None:
        contact["IsCustomer" if kind == "ACCREC" else "IsSupplier"] = True
    return record


def update(
    org: Organisation, record: dict[str, Any], element: dict[str, Any], unitdp: int, now: datetime
) -> dict[str, Any]:
    target = element.get("Status") or record["Status"]
    has_money = record.get("AmountPaid", ZERO) != 0 or record.get("AmountCredited", ZERO) != 0
    if record["Status"] in ("PAID", "VOIDED", "DELETED") or target not in TRANSITIONS[record["Status"]]:
        messages = [NOT_MODIFIABLE]
        if has_money:
            messages.append(HAS_PAYMENT)
        raise ElementInvalid(*messages)
    if has_money and (target == "VOIDED" or set(element) - {"InvoiceID", "Status", "Type", "InvoiceNumber"}):
        raise ElementInvalid(NOT_MODIFIABLE, HAS_PAYMENT)
    if target in ("VOIDED", "DELETED"):
        _check_lock(org, record.get("Date"))
        record["Status"] = target
        record["UpdatedDateUTC"] = now
        return record
    draft = {k: v for k, v in record.items()}
    draft["LineItems"] = [dict(line) for line in record["LineItems"]]
    _apply(org, draft, element, unitdp, now)
    if target == "AUTHORISED" and not draft["LineItems"]:
        raise ElementInvalid("At least one line item must be specified for an approved invoice.")
    draft["Status"] = target
    _totals(draft)
    draft["UpdatedDateUTC"] = now
    record.clear()
    record.update(draft)
    return record


def find(org: Organisation, element: dict[str, Any]) -> dict[str, Any] | None:
    """The invoice an upsert element refers to: by InvoiceID, else (ACCREC) by InvoiceNumber."""
    invoice_id = element.get("InvoiceID")
    if invoice_id:
        return org.invoices.get(str(invoice_id).lower())
    wanted = element.get("InvoiceNumber")
    if wanted:
        for invoice in org.invoices.values():
            if (
                invoice["Type"] == "ACCREC"
                and invoice["Status"] != "DELETED"
                and invoice.get("InvoiceNumber") == wanted
            ):
                return invoice
    return None
