"""An order's refunds: a credit note each, settled against the invoice while it has an amount
due, and otherwise (the order was paid) by a payment of the money going back, when the settings
say so. Money a refund gives back for a decrease after payment that a credit note already booked
is paid out of that note's credit instead, never credited twice (:mod:`xerosync.sync.owed`)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from xerosync import documents
from xerosync.domain import Refund, RefundSummary, Tender
from xerosync.sync import owed, tenders
from xerosync.sync.items import item_codes
from xerosync.sync.order_run import Credit, OrderRun
from xerosync.sync.ports import CreditRecord, Mapping
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected
from xerosync.xero.models import CreditNote, Payment

ZERO = Decimal("0")


class RefundSteps(OrderRun):
    def _refund(self, summary: RefundSummary) -> Refund:
        """The refund in full: as the sale carries it, else from the store's API, else (no API
        credentials yet) amount-only, as the sale lists it."""
        if summary.detail is not None:
            return summary.detail
        refund_id, amount, reason = summary.id, summary.amount, summary.reason
        if self.store is not None:
            return self.store.refund(self.sale, refund_id)
        when = self.sale.modified_at.date() if self.sale.modified_at else self.sale.date
        key = documents.refund_key(self.sale.key, refund_id)
        return Refund(key, refund_id, self.sale.key, when, amount, reason, ())

    def credit_refunds(self, invoice: Mapping) -> tuple[list[Credit], list[XeroRejected]]:
        """A credit note for each refund, not settled yet, less the money a decrease's credit note
        pays back; a refund Xero refuses does not hold back the others (nor the order's payment):
        its rejection is returned, to be raised last. Refunds already decided (an earlier attempt
        recorded them) go first, so that what they draw is paid before anything new is decided."""
        credits: list[Credit] = []
        rejected: list[XeroRejected] = []
        if not self.settings.sync.refunds:
            return credits, rejected
        todo: list[tuple[RefundSummary, str, Mapping | None]] = []
        for summary in self.sale.refunds:
            key = documents.refund_key(self.sale.key, summary.id)
            known = self.mappings.get(key)
            if not (known and known.credit.settled):
                todo.append((summary, key, known))
        for summary, key, known in sorted(todo, key=lambda t: t[2] is None):
            refund = self._refund(summary)
            try:
                credit = self._credit_refund(key, known, refund, invoice)
            except XeroRejected as exc:
                rejected.append(exc)
                continue
            if credit is not None:
                credits.append(credit)
        return credits, rejected

    def _credit_refund(self, key: str, known: Mapping | None, refund: Refund, invoice: Mapping) -> Credit | None:
        """One refund: what a decrease's note pays back of it (decided now, or as recorded), and a
        credit note of its own for the rest, to be settled (returned)."""
        if known is not None:
            part = owed.recorded(refund, [(k, Decimal(v)) for k, v in known.credit.drawn.items()])
        elif owed.unexplained(refund) > 0:
            part = owed.split(refund, self._decrease_credit(invoice))
        else:
            part = owed.recorded(refund, ())
        # decided once: recorded with the refund's mapping before any of it is paid
        record = CreditRecord(total=str(refund.amount), drawn={d.note: str(d.amount) for d in part.draws})
        if part.rest.amount > 0 or not part.draws:
            rest = part.rest
            codes = item_codes({line.product_key for line in rest.lines if line.product_key}, self.mappings)
            body = payloads.credit_note(rest, self.sale, invoice.invoice.contact, self.settings, item_codes=codes)
            note, fresh = self.credit_note(key, body, record.stored())
            if fresh is not None:
                self.also.append(f"credit note {body['CreditNoteNumber']} for refund {refund.id}")
            if part.draws:
                self._pay_draws(key, refund, part)
            return Credit(note, fresh, refund.date, f"{key}:settle", rest.payments)
        if known is None:  # all of it drawn: the refund is known by the (first) note it is paid out of
            first, _ = self.decrease_notes[part.draws[0].note]  # read when the split was decided
            known = Mapping(key, first.xero_id, xero_number=first.xero_number, data=record.stored())
            self.mappings.put(known)
        paid = self._pay_draws(key, refund, part)
        self.mappings.put(known.keeping(replace(known.credit, settled="paid" if paid else "none")))
        return None

    def _decrease_note(self, key: str) -> tuple[Mapping, CreditNote] | None:
        """A decrease's credit note, as Xero has it (read once per event), with its mapping."""
        if key not in self.decrease_notes:
            mapping = self.mappings.get(key)
            if mapping is None:
                return None
            self.decrease_notes[key] = (mapping, CreditNote.of(self.xero.get_credit_note(mapping.xero_id)))
        return self.decrease_notes[key]

    def _decrease_credit(self, invoice: Mapping) -> list[tuple[str, Decimal]]:
        """The credit left on the sale's decreases' notes, oldest first (Xero's, less what this
        event paid out of them). Mappings of notes written before decreases were marked are told
        from additional invoices by their settlement, which only credit notes record."""
        credit: list[tuple[str, Decimal]] = []
        for n in range(1, invoice.invoice.adjustments + 1):
            key = documents.adjustment_key(self.sale.key, n)
            mapping = self.mappings.get(key)
            if mapping is None or not (mapping.credit.decrease or mapping.credit.settled):
                continue
            found = self._decrease_note(key)
            if found is not None and found[1].status == "AUTHORISED":
                credit.append((key, found[1].remaining_credit - self.paid_out.get(key, ZERO)))
        return credit

    def _pay_draws(self, key: str, refund: Refund, part: owed.Split) -> bool:
        """The money ``part`` draws paid back out of the decreases' notes, when refund payments are
        recorded: each draw by its tenders (else by the sale's gateway), under references naming
        the refund, so that a retry finds what an earlier attempt paid; never more than a note has
        left. True when it is paid (now or before)."""
        if not (self.settings.refunds.record_refund_payments and self.paid):
            self.also.append(f"refund {refund.id}: {part.drawn} of it is the credit a decrease already booked")
            return False
        bodies: list[dict[str, Any]] = []
        notes: list[tuple[str, str | None]] = []  # each body's decrease: its mapping key and number
        for draw in part.draws:
            found = self._decrease_note(draw.note)
            if found is None:  # mappings of documents are never removed: a table restored in part
                raise ValueError(f"refund {refund.id} draws on {draw.note}, which the mapping table no longer has")
            mapping, credit = found
            back = tuple(replace(t, reference=owed.reference(self.sale, refund, t)) for t in draw.tenders)
            if not back:
                method, title = tenders.gateway(self.sale)
                reference = owed.reference(self.sale, refund, None)
                back = (Tender("", method, draw.amount, refund.date, reference, title),)
            mine = {t.reference for t in back}
            already = sum((p.amount for p in credit.payments if p.status != "DELETED" and p.reference in mine), ZERO)
            left = credit.remaining_credit - self.paid_out.get(draw.note, ZERO)
            references = [p.reference for p in credit.payments if p.status != "DELETED"]
            dues = tenders.money_back(
                self.sale, self.settings, back, when=refund.date, remaining=left, paid_references=references
            )
            if already + sum((d.amount for d in dues), ZERO) < draw.amount:
                said = f"refund {refund.id}: {draw.amount} owed on {mapping.xero_number}"
                self.also.append(f"{said} capped at the {left} credit it has left")
            for due in dues:
                bodies.append(
                    payloads.payment(
                        credit_note_id=mapping.xero_id,
                        account=due.account,
                        when=due.tender.date,
                        amount=due.amount,
                        reference=due.reference,
                    )
                )
                notes.append((draw.note, mapping.xero_number))
        if not bodies:
            return True
        digest = payloads.content_hash({"Payments": bodies})[:16]
        results = self.xero.create_payments(bodies, idempotency_key=f"{key}:draw:{digest}")
        for body, (note, number), result in zip(bodies, notes, results, strict=True):
            if result.ok:
                self.paid_out[note] = self.paid_out.get(note, ZERO) + Decimal(str(body["Amount"]))
                self.also.append(f"refund payment {body['Amount']} out of the credit of {number}")
        failed = next((r for r in results if not r.ok), None)
        if failed is not None:
            raise XeroRejected(list(failed.errors), failed.record)
        return True

    def settle_refunds(self, credits: list[Credit], invoice: Mapping) -> None:
        for credit in credits:
            self.settle_credit(
                credit.note,
                invoice_id=invoice.xero_id,
                when=credit.when,
                key=credit.key,
                fresh=credit.fresh,
                back=credit.back,
            )

    def refund_payments(
        self,
        note: Mapping,
        when: date,
        amount: Decimal,
        back: tuple[Tender, ...] = (),
        paid: tuple[Payment, ...] = (),
    ) -> list[dict[str, Any]]:
        """The money going back for a credit note with ``amount`` of credit left, as payment bodies:
        one per tender of the refund (``back``) not among the note's ``paid`` payments, else one to
        the sale's gateway (:func:`xerosync.sync.tenders.money_back`)."""
        references = [p.reference for p in paid if p.status != "DELETED"]
        dues = tenders.money_back(
            self.sale, self.settings, back, when=when, remaining=amount, paid_references=references
        )
        return [
            payloads.payment(
                credit_note_id=note.xero_id,
                account=due.account,
                when=due.tender.date,
                amount=due.amount,
                reference=due.reference,
            )
            for due in dues
        ]

    def settle_credit(
        self,
        note: Mapping,
        *,
        invoice_id: str,
        when: date,
        key: str,
        money_back: bool = True,
        fresh: CreditNote | None = None,
        back: tuple[Tender, ...] = (),
    ) -> None:
        """Apply a credit note: against the invoice while it has an amount due; otherwise, for a
        refund of a paid order, record the money going back (payments on the credit note, by the
        refund's tenders ``back`` where the store gave them).
        ``fresh``: Xero's answer to creating the note a moment ago (nothing can have used it)."""
        if note.credit.settled:
            return
        credit = fresh if fresh is not None and fresh.known_remaining else None
        credit = credit or CreditNote.of(self.xero.get_credit_note(note.xero_id))
        remaining = credit.remaining_credit
        settled = "none"
        if remaining > 0:
            invoice = self.known_invoice(invoice_id)
            if invoice.amount_due > 0 and invoice.status == "AUTHORISED":
                portion = min(invoice.amount_due, remaining)
                allocation = payloads.allocation(invoice_id, portion, max(when, invoice.date or date.min))
                # the key follows the body: a retry that finds less credit left sends a new request
                result = self.xero.allocate_credit_note(
                    note.xero_id,
                    allocation,
                    idempotency_key=f"{key}:allocate:{payloads.content_hash(allocation)[:16]}",
                )
                if not result.ok:
                    raise XeroRejected(list(result.errors), result.record)
                remaining -= portion
                self.less_due(invoice_id, portion)
                settled = "allocated"
                self.also.append(f"credit {portion} allocated to the invoice")
            if remaining > 0 and money_back and self.settings.refunds.record_refund_payments and self.paid:
                bodies = self.refund_payments(note, when, remaining, back, credit.payments)
                if bodies:
                    # the key follows the bodies: a retry that finds part of it paid sends a new request
                    digest = payloads.content_hash(bodies[0] if len(bodies) == 1 else {"Payments": bodies})[:16]
                    results = self.xero.create_payments(bodies, idempotency_key=f"{key}:refund-payment:{digest}")
                    for body, result in zip(bodies, results, strict=True):
                        if result.ok:
                            self.also.append(f"refund payment {body['Amount']} recorded")
                    failed = next((r for r in results if not r.ok), None)
                    if failed is not None:
                        raise XeroRejected(list(failed.errors), failed.record)
                settled = "paid" if settled == "none" else "allocated+paid"
        self.mappings.put(note.keeping(replace(note.credit, settled=settled)))
