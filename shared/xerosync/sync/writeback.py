"""Xero events -> a store that records Xero's state of each document (the port's optional
:class:`~xerosync.sources.port.DocumentWriteBack`, e.g. Zoho CRM): every change Xero makes to an
invoice or bill xerosync wrote (paid, part-paid, voided, deleted; a payment removed) is written
back to the store record the document came from, once.

Xero's INVOICE events carry no state and fire for xerosync's own writes too
(https://developer.xero.com/documentation/guides/webhooks/overview/), for invoices (``ACCREC``) and
bills (``ACCPAY``) alike. So: the setting (``pull.write_back``) and the mapping table's reverse
lookup come first (a document xerosync did not write costs nothing); then the document is read
once and its state compared with the one written back last, kept in the mapping table under
``writeback:<record>`` (:func:`written_key`): an equal state (an event for a change the store does
not see, a redelivery, xerosync's own write to Xero) costs no store write at all. Otherwise the
store writes it and the state is kept (a record the store no longer has is skipped; any other
refusal is the store's error, retried or dead-lettered like every other). The Xero events queue
is not FIFO, so the record is held (:func:`~xerosync.sync.base.holding`) from the read to the
write: two events of one document are applied one after the other, each reading Xero inside the
hold, so the last write is of the latest state, never an older read overtaking a newer one.

:class:`MappingMemory` is the :class:`~xerosync.sources.port.WriteMemory` the composition root
gives a store client that asks for one (it keeps what it wrote to a store record, to know its
own write when the store's notification of it comes back): items of the mapping table under
``wrote:<key>``, with no Xero id, so the reverse lookup never finds them.
"""

from collections.abc import Mapping as ReadMapping
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.events import StoreEvent
from xerosync.frozen import record
from xerosync.sources.port import DocumentWriteBack, StoreError, StoreNotFound, XeroDocumentState
from xerosync.sync.base import Outcome, holding, now_iso
from xerosync.sync.ports import ClaimHeld, Mapping, Mappings
from xerosync.xero.document_state import document_state, updated_at

WRITTEN_PREFIX = "writeback:"
MEMORY_PREFIX = "wrote:"
PAGE = 100  # documents per page of Xero's listing


class DocumentReader(Protocol):
    """What the write back reads from Xero (:class:`xerosync.xero.client.XeroClient`)."""

    def get_invoice(self, invoice_id: str) -> dict[str, Any]: ...

    def short_code(self) -> str: ...


class ReverseLookup(Protocol):
    def record_of(self, xero_id: str) -> str | None: ...


def written_key(record_key: str) -> str:
    """Where the state written back last to ``record_key`` is kept."""
    return WRITTEN_PREFIX + record_key


def write_back_event(
    event: StoreEvent,
    *,
    settings: StoreSettings,
    xero: DocumentReader,
    mappings: Mappings,
    lookup: ReverseLookup,
    store: DocumentWriteBack,
) -> Outcome:
    key = event.key  # invoice:<InvoiceID>
    if not settings.pull.write_back:
        return Outcome("skipped", key, reason="Xero's state is not written back (settings: pull.write_back)")
    record = lookup.record_of(event.id)
    if record is None or not documents.is_sale_key(record):
        return Outcome("skipped", key, reason="not a document xerosync wrote for a store record")
    with holding(mappings, written_key(record)):  # read inside the hold: the latest state is written last
        state = document_state(xero.get_invoice(event.id), xero.short_code())
        return _write_back(record, state, settings=settings, mappings=mappings, store=store)


def _write_back(
    record: str, state: XeroDocumentState, *, settings: StoreSettings, mappings: Mappings, store: DocumentWriteBack
) -> Outcome:
    fingerprint = state.fingerprint()
    before = mappings.get(written_key(record))
    kind = "bill" if state.type == "ACCPAY" else "invoice"
    what = f"{kind} {state.number or state.document_id} {state.standing.lower()}"
    if before is not None and before.content_hash == fingerprint:
        return Outcome("unchanged", record, state.document_id, reason=f"{what}: written back already")
    try:
        changed = store.write_back(record, state, settings)
    except StoreNotFound:
        return Outcome("skipped", record, state.document_id, reason=f"{what}: the store no longer has the record")
    mappings.put(
        Mapping(
            written_key(record),
            "",  # no Xero id: the reverse lookup must find the record's own mapping only
            content_hash=fingerprint,
            xero_number=state.number or None,
            updated_at=now_iso(),
            data={"state": state.stored()},
        )
    )
    if changed is None:
        return Outcome("unchanged", record, state.document_id, reason=f"{what}: the settings write none of it back")
    return Outcome("updated", record, state.document_id, reason=f"{what} in Xero: {changed}")


# --- the reconciliation: what Xero changed while its webhook was down or its events were lost --------
class ModifiedReader(Protocol):
    def documents_modified_since(self, since: datetime, page: int = 1) -> list[dict[str, Any]]: ...

    def short_code(self) -> str: ...


@record
class CaughtUp:
    """What one pass over the documents Xero changed since a watermark did."""

    read: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "<record>: <why>", tried again by the next pass
    watermark: datetime | None = None  # where the next pass starts (None: where this one did)
    complete: bool = True  # False: it stopped at ``pages``; the next pass goes on from the watermark

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)


def write_back_modified(
    since: datetime,
    *,
    settings: StoreSettings,
    xero: ModifiedReader,
    mappings: Mappings,
    lookup: ReverseLookup,
    store: DocumentWriteBack,
    pages: int = 10,
) -> CaughtUp:
    """Write back every document xerosync wrote that Xero changed at or after ``since``, as the
    events would have (each state once: a document seen again costs no store write). A page of 100
    costs one Xero call, a document none more. The watermark moves past what was handled, never
    past a document whose write failed or was held by another worker."""
    run = CaughtUp()
    if not settings.pull.write_back:
        return run
    short_code = ""
    last: datetime | None = None
    stuck: datetime | None = None
    for page in range(1, pages + 1):
        found = xero.documents_modified_since(since, page)
        for document in found:
            run.read += 1
            when = updated_at(document)
            last = max(last, when) if last and when else (when or last)
            record = lookup.record_of(str(document.get("InvoiceID") or ""))
            if record is None or not documents.is_sale_key(record):
                continue
            short_code = short_code or xero.short_code()
            try:
                with holding(mappings, written_key(record)):
                    state = document_state(document, short_code)
                    run.outcomes.append(_write_back(record, state, settings=settings, mappings=mappings, store=store))
            except (ClaimHeld, StoreError) as exc:  # the next pass reads it again
                run.failed.append(f"{record}: {exc}")
                stuck = min(stuck, when) if stuck and when else (stuck or when or since)
        if len(found) < PAGE:
            break
    else:
        run.complete = False
    mark = min(stuck, last) if stuck and last else (stuck or last)
    # to the second, down: Xero's If-Modified-Since counts whole seconds, and a document seen again
    # costs nothing
    run.watermark = mark.replace(microsecond=0) if mark else None
    return run


def paid_in_xero(mappings: Mappings, record_key: str) -> str:
    """Where the document of ``record_key`` stands in Xero when a payment or credit is on it, as it
    was last written back (``PAID``, ``PART_PAID``); ``""`` otherwise, or when nothing was."""
    known = mappings.get(written_key(record_key))
    state = dict(known.data.get("state") or {}) if known is not None else {}
    paid = any(_money(state.get(f)) for f in ("amount_paid", "amount_credited"))
    if not paid or state.get("status") not in ("AUTHORISED", "PAID"):
        return ""
    return "PAID" if state.get("status") == "PAID" else "PART_PAID"


def _money(value: object) -> bool:
    try:
        return Decimal(str(value or "0")) != 0
    except ArithmeticError:
        return False


class MappingMemory:
    """A store adapter's :class:`~xerosync.sources.port.WriteMemory`, in the mapping table."""

    def __init__(self, mappings: Mappings) -> None:
        self.mappings = mappings

    def recall(self, key: str) -> ReadMapping[str, Any] | None:
        found = self.mappings.get(MEMORY_PREFIX + key)
        return dict(found.data) if found is not None else None

    def remember(self, key: str, data: ReadMapping[str, Any]) -> None:
        self.mappings.put(Mapping(MEMORY_PREFIX + key, "", updated_at=now_iso(), data=dict(data)))
