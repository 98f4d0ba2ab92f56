"""Invoices: Xero's arithmetic and its rules for creating and changing them.

The arithmetic is Xero's (research/xero.md 2.5), written here independently of xerosync's
own payload builder so that a mistake in one is caught by the other:

* ``UnitAmount`` is rounded to 2 dp, or 4 dp with ``unitdp=4``; ``Quantity`` to 4 dp;
* a line is ``round2(Quantity x UnitAmount)`` less its discount (``DiscountRate`` percent,
  or ``DiscountAmount``);
* each line's tax is computed and rounded to 2 dp on its own - unless the request gives
  ``TaxAmount``, which Xero accepts as an override - and the totals are sums of lines;
* ``Total`` in a request is ignored when it does not equal the sum of the lines.

Credit notes are the same documents with their own ids, numbers and types (:data:`CREDIT_NOTE`);
money against a document (payments, credit allocations) is kept in ``AmountPaid`` and
``AmountCredited``, and :func:`settle` moves it between AUTHORISED and PAID.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from local.xero_sandbox import contacts
from local.xero_sandbox.dates import date_string, parse_date
from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.state import Organisation, new_id

CENT = Decimal("0.01")
ZERO = Decimal("0")


@dataclass(frozen=True)
class Doc:
    """Which kind of document: invoices and credit notes share the rules, not the names."""

    label: str
    plural: str
    id_field: str
    number_field: str
    types: tuple[str, ...]
    receivable: str  # the type whose numbers Xero keeps unique and generates
    prefix: str

    def store(self, org: Organisation) -> dict[str, dict[str, Any]]:
        return org.invoices if self.plural == "Invoices" else org.credit_notes


INVOICE = Doc("Invoice", "Invoices", "InvoiceID", "InvoiceNumber", ("ACCREC", "ACCPAY"), "ACCREC", "INV-")
CREDIT_NOTE = Doc(
    "Credit Note",
    "CreditNotes",
    "CreditNoteID",
    "CreditNoteNumber",
    ("ACCRECCREDIT", "ACCPAYCREDIT"),
    "ACCRECCREDIT",
    "CN-",
)
TYPES = INVOICE.types
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


def _tracking(org: Organisation, raw: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """A line's tracking: at most two, each an active category and option (by name or id)."""
    if not raw:
        return [], []
    if not isinstance(raw, list) or len(raw) > 2:
        return [], ["A line item can have at most 2 tracking categories."]
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    for entry in raw:
        wanted = str(entry.get("TrackingCategoryID") or entry.get("Name") or "").casefold()
        category = next(
            (
                c
                for c in org.tracking_categories.values()
                if c["Status"] == "ACTIVE" and wanted in (c["TrackingCategoryID"], c["Name"].casefold())
            ),
            None,
        )
        if category is None:
            problems.append(
                f"The tracking category '{entry.get('Name') or entry.get('TrackingCategoryID')}' is not valid."
            )
            continue
        option_wanted = str(entry.get("TrackingOptionID") or entry.get("Option") or "").casefold()
        option = next(
            (
                o
                for o in category["Options"]
                if o["Status"] == "ACTIVE" and option_wanted in (o["TrackingOptionID"], o["Name"].casefold())
            ),
            None,
        )
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


def _line(org: Organisation, raw: dict[str, Any], amounts: str, unitdp: int, kind: str = "ACCREC") -> dict[str, Any]:
    raw, problems = _item_defaults(org, raw, kind)
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


def outstanding(record: dict[str, Any]) -> Decimal:
    """What is still due on an invoice, or still to use on a credit note."""
    paid: Decimal = record.get("AmountPaid", ZERO)
    credited: Decimal = record.get("AmountCredited", ZERO)
    return Decimal(record["Total"]) - paid - credited


def settle(record: dict[str, Any], paid: Decimal, credited: Decimal, when: date, now: datetime) -> None:
    """Add money to (or, negative, take it off) a document: AUTHORISED becomes PAID when
    nothing is left, and PAID goes back to AUTHORISED when money is taken off."""
    record["AmountPaid"] = record.get("AmountPaid", ZERO) + paid
    record["AmountCredited"] = record.get("AmountCredited", ZERO) + credited
    record["AmountDue"] = outstanding(record)
    if record["Status"] == "AUTHORISED" and record["AmountDue"] == 0:
        record["Status"] = "PAID"
        record["FullyPaidOnDate"] = when
    elif record["Status"] == "PAID" and record["AmountDue"] != 0:
        record["Status"] = "AUTHORISED"
        record.pop("FullyPaidOnDate", None)
    record["UpdatedDateUTC"] = now


def check_lock(org: Organisation, when: date | None) -> None:
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


_check_lock = check_lock


def _number_taken(org: Organisation, doc: Doc, kind: str, value: str, except_id: str | None) -> bool:
    return kind == doc.receivable and any(
        i[doc.id_field] != except_id
        and i["Type"] == doc.receivable
        and i["Status"] != "DELETED"
        and str(i.get(doc.number_field, "")).casefold() == value.casefold()
        for i in doc.store(org).values()
    )


def _next_number(org: Organisation, doc: Doc) -> str:
    existing = sum(1 for i in doc.store(org).values() if i["Type"] == doc.receivable)
    return f"{doc.prefix}{existing + 1:04d}"


def _apply(
    org: Organisation, record: dict[str, Any], element: dict[str, Any], unitdp: int, now: datetime, doc: Doc
) -> None:
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
    for field in ("Reference", "Url", "CurrencyCode", "SentToContact"):
        if field in element and element[field] is not None:
            record[field] = element[field]
    theme = element.get("BrandingThemeID")
    if theme:
        if str(theme).lower() not in org.branding_themes:
            problems.append("The BrandingThemeID is not valid.")
        else:
            record["BrandingThemeID"] = str(theme).lower()
    if element.get("LineAmountTypes"):
        if element["LineAmountTypes"] not in ("Exclusive", "Inclusive", "NoTax"):
            problems.append(f"'{element['LineAmountTypes']}' is not a valid LineAmountTypes value.")
        else:
            record["LineAmountTypes"] = element["LineAmountTypes"]
    currency = record.get("CurrencyCode") or org.base_currency
    if currency not in org.currencies:
        problems.append(f"The currency code '{currency}' is not set up in this organisation.")
    record["CurrencyCode"] = currency

    wanted_number = element.get(doc.number_field)
    if wanted_number:
        if len(str(wanted_number)) > 255:
            problems.append(f"{doc.number_field} must not be more than 255 characters long.")
        elif _number_taken(org, doc, record["Type"], str(wanted_number), record.get(doc.id_field)):
            problems.append(f"{'Invoice' if doc is INVOICE else 'Credit Note'} # must be unique.")
        else:
            record[doc.number_field] = str(wanted_number)
    if "LineItems" in element:
        lines: list[dict[str, Any]] = []
        for raw in element.get("LineItems") or []:
            try:
                lines.append(_line(org, raw, record["LineAmountTypes"], unitdp, record["Type"]))
            except ElementInvalid as exc:
                problems.extend(exc.messages)
        record["LineItems"] = lines  # lines left out of an update are deleted, as in Xero
    elif "LineAmountTypes" in element and record.get("LineItems"):
        record["LineItems"] = [  # re-priced under the new amount type; stored tax is recomputed
            _line(
                org,
                {k: v for k, v in line.items() if k != "TaxAmount"},
                record["LineAmountTypes"],
                unitdp,
                record["Type"],
            )
            for line in record["LineItems"]
        ]
    try:
        check_lock(org, record.get("Date"))
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    if problems:
        raise ElementInvalid(*dict.fromkeys(problems))


def create(
    org: Organisation, element: dict[str, Any], unitdp: int, now: datetime, doc: Doc = INVOICE
) -> dict[str, Any]:
    kind = element.get("Type")
    if kind not in doc.types:
        allowed = " or ".join(doc.types)
        raise ElementInvalid(f"{doc.label} Type must be {allowed}." if kind else f"{doc.label} Type must be specified.")
    status = element.get("Status") or "DRAFT"
    if status not in CREATE_STATUSES:
        raise ElementInvalid(f"{doc.label} not of valid status for creation")
    record: dict[str, Any] = {
        "Type": kind,
        doc.id_field: new_id(),
        "Status": status,
        "LineAmountTypes": element.get("LineAmountTypes") or "Exclusive",
        "LineItems": [],
        "AmountPaid": ZERO,
        "AmountCredited": ZERO,
        "CurrencyRate": Decimal("1"),
        "Payments": [],
        "CreditNotes": [],
        "Allocations": [],
        "Prepayments": [],
        "Overpayments": [],
        "HasAttachments": False,
        "SentToContact": False,
    }
    _apply(org, record, element, unitdp, now, doc)
    if status == "AUTHORISED" and not record["LineItems"]:
        raise ElementInvalid(f"At least one line item must be specified for an approved {doc.label.lower()}.")
    if kind == doc.receivable and not record.get(doc.number_field):
        record[doc.number_field] = _next_number(org, doc)
    _totals(record)
    record["UpdatedDateUTC"] = now
    doc.store(org)[record[doc.id_field]] = record
    contact = org.contacts.get(record["ContactID"])
    if contact is not None:
        contact["IsCustomer" if kind in ("ACCREC", "ACCRECCREDIT") else "IsSupplier"] = True
    return record


def update(
    org: Organisation, record: dict[str, Any], element: dict[str, Any], unitdp: int, now: datetime, doc: Doc = INVOICE
) -> dict[str, Any]:
    target = element.get("Status") or record["Status"]
    has_money = record.get("AmountPaid", ZERO) != 0 or record.get("AmountCredited", ZERO) != 0
    not_modifiable = NOT_MODIFIABLE.replace("Invoice", doc.label)
    if record["Status"] in ("PAID", "VOIDED", "DELETED") or target not in TRANSITIONS[record["Status"]]:
        messages = [not_modifiable]
        if has_money:
            messages.append(HAS_PAYMENT)
        raise ElementInvalid(*messages)
    if has_money and (target == "VOIDED" or set(element) - {doc.id_field, "Status", "Type", doc.number_field}):
        raise ElementInvalid(not_modifiable, HAS_PAYMENT)
    if target in ("VOIDED", "DELETED"):
        check_lock(org, record.get("Date"))
        record["Status"] = target
        record["UpdatedDateUTC"] = now
        return record
    draft = {k: v for k, v in record.items()}
    draft["LineItems"] = [dict(line) for line in record["LineItems"]]
    _apply(org, draft, element, unitdp, now, doc)
    if target == "AUTHORISED" and not draft["LineItems"]:
        raise ElementInvalid(f"At least one line item must be specified for an approved {doc.label.lower()}.")
    draft["Status"] = target
    _totals(draft)
    draft["UpdatedDateUTC"] = now
    record.clear()
    record.update(draft)
    return record


def find(org: Organisation, element: dict[str, Any], doc: Doc = INVOICE) -> dict[str, Any] | None:
    """The document an element refers to: by its id, else (receivable types) by its number."""
    wanted_id = element.get(doc.id_field)
    if wanted_id:
        return doc.store(org).get(str(wanted_id).lower())
    wanted = element.get(doc.number_field)
    if wanted:
        for record in doc.store(org).values():
            if (
                record["Type"] == doc.receivable
                and record["Status"] != "DELETED"
                and record.get(doc.number_field) == wanted
            ):
                return record
    return None


INVOICE_ONLY = (
    "AmountDue",
    "AmountPaid",
    "AmountCredited",
    "CreditNotes",
    "Prepayments",
    "Overpayments",
    "IsDiscounted",
)


def render(org: Organisation, record: dict[str, Any], doc: Doc = INVOICE, *, lines: bool = True) -> dict[str, Any]:
    """A document as Xero shows it: the contact inlined, ``DateString``s, and (credit notes)
    ``RemainingCredit`` instead of the amounts due."""
    out = {k: v for k, v in record.items() if k != "ContactID"}
    contact = org.contacts.get(record["ContactID"])
    out["Contact"] = contacts.summary(contact) if contact else {"ContactID": record["ContactID"]}
    out["DateString"] = date_string(record["Date"])
    if record.get("DueDate"):
        out["DueDateString"] = date_string(record["DueDate"])
    if record.get("FullyPaidOnDate"):
        out["FullyPaidOnDate"] = record["FullyPaidOnDate"]
    out["HasErrors"] = False
    if doc is CREDIT_NOTE:
        out["RemainingCredit"] = outstanding(record)
        out["AppliedAmount"] = record.get("AmountCredited", ZERO)
        for key in INVOICE_ONLY:
            out.pop(key, None)
    else:
        out.pop("Allocations", None)
    if not lines:
        out.pop("LineItems", None)
    return out
