"""The drift report of settlements: for every deposit the store issued in a period, do Xero's
documents add up to it? Each difference names the settlement (``payout:623721858``):

* **fixable** (the next poll does it): a paid settlement not posted yet; one that failed after
  posting and is still on the books;
* **reported**: Xero's document no longer totals the deposit, or was voided or deleted by hand,
  or (summary mode) its payment from the bank is not the deposit.

The comparison (:func:`compare`) is pure; :func:`report` reads the store's list and one Xero
document per posted settlement.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from xerosync.drift import Difference
from xerosync.sources.port import SettlementFound, SettlementStore
from xerosync.sync.ports import Mapping, Mappings
from xerosync.sync.settlements import payment_key, state_of
from xerosync.xero.errors import XeroNotFound

ZERO = Decimal("0")
GONE = ("DELETED", "VOIDED")


class XeroSettlementDocuments(Protocol):
    def get_bank_transaction(self, transaction_id: str) -> dict[str, Any]: ...

    def get_invoice(self, invoice_id: str) -> dict[str, Any]: ...

    def get_credit_note(self, credit_note_id: str) -> dict[str, Any]: ...


@dataclass
class SettlementReport:
    settlements: int = 0
    deposits: Decimal = ZERO  # what the store paid into the bank (posted settlements)
    xero: Decimal = ZERO  # what Xero's documents of them total, with the deposits' signs
    differences: list[Difference] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.settlements} settlement(s); deposits {self.deposits:.2f}, Xero {self.xero:.2f}; "
            f"{len(self.differences)} difference(s)"
        )


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def compare(
    found: SettlementFound, posted: Mapping | None, paid: Mapping | None, document: dict[str, Any] | None
) -> list[Difference]:
    """What is wrong between one settlement and its Xero document (``None``: not found in Xero)."""
    key, deposit = found.key, found.deposit
    state = state_of(posted)
    if found.status == "pending":
        return []
    if found.status in ("failed", "canceled"):
        if state == "posted":
            why = f"{found.status} after it was posted: the next poll reverses it"
            return [Difference(key, "document", found.status, "posted", True, why)]
        return []
    if posted is None:
        return [Difference(key, "document", f"{deposit:.2f}", "none", True, "not posted yet: the next poll posts it")]
    if state == "reversed":
        why = "reversed when it failed, and now paid: Shopify paid it again"
        return [Difference(key, "document", f"{deposit:.2f}", "reversed", False, why)]
    if document is None or str(document.get("Status")) in GONE:
        shown = "not found" if document is None else str(document.get("Status"))
        return [Difference(key, "document", f"{deposit:.2f}", shown, False, "taken off the books in Xero by hand")]
    differences = []
    total = _money(document.get("Total"))
    if total != abs(deposit):
        differences.append(
            Difference(
                key,
                "total",
                f"{abs(deposit):.2f}",
                f"{total:.2f}",
                False,
                f"Xero's document differs from the deposit by {abs(deposit) - total:.2f}",
            )
        )
    if posted.data.get("document") != "bank_transaction" and posted.data.get("status") == "AUTHORISED" and deposit:
        payments = sum(
            (_money(p.get("Amount")) for p in document.get("Payments") or () if p.get("Status") != "DELETED"), ZERO
        )
        if payments != abs(deposit):
            why = "the payment from the bank is missing" if paid is None else "the payment differs from the deposit"
            differences.append(Difference(key, "payment", f"{abs(deposit):.2f}", f"{payments:.2f}", paid is None, why))
    return differences


def report(
    store: SettlementStore,
    mappings: Mappings,
    xero: XeroSettlementDocuments,
    start: datetime,
    end: datetime,
) -> SettlementReport:
    """Every settlement issued from ``start`` to ``end`` against its Xero document."""
    result = SettlementReport()
    for found in store.settlements(start, end):
        result.settlements += 1
        posted = mappings.get(found.key)
        document = None
        if state_of(posted) == "posted":
            assert posted is not None
            result.deposits += found.deposit
            document = _document(xero, posted)
            if document is not None and str(document.get("Status")) not in GONE:
                result.xero += _money(document.get("Total")) * (-1 if found.deposit < 0 else 1)
        result.differences += compare(found, posted, mappings.get(payment_key(found.key)), document)
    return result


def _document(xero: XeroSettlementDocuments, posted: Mapping) -> dict[str, Any] | None:
    kind = posted.data.get("document")
    try:
        if kind == "bank_transaction":
            return xero.get_bank_transaction(posted.xero_id)
        if kind == "credit_note":
            return xero.get_credit_note(posted.xero_id)
        return xero.get_invoice(posted.xero_id)
    except XeroNotFound:
        return None
