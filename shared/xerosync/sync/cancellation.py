"""A cancelled, failed or deleted order comes off the books, as Xero allows: its invoice voided
(AUTHORISED with nothing paid), deleted (DRAFT), and otherwise (paid: Xero refuses to void it)
credited in full. An order restored afterwards gets a new invoice (see sync.orders)."""

from dataclasses import replace
from datetime import date
from typing import Any

from xerosync import documents
from xerosync.sync.base import Outcome, create_once, now_iso
from xerosync.sync.ports import DONE_STATES, InvoiceState, Mapping, Mappings, Xero
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected
from xerosync.xero.models import Invoice


def cancel_order(order_key: str, reason: str, *, xero: Xero, mappings: Mappings) -> Outcome:
    """Take a cancelled, failed or deleted order's invoice off the books, as Xero allows."""
    known = mappings.get(order_key)
    if known is None:
        return Outcome("skipped", order_key, reason=f"{reason}; it was never invoiced")
    record = known.invoice
    if record.state in DONE_STATES:
        return Outcome("unchanged", order_key, known.xero_id, reason=f"already {record.state}")
    raw = xero.get_invoice(known.xero_id)
    invoice = Invoice.of(raw)
    gone: InvoiceState
    if invoice.status in ("DRAFT", "SUBMITTED"):
        gone, change = "deleted", "DELETED"
    elif invoice.status == "AUTHORISED" and invoice.settled == 0:
        gone, change = "voided", "VOIDED"
    elif invoice.status in ("VOIDED", "DELETED"):
        gone = "voided" if invoice.status == "VOIDED" else "deleted"
        mappings.put(known.keeping(replace(record, state=gone)))
        return Outcome("unchanged", order_key, known.xero_id, reason=f"the invoice is already {gone} in Xero")
    else:
        return _credit_in_full(known, invoice, raw, reason, xero=xero, mappings=mappings)
    result = xero.update_invoice(
        known.xero_id, payloads.status_change(change), idempotency_key=f"{order_key}:{change.lower()}"
    )
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    mappings.put(replace(known.keeping(replace(record, state=gone)), updated_at=now_iso()))
    return Outcome(gone, order_key, known.xero_id, reason=reason)


def _credit_in_full(
    known: Mapping, invoice: Invoice, raw: dict[str, Any], reason: str, *, xero: Xero, mappings: Mappings
) -> Outcome:
    """A paid invoice cannot be voided: a credit note reverses what is still on it, line for line."""
    record = known.invoice
    if invoice.total - invoice.amount_credited <= 0:
        mappings.put(known.keeping(replace(record, state="credited")))
        return Outcome("unchanged", known.key, known.xero_id, reason="already credited in full")
    number = documents.cancellation_number(str(known.xero_number))
    when = invoice.date or date.min
    body = payloads.credit_in_full(raw, number=number, reason=reason, invoice_number=str(known.xero_number), when=when)
    key = documents.cancellation_key(known.key)
    created = create_once(
        mappings,
        key,
        find=lambda: next(iter(xero.credit_notes_by_number([number])), None),
        create=lambda claim: xero.create_credit_notes([body], idempotency_key=f"{key}:{claim}")[0],
        record=lambda r, new: Mapping(key, str(r["CreditNoteID"]), xero_number=number),
    )
    mappings.put(replace(known.keeping(replace(record, state="credited")), updated_at=now_iso()))
    return Outcome(
        "credited",
        known.key,
        created.mapping.xero_id,
        reason=reason,
        also=(f"credit note {number} (the invoice was paid, so it cannot be voided)",),
    )
