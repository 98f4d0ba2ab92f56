"""Zoho CRM Quotes and Purchase Orders -> the domain's :class:`~xerosync.domain.Quote` and
:class:`~xerosync.domain.Purchase` (pure), for the port's optional capability
(:mod:`xerosync.sources.quotes_port`).

Their money is read exactly as an invoice's (:func:`.mapping.sale_from`: the subforms
``Quoted_Items`` / ``Purchase_Items`` with each line's discount and taxes, the record's discount,
total-level taxes and ``Adjustment``, prices tax inclusive when ``tax_inclusive_field`` says so,
``Grand_Total`` the truth to the cent), so a quote's or purchase order's body is the sale its
record would be: key ``order:Quotes:<id>`` (the record's, as its envelopes name it), number
``Quote_Number`` / ``PO_Number``, date the ``PO_Date`` (else the record's creation). A Purchase
Order's party is its vendor (``Vendor_Name``): the supplier's Xero contact is the one the Vendors
record's own sync makes (the same ``ContactNumber``, ``Vendors:<id>``).

Where each stands: a Quote's ``Quote_Stage`` and a Purchase Order's ``Status``, through the store
section's ``quote_stages`` / ``purchase_order_statuses`` (:mod:`.settings`); a value not listed is
not booked (:class:`NotBooked`, the sync log says which). Quote fields that Xero's quote also has:
``Valid_Till`` its expiry, ``Subject`` its title, ``Description`` its summary,
``Terms_and_Conditions`` its terms; a purchase order's ``Due_Date`` its delivery date (and a
bill's due date), its shipping address the delivery address, ``Contact_Name`` who it is for the
attention of, ``Carrier`` and ``Tracking_Number`` its delivery instructions.
"""

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from xerosync.domain import Ignored, Purchase, PurchaseChanged, Quote, QuoteChanged, Sale
from xerosync.sources.quotes_port import Document
from xerosync.sources.zoho.mapping import ZohoRecordError, lookup, record_id, sale_from, text, unwrap
from xerosync.sources.zoho.settings import ZohoSettings
from xerosync.sources.zoho.webhook import record_key

DOCUMENTS: dict[str, Document] = {"Quotes": "quote", "Purchase_Orders": "purchase"}  # module -> what it is
QuoteOrPurchase = Quote | Purchase


class NotBooked(ZohoRecordError):
    """A record whose stage or status the settings do not book (not a failure: the reason is logged)."""


def synced(cfg: ZohoSettings) -> frozenset[Document]:
    """What of quotes and purchases the settings' modules sync."""
    found: set[Document] = {"quote"} if "Quotes" in cfg.modules else set()
    return frozenset(found | ({"purchase"} if "Purchase_Orders" in cfg.modules else set()))


def _day(record: Mapping[str, Any], name: str) -> date | None:
    value = text(record.get(name))
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ZohoRecordError(f"{name} {value!r} is not a date") from None


def document_from(module: str, raw: Mapping[str, Any], cfg: ZohoSettings) -> QuoteOrPurchase:
    """A Quote or Purchase Order record (a get's answer, or a create-record example) in the domain."""
    if module not in DOCUMENTS:
        raise ZohoRecordError(f"a {module} record is not a quote or purchase order")
    record = unwrap(raw)
    body = sale_from(module, record, cfg)
    rid = record_id(record)
    if module == "Quotes":
        word = text(record.get("Quote_Stage"))
        stage = cfg.quote_stages.get(word)
        if stage is None:
            raise NotBooked(f"Quotes {rid}: its Quote_Stage {word or '(none)'!r} is not in store.quote_stages")
        return Quote(
            body,
            stage,
            expiry=_day(record, "Valid_Till"),
            title=text(record.get("Subject")),
            summary=text(record.get("Description")),
            terms=text(record.get("Terms_and_Conditions")),
        )
    word = text(record.get("Status"))
    status = cfg.purchase_order_statuses.get(word)
    if status is None:
        raise NotBooked(
            f"Purchase_Orders {rid}: its Status {word or '(none)'!r} is not in store.purchase_order_statuses"
        )
    shipping = ("Shipping_Street", "Shipping_City", "Shipping_State", "Shipping_Code", "Shipping_Country")
    delivery = ", ".join(part for part in (text(record.get(name)) for name in shipping) if part)
    carrier, tracking = text(record.get("Carrier")), text(record.get("Tracking_Number"))
    instructions = "; ".join(
        part for part in (f"Carrier {carrier}" if carrier else "", f"tracking {tracking}" if tracking else "") if part
    )
    return Purchase(
        body,
        status,
        delivery_date=_day(record, "Due_Date"),
        delivery_address=delivery,
        attention_to=lookup(record.get("Contact_Name"))[1],
        delivery_instructions=instructions,
    )


def document_command(
    module: str, record: Mapping[str, Any], cfg: ZohoSettings, customer: Callable[[Sale], Sale]
) -> QuoteChanged | PurchaseChanged | Ignored:
    """What a Quote or Purchase Order record asks of the core; ``customer`` gives its body the
    party read whole (the account or vendor, as its own sync makes the contact)."""
    try:
        document = document_from(module, record, cfg)
    except NotBooked as exc:
        return Ignored(f"order:{record_key(module, record_id(unwrap(record)))}", str(exc))
    if isinstance(document, Quote):
        return QuoteChanged(replace(document, body=customer(document.body)))
    return PurchaseChanged(replace(document, body=customer(document.body)))
