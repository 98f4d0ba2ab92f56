"""Quotes and purchase orders: documents that are not on the books, with Xero's rules for them.

Both are priced line by line exactly as invoices are (:func:`lines.line_item`: the line, its
discount, its tax rounded to 2 dp on its own), and their totals are the sums of their lines.
Neither posts to the ledger, so lock dates do not apply, nothing is paid against them, and no
webhook is sent for them (Xero's webhooks cover contacts, invoices and credit notes:
https://developer.xero.com/documentation/guides/webhooks/overview/).

From the spec (https://developer.xero.com/documentation/api/accounting/quotes and
https://developer.xero.com/documentation/api/accounting/purchaseorders):

* a quote's statuses are DRAFT, SENT, ACCEPTED, DECLINED, INVOICED and DELETED; a purchase
  order's DRAFT, SUBMITTED, AUTHORISED, BILLED and DELETED;
* a quote's ``LineAmountTypes`` are spelt ``EXCLUSIVE``/``INCLUSIVE``/``NOTAX``
  (``QuoteLineAmountTypes``), a purchase order's as an invoice's;
* ``QuoteNumber`` and ``PurchaseOrderNumber`` are unique, generated when missing (``QU-0001``
  and ``PO-0001``, the spec's examples);
* discounts are "only supported on ACCREC invoices and quotes" (the spec's ``DiscountAmount``);
* a purchase order's ``SentToContact`` "can be set only on purchase orders that have been
  approved or billed"; its ``DeliveryInstructions`` are 500 characters at most;
* neither takes ``unitdp``: unit amounts are kept to 2 dp.

Reported by an integrator against a live organisation (https://github.com/XeroAPI/xero-mcp-server/pull/309):
Xero refuses DRAFT -> DECLINED and ACCEPTED -> DECLINED on a quote, and an update that leaves a
quote's descriptive fields out clears them (here: ``Reference``, ``Title``, ``Summary``, ``Terms``).
The rest of the status moves below, the statuses a document may be created in, which statuses
still allow lines to change, and every message not quoted from the spec are the sandbox's own
(wording guessed).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from local.xero_sandbox import contacts
from local.xero_sandbox.dates import date_string, parse_date
from local.xero_sandbox.errors import ElementInvalid
from local.xero_sandbox.invoices import currency_rate
from local.xero_sandbox.lines import ZERO, line_item, r2
from local.xero_sandbox.state import Organisation, new_id

AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}


@dataclass(frozen=True)
class Kind:
    """Which document: quotes and purchase orders share the arithmetic, not the rules."""

    label: str
    plural: str
    id_field: str
    number_field: str
    prefix: str
    create_statuses: tuple[str, ...]
    transitions: dict[str, frozenset[str]]
    editable: frozenset[str]  # statuses in which contact, lines and amounts may still change
    dates: tuple[str, ...]
    texts: tuple[str, ...]
    cleared_when_left_out: tuple[str, ...]  # on update (reported for quotes)
    side: str  # whose item details a line takes: ACCREC (sales) or ACCPAY (purchases)
    discounts: bool
    upper_amount_types: bool

    def store(self, org: Organisation) -> dict[str, dict[str, Any]]:
        return org.quotes if self.plural == "Quotes" else org.purchase_orders


def _moves(table: dict[str, str]) -> dict[str, frozenset[str]]:
    return {status: frozenset({status, *targets.split()}) - {""} for status, targets in table.items()}


QUOTE = Kind(
    label="Quote",
    plural="Quotes",
    id_field="QuoteID",
    number_field="QuoteNumber",
    prefix="QU-",
    create_statuses=("DRAFT", "SENT"),  # guessed
    transitions=_moves(
        {  # DRAFT -> DECLINED and ACCEPTED -> DECLINED are refused (reported); the rest guessed
            "DRAFT": "SENT DELETED",
            "SENT": "DRAFT ACCEPTED DECLINED DELETED",
            "ACCEPTED": "SENT INVOICED DELETED",
            "DECLINED": "SENT DELETED",
            "INVOICED": "ACCEPTED",
            "DELETED": "",
        }
    ),
    editable=frozenset({"DRAFT", "SENT"}),
    dates=("Date", "ExpiryDate"),
    texts=("Reference", "Title", "Summary", "Terms"),
    cleared_when_left_out=("Reference", "Title", "Summary", "Terms"),
    side="ACCREC",
    discounts=True,
    upper_amount_types=True,
)
PURCHASE_ORDER = Kind(
    label="Purchase Order",
    plural="PurchaseOrders",
    id_field="PurchaseOrderID",
    number_field="PurchaseOrderNumber",
    prefix="PO-",
    create_statuses=("DRAFT", "SUBMITTED", "AUTHORISED"),  # guessed, as invoices
    transitions=_moves(
        {  # guessed
            "DRAFT": "SUBMITTED AUTHORISED DELETED",
            "SUBMITTED": "DRAFT AUTHORISED DELETED",
            "AUTHORISED": "BILLED DELETED",
            "BILLED": "AUTHORISED",
            "DELETED": "",
        }
    ),
    editable=frozenset({"DRAFT", "SUBMITTED", "AUTHORISED"}),
    dates=("Date", "DeliveryDate", "ExpectedArrivalDate"),
    texts=("Reference", "DeliveryAddress", "AttentionTo", "Telephone", "DeliveryInstructions"),
    cleared_when_left_out=(),
    side="ACCPAY",
    discounts=False,
    upper_amount_types=False,
)
KINDS = (QUOTE, PURCHASE_ORDER)
FINANCIAL = ("Contact", "LineItems", "LineAmountTypes", "CurrencyCode", "CurrencyRate")


def amount_types(value: Any) -> str | None:
    """``Exclusive``, ``Inclusive`` or ``NoTax`` from either spelling (None: not one of them)."""
    return AMOUNT_TYPES.get(str(value).casefold())


def _number_taken(org: Organisation, kind: Kind, value: str, except_id: str | None) -> bool:
    return any(
        r[kind.id_field] != except_id
        and r["Status"] != "DELETED"
        and str(r.get(kind.number_field, "")).casefold() == value.casefold()
        for r in kind.store(org).values()
    )


def _next_number(org: Organisation, kind: Kind) -> str:
    count = len(kind.store(org))
    while True:
        count += 1
        if not _number_taken(org, kind, f"{kind.prefix}{count:04d}", None):
            return f"{kind.prefix}{count:04d}"


def _totals(record: dict[str, Any]) -> None:
    lines = record["LineItems"]
    tax = sum((line["TaxAmount"] for line in lines), ZERO)
    amounts = sum((line["LineAmount"] for line in lines), ZERO)
    subtotal = amounts - tax if record["LineAmountTypes"] == "Inclusive" else amounts
    record["SubTotal"] = subtotal
    record["TotalTax"] = tax
    record["Total"] = subtotal + tax
    discounts = [
        r2(line["Quantity"] * line["UnitAmount"]) - line["LineAmount"]
        for line in lines
        if line.get("DiscountAmount") or line.get("DiscountRate")
    ]
    record["TotalDiscount"] = sum(discounts, ZERO)


def _contact(org: Organisation, record: dict[str, Any], element: dict[str, Any], now: datetime) -> list[str]:
    reference = element.get("Contact")
    if isinstance(reference, dict) and reference:  # an empty Contact keeps the one there
        contact = contacts.find(org, reference)
        if contact is None and reference.get("Name") and not reference.get("ContactID"):
            contact = contacts.create(org, reference, now)  # named only: created, as on invoices
        if contact is None:
            return ["The contact with the specified ContactID could not be found."]
        record["ContactID"] = contact["ContactID"]
    elif "ContactID" not in record:
        return ["A Contact must be specified for this type of transaction."]
    return []


def _lines(org: Organisation, kind: Kind, record: dict[str, Any], element: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    raw_lines = element.get("LineItems") or []
    if not kind.discounts and any(
        line.get("DiscountRate") not in (None, "", 0) or line.get("DiscountAmount") not in (None, "", 0)
        for line in raw_lines
    ):
        return [f"Discounts are not supported on a {kind.label.lower()}."]  # wording guessed
    if raw_lines:  # an empty list keeps the lines there; lines left out of a non-empty one go
        lines: list[dict[str, Any]] = []
        for raw in raw_lines:
            try:
                lines.append(line_item(org, raw, record["LineAmountTypes"], 2, kind.side))
            except ElementInvalid as exc:
                problems.extend(exc.messages)
        record["LineItems"] = lines
    elif "LineAmountTypes" in element and record["LineItems"]:
        record["LineItems"] = [  # re-priced under the new amount type
            line_item(org, {k: v for k, v in line.items() if k != "TaxAmount"}, record["LineAmountTypes"], 2, kind.side)
            for line in record["LineItems"]
        ]
    return problems


def _apply(org: Organisation, kind: Kind, record: dict[str, Any], element: dict[str, Any], now: datetime) -> None:
    problems = _contact(org, record, element, now)
    for field in kind.dates:
        if field in element:
            try:
                record[field] = parse_date(element[field])
            except ValueError as exc:
                problems.append(str(exc))
    if record.get("Date") is None:
        record["Date"] = now.date()
    for field in kind.texts:
        if element.get(field) is not None:
            record[field] = str(element[field])
    if len(str(record.get("DeliveryInstructions", ""))) > 500:
        problems.append("DeliveryInstructions must not be more than 500 characters long.")  # wording guessed
    if element.get("CurrencyCode"):
        record["CurrencyCode"] = element["CurrencyCode"]
    currency = record.get("CurrencyCode") or org.base_currency
    if currency not in org.currencies:
        problems.append(f"The currency code '{currency}' is not set up in this organisation.")
    record["CurrencyCode"] = currency
    try:
        record["CurrencyRate"] = currency_rate(org, currency, element.get("CurrencyRate"), record.get("CurrencyRate"))
    except ElementInvalid as exc:
        problems.extend(exc.messages)
    theme = element.get("BrandingThemeID")
    if theme:
        if str(theme).lower() not in org.branding_themes:
            problems.append("The BrandingThemeID is not valid.")
        else:
            record["BrandingThemeID"] = str(theme).lower()
    if element.get("LineAmountTypes"):
        spelt = amount_types(element["LineAmountTypes"])
        if spelt is None:
            problems.append(f"'{element['LineAmountTypes']}' is not a valid LineAmountTypes value.")
        else:
            record["LineAmountTypes"] = spelt
    wanted = element.get(kind.number_field)
    if wanted:
        if _number_taken(org, kind, str(wanted), record.get(kind.id_field)):
            problems.append(f"{kind.label} # must be unique.")  # wording guessed, as invoices'
        else:
            record[kind.number_field] = str(wanted)
    problems.extend(_lines(org, kind, record, element))
    if problems:
        raise ElementInvalid(*dict.fromkeys(problems))


def _sent_to_contact(kind: Kind, record: dict[str, Any], element: dict[str, Any]) -> None:
    if element.get("SentToContact") is None:
        return
    if kind is PURCHASE_ORDER and element["SentToContact"] and record["Status"] not in ("AUTHORISED", "BILLED"):
        raise ElementInvalid("Only an approved or billed purchase order can be marked as sent.")  # wording guessed
    record["SentToContact"] = bool(element["SentToContact"])


def create(org: Organisation, kind: Kind, element: dict[str, Any], now: datetime) -> dict[str, Any]:
    status = element.get("Status") or "DRAFT"
    if status not in kind.create_statuses:
        raise ElementInvalid(f"{kind.label} not of valid status for creation")  # wording guessed, as invoices'
    record: dict[str, Any] = {
        kind.id_field: new_id(),
        "Status": status,
        "LineAmountTypes": amount_types(element.get("LineAmountTypes") or "Exclusive") or "Exclusive",
        "LineItems": [],
        "CurrencyRate": Decimal(1),
        "HasAttachments": False,
    }
    _apply(org, kind, record, element, now)
    if status != "DRAFT" and not record["LineItems"]:
        raise ElementInvalid(f"At least one line item must be specified for a {kind.label.lower()}.")  # guessed
    _sent_to_contact(kind, record, element)
    if not record.get(kind.number_field):
        record[kind.number_field] = _next_number(org, kind)
    _totals(record)
    record["UpdatedDateUTC"] = now
    kind.store(org)[record[kind.id_field]] = record
    contact = org.contacts.get(record["ContactID"])
    if contact is not None:
        contact["IsSupplier" if kind is PURCHASE_ORDER else "IsCustomer"] = True
    return record


def update(
    org: Organisation, kind: Kind, record: dict[str, Any], element: dict[str, Any], now: datetime
) -> dict[str, Any]:
    current = record["Status"]
    target = element.get("Status") or current
    if current == "DELETED" or target not in kind.transitions[current]:
        raise ElementInvalid(f"The status '{target}' cannot be applied to the document")  # manual journals' words
    changes = {k for k, v in element.items() if k in FINANCIAL and v not in (None, [], {})}
    if changes and current not in kind.editable:
        raise ElementInvalid(f"{kind.label} not of valid status for modification")  # wording guessed, as invoices'
    draft = dict(record)
    draft["LineItems"] = [dict(line) for line in record["LineItems"]]
    for field in kind.cleared_when_left_out:
        if field not in element:
            draft.pop(field, None)
    _apply(org, kind, draft, element, now)
    draft["Status"] = target
    if target not in ("DRAFT", "DELETED") and not draft["LineItems"]:
        raise ElementInvalid(f"At least one line item must be specified for a {kind.label.lower()}.")  # guessed
    _sent_to_contact(kind, draft, element)
    _totals(draft)
    draft["UpdatedDateUTC"] = now
    record.clear()
    record.update(draft)
    return record


def find(org: Organisation, kind: Kind, element: dict[str, Any]) -> dict[str, Any] | None:
    """The document an element refers to: by its id, else by its number (not a deleted one)."""
    wanted_id = element.get(kind.id_field)
    if wanted_id:
        return kind.store(org).get(str(wanted_id).lower())
    wanted = element.get(kind.number_field)
    if wanted:
        for record in kind.store(org).values():
            if (
                record["Status"] != "DELETED"
                and str(record.get(kind.number_field, "")).casefold() == str(wanted).casefold()
            ):
                return record
    return None


def render(org: Organisation, kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
    """A quote or purchase order as Xero shows it: the contact inlined, ``DateString``s, a
    quote's amount types in capitals."""
    out = {k: v for k, v in record.items() if k != "ContactID"}
    contact = org.contacts.get(record["ContactID"])
    out["Contact"] = contacts.summary(contact) if contact else {"ContactID": record["ContactID"]}
    for field in kind.dates:
        if record.get(field):
            out[f"{field}String"] = date_string(record[field])
    if kind.upper_amount_types:
        out["LineAmountTypes"] = record["LineAmountTypes"].upper()
    else:
        out["Type"] = "PURCHASEORDER"  # as the spec's examples show it
        out["HasErrors"] = False
        out["IsDiscounted"] = False
    return out
