"""Xero events -> the store: an invoice paid in Xero marks its store order paid (settings
``pull.mark_paid``), e.g. a bank transfer the merchant reconciled in Xero.

Xero's INVOICE events carry no status (research/xero.md 4), and they also fire for every write
xerosync itself makes. So the cheap checks come first and Xero is asked only when an event can
matter: the setting is on; the invoice is one xerosync wrote for an order (the mapping table's
reverse lookup); xerosync has not recorded a payment for that order itself (then the store says
the order is paid already). Only then is the invoice fetched, and only a PAID invoice whose order
is still waiting for payment in the store (pending, on-hold, failed) moves the order to
``pull.paid_status``, which sets its paid date in WooCommerce.

The store fires ``order.updated`` for that change; the orders sync then finds the invoice paid
and nothing due, so it records no second payment (no bounce).
"""

from typing import Any, Protocol

from xerosync.config import StoreSettings
from xerosync.events import StoreEvent
from xerosync.sync.base import Outcome
from xerosync.sync.ports import Mappings

AWAITING_PAYMENT = ("pending", "on-hold", "failed")


class InvoiceReader(Protocol):
    def get_invoice(self, invoice_id: str) -> dict[str, Any]: ...


class ReverseLookup(Protocol):
    def record_of(self, xero_id: str) -> str | None: ...


class OrderWriter(Protocol):
    def get(self, resource: str, record_id: int) -> dict[str, Any]: ...

    def update_order(self, order_id: int, fields: dict[str, Any]) -> dict[str, Any]: ...


def apply_xero_event(
    event: StoreEvent,
    *,
    settings: StoreSettings,
    xero: InvoiceReader,
    mappings: Mappings,
    lookup: ReverseLookup,
    store: OrderWriter | None,
) -> Outcome:
    key = event.key  # invoice:<InvoiceID>
    if event.resource != "invoice":
        return Outcome("skipped", key, reason=f"{event.resource} events change nothing in the store")
    if not settings.pull.mark_paid:
        return Outcome("skipped", key, reason="orders paid in Xero are not marked paid (settings: pull.mark_paid)")
    record = lookup.record_of(event.id)
    if record is None or not record.startswith("order:") or "#" in record:
        return Outcome("skipped", key, reason="not an order invoice xerosync wrote")
    order_id = int(record.split(":", 1)[1])
    if mappings.get(f"payment:{order_id}") is not None:
        return Outcome("unchanged", record, event.id, reason="xerosync recorded this order's payment itself")
    invoice = xero.get_invoice(event.id)
    if invoice.get("Status") != "PAID":
        return Outcome("skipped", record, event.id, reason=f"the invoice is {invoice.get('Status')}, not paid")
    if store is None:
        raise RuntimeError("the store's REST API key is not set (StoreApiSecret): cannot mark the order paid")
    order = store.get("orders", order_id)
    status = str(order.get("status", ""))
    if order.get("date_paid_gmt") or status not in AWAITING_PAYMENT:
        return Outcome("unchanged", record, event.id, reason=f"the order is already {status} in the store")
    store.update_order(order_id, {"status": settings.pull.paid_status})
    number = invoice.get("InvoiceNumber", event.id)
    return Outcome(
        "updated",
        record,
        event.id,
        reason=f"invoice {number} was paid in Xero: order {status} -> {settings.pull.paid_status}",
    )
