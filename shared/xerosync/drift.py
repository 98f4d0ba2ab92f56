"""The drift report: one day of store orders against the Xero documents xerosync wrote for them.

For each sale placed that day (the store's date), read into the domain by the store's adapter,
it compares the sale's total and tax, its refunds and whether it is paid with the invoice (plus
the documents booking later changes to a paid invoice), the refund credit notes and the
invoice's payments in Xero, as the mapping table names them. What each sale should be in Xero
is the sync's own rule (:func:`xerosync.sync.policy.plan_sale`), and its documents' numbers the
sync's own (:mod:`xerosync.documents`). Each difference names the record and is one of two kinds:

* **fixable**: the sync has not applied the store's latest state (a missed webhook, a failed
  event), so enqueueing the order again fixes it: the reconciliation does, and ``xerosync drift
  --fix`` does;
* **reported**: the sync cannot fix it: the store has not changed since xerosync wrote the
  document, yet Xero's differs (edited, voided, deleted or paid by hand in Xero), or Xero refuses
  documents on that date (the period lock).

The comparison (:func:`compare_order`) is pure; :func:`report` fetches a day (a few Xero calls:
invoices and credit notes by number, 50 at a time).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.domain import Sale
from xerosync.frozen import frozen
from xerosync.reconcile import MappingReader, stale
from xerosync.sources.port import StoreClient, StoreSource
from xerosync.sync.policy import SalePlan, plan_sale
from xerosync.sync.ports import DONE_STATES, Mapping
from xerosync.xero.models import ACTIVE, CreditNote, Invoice, money

ZERO = Decimal("0")
INVOICE_BATCH = 50
CREDIT_NOTE_BATCH = 25  # by a `where` clause: keep the URL short


class XeroDocuments(Protocol):
    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...

    def credit_notes_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...


@frozen
class Difference:
    key: str  # the store record: order:1001
    what: str  # invoice | total | tax | refund 812 | payment
    store: str
    xero: str
    fixable: bool
    reason: str

    def describe(self) -> str:
        return f"{self.what}: store {self.store}, Xero {self.xero}: {self.reason}"


@frozen
class Related:
    """What the mapping table knows about one sale."""

    invoice: Mapping | None
    payment: Mapping | None = None
    refunds: dict[str, Mapping | None] = field(default_factory=dict)  # by the store's refund id
    adjustments: tuple[str, ...] = ()  # numbers of the documents booking changes after payment


@frozen
class DaySale:
    """A sale the store lists for the day, read into the domain."""

    sale: Sale
    gone: bool = False  # deleted in the store


def _shown(value: Any) -> str:
    """Money at cents (Xero prints 129.0 as readily as 129.00), anything else as it is."""
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def invoice_number(sale: Sale, settings: StoreSettings) -> str:
    return documents.invoice_number(settings.invoice_prefix, sale.number)


def _number(sale: Sale, known: Mapping | None, settings: StoreSettings) -> str:
    """The invoice's number as written (a reissued invoice has its own), else as it would be."""
    return known.xero_number if known and known.xero_number else invoice_number(sale, settings)


def _booked_total(known: Mapping, line_amount_types: str) -> Decimal | None:
    """What xerosync last wrote on the invoice (its lines as booked), when the mapping kept it."""
    booked = known.invoice.booked
    if not booked:
        return None
    amounts = sum((money(amount) for amount, *_ in booked.values()), ZERO)
    taxes = sum((money(tax) for _, tax, *_ in booked.values()), ZERO)
    return amounts if line_amount_types == "Inclusive" else amounts + taxes


def plan_of(sale: Sale, settings: StoreSettings, *, gone: bool = False) -> SalePlan:
    """What the sync makes of the sale: the policy's, and off the books when deleted in the store."""
    return SalePlan("cancel", reason="deleted in the store") if gone else plan_sale(sale, settings)


def compare_order(
    sale: Sale,
    related: Related,
    invoices: dict[str, Invoice],
    credit_notes: dict[str, CreditNote],
    settings: StoreSettings,
    lock_date: date | None = None,
    *,
    gone: bool = False,
) -> list[Difference]:
    """The differences between one store sale and its documents in Xero (pure)."""
    key = sale.key
    known = related.invoice
    number = _number(sale, known, settings)
    invoice = invoices.get(number)
    state = known.invoice.state if known else None
    total, tax = sale.total, sale.total_tax
    behind = stale(known, sale.modified_at)
    plan = plan_of(sale, settings, gone=gone)
    out: list[Difference] = []

    def diff(what: str, store: Any, xero: Any, fixable: bool, reason: str) -> None:
        out.append(Difference(key, what, _shown(store), _shown(xero), fixable, reason))

    if plan.action == "cancel":
        word = sale.status_word or "cancelled"
        if invoice is not None and invoice.status in ACTIVE and state not in DONE_STATES:
            if known is None:
                diff("invoice", word, invoice.status, False, f"{number} was not written by xerosync; left as it is")
            else:
                diff("invoice", word, invoice.status, True, "the order was cancelled in the store after the sync")
        return out
    if plan.action == "skip":
        return out
    if known is None:
        if invoice is not None:
            diff("invoice", f"total {total}", number, True, "in Xero but not in the mapping table: the sync adopts it")
        elif lock_date is not None and sale.date <= lock_date:
            diff("invoice", f"total {total}", "none", False, f"Xero's books are locked up to {lock_date}")
        else:
            diff("invoice", f"total {total}", "none", True, "no invoice in Xero (a missed or failed sync)")
        return out
    if invoice is None:
        diff("invoice", f"total {total}", "none", False, f"{number} is gone from Xero (deleted or renumbered there)")
        return out
    if invoice.status in ("VOIDED", "DELETED") and state not in DONE_STATES:
        by_hand = f"{number} was {invoice.status.lower()} in Xero by hand"
        diff("invoice", sale.status_word, invoice.status, False, by_hand)
        return out

    xero_total, xero_tax = invoice.total, invoice.total_tax
    for adjustment in related.adjustments:  # changes after payment: an invoice up, a credit note down
        if adjustment in invoices:
            xero_total += invoices[adjustment].total
            xero_tax += invoices[adjustment].total_tax
        elif adjustment in credit_notes:
            xero_total -= credit_notes[adjustment].total
            xero_tax -= credit_notes[adjustment].total_tax
    for what, mine, theirs in (("total", total, xero_total), ("tax", tax, xero_tax)):
        if mine == theirs:
            continue
        if known.invoice.reported and not behind:
            why = f"changed in the store after {number} was paid in Xero: reported, not booked"
            why += " (settings: after_payment)"
            diff(what, mine, theirs, False, why)
        elif behind:
            diff(what, mine, theirs, True, "the store changed after the last sync")
        else:
            wrote = _booked_total(known, invoice.line_amount_types) if what == "total" else None
            said = f" (xerosync wrote {wrote})" if wrote is not None and wrote != theirs else ""
            diff(what, mine, theirs, False, f"{number} was changed in Xero{said}; the store has not changed since")

    for refund in sale.refunds if plan.credit_refunds else ():
        cn_number = documents.refund_number(invoice_number(sale, settings), refund.id)
        note = credit_notes.get(cn_number)
        what = f"refund {refund.id}"
        synced = related.refunds.get(refund.id)
        # money paid back out of a decrease's credit note is on that note, not on one of its own
        credited = refund.amount - drawn(synced)
        if note is None:
            if synced is not None and not credited:
                continue  # all of it was the credit of a decrease: no note of its own
            if synced is None or behind:
                diff(what, refund.amount, "none", True, "no credit note in Xero (a missed or failed sync)")
            else:
                diff(what, credited, "none", False, f"credit note {cn_number} is gone from Xero")
        elif note.status in ("VOIDED", "DELETED"):
            diff(what, credited, note.status, False, f"credit note {cn_number} was {note.status.lower()} in Xero")
        elif note.total != credited:
            diff(what, credited, note.total, False, f"credit note {cn_number} was changed in Xero")

    if plan.authorised and settings.sync.payments:
        if plan.pay and invoice.amount_paid == 0 and invoice.amount_due > 0:
            if related.payment is None or behind:
                diff("payment", "paid", "unpaid", True, "no payment in Xero (a missed or failed sync)")
            else:
                diff("payment", "paid", "unpaid", False, "the payment xerosync recorded is gone from Xero")
        elif not plan.pay and invoice.amount_paid > 0:
            hint = "" if settings.pull.mark_paid else " (settings: pull.mark_paid)"
            diff("payment", "unpaid", f"paid {invoice.amount_paid}", False, "paid in Xero, not in the store" + hint)
    return out


# --- one day -----------------------------------------------------------------------------------
@dataclass
class DayReport:
    day: date
    orders: int = 0
    store_total: Decimal = ZERO
    store_tax: Decimal = ZERO
    store_refunds: Decimal = ZERO
    xero_total: Decimal = ZERO
    xero_tax: Decimal = ZERO
    xero_refunds: Decimal = ZERO
    differences: list[Difference] = field(default_factory=list)
    lock_date: date | None = None

    @property
    def fixable(self) -> list[Difference]:
        return [d for d in self.differences if d.fixable]

    @property
    def reported(self) -> list[Difference]:
        return [d for d in self.differences if not d.fixable]

    def summary(self) -> str:
        return (
            f"{self.day}: {self.orders} order(s); store total {self.store_total:.2f}, tax {self.store_tax:.2f}, "
            f"refunds {self.store_refunds:.2f}; Xero total {self.xero_total:.2f}, tax {self.xero_tax:.2f}, "
            f"refunds {self.xero_refunds:.2f}; {len(self.differences)} difference(s), {len(self.fixable)} fixable"
        )


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _id_order(sale_id: str) -> tuple[int, int, str]:
    """Numeric ids in numeric order, any others after them, in text order."""
    return (0, int(sale_id), "") if sale_id.isdigit() else (1, 0, sale_id)


def day_sales(
    store: StoreClient, source: StoreSource, settings: StoreSettings, day: date, since: datetime | None = None
) -> tuple[list[DaySale], list[Difference]]:
    """The store's sales placed on ``day`` (the store's own date), the deleted ones included,
    read into the domain; with ``since``, only those placed from then on (xerosync's install:
    history is not its business until pushed). Sales the store's webhooks never deliver (a
    checkout's draft: the adapter makes no message of them) are left out. A record that cannot
    be read is a difference of its own (reported: the sync cannot read it either)."""
    found: dict[str, DaySale] = {}
    unreadable: list[Difference] = []
    for record in store.sales_created(day, day, deleted=True):
        if source.message(record, store=store.url, origin="drift") is None:
            continue
        try:
            sale = source.read("order", record.raw, settings)
        except ValueError as exc:
            unreadable.append(Difference(record.key, "order", "unreadable", "-", False, f"the store's record: {exc}"))
            continue
        if not isinstance(sale, Sale):
            continue
        if since is None or sale.created_at is None or sale.created_at >= since:
            found[sale.id] = DaySale(sale, gone=record.gone)
    return [found[k] for k in sorted(found, key=_id_order)], unreadable


def drawn(refund: Mapping | None) -> Decimal:
    """What of a refund the sync paid back out of decreases' credit notes (:mod:`xerosync.sync.owed`)."""
    return sum((money(v) for v in refund.credit.drawn.values()), ZERO) if refund is not None else ZERO


def related_of(sale: Sale, mappings: MappingReader) -> Related:
    known = mappings.get(sale.key)
    adjustments = known.invoice.adjustments if known else 0
    base = known.xero_number if known and known.xero_number else ""
    refunds = {r.id: mappings.get(documents.refund_key(sale.key, r.id)) for r in sale.refunds}
    payment_keys = [documents.payment_key(sale.key, t.id) for t in sale.payments] or [documents.payment_key(sale.key)]
    return Related(
        invoice=known,
        payment=next(filter(None, (mappings.get(k) for k in payment_keys)), None) if known else None,
        refunds=refunds,
        adjustments=tuple(documents.adjustment_number(base, n) for n in range(1, adjustments + 1)) if base else (),
    )


def report(
    day: date,
    *,
    store: StoreClient,
    source: StoreSource,
    xero: XeroDocuments,
    mappings: MappingReader,
    settings: StoreSettings,
    lock_date: date | None = None,
    since: datetime | None = None,
) -> DayReport:
    """The drift report of ``day`` (sales placed ``since`` then, when given)."""
    result = DayReport(day, lock_date=lock_date)
    sales, result.differences = day_sales(store, source, settings, day, since)
    related = {s.sale.key: related_of(s.sale, mappings) for s in sales}
    invoice_numbers: set[str] = set()
    note_numbers: set[str] = set()
    for listed in sales:
        sale, rel = listed.sale, related[listed.sale.key]
        invoice_numbers.add(_number(sale, rel.invoice, settings))
        invoice_numbers.add(invoice_number(sale, settings))
        invoice_numbers.update(rel.adjustments)
        note_numbers.update(rel.adjustments)
        note_numbers.update(documents.refund_number(invoice_number(sale, settings), r.id) for r in sale.refunds)
    invoices: dict[str, Invoice] = {}
    for chunk in _chunks(sorted(invoice_numbers), INVOICE_BATCH):
        for record in xero.invoices_by_number(chunk):
            doc = Invoice.of(record)
            invoices[doc.number] = doc
    notes: dict[str, CreditNote] = {}
    for chunk in _chunks(sorted(note_numbers), CREDIT_NOTE_BATCH):
        for record in xero.credit_notes_by_number(chunk):
            note = CreditNote.of(record)
            notes[note.number] = note

    for listed in sales:
        sale, rel = listed.sale, related[listed.sale.key]
        result.differences.extend(compare_order(sale, rel, invoices, notes, settings, lock_date, gone=listed.gone))
        if plan_of(sale, settings, gone=listed.gone).action != "invoice":
            continue
        result.orders += 1
        result.store_total += sale.total
        result.store_tax += sale.total_tax
        result.store_refunds += sum((r.amount for r in sale.refunds), ZERO)
        invoice = invoices.get(_number(sale, rel.invoice, settings))
        if invoice is not None and invoice.status in ACTIVE:
            result.xero_total += invoice.total
            result.xero_tax += invoice.total_tax
        for refund in sale.refunds:
            found = notes.get(documents.refund_number(invoice_number(sale, settings), refund.id))
            if found is not None and found.status in ACTIVE:
                result.xero_refunds += found.total
            result.xero_refunds += drawn(rel.refunds.get(refund.id))
    return result
