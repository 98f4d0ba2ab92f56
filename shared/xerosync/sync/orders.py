"""Store orders -> Xero ACCREC invoices: one invoice per order, totals equal to the cent."""

from xerosync.config import StoreSettings
from xerosync.domain import Sale
from xerosync.events import StoreEvent
from xerosync.sources.woocommerce.mapping import parse_order, sale_from_order
from xerosync.sync.contacts import Outcome, ensure_contact, new_claim, now_iso
from xerosync.sync.ports import Mapping, Mappings, Xero
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected


def sync_order_event(event: StoreEvent, *, settings: StoreSettings, xero: Xero, mappings: Mappings) -> Outcome:
    if event.event == "deleted":
        # Trashed orders (payload {"id": N}) need the void / credit-note rules of the accuracy work.
        return Outcome("skipped", event.key, reason="order deletion is not synced yet")
    order = parse_order(event.payload)
    status = settings.order_statuses.get(order.status, "skip")
    if status == "skip":
        return Outcome("skipped", event.key, reason=f"orders in status {order.status!r} are not synced (settings)")
    return sync_sale(sale_from_order(order), status=status, settings=settings, xero=xero, mappings=mappings)


def sync_sale(sale: Sale, *, status: str, settings: StoreSettings, xero: Xero, mappings: Mappings) -> Outcome:
    contact_id = ensure_contact(sale.customer, xero, mappings)
    body = payloads.invoice(sale, contact_id, settings, status=status)
    digest = payloads.content_hash(body)
    number = body["InvoiceNumber"]
    known = mappings.get(sale.key)
    claim = None
    if known is None:
        claim = new_claim()
        known = mappings.claim(sale.key, claim)
        if known:
            claim = None  # another worker created it meanwhile
    if known and known.content_hash == digest:
        return Outcome("unchanged", sale.key, known.xero_id)

    invoice_id = known.xero_id if known else None
    if invoice_id is None:
        # The mapping may be missing because a previous attempt created the invoice and then
        # failed to record it: the invoice number is our natural key in Xero.
        existing = xero.invoices_by_number([number])
        invoice_id = str(existing[0]["InvoiceID"]) if existing else None

    if invoice_id is None:
        result = xero.create_invoices([body], idempotency_key=f"invoice:{sale.key}:{claim}")[0]
        action = "created"
    else:
        result = xero.update_invoice(invoice_id, body, idempotency_key=f"invoice:{sale.key}:{digest}")
        action = "updated"
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    invoice_id = str(result.record["InvoiceID"])
    mappings.put(
        Mapping(
            sale.key,
            invoice_id,
            content_hash=digest,
            xero_number=number,
            source_modified=sale.modified_at.isoformat() if sale.modified_at else None,
            updated_at=now_iso(),
        ),
        claim=claim,
    )
    return Outcome(action, sale.key, invoice_id)
