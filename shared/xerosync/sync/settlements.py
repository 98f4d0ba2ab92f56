"""Post a settlement once, and take it back off the books when it fails after posting.

A settlement's document is created with :func:`xerosync.sync.base.create_once` under the
settlement's own key (``payout:623721858``), and summary mode's payment under
``<key>#payment``: whatever the schedule, the retries and crashes do, each is created at most
once (a crash between the invoice and its payment leaves the invoice recorded; the next poll
pays it). Before anything is sent, the booking must add up to the deposit to the cent
(:meth:`~xerosync.settlement.Booking.problem`); a settlement that does not is parked with the
difference named, and so is one that pays out again the money of a failed settlement still
posted in Xero (it would be counted twice until that one is reversed).

A reversal (the settlement FAILED or was CANCELED after it was posted) deletes the bank
transaction (per-order mode), or deletes the payment and voids the invoice or credit note
(a draft is deleted): Xero refuses either once the deposit is reconciled in Xero, and then says
so, and the refusal is logged with Xero's words and tried again by the next poll.
"""

from collections.abc import Callable
from collections.abc import Mapping as Mapping_
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from xerosync.config import StoreSettings
from xerosync.domain import Sale
from xerosync.observability import reason_of
from xerosync.settlement import Booking, Part, Settlement, book
from xerosync.sources.port import SettlementFound, SettlementStore, StoreError, StoreUnavailable
from xerosync.sync.base import Outcome, create_once, holding
from xerosync.sync.ports import ClaimLost, Mapping, Mappings
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroAuthError, XeroRejected
from xerosync.xero.governor import BudgetExhausted
from xerosync.xero.payloads import content_hash
from xerosync.xero.settlement_payloads import bank_transaction, settlement_payment, summary_document

State = Literal["posted", "reversed"]


class SettlementXero(Protocol):
    """The operations of :class:`xerosync.xero.client.XeroClient` settlements use."""

    def create_bank_transactions(
        self, transactions: list[dict[str, Any]], *, idempotency_key: str
    ) -> list[ElementResult]: ...

    def bank_transactions_by_reference(self, reference: str) -> list[dict[str, Any]]: ...

    def update_bank_transaction(
        self, transaction_id: str, transaction: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult: ...

    def create_invoices(self, invoices: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...

    def get_invoice(self, invoice_id: str) -> dict[str, Any]: ...

    def update_invoice(self, invoice_id: str, invoice: dict[str, Any], *, idempotency_key: str) -> ElementResult: ...

    def create_credit_notes(self, notes: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def credit_notes_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...

    def get_credit_note(self, credit_note_id: str) -> dict[str, Any]: ...

    def update_credit_note(
        self, credit_note_id: str, note: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult: ...

    def create_payments(self, payments: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def delete_payment(self, payment_id: str, *, idempotency_key: str) -> ElementResult: ...


def payment_key(key: str) -> str:
    return f"{key}#payment"


def state_of(mapping: Mapping | None) -> State | None:
    if mapping is None:
        return None
    return "reversed" if mapping.data.get("state") == "reversed" else "posted"


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def post_settlement(booking: Booking, *, mappings: Mappings, xero: SettlementXero) -> Outcome:
    """Post ``booking``'s document (and, in summary mode, its payment), each at most once."""
    s = booking.settlement
    known = mappings.get(s.key)
    if state_of(known) == "reversed":
        assert known is not None
        return Outcome("skipped", s.key, known.xero_id, reason="reversed earlier: the settlement failed after posting")
    problem = booking.problem()
    if problem:
        return Outcome("parked", s.key, reason=problem)
    for earlier in s.retries:
        if state_of(mappings.get(earlier)) == "posted":
            return Outcome(
                "parked",
                s.key,
                reason=f"it pays out again the money of {earlier}, which failed but is still posted in Xero: "
                "that one is reversed first (the next poll does it), or it would count twice",
            )
    also: list[str] = []
    for part in booking.earlier:  # a settlement split by month: the earlier months first, each once
        if _document(booking, mappings, xero, part).record is not None:
            also.append(f"{part.number} created")
    document = _document(booking, mappings, xero)
    action = "created" if document.record is not None or also else "unchanged"
    if booking.document != "bank_transaction" and booking.status == "AUTHORISED" and s.deposit != 0:
        paid = _payment(booking, document.mapping.xero_id, mappings, xero)
        if paid.record is not None:
            also.append("payment created")
            action = "created"
    return Outcome(action, s.key, document.mapping.xero_id, reason=_summary(booking), also=tuple(also))


def _summary(booking: Booking) -> str:
    s = booking.settlement
    words = {"bank_transaction": "bank transaction", "invoice": "invoice", "credit_note": "credit note", "bill": "bill"}
    text = f"{words[booking.document]} {booking.number} of {s.deposit} {s.currency} ({len(booking.lines)} lines)"
    if booking.earlier:
        text += f", after {', '.join(p.number for p in booking.earlier)} (carried forward to it)"
    return text + ("; " + "; ".join(booking.notes) if booking.notes else "")


def _document(booking: Booking, mappings: Mappings, xero: SettlementXero, part: Part | None = None) -> Any:
    """One document of the settlement (``part``: an earlier month's; unset: the one of the deposit)."""
    s = booking.settlement
    kind = booking.document
    part = part or booking.parts[-1]
    body = bank_transaction(booking) if kind == "bank_transaction" else summary_document(booking, part)

    def find() -> dict[str, Any] | None:
        if kind == "bank_transaction":
            found = xero.bank_transactions_by_reference(booking.reference)
            return next(
                (
                    t
                    for t in found
                    if t.get("Status") == "AUTHORISED"
                    and _money(t.get("Total")) == abs(s.deposit)
                    and str(t.get("Type")) == body["Type"]
                ),
                None,
            )
        numbers = (
            xero.credit_notes_by_number([part.number])
            if kind == "credit_note"
            else xero.invoices_by_number([part.number])
        )
        return next((d for d in numbers if d.get("Status") not in ("DELETED", "VOIDED")), None)

    def create(claim: str) -> ElementResult:
        key = f"{part.key}:{kind}:{claim}"
        if kind == "bank_transaction":
            return xero.create_bank_transactions([body], idempotency_key=key)[0]
        if kind == "credit_note":
            return xero.create_credit_notes([body], idempotency_key=key)[0]
        return xero.create_invoices([body], idempotency_key=key)[0]

    id_field = {
        "bank_transaction": "BankTransactionID",
        "invoice": "InvoiceID",
        "bill": "InvoiceID",
        "credit_note": "CreditNoteID",
    }[kind]

    def record(found: dict[str, Any], created: bool) -> Mapping:
        return Mapping(
            key=part.key,
            xero_id=str(found[id_field]),
            content_hash=content_hash(body),
            xero_number=part.number,
            source_modified=None,
            updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            data={
                "document": kind,
                "state": "posted",
                "type": body["Type"],
                "status": booking.status,
                "bank": booking.bank_account,
                "deposit": str(s.deposit),
                "currency": s.currency,
                "date": s.date.isoformat(),
                "reference": booking.reference,
                "adopted": not created,
                **({"period": part.period} if part.period else {}),
                **({"parts": [p.key for p in booking.earlier]} if booking.earlier and part.key == s.key else {}),
            },
        )

    taken = None if kind == "bank_transaction" else (lambda r: any("must be unique" in e for e in r.errors))
    return create_once(
        mappings, part.key, find=find, create=create, record=record, look_up_first_claim=False, taken=taken
    )


def _payment(booking: Booking, document_id: str, mappings: Mappings, xero: SettlementXero) -> Any:
    s = booking.settlement
    key = payment_key(s.key)
    credit = booking.document == "credit_note"

    def find() -> dict[str, Any] | None:
        document = xero.get_credit_note(document_id) if credit else xero.get_invoice(document_id)
        return next(
            (
                p
                for p in document.get("Payments") or []
                if _money(p.get("Amount")) == abs(s.deposit) and p.get("Status", "AUTHORISED") != "DELETED"
            ),
            None,
        )

    def create(claim: str) -> ElementResult:
        return xero.create_payments([settlement_payment(booking, document_id)], idempotency_key=f"{key}:{claim}")[0]

    def record(found: dict[str, Any], created: bool) -> Mapping:
        return Mapping(
            key=key,
            xero_id=str(found["PaymentID"]),
            updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            data={"state": "posted", "amount": str(abs(s.deposit)), "document": document_id},
        )

    return create_once(mappings, key, find=find, create=create, record=record, look_up_first_claim=False)


def reverse_settlement(key: str, why: str, *, mappings: Mappings, xero: SettlementXero) -> Outcome:
    """Take a posted settlement off the books (it failed or was cancelled after posting)."""
    with holding(mappings, key):
        known = mappings.get(key)
        if known is None:
            return Outcome("skipped", key, reason=f"{why}; never posted: nothing to reverse")
        if state_of(known) == "reversed":
            return Outcome("unchanged", key, known.xero_id, reason="reversed earlier")
        data = known.data
        document = str(data.get("document"))
        if document == "bank_transaction":
            body = {
                "Type": data.get("type", "RECEIVE"),
                "BankAccount": {"Code": data.get("bank", "")},
                "LineItems": [],  # keeps the lines: the spec wants the field, Xero's update example sends it empty
                "Status": "DELETED",
            }
            _ok(xero.update_bank_transaction(known.xero_id, body, idempotency_key=f"{key}:reverse"))
            action = "deleted"
        else:
            paid = mappings.get(payment_key(key))
            if paid is not None and paid.data.get("state") != "deleted":
                _ok(xero.delete_payment(paid.xero_id, idempotency_key=f"{key}:reverse-payment"))
                mappings.put(replace(paid, data={**paid.data, "state": "deleted"}))
            action = "voided" if data.get("status") == "AUTHORISED" else "deleted"
            status = {"Status": action.upper()}
            for part_key in [*data.get("parts", []), key]:  # a settlement split by month: every month's
                part = known if part_key == key else mappings.get(part_key)
                if part is None or part.data.get("state") == "reversed":
                    continue
                if document == "credit_note":
                    _ok(xero.update_credit_note(part.xero_id, status, idempotency_key=f"{part_key}:reverse"))
                else:
                    _ok(xero.update_invoice(part.xero_id, status, idempotency_key=f"{part_key}:reverse"))
                if part is not known:
                    mappings.put(replace(part, data={**part.data, "state": "reversed", "why": why}))
        reversed_at = datetime.now(UTC).isoformat(timespec="seconds")
        mappings.put(replace(known, data={**data, "state": "reversed", "why": why, "reversed_at": reversed_at}))
        return Outcome(action, key, known.xero_id, reason=why)


def _ok(result: ElementResult) -> None:
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)


# --- one poll: what the store paid out since a watermark ------------------------------------------
@dataclass
class PollReport:
    """What one poll found and did, settlement by settlement."""

    listed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, why): tried again next poll
    waiting: list[str] = field(default_factory=list)  # issued, not paid yet
    unfinished: list[datetime] = field(default_factory=list)  # issue times the watermark must not pass
    latest: datetime | None = None  # the latest issue time seen
    stopped: str = ""  # why the poll stopped early (time, Xero's budget), if it did

    def count(self, *actions: str) -> int:
        return sum(1 for o in self.outcomes if o.action in actions)

    def summary(self) -> dict[str, Any]:
        return {
            "listed": self.listed,
            "posted": self.count("created"),
            "unchanged": self.count("unchanged", "skipped"),
            "reversed": self.count("deleted", "voided"),
            "parked": self.count("parked"),
            "failed": len(self.failed),
            "waiting": len(self.waiting),
            "stopped": self.stopped,
        }

    def watermark(self, previous: datetime | None) -> datetime | None:
        """Where the next poll starts (before its overlap): at the first settlement not finished,
        else after the latest one seen."""
        if self.unfinished:
            return min(self.unfinished)
        return max((t for t in (self.latest, previous) if t is not None), default=None)


Sales = Callable[[Settlement], Mapping_[str, Sale]]


def poll(
    store: SettlementStore,
    *,
    since: datetime,
    until: datetime | None = None,
    settings: StoreSettings,
    sales: Sales,
    mappings: Mappings,
    xero: SettlementXero,
    deadline: Callable[[], bool] = lambda: False,
    progress: Callable[[SettlementFound, Outcome | None], None] | None = None,
) -> PollReport:
    """Every settlement issued from ``since``: a paid one not posted yet is posted; one that
    failed or was cancelled after posting is reversed (before anything is posted: a later one may
    pay its money out again); one still pending waits. One settlement's failure is its own: it
    is reported, and tried again by the next poll (the watermark stays before it)."""
    report = PollReport()
    found: list[SettlementFound] = []
    try:
        for listed in store.settlements(since, until):  # oldest first: what is read is before the rest
            found.append(listed)
    except StoreUnavailable as exc:  # a rate limit mid-listing: post what was read, the next poll goes on
        report.stopped = f"the store is unavailable ({reason_of(exc)}): the next poll continues"
        if found:
            report.unfinished.append(found[-1].issued)  # never past the last one listed
    report.listed = len(found)
    found.sort(key=lambda f: (f.status == "paid", f.issued))  # reversals first
    for item in found:
        report.latest = max(item.issued, report.latest) if report.latest else item.issued
        if deadline():
            report.stopped = "out of time: the next poll continues"
            report.unfinished.append(item.issued)
            continue
        outcome: Outcome | None = None
        try:
            if item.status in ("failed", "canceled"):
                why = f"{item.label or item.key} {item.status.upper()} after it was issued"
                outcome = reverse_settlement(item.key, why, mappings=mappings, xero=xero)
            elif item.status == "pending":
                report.waiting.append(item.key)
                report.unfinished.append(item.issued)
            elif state_of(mappings.get(item.key)) == "reversed":
                outcome = Outcome("skipped", item.key, reason="reversed earlier: it failed after posting")
            elif state_of(mappings.get(item.key)) is None or _unpaid(item, mappings):
                settlement = store.settlement(item.id)
                outcome = post_settlement(book(settlement, settings, sales(settlement)), mappings=mappings, xero=xero)
            else:
                outcome = Outcome("unchanged", item.key, reason="posted earlier")
        except BudgetExhausted:
            report.stopped = "Xero's call budget is spent for now: the next poll continues"
            report.unfinished.append(item.issued)
            break
        except (XeroAuthError, ClaimLost):
            raise
        except Exception as exc:  # this settlement alone: the others go on
            report.failed.append((item.key, f"{type(exc).__name__}: {reason_of(exc)}"))
            report.unfinished.append(item.issued)
        if outcome is not None:
            report.outcomes.append(outcome)
            if outcome.action == "parked":
                report.unfinished.append(item.issued)
        if progress is not None:
            progress(item, outcome)
    return report


def _unpaid(item: SettlementFound, mappings: Mappings) -> bool:
    """A summary document posted without its payment (a crash, a refusal): post it again."""
    known = mappings.get(item.key)
    if known is None or known.data.get("document") == "bank_transaction" or known.data.get("status") != "AUTHORISED":
        return False
    return item.deposit != 0 and mappings.get(payment_key(item.key)) is None


def read_sales(settlement: Settlement, store: Any, source: Any, settings: StoreSettings) -> dict[str, Sale]:
    """The sales a settlement carries, read from the store (summary mode books them); one that
    cannot be read is left out (its money is then one line, noted)."""
    if settings.settlements.mode != "summary":
        return {}
    found: dict[str, Sale] = {}
    for key in settlement.sale_keys():
        try:
            record = store.fetch("order", key.split(":", 1)[1])
            if record.gone:
                continue
            sale = source.read("order", record.raw, settings)
        except StoreError:
            continue
        if isinstance(sale, Sale):
            found[key] = sale
    return found
