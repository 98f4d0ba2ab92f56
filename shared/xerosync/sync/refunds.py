"""An order's refunds: a credit note each, settled against the invoice while it has an amount
due, and otherwise (the order was paid) by a payment of the money going back, when the settings
say so."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from xerosync import documents
from xerosync.domain import Refund, RefundSummary, Tender
from xerosync.sync import tenders
from xerosync.sync.items import item_codes
from xerosync.sync.order_run import Credit, OrderRun
from xerosync.sync.ports import CreditRecord, Mapping
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected
from xerosync.xero.models import CreditNote, Payment


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
        """A credit note for each refund, not settled yet; a note Xero refuses does not hold back
        the others (nor the order's payment): its rejection is returned, to be raised last."""
        credits: list[Credit] = []
        rejected: list[XeroRejected] = []
        if not self.settings.sync.refunds:
            return credits, rejected
        for summary in self.sale.refunds:
            key = documents.refund_key(self.sale.key, summary.id)
            known = self.mappings.get(key)
            if known and known.credit.settled:
                continue
            refund = self._refund(summary)
            codes = item_codes({line.product_key for line in refund.lines if line.product_key}, self.mappings)
            body = payloads.credit_note(refund, self.sale, invoice.invoice.contact, self.settings, item_codes=codes)
            try:
                note, fresh = self.credit_note(key, body, CreditRecord(total=str(refund.amount)).stored())
            except XeroRejected as exc:
                rejected.append(exc)
                continue
            if fresh is not None:
                self.also.append(f"credit note {body['CreditNoteNumber']} for refund {summary.id}")
            credits.append(Credit(note, fresh, refund.date, f"{key}:settle", refund.payments))
        return credits, rejected

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
