"""A quote or purchase deleted at its source: its Xero document deleted (an approved bill voided).

The record is gone, so there is no body to send: each move is a status alone, under its own
idempotency key, along the moves Xero takes (:func:`xerosync.sync.quotes.moves`). A document Xero
will not delete (an invoiced quote, a billed purchase order, a paid bill) is reported in the
sync log and left as it is. A deletion is believed only when the source, asked, no longer has
the record (a webhook's topic is not signed), as for sales. A refusal is Xero's final word on
that document (a paid bill is not voided), so it is reported with Xero's reason, not retried.

Which kind of document a purchase became is the settings' ``purchasing.as_bills`` now: a
purchase booked under the other setting is reported, not touched (its mapping's id would name a
document of the other kind).
"""

from dataclasses import replace

from xerosync.config import StoreSettings
from xerosync.domain import DocumentGone
from xerosync.sources.port import StoreNotFound
from xerosync.sync.base import Outcome, holding, now_iso
from xerosync.sync.ports import Mappings, Store
from xerosync.sync.quotes import BILL, PURCHASE_ORDER, QUOTE, QuoteXero, moves
from xerosync.xero.errors import XeroNotFound

KEPT = ("INVOICED", "BILLED")  # a quote invoiced, an order billed: the books moved on from it


def _still_there(store: Store | None, key: str) -> bool:
    if store is None:
        return False
    try:
        return not store.fetch("order", key.split(":", 1)[1]).gone
    except StoreNotFound:
        return False


def sync_gone(
    gone: DocumentGone, *, settings: StoreSettings, xero: QuoteXero, mappings: Mappings, store: Store | None = None
) -> Outcome:
    """``gone``'s Xero document taken off where Xero allows; what it would not is reported."""
    if _still_there(store, gone.key):
        return Outcome("skipped", gone.key, reason=f"a deletion of {gone.key} arrived, but the source still has it")
    kind = QUOTE if gone.document == "quote" else BILL if settings.purchasing.as_bills else PURCHASE_ORDER
    with holding(mappings, gone.key):
        known = mappings.get(gone.key)
        if known is None:
            return Outcome("skipped", gone.key, reason=f"{gone.reason}: it never reached Xero")
        try:
            current = str(kind.read(xero, known.xero_id).get("Status") or "")  # what it is now, not what we wrote
        except XeroNotFound:
            return Outcome("skipped", gone.key, known.xero_id, reason=f"{gone.reason}: no such {kind.name} in Xero")
        path = moves(kind, current, "DELETED")
        if path is None or current in KEPT:
            why = f"{gone.reason}: the {kind.name} is {current} in Xero and stays so (reported, not deleted)"
            return Outcome("skipped", gone.key, known.xero_id, reason=why)
        done: list[str] = []
        for status in path:
            key = f"{kind.name}:{gone.key}:gone:{current}>{status}"
            result = kind.update(xero, known.xero_id, {"Status": status}, key)
            if not result.ok:  # e.g. a bill with a payment: Xero's reason, reported
                why = f"{gone.reason}: Xero refused to make the {kind.name} {status}: {'; '.join(result.errors)}"
                return Outcome("skipped", gone.key, known.xero_id, reason=why, also=tuple(done))
            done.append(f"{kind.name} {status}")
        mappings.put(replace(known, updated_at=now_iso(), data={**known.data, "status": path[-1] if path else current}))
        return Outcome(
            "updated" if done else "unchanged", gone.key, known.xero_id, reason=gone.reason, also=tuple(done)
        )
