"""A cancelled, failed or deleted order comes off the books, as Xero allows: its invoice voided
(AUTHORISED with nothing paid), deleted (DRAFT), and otherwise (paid: Xero refuses to void it)
credited in full, less the credit the sale already has. An order restored afterwards gets a new
invoice (see sync.orders)."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from xerosync import documents
from xerosync.sync.base import Outcome, create_once, now_iso
from xerosync.sync.ports import DONE_STATES, InvoiceState, Mapping, Mappings, Xero
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected
from xerosync.xero.models import ACTIVE, CreditNote, Invoice

ZERO = Decimal("0")


def cancellation_credit(invoice: Invoice, notes: Iterable[CreditNote]) -> Decimal:
    """What the cancellation of a paid sale credits (pure): the invoice's total less every credit
    the sale already has, never less than nothing.

    ``notes``: the sale's own credit notes (its decreases after payment, its refunds). Each counts
    whole, allocated to the invoice or not: a decrease's credit is owed to the customer and a
    refund's may have gone back as money, so neither shows in the invoice's ``AmountCredited``,
    yet both already took that much of the sale off the books. Drafts count, as everywhere the
    sync reads Xero (:data:`~xerosync.xero.models.ACTIVE`); voided and deleted notes do not.
    Credit allocated to the invoice from any other note (one made by hand in Xero) counts too."""
    mine = {note.id: note for note in notes if note.status in ACTIVE}
    allocated_mine = sum((amount for note_id, amount in invoice.credit_allocations if note_id in mine), ZERO)
    others = max(invoice.amount_credited - allocated_mine, ZERO)
    return max(invoice.total - sum((note.total for note in mine.values()), ZERO) - others, ZERO)


def cancel_order(
    order_key: str, reason: str, *, xero: Xero, mappings: Mappings, refunds: Iterable[str] = ()
) -> Outcome:
    """Take a cancelled, failed or deleted order's invoice off the books, as Xero allows.
    ``refunds``: the store ids of the sale's refunds, when the event carries the sale."""
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
        notes = _sale_notes(known, refunds, xero=xero, mappings=mappings)
        return _credit_in_full(known, invoice, raw, reason, notes, xero=xero, mappings=mappings)
    result = xero.update_invoice(
        known.xero_id, payloads.status_change(change), idempotency_key=f"{order_key}:{change.lower()}"
    )
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    mappings.put(replace(known.keeping(replace(record, state=gone)), updated_at=now_iso()))
    return Outcome(gone, order_key, known.xero_id, reason=reason)


def _sale_notes(known: Mapping, refunds: Iterable[str], *, xero: Xero, mappings: Mappings) -> list[CreditNote]:
    """The sale's credit notes as Xero has them now (one read): its decreases after payment and
    its refunds, as their mappings name them (a refund paid wholly out of a decrease's credit is
    mapped to that decrease's note: it is read, and counted, once)."""
    keys = [documents.adjustment_key(known.key, n) for n in range(1, known.invoice.adjustments + 1)]
    keys += [documents.refund_key(known.key, refund_id) for refund_id in refunds]
    found = [m for m in map(mappings.get, keys) if m is not None and m.xero_number]
    ids = {m.xero_id for m in found}  # an increase's -A invoice is no credit note: Xero lists none
    if not ids:
        return []
    listed = xero.credit_notes_by_number(sorted({str(m.xero_number) for m in found}))
    return [note for note in map(CreditNote.of, listed) if note.id in ids]


def _credit_in_full(
    known: Mapping,
    invoice: Invoice,
    raw: dict[str, Any],
    reason: str,
    notes: list[CreditNote],
    *,
    xero: Xero,
    mappings: Mappings,
) -> Outcome:
    """A paid invoice cannot be voided: a credit note reverses what is still on it, line for line,
    or what the sale's credit notes left of it (:func:`cancellation_credit`)."""
    record = known.invoice
    amount = cancellation_credit(invoice, notes)
    if amount <= 0:
        mappings.put(known.keeping(replace(record, state="credited")))
        return Outcome("unchanged", known.key, known.xero_id, reason="already credited in full")
    number = documents.cancellation_number(str(known.xero_number))
    when = invoice.date or date.min
    body = payloads.credit_in_full(
        raw, number=number, reason=reason, invoice_number=str(known.xero_number), when=when, amount=amount
    )
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
