"""Xero events -> the store: an invoice paid in Xero marks its store order paid (settings
``pull.mark_paid``), e.g. a bank transfer the merchant reconciled in Xero.

Xero's INVOICE events carry no status (https://developer.xero.com/documentation/guides/webhooks/overview/),
and they also fire for every write
xerosync itself makes. So the cheap checks come first and Xero is asked only when an event can
matter: the setting is on; the invoice is one xerosync wrote for an order (the mapping table's
reverse lookup); xerosync has not recorded a payment for that order itself (then the store says
the order is paid already). Only then is the invoice fetched, and only a PAID invoice whose order
is still waiting for payment in the store is marked paid, as its adapter does that
(:meth:`xerosync.sources.port.StoreClient.mark_paid`).

The store sends its own webhook for that change; the orders sync then finds the invoice paid
and nothing due, so it records no second payment (no bounce).

A store client that records Xero's whole state of a document (the port's optional
:class:`~xerosync.sources.port.DocumentWriteBack`, e.g. Zoho CRM) is given that instead, for
every change, bills included: :mod:`xerosync.sync.writeback`. Every other store is only marked
paid, as above.

A CONTACT event goes to :func:`xerosync.sync.from_xero.contact_event` (a contact made in Xero,
created in a store that can, with ``pull.create_contacts`` on).
"""

from typing import Any, Protocol

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.events import StoreEvent
from xerosync.sources.from_xero import creates_from_xero
from xerosync.sources.port import StoreSource, write_back_of
from xerosync.sync.base import Outcome
from xerosync.sync.from_xero import ContactReader, contact_event
from xerosync.sync.ports import Mappings
from xerosync.sync.writeback import DocumentReader, write_back_event


class InvoiceReader(Protocol):
    def get_invoice(self, invoice_id: str) -> dict[str, Any]: ...


class Reader(InvoiceReader, DocumentReader, ContactReader, Protocol):
    """All: a store that writes the state back needs the organisation's short code for the link, one
    that creates contacts made in Xero reads the contact."""


class ReverseLookup(Protocol):
    def record_of(self, xero_id: str) -> str | None: ...


class PaidMarker(Protocol):
    def mark_paid(self, sale_key: str, settings: StoreSettings) -> str | None: ...


def apply_xero_event(
    event: StoreEvent,
    *,
    settings: StoreSettings,
    xero: Reader,
    mappings: Mappings,
    lookup: ReverseLookup,
    store: PaidMarker | None,
    source: StoreSource | None = None,
) -> Outcome:
    key = event.key  # invoice:<InvoiceID>
    if event.resource == "contact" and source is not None:
        return contact_event(event, settings=settings, xero=xero, mappings=mappings, lookup=lookup,
                             store=creates_from_xero(store), source=source)  # fmt: skip
    if event.resource != "invoice":
        return Outcome("skipped", key, reason=f"{event.resource} events change nothing in the store")
    writer = write_back_of(store)
    if writer is not None and settings.pull.write_back:
        return write_back_event(event, settings=settings, xero=xero, mappings=mappings, lookup=lookup, store=writer)
    if not settings.pull.mark_paid:
        return Outcome("skipped", key, reason="orders paid in Xero are not marked paid (settings: pull.mark_paid)")
    record = lookup.record_of(event.id)
    if record is None or not documents.is_sale_key(record):
        return Outcome("skipped", key, reason="not an order invoice xerosync wrote")
    if mappings.get(documents.payment_key(record)) is not None:
        return Outcome("unchanged", record, event.id, reason="xerosync recorded this order's payment itself")
    invoice = xero.get_invoice(event.id)
    if invoice.get("Status") != "PAID":
        return Outcome("skipped", record, event.id, reason=f"the invoice is {invoice.get('Status')}, not paid")
    if store is None:
        raise RuntimeError("the store's API credentials are not set (StoreApiSecret): cannot mark the order paid")
    changed = store.mark_paid(record, settings)
    if changed is None:
        return Outcome("unchanged", record, event.id, reason="the order is paid in the store already")
    number = invoice.get("InvoiceNumber", event.id)
    return Outcome("updated", record, event.id, reason=f"invoice {number} was paid in Xero: {changed}")
