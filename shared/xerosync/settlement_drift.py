"""The drift report of settlements: for every deposit the store issued in a period, do Xero's
documents add up to it? Each difference names the settlement (``payout:623721858``):

* **fixable** (the next poll does it): a paid settlement not posted yet; one that failed after
  posting and is still on the books;
* **reported**: Xero's document no longer totals the deposit, or was voided or deleted by hand,
  or (summary mode) its payment from the bank is not the deposit.

A store that issues a settlement more than once (Amazon: a corrected report of the same
settlement id) lists its issues (reports); each settlement is checked by its latest issue in the
period (:func:`compare_issue`): the report's total-amount against the document of the deposit,
each earlier month's document at zero, the documents a re-issue took off still off ("extra"
otherwise), each one missing named; a re-issue not yet in Xero is fixable, one Xero held (paid or
reconciled) is reported with its difference. Its report is read from the mapping the poll kept
(its deposit and fingerprint), downloaded only when not posted.

The comparison (:func:`compare`) is pure; :func:`report` reads the store's list and one Xero
document per posted settlement.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from xerosync.drift import Difference
from xerosync.sources.port import SettlementFound, SettlementStore, StoreError
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
    issues: dict[str, tuple[SettlementFound, Decimal, str, str]] = {}  # settlement key -> its latest issue
    for found in store.settlements(start, end):
        if found.revision:
            try:
                key, deposit, lines = _issue(store, mappings, found)
            except StoreError as exc:
                why = f"the report could not be read ({type(exc).__name__}: {exc}): the next run tries again"
                result.differences.append(Difference(found.key, "report", "unread", "", True, why))
                continue
            if key not in issues or issues[key][0].issued <= found.issued:
                issues[key] = (found, deposit, lines, key)
            continue
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
    for found, deposit, lines, key in issues.values():
        result.settlements += 1
        posted = mappings.get(key)
        if state_of(posted) == "posted":
            result.deposits += deposit
        documents = _issue_documents(xero, mappings, posted)
        final = documents.get(key)
        if final is not None and str(final.get("Status")) not in GONE:
            result.xero += _money(final.get("Total")) * (-1 if deposit < 0 else 1)
        result.differences += compare_issue(
            found, key, deposit, lines, posted, mappings.get(payment_key(key)), documents
        )
    return result


def _issue(store: SettlementStore, mappings: Mappings, found: SettlementFound) -> tuple[str, Decimal, str]:
    """One issue of a settlement (an Amazon report): its settlement's key, its deposit and the
    fingerprint of its lines, from the mapping when the poll read it, else read from the store."""
    known = mappings.get(found.key)
    if known is not None and known.data.get("settlement"):
        return str(known.data["settlement"]), _money(known.data.get("deposit")), str(known.data.get("lines", ""))
    settlement = store.settlement(found.id)
    return settlement.key, settlement.deposit, settlement.fingerprint


def _issue_documents(
    xero: XeroSettlementDocuments, mappings: Mappings, posted: Mapping | None
) -> dict[str, dict[str, Any] | None]:
    """Xero's documents of a posted settlement by mapping key (None: not found in Xero), and
    those a re-issue took off, by their Xero id."""
    if state_of(posted) != "posted":
        return {}
    assert posted is not None
    found: dict[str, dict[str, Any] | None] = {}
    for key in [*posted.data.get("parts", []), posted.key]:
        mapping = posted if key == posted.key else mappings.get(key)
        found[key] = _document(xero, mapping) if mapping is not None else None
    for entry in posted.data.get("taken_off", []):
        gone = Mapping(str(entry["key"]), str(entry["id"]), data={"document": entry["document"]})
        found[f"off:{entry['id']}"] = _document(xero, gone)
    return found


def compare_issue(
    found: SettlementFound,
    key: str,
    deposit: Decimal,
    lines: str,
    posted: Mapping | None,
    paid: Mapping | None,
    documents: dict[str, dict[str, Any] | None],
) -> list[Difference]:
    """A settlement a store may issue more than once (Amazon's report of it) against Xero: its
    latest issue's total-amount against the document of the deposit, each earlier month's
    document at zero, documents a re-issue took off still off, and the payment; a re-issue Xero
    does not reflect is named, fixable (the next poll replaces it) or held (Xero is king)."""
    if posted is None:
        why = f"report {found.revision} not posted yet: the next poll posts it"
        return [Difference(key, "document", f"{deposit:.2f}", "none", True, why)]
    if state_of(posted) == "reversed":
        return [Difference(key, "document", f"{deposit:.2f}", "reversed", False, "taken off the books earlier")]
    differences: list[Difference] = []
    held: dict[str, Any] = {}
    if posted.data.get("lines") not in (None, lines):
        held = dict(posted.data.get("reissued") or {})
        if held.get("lines") == lines:
            why = (
                f"Amazon re-issued it (report {found.revision}) after Xero held it: {held.get('why')}; "
                f"Xero left as it was ({held.get('difference')} apart): correct it in Xero"
            )
            differences.append(Difference(key, "re-issue", f"{deposit:.2f}", str(held.get("xero")), False, why))
        else:
            why = f"Amazon re-issued it (report {found.revision}): the next poll replaces Xero's documents"
            return [Difference(key, "re-issue", f"{deposit:.2f}", str(posted.data.get("deposit")), True, why)]
    for part_key, document in documents.items():
        if part_key.startswith("off:"):
            if document is not None and str(document.get("Status")) not in GONE:
                number = document.get("InvoiceNumber") or document.get("CreditNoteNumber") or part_key[4:]
                why = f"{number} was replaced by a re-issue but is {document.get('Status')} in Xero: an extra document"
                differences.append(Difference(key, "extra", "none", f"{_money(document.get('Total')):.2f}", False, why))
            continue
        if document is None or str(document.get("Status")) in GONE:
            shown = "not found" if document is None else str(document.get("Status"))
            why = f"{part_key}: taken off the books in Xero by hand: a missing document"
            differences.append(Difference(key, "missing", "posted", shown, False, why))
            continue
        total = _money(document.get("Total"))
        expected = abs(deposit) if part_key == key else ZERO
        if total != expected and not (part_key == key and held):
            number = document.get("InvoiceNumber") or document.get("CreditNoteNumber") or part_key
            why = f"{number} differs from the report by {expected - total:.2f}"
            differences.append(Difference(key, "total", f"{expected:.2f}", f"{total:.2f}", False, why))
    final = documents.get(key)
    if final is not None and not held:
        differences += [
            d
            for d in compare(
                SettlementFound(key, found.id, "paid", found.issued, deposit, found.currency, found.label),
                posted,
                paid,
                final,
            )
            if d.what == "payment"
        ]
    return differences


def _document(xero: XeroSettlementDocuments, posted: Mapping) -> dict[str, Any] | None:
    """The Xero document a mapping names (None: Xero no longer has it)."""
    kind = posted.data.get("document")
    try:
        if kind == "bank_transaction":
            return xero.get_bank_transaction(posted.xero_id)
        if kind == "credit_note":
            return xero.get_credit_note(posted.xero_id)
        return xero.get_invoice(posted.xero_id)
    except XeroNotFound:
        return None
