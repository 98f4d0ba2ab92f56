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
from typing import Any, Protocol

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.events import StoreEvent
from xerosync.sources.port import DocumentWriteBack, StoreNotFound
from xerosync.sync.base import Outcome, holding, now_iso
from xerosync.sync.ports import Mapping, Mappings
from xerosync.xero.document_state import document_state

WRITTEN_PREFIX = "writeback:"
MEMORY_PREFIX = "wrote:"


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
    with holding(mappings, written_key(record)):
        return _write_back(event, record, settings=settings, xero=xero, mappings=mappings, store=store)


def _write_back(
    event: StoreEvent,
    record: str,
    *,
    settings: StoreSettings,
    xero: DocumentReader,
    mappings: Mappings,
    store: DocumentWriteBack,
) -> Outcome:
    state = document_state(xero.get_invoice(event.id), xero.short_code())
    fingerprint = state.fingerprint()
    before = mappings.get(written_key(record))
    what = f"{'bill' if state.type == 'ACCPAY' else 'invoice'} {state.number or event.id} {state.standing.lower()}"
    if before is not None and before.content_hash == fingerprint:
        return Outcome("unchanged", record, event.id, reason=f"{what}: written back already")
    try:
        changed = store.write_back(record, state, settings)
    except StoreNotFound:
        return Outcome("skipped", record, event.id, reason=f"{what}: the store no longer has the record")
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
        return Outcome("unchanged", record, event.id, reason=f"{what}: the settings write none of it back")
    return Outcome("updated", record, event.id, reason=f"{what} in Xero: {changed}")


class MappingMemory:
    """A store adapter's :class:`~xerosync.sources.port.WriteMemory`, in the mapping table."""

    def __init__(self, mappings: Mappings) -> None:
        self.mappings = mappings

    def recall(self, key: str) -> ReadMapping[str, Any] | None:
        found = self.mappings.get(MEMORY_PREFIX + key)
        return dict(found.data) if found is not None else None

    def remember(self, key: str, data: ReadMapping[str, Any]) -> None:
        self.mappings.put(Mapping(MEMORY_PREFIX + key, "", updated_at=now_iso(), data=dict(data)))
