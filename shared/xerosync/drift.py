"""The drift report: one day of store orders against the Xero documents xerosync wrote for them.

For each order created that day (the store's date) it compares the order's total and tax, its
refunds and whether it is paid with the invoice (plus the documents booking later changes to a
paid invoice), the refund credit notes and the invoice's payments in Xero, as the mapping table
names them. Each difference names the record and is one of two kinds:

* **fixable**: the sync has not applied the store's latest state (a missed webhook, a failed
  event), so enqueueing the order again fixes it: the reconciliation does, and ``xerosync drift
  --fix`` does;
* **reported**: the sync cannot fix it: the store has not changed since xerosync wrote the
  document, yet Xero's differs (edited, voided, deleted or paid by hand in Xero), or Xero refuses
  documents on that date (the period lock).

The comparison (:func:`compare_order`) is pure; :func:`report` fetches a day (a few Xero calls:
invoices and credit notes by number, 50 at a time).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from xerosync.config import CANCELLED_STATUSES, StoreSettings
from xerosync.reconcile import MappingReader, stale
from xerosync.store_webhooks import store_time
from xerosync.sync.ports import Mapping
from xerosync.webhooks import DRAFT_ORDER_STATUSES

ZERO = Decimal("0")
ACTIVE = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID")
INVOICE_BATCH = 50
CREDIT_NOTE_BATCH = 25  # by a `where` clause: keep the URL short


class StoreOrders(Protocol):
    def records(self, resource: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]: ...


class XeroDocuments(Protocol):
    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...

    def credit_notes_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0"))
    except ArithmeticError:
        return ZERO


@dataclass(frozen=True)
class Document:
    """A Xero invoice or credit note, as far as the report needs it."""

    number: str
    id: str
    status: str
    total: Decimal
    total_tax: Decimal
    amount_paid: Decimal = ZERO
    amount_due: Decimal = ZERO
    line_amount_types: str = "Exclusive"

    @classmethod
    def of(cls, record: dict[str, Any], number_field: str, id_field: str) -> "Document":
        return cls(
            number=str(record.get(number_field, "")),
            id=str(record.get(id_field, "")),
            status=str(record.get("Status", "")),
            total=money(record.get("Total")),
            total_tax=money(record.get("TotalTax")),
            amount_paid=money(record.get("AmountPaid")),
            amount_due=money(record.get("AmountDue")),
            line_amount_types=str(record.get("LineAmountTypes", "Exclusive")),
        )


@dataclass(frozen=True)
class Difference:
    key: str  # the store record: order:1001
    what: str  # invoice | total | tax | refund 812 | payment
    store: str
    xero: str
    fixable: bool
    reason: str

    def describe(self) -> str:
        return f"{self.what}: store {self.store}, Xero {self.xero}: {self.reason}"


@dataclass(frozen=True)
class Related:
    """What the mapping table knows about one order."""

    invoice: Mapping | None
    payment: Mapping | None = None
    refunds: dict[int, Mapping | None] = field(default_factory=dict)
    adjustments: tuple[str, ...] = ()  # numbers of the documents booking changes after payment


def _shown(value: Any) -> str:
    """Money at cents (Xero prints 129.0 as readily as 129.00), anything else as it is."""
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def invoice_number(order: dict[str, Any], settings: StoreSettings) -> str:
    return f"{settings.invoice_prefix}{str(order.get('number') or order.get('id')).lstrip('#')}"


def _booked_total(known: Mapping, line_amount_types: str) -> Decimal | None:
    """What xerosync last wrote on the invoice (its lines as booked), when the mapping kept it."""
    booked = known.data.get("booked")
    if not isinstance(booked, dict) or not booked:
        return None
    amounts = sum((money(v[0]) for v in booked.values()), ZERO)
    taxes = sum((money(v[1]) for v in booked.values()), ZERO)
    return amounts if line_amount_types == "Inclusive" else amounts + taxes


def compare_order(
    order: dict[str, Any],
    related: Related,
    invoices: dict[str, Document],
    credit_notes: dict[str, Document],
    settings: StoreSettings,
    lock_date: date | None = None,
) -> list[Difference]:
    """The differences between one store order and its documents in Xero (pure)."""
    key = f"order:{order.get('id')}"
    status = str(order.get("status", ""))
    known = related.invoice
    number = known.xero_number if known and known.xero_number else invoice_number(order, settings)
    invoice = invoices.get(number)
    state = known.data.get("state", "open") if known else None
    total, tax = money(order.get("total")), money(order.get("total_tax"))
    behind = stale(known, order.get("date_modified_gmt"))
    out: list[Difference] = []

    def diff(what: str, store: Any, xero: Any, fixable: bool, reason: str) -> None:
        out.append(Difference(key, what, _shown(store), _shown(xero), fixable, reason))

    if status in DRAFT_ORDER_STATUSES:
        return out
    if status == "trash" or status in CANCELLED_STATUSES:
        if invoice is not None and invoice.status in ACTIVE and state not in ("voided", "deleted", "credited"):
            if known is None:
                diff("invoice", status, invoice.status, False, f"{number} was not written by xerosync; left as it is")
            else:
                diff("invoice", status, invoice.status, True, "the order was cancelled in the store after the sync")
        return out
    if settings.order_statuses.get(status, "skip") == "skip" or (total == 0 and not settings.zero_total_orders):
        return out
    created = str(order.get("date_created") or "")[:10]
    if known is None:
        if invoice is not None:
            diff("invoice", f"total {total}", number, True, "in Xero but not in the mapping table: the sync adopts it")
        elif lock_date is not None and created and date.fromisoformat(created) <= lock_date:
            diff("invoice", f"total {total}", "none", False, f"Xero's books are locked up to {lock_date}")
        else:
            diff("invoice", f"total {total}", "none", True, "no invoice in Xero (a missed or failed sync)")
        return out
    if invoice is None:
        diff("invoice", f"total {total}", "none", False, f"{number} is gone from Xero (deleted or renumbered there)")
        return out
    if invoice.status in ("VOIDED", "DELETED") and state not in ("voided", "deleted", "credited"):
        diff("invoice", status, invoice.status, False, f"{number} was {invoice.status.lower()} in Xero by hand")
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
        if behind:
            diff(what, mine, theirs, True, "the store changed after the last sync")
        else:
            wrote = _booked_total(known, invoice.line_amount_types) if what == "total" else None
            said = f" (xerosync wrote {wrote})" if wrote is not None and wrote != theirs else ""
            diff(what, mine, theirs, False, f"{number} was changed in Xero{said}; the store has not changed since")

    refunds_synced = settings.sync.refunds and settings.order_statuses.get(status) == "AUTHORISED"
    for refund in order.get("refunds") or [] if refunds_synced else []:
        refund_id, amount = int(refund.get("id", 0)), abs(money(refund.get("total")))
        cn_number = f"{invoice_number(order, settings)}-R{refund_id}"
        note = credit_notes.get(cn_number)
        what = f"refund {refund_id}"
        if note is None:
            if related.refunds.get(refund_id) is None or behind:
                diff(what, amount, "none", True, "no credit note in Xero (a missed or failed sync)")
            else:
                diff(what, amount, "none", False, f"credit note {cn_number} is gone from Xero")
        elif note.status in ("VOIDED", "DELETED"):
            diff(what, amount, note.status, False, f"credit note {cn_number} was {note.status.lower()} in Xero")
        elif note.total != amount:
            diff(what, amount, note.total, False, f"credit note {cn_number} was changed in Xero")

    paid = status in settings.payments.paid_statuses and bool(order.get("date_paid_gmt") or order.get("date_paid"))
    if settings.order_statuses.get(status) == "AUTHORISED" and settings.sync.payments:
        if paid and invoice.amount_paid == 0 and invoice.amount_due > 0:
            if related.payment is None or behind:
                diff("payment", "paid", "unpaid", True, "no payment in Xero (a missed or failed sync)")
            else:
                diff("payment", "paid", "unpaid", False, "the payment xerosync recorded is gone from Xero")
        elif not paid and invoice.amount_paid > 0:
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


def day_orders(store: StoreOrders, day: date, since: datetime | None = None) -> list[dict[str, Any]]:
    """The store's orders created on ``day`` (the store's own date), the trashed ones included;
    with ``since``, only those created from then on (xerosync's install: history is not its
    business until pushed)."""
    window = {
        "after": f"{day - timedelta(days=1)}T23:59:59",  # bounds are exclusive, in the site's time
        "before": f"{day + timedelta(days=1)}T00:00:00",
        "orderby": "id",
        "order": "asc",
    }
    found: dict[int, dict[str, Any]] = {}
    for status in ("any", "trash"):
        for order in store.records("orders", {**window, "status": status}):
            if str(order.get("date_created") or "")[:10] != day.isoformat():
                continue
            created = store_time(order.get("date_created_gmt"))
            if since is None or created is None or created >= since:
                found[int(order["id"])] = order
    return [found[k] for k in sorted(found)]


def related_of(order: dict[str, Any], mappings: MappingReader) -> Related:
    order_id = order["id"]
    known = mappings.get(f"order:{order_id}")
    adjustments = int(known.data.get("adjustments", 0)) if known else 0
    base = known.xero_number if known and known.xero_number else ""
    refunds = {int(r["id"]): mappings.get(f"refund:{order_id}:{r['id']}") for r in order.get("refunds") or []}
    return Related(
        invoice=known,
        payment=mappings.get(f"payment:{order_id}") if known else None,
        refunds=refunds,
        adjustments=tuple(f"{base}-A{n}" for n in range(1, adjustments + 1)) if base else (),
    )


def report(
    day: date,
    *,
    store: StoreOrders,
    xero: XeroDocuments,
    mappings: MappingReader,
    settings: StoreSettings,
    lock_date: date | None = None,
    since: datetime | None = None,
) -> DayReport:
    """The drift report of ``day`` (orders created ``since`` then, when given)."""
    result = DayReport(day, lock_date=lock_date)
    orders = day_orders(store, day, since)
    related = {int(o["id"]): related_of(o, mappings) for o in orders}
    invoice_numbers: set[str] = set()
    note_numbers: set[str] = set()
    for order in orders:
        rel = related[int(order["id"])]
        invoice_numbers.add(rel.invoice.xero_number if rel.invoice and rel.invoice.xero_number else "")
        invoice_numbers.add(invoice_number(order, settings))
        invoice_numbers.update(rel.adjustments)
        note_numbers.update(rel.adjustments)
        note_numbers.update(f"{invoice_number(order, settings)}-R{r['id']}" for r in order.get("refunds") or [])
    invoice_numbers.discard("")
    invoices: dict[str, Document] = {}
    for chunk in _chunks(sorted(invoice_numbers), INVOICE_BATCH):
        for record in xero.invoices_by_number(chunk):
            doc = Document.of(record, "InvoiceNumber", "InvoiceID")
            invoices[doc.number] = doc
    notes: dict[str, Document] = {}
    for chunk in _chunks(sorted(note_numbers), CREDIT_NOTE_BATCH):
        for record in xero.credit_notes_by_number(chunk):
            doc = Document.of(record, "CreditNoteNumber", "CreditNoteID")
            notes[doc.number] = doc

    for order in orders:
        rel = related[int(order["id"])]
        differences = compare_order(order, rel, invoices, notes, settings, lock_date)
        result.differences.extend(differences)
        status = str(order.get("status", ""))
        if status in (*DRAFT_ORDER_STATUSES, *CANCELLED_STATUSES, "trash"):
            continue
        if settings.order_statuses.get(status, "skip") == "skip":
            continue
        result.orders += 1
        result.store_total += money(order.get("total"))
        result.store_tax += money(order.get("total_tax"))
        result.store_refunds += sum((abs(money(r.get("total"))) for r in order.get("refunds") or []), ZERO)
        number = rel.invoice.xero_number if rel.invoice and rel.invoice.xero_number else invoice_number(order, settings)
        invoice = invoices.get(number)
        if invoice is not None and invoice.status in ACTIVE:
            result.xero_total += invoice.total
            result.xero_tax += invoice.total_tax
        for refund in order.get("refunds") or []:
            note = notes.get(f"{invoice_number(order, settings)}-R{refund['id']}")
            if note is not None and note.status in ACTIVE:
                result.xero_refunds += note.total
    return result
