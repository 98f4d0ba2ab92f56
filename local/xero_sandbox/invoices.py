"""Invoices: Xero's arithmetic and its rules for creating and changing them.

The arithmetic is Xero's, written here independently of xerosync's own payload builder so
that a mistake in one is caught by the other: each line on its own (:mod:`lines`), then the
totals are sums of lines, and a ``Total`` in a request is ignored when it does not equal them.

On update, an empty ``LineItems`` list and an empty ``Contact`` object keep what is there (the
spec's updateInvoice example changes a Reference sending both, and its 200 still has the lines);
lines left out of a non-empty ``LineItems`` are deleted.

Credit notes are the same documents with their own ids, numbers and types (:data:`CREDIT_NOTE`);
money against a document (payments, credit allocations) is kept in ``AmountPaid`` and
``AmountCredited``, and :func:`settle` moves it between AUTHORISED and PAID.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from local.xero_sandbox import contacts
from local.xero_sandbox.dates import date_string, parse_date
from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.lines import ZERO, line_item, number, r2
from local.xero_sandbox.state import Organisation, new_id

__all__ = ["ZERO", "number", "r2"]  # shared with payments, allocations and items


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
    reference = element.get("Contact")
    if isinstance(reference, dict) and reference:  # an empty Contact keeps the one there
        contact = contacts.find(org, reference)
        details = {k: v for k, v in reference.items() if k not in ("ContactID", "ContactNumber", "Name")}
        if contact is None and reference.get("Name") and not reference.get("ContactID"):
            # Xero creates a contact named on a document when none has the name ("the API will
            # either find the existing contact with that name or it will create a contact with that
            # name", https://community.xero.com/developer/discussion/106550833), of the details sent
            contact = contacts.create(org, reference, now)
        elif contact is not None and details:
            # and the details sent with a contact it finds are written to that contact ("When you
            # pass a full Contact object within the Invoice object, the API interprets it as an
            # attempt to update the contact details",
            # https://onlinecast.org.uk/post/xero-api-update-or-create-invoices-overwriting-contact)
            try:
                contacts.update(org, contact, details, now)
            except ElementInvalid as exc:
                problems.extend(exc.messages)
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
    try:
        record["CurrencyRate"] = currency_rate(org, currency, element.get("CurrencyRate"), record.get("CurrencyRate"))
    except ElementInvalid as exc:
        problems.extend(exc.messages)

    wanted_number = element.get(doc.number_field)
    if wanted_number:
        if len(str(wanted_number)) > 255:
            problems.append(f"{doc.number_field} must not be more than 255 characters long.")
        elif _number_taken(org, doc, record["Type"], str(wanted_number), record.get(doc.id_field)):
            problems.append(f"{'Invoice' if doc is INVOICE else 'Credit Note'} # must be unique.")
        else:
            record[doc.number_field] = str(wanted_number)
    if element.get("LineItems"):  # an empty list keeps the lines there
        lines: list[dict[str, Any]] = []
        for raw in element.get("LineItems") or []:
            try:
                lines.append(line_item(org, raw, record["LineAmountTypes"], unitdp, record["Type"]))
            except ElementInvalid as exc:
                problems.extend(exc.messages)
        record["LineItems"] = lines  # lines left out of an update are deleted, as in Xero
    elif "LineAmountTypes" in element and record.get("LineItems"):
        record["LineItems"] = [  # re-priced under the new amount type; stored tax is recomputed
            line_item(
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


def currency_rate(org: Organisation, currency: str, given: Any, kept: Decimal | None = None) -> Decimal:
    """A document's ``CurrencyRate`` (units of its currency per unit of the base currency): 1 in the
    base currency; else the one sent ("The currency rate for a multicurrency invoice. If no rate is
    specified, the XE.com day rate is used", Xero's spec), the one it had, or the organisation's
    stand-in day rate. Up to 6 decimal places ("max length = [18].[6]"), more than zero."""
    if currency == org.base_currency:
        return Decimal(1)
    if given is None:
        return kept if kept is not None and kept != 1 else org.day_rates.get(currency, Decimal(1))
    rate = number(given, "CurrencyRate", 6)
    if rate <= 0:
        raise ElementInvalid("The currency rate must be greater than zero.")  # wording guessed
    return rate


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
