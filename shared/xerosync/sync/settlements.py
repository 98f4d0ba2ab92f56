"""Post a settlement once, and take it back off the books when it fails after posting.

A settlement's document is created with :func:`xerosync.sync.base.create_once` under the
settlement's own key (``payout:623721858``), and summary mode's payment under
``<key>#payment``: whatever the schedule, the retries and crashes do, each is created at most
once (a crash between the invoice and its payment leaves the invoice recorded; the next poll
pays it). Before anything is sent, the booking must add up to the deposit to the cent
(:meth:`~xerosync.settlement.Booking.problem`); a settlement that does not is parked with the
difference named, and so is one that pays out again the money of a failed settlement still
posted in Xero (it would be counted twice until that one is reversed).

A store may issue a settlement again with other content (Amazon re-issues a corrected report
under the same settlement id): the mapping keeps a fingerprint of the content each settlement was
posted from, so the same content read again costs nothing, and other content replaces Xero's
documents while Xero allows it, or is ``held`` and reported once Xero holds them paid or
reconciled (:func:`replace_settlement`). Such a store lists each issue unread
(:attr:`~xerosync.sources.port.SettlementFound.revision`); an issue once posted is recorded under
its own key and never read again.

A reversal (the settlement FAILED or was CANCELED after it was posted) deletes the bank
transaction (per-order mode), or deletes the payment and voids the invoice or credit note
(a draft is deleted): Xero refuses either once the deposit is reconciled in Xero, and then says
so, and the refusal is logged with Xero's words and tried again by the next poll.
"""

from collections.abc import Callable, Iterator
from collections.abc import Mapping as Mapping_
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from xerosync.config import StoreSettings
from xerosync.domain import Sale
from xerosync.observability import reason_of
from xerosync.settlement import Booking, Part, Settlement, book
from xerosync.sources.port import (
    Found,
    SettlementFound,
    SettlementStore,
    StoreError,
    StoreUnavailable,
    sales_reader_of,
)
from xerosync.sync.base import Outcome, create_once, holding
from xerosync.sync.ports import ClaimLost, Mapping, Mappings
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroAuthError, XeroNotFound, XeroRejected
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

    def get_payment(self, payment_id: str) -> dict[str, Any]: ...

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
    found: list[str] = []  # what an earlier attempt posted and never recorded (it ended first): recorded now
    for part in booking.earlier:  # a settlement split by month: the earlier months first, each once
        if _document(booking, mappings, xero, part, found=found).record is not None:
            also.append(f"{part.number} created")
    document = _document(booking, mappings, xero, found=found)
    action = "created" if document.record is not None or also else "unchanged"
    if booking.document != "bank_transaction" and booking.status == "AUTHORISED" and s.deposit != 0:
        paid = _payment(booking, document.mapping.xero_id, mappings, xero, found=found)
        if paid.record is not None:
            also.append("payment created")
            action = "created"
    if found:  # its sync log entry died with that attempt: this run's says it is on the books
        also.append(f"{' and '.join(found)} found in Xero (posted by an attempt that ended before recording it)")
        action = "matched" if action == "unchanged" else action
    return Outcome(action, s.key, document.mapping.xero_id, reason=_summary(booking), also=tuple(also))


def settle(booking: Booking, *, mappings: Mappings, xero: SettlementXero) -> Outcome:
    """A settlement as the store now reports it. Posted once; the same content read again posts
    nothing and calls Xero for nothing (or finishes a posting a crash cut short, as
    :func:`post_settlement` does); other content under the same id (a settlement the store
    issued again, corrected) replaces what was posted, while Xero allows it
    (:func:`replace_settlement`)."""
    s = booking.settlement
    known = mappings.get(s.key)
    if known is None or state_of(known) == "reversed" or known.data.get("lines") in (None, s.fingerprint):
        return post_settlement(booking, mappings=mappings, xero=xero)
    return replace_settlement(booking, mappings=mappings, xero=xero)


EDITABLE = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID")  # PAID: only when the payment is ours, not reconciled


def replace_settlement(booking: Booking, *, mappings: Mappings, xero: SettlementXero) -> Outcome:
    """A settlement issued again with other content: Xero is made to hold the new one, or, once
    Xero holds it as paid or reconciled, left alone and the difference reported ("Xero is king").

    While every document of the settlement is a draft, or approved with no money on it but the
    payment xerosync made from the bank and that payment is not reconciled with the bank
    statement, the payment is deleted, each document of a month the new content still has is
    updated in place with the new lines (Xero lets a document with no payment be edited:
    https://developer.xero.com/documentation/api/accounting/invoices), one of a month it no longer
    has is voided (deleted when a draft), one of a new month or of another type (an invoice
    become a bill) is created, and the deposit is paid again. Otherwise nothing in Xero changes:
    the outcome is ``held``, naming the new deposit, Xero's and the difference, and the mapping
    keeps it (``reissued``) for the drift report. A replacement writes the new content's
    fingerprint last (what it will take off is recorded first), so a run cut short anywhere is
    finished by the next one, and the same content read again then costs nothing."""
    s = booking.settlement
    label = s.label or s.key
    issue = f"re-issued (report {s.revision})" if s.revision else "issued again with other lines"
    problem = booking.problem()
    if problem:
        return Outcome("parked", s.key, reason=f"{issue}: {problem}; Xero keeps the earlier issue")
    with holding(mappings, s.key):
        known = mappings.get(s.key)
        assert known is not None
        if known.data.get("lines") == s.fingerprint:
            return Outcome("unchanged", s.key, known.xero_id, reason="replaced earlier")
        if known.data.get("document") == "bank_transaction" or booking.document == "bank_transaction":
            return _held(booking, known, mappings, "a bank transaction (per-order mode) is not replaced", None)
        fp = s.fingerprint
        claim = fp[:16]
        olds = {k: mappings.get(k) for k in [*known.data.get("parts", []), s.key]}
        live = {k: m for k, m in olds.items() if m is not None and m.data.get("state") != "reversed"}
        documents = {k: _read(xero, m) for k, m in live.items()}
        paid = mappings.get(payment_key(s.key))
        ours = paid.xero_id if paid is not None and paid.data.get("state") != "deleted" else ""
        # a run cut short after paying the new deposit: that payment is this replacement's own
        mine = {ours} | {
            str(p.get("PaymentID"))
            for p in (documents.get(s.key) or {}).get("Payments") or []
            if known.data.get("replacing") == fp and _money(p.get("Amount")) == abs(s.deposit)
        }
        locked = _locked(documents, mine - {""}, ours, xero)
        if locked:
            return _held(booking, known, mappings, locked, documents.get(s.key))
        # what to take off Xero: documents of months the new content no longer has, or of another
        # type; kept in the mapping first, so a run cut short takes them off the next time
        retire: list[dict[str, str]] = list(known.data.get("retire") or [])
        new_keys = {p.key for p in booking.parts}
        for key, old in live.items():
            if key not in new_keys or old.data.get("document") != booking.document:
                entry = {"key": key, "id": old.xero_id, "document": str(old.data.get("document"))}
                retire += [entry] if entry not in retire else []
        retired = {r["id"] for r in retire}
        known = replace(known, data={**known.data, "retire": retire})
        mappings.put(known)
        also: list[str] = []
        if ours and paid is not None and paid.data.get("lines") != fp:  # the earlier content's payment
            if any(_has_payment(d, ours) for d in documents.values()):
                _ok(xero.delete_payment(ours, idempotency_key=f"{s.key}:replace-payment:{claim}"))
                also.append("payment deleted")
            mappings.put(replace(paid, data={**paid.data, "state": "deleted"}))
        final = known
        for part in booking.parts:
            was = live.get(part.key)
            body = _body(booking, part)
            if was is not None and was.xero_id not in retired:
                if fp not in (was.data.get("lines"), was.data.get("replacing")):  # not done by a run cut short
                    update = xero.update_credit_note if booking.document == "credit_note" else xero.update_invoice
                    _ok(update(was.xero_id, body, idempotency_key=f"{part.key}:replace:{claim}"))
                    also.append(f"{part.number} replaced")
                mapping = _mapping(booking, part, was.xero_id, body, adopted=False)
            else:
                mapping = _document(booking, mappings, xero, part, under=f"{part.key}@{claim}").mapping
                also.append(f"{part.number} created")
            if part.key == s.key:  # the settlement's own mapping takes the new fingerprint last
                data = {**mapping.data, "lines": known.data.get("lines"), "replacing": fp, "retire": retire}
                final = replace(mapping, data=data)
                mappings.put(final)
            else:
                mappings.put(mapping)
        if booking.status == "AUTHORISED" and s.deposit != 0:
            made = _payment(booking, final.xero_id, mappings, xero, under=f"{payment_key(s.key)}@{claim}")
            also += ["payment created"] if made.record else []
        for entry in retire:
            also.append(_take_off(xero, entry, claim))
            if entry["key"] not in new_keys and (gone := mappings.get(entry["key"])) is not None:
                mappings.put(replace(gone, data={**gone.data, "state": "reversed", "why": f"{label} {issue}"}))
        data = {k: v for k, v in final.data.items() if k not in ("retire", "reissued", "replacing")}
        off = [*known.data.get("taken_off", []), *(r for r in retire if r not in known.data.get("taken_off", []))]
        data.update({"lines": fp, **({"taken_off": off} if off else {})})  # the drift report checks they stay off
        mappings.put(replace(final, data=data))
        first = olds.get(s.key)
        before = _money(first.data.get("deposit")) if first is not None else None
        reason = f"{label} {issue}: deposit {s.deposit} {s.currency} (was {before}); {_summary(booking)}"
        return Outcome("replaced", s.key, final.xero_id, reason=reason, also=tuple(also))


def _read(xero: SettlementXero, mapping: Mapping) -> dict[str, Any]:
    if mapping.data.get("document") == "credit_note":
        return xero.get_credit_note(mapping.xero_id)
    return xero.get_invoice(mapping.xero_id)


def _has_payment(document: dict[str, Any], payment_id: str) -> bool:
    return any(p.get("PaymentID") == payment_id for p in document.get("Payments") or [])


def _number(document: dict[str, Any]) -> str:
    return str(document.get("InvoiceNumber") or document.get("CreditNoteNumber") or "its document")


def _locked(documents: Mapping_[str, dict[str, Any]], mine: set[str], ours: str, xero: SettlementXero) -> str:
    """Why Xero's documents of a settlement must stay as they are ("" when they may change):
    ``mine`` are the payments xerosync made, ``ours`` the one of the content being replaced."""
    for document in documents.values():
        status = str(document.get("Status"))
        if status not in EDITABLE:
            return f"{_number(document)} is {status} in Xero"
        others = [p for p in document.get("Payments") or [] if p.get("PaymentID") not in mine]
        if others:
            return f"{_number(document)} has a payment in Xero that xerosync did not make"
        if _money(document.get("AmountCredited")):
            return f"{_number(document)} has a credit allocated in Xero"
    applied = bool(ours) and any(_has_payment(d, ours) for d in documents.values())
    if applied and xero.get_payment(ours).get("IsReconciled"):
        return "its payment is reconciled with the bank statement in Xero"
    return ""


def _signed_total(document: dict[str, Any]) -> Decimal:
    """The deposit a Xero document stands for: a bill (ACCPAY) or a credit note is a negative
    deposit, an ACCREC invoice a positive one, whatever the sign of the content replacing it."""
    total = _money(document.get("Total"))
    negative = document.get("Type") in ("ACCPAY", "ACCRECCREDIT", "ACCPAYCREDIT") or "CreditNoteID" in document
    return -total if negative else total


def _held(booking: Booking, known: Mapping, mappings: Mappings, why: str, document: dict[str, Any] | None) -> Outcome:
    s = booking.settlement
    label = s.label or s.key
    issue = f"re-issued (report {s.revision})" if s.revision else "issued again with other lines"
    xero_total = _signed_total(document) if document is not None else _money(known.data.get("deposit"))
    difference = s.deposit - xero_total
    held = {
        "revision": s.revision,
        "lines": s.fingerprint,
        "deposit": str(s.deposit),
        "xero": str(xero_total),
        "difference": str(difference),
        "why": why,
    }
    mappings.put(replace(known, data={**known.data, "reissued": held}))
    reason = (
        f"{label} {issue}: its deposit is now {s.deposit} {s.currency}, Xero holds {xero_total} "
        f"({difference} apart); Xero left as it is: {why}. Correct it in Xero by hand (a credit note or an "
        "adjustment) if the new report is right"
    )
    return Outcome("held", s.key, known.xero_id, reason=reason)


def _take_off(xero: SettlementXero, entry: Mapping_[str, str], claim: str) -> str:
    """Void an approved document (delete a draft) that a re-issued settlement no longer has;
    one already off the books (a run cut short did it) is left."""
    credit = entry["document"] == "credit_note"
    try:
        document = xero.get_credit_note(entry["id"]) if credit else xero.get_invoice(entry["id"])
    except XeroNotFound:
        return f"{entry['key']} gone"
    status = str(document.get("Status"))
    if status in ("VOIDED", "DELETED"):
        return f"{_number(document)} {status.lower()}"
    target = "DELETED" if status in ("DRAFT", "SUBMITTED") else "VOIDED"
    key = f"{entry['key']}:take-off:{claim}"
    update = xero.update_credit_note if credit else xero.update_invoice
    _ok(update(entry["id"], {"Status": target}, idempotency_key=key))
    return f"{_number(document)} {target.lower()}"


def _summary(booking: Booking) -> str:
    s = booking.settlement
    words = {"bank_transaction": "bank transaction", "invoice": "invoice", "credit_note": "credit note", "bill": "bill"}
    text = f"{words[booking.document]} {booking.number} of {s.deposit} {s.currency} ({len(booking.lines)} lines)"
    if booking.earlier:
        text += f", after {', '.join(p.number for p in booking.earlier)} (carried forward to it)"
    return text + ("; " + "; ".join(booking.notes) if booking.notes else "")


def _document(
    booking: Booking,
    mappings: Mappings,
    xero: SettlementXero,
    part: Part | None = None,
    *,
    under: str = "",
    found: list[str] | None = None,
) -> Any:
    """One document of the settlement (``part``: an earlier month's; unset: the one of the deposit).
    ``under``: claim it under this key rather than the part's own (a document created again for a
    re-issued settlement, whose part key still maps the one it replaces); the mapping returned is
    keyed by the part, for the caller to put. Its number is added to ``found`` when it was found
    in Xero rather than created."""
    s = booking.settlement
    kind = booking.document
    part = part or booking.parts[-1]
    body = _body(booking, part)

    def find() -> dict[str, Any] | None:
        if kind == "bank_transaction":
            listed = xero.bank_transactions_by_reference(booking.reference)
            return next(
                (
                    t
                    for t in listed
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

    def record(existing: dict[str, Any], created: bool) -> Mapping:
        if not created and found is not None:
            found.append(part.number)
        return _mapping(booking, part, str(existing[id_field]), body, adopted=not created, key=under or part.key)

    taken = None if kind == "bank_transaction" else (lambda r: any("must be unique" in e for e in r.errors))
    made = create_once(
        mappings, under or part.key, find=find, create=create, record=record, look_up_first_claim=False, taken=taken
    )
    return replace(made, mapping=replace(made.mapping, key=part.key)) if under else made


def _body(booking: Booking, part: Part) -> dict[str, Any]:
    return bank_transaction(booking) if booking.document == "bank_transaction" else summary_document(booking, part)


def _mapping(
    booking: Booking, part: Part, xero_id: str, body: dict[str, Any], *, adopted: bool, key: str = ""
) -> Mapping:
    """What the mapping table keeps of one document of a settlement: with the fingerprint of the
    store's content it was posted from (``lines``), which a settlement issued again is compared with."""
    s = booking.settlement
    return Mapping(
        key=key or part.key,
        xero_id=xero_id,
        content_hash=content_hash(body),
        xero_number=part.number,
        source_modified=None,
        updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data={
            "document": booking.document,
            "state": "posted",
            "type": body["Type"],
            "status": booking.status,
            "bank": booking.bank_account,
            "deposit": str(s.deposit),
            "currency": s.currency,
            "date": s.date.isoformat(),
            "reference": booking.reference,
            "adopted": adopted,
            "lines": s.fingerprint,
            **({"revision": s.revision} if s.revision else {}),
            **({"total": str(part.total)} if part.key != s.key else {}),
            **({"period": part.period} if part.period else {}),
            **({"parts": [p.key for p in booking.earlier]} if booking.earlier and part.key == s.key else {}),
        },
    )


def _payment(
    booking: Booking,
    document_id: str,
    mappings: Mappings,
    xero: SettlementXero,
    *,
    under: str = "",
    found: list[str] | None = None,
) -> Any:
    s = booking.settlement
    key = under or payment_key(s.key)
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

    def record(existing: dict[str, Any], created: bool) -> Mapping:
        if not created and found is not None:
            found.append("its payment")
        return Mapping(
            key=key,
            xero_id=str(existing["PaymentID"]),
            updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            data={"state": "posted", "amount": str(abs(s.deposit)), "document": document_id, "lines": s.fingerprint},
        )

    made = create_once(mappings, key, find=find, create=create, record=record, look_up_first_claim=False)
    if under:
        made = replace(made, mapping=replace(made.mapping, key=payment_key(s.key)))
        mappings.put(made.mapping)
    return made


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
            "posted": self.count("created", "matched"),
            "unchanged": self.count("unchanged", "skipped"),
            "reversed": self.count("deleted", "voided"),
            "replaced": self.count("replaced"),
            "held": self.count("held"),
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
    again_held: bool = False,
) -> PollReport:
    """Every settlement issued from ``since``: a paid one not posted yet is posted; one that
    failed or was cancelled after posting is reversed (before anything is posted: a later one may
    pay its money out again); one still pending waits. One settlement's failure is its own: it
    is reported, and tried again by the next poll (the watermark stays before it). An issue once
    held (a re-issue Xero kept as it was) is read again only with ``again_held`` (the operator's
    push, once the documents are editable again in Xero)."""
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
            elif item.revision and _issued(mappings.get(item.key), again_held):
                outcome = Outcome(
                    "unchanged", item.key, reason="this issue was read and posted earlier: not read again"
                )
            elif state_of(mappings.get(item.key)) == "reversed":
                outcome = Outcome("skipped", item.key, reason="reversed earlier: it failed after posting")
            elif item.revision or state_of(mappings.get(item.key)) is None or _unpaid(item, mappings):
                settlement = store.settlement(item.id)
                outcome = settle(book(settlement, settings, sales(settlement)), mappings=mappings, xero=xero)
                if item.revision and outcome.action in DONE:
                    mappings.put(_issue(item, settlement, outcome))
            else:
                outcome = Outcome("unchanged", item.key, reason="posted earlier")
        except StoreUnavailable as exc:  # a rate limit reading it: the next poll reads it and the rest
            report.stopped = f"the store is unavailable ({reason_of(exc)}): the next poll continues"
            report.unfinished.append(item.issued)
            break
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


DONE = ("created", "matched", "unchanged", "replaced", "held")  # an issue that needs no reading again


def _issued(known: Mapping | None, again_held: bool) -> bool:
    """Whether an issue was read and posted (or held) before, so it is not read again."""
    return known is not None and not (again_held and known.data.get("outcome") == "held")


def _issue(item: SettlementFound, settlement: Settlement, outcome: Outcome) -> Mapping:
    """The mapping of one issue of a settlement (``settlement-report:<id>``): read and posted (or
    held), so the poll never downloads it again."""
    return Mapping(
        key=item.key,
        xero_id=outcome.xero_id or "",
        updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data={
            "settlement": settlement.key,
            "lines": settlement.fingerprint,
            "outcome": outcome.action,
            "deposit": str(settlement.deposit),
            "currency": settlement.currency,
        },
    )


def _unpaid(item: SettlementFound, mappings: Mappings) -> bool:
    """A summary document posted without its payment (a crash, a refusal): post it again."""
    known = mappings.get(item.key)
    if known is None or known.data.get("document") == "bank_transaction" or known.data.get("status") != "AUTHORISED":
        return False
    return item.deposit != 0 and mappings.get(payment_key(item.key)) is None


def read_sales(settlement: Settlement, store: Any, source: Any, settings: StoreSettings) -> dict[str, Sale]:
    """The sales a settlement carries, read from the store (summary mode books them): in a few
    requests where the store can (:class:`~xerosync.sources.port.SettlementSales`), else one by
    one. One the store refuses for good is left out (its money is then one line, noted); when the
    store asks to wait (:class:`StoreUnavailable`: a rate limit, an export already running) the
    settlement fails for this poll and the next one tries again, rather than booking its sales as
    single lines for ever."""
    if settings.settlements.mode != "summary":
        return {}
    wanted = settlement.sale_keys()
    reader = sales_reader_of(store)
    records = reader.settlement_sales(settlement) if reader is not None else _one_by_one(store, wanted)
    keys = set(wanted)
    found: dict[str, Sale] = {}
    for record in records:
        if record.key not in keys or record.gone:
            continue
        try:
            sale = source.read("order", record.raw, settings)
        except StoreUnavailable:
            raise
        except StoreError:
            continue
        if isinstance(sale, Sale):
            found[record.key] = sale
    return found


def _one_by_one(store: Any, keys: list[str]) -> Iterator[Found]:
    for key in keys:
        try:
            yield store.fetch("order", key.split(":", 1)[1])
        except StoreUnavailable:
            raise
        except StoreError:
            continue
