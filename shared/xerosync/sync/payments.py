"""An order's payments: one per tender (a card charge, a gift card redeemed, a PayPal payment; a
store that records one payment per order has one), each on its own date, to the account mapped
for its gateway, referencing its transaction, together never more than the amount due
(:mod:`xerosync.sync.tenders`). Each is created once under its own mapping key, and all of an
event's go in one request; the money going back for refunds credited by the same event rides in
it too when the payments leave nothing due."""

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from xerosync import documents
from xerosync.sync import tenders
from xerosync.sync.base import new_claim
from xerosync.sync.order_run import Credit
from xerosync.sync.ports import Mapping
from xerosync.sync.refunds import RefundSteps
from xerosync.sync.tenders import Due
from xerosync.xero import payloads
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroRejected
from xerosync.xero.models import Payment

ZERO = Decimal("0")


class PaymentSteps(RefundSteps):
    def sync_payment(self, invoice: Mapping, credits: Sequence[Credit] = ()) -> None:
        """Pay the invoice, by each tender not paid yet. The refund payments of ``credits`` this
        event created go in the same request when the payments leave nothing due (the order was
        paid, then refunded): one Xero call for all instead of two."""
        if not self.settings.sync.payments:
            return
        todo = [t for t in tenders.received(self.sale) if not self.mappings.get(self._key(t.id))]
        if not todo:
            return
        dues = tenders.sale_payments(self.sale, self.settings, todo, ZERO)  # every gateway mapped, first
        # created a moment ago by this event, nothing can have paid it yet; otherwise read it
        document = self.known_invoice(invoice.xero_id)
        found = [p for p in document.payments if p.status != "DELETED"]
        adopted: list[tuple[Due, Payment]] = []  # an earlier attempt paid them and lost the answer
        fresh: list[Due] = []
        for due in dues:
            match = next((p for p in found if p.reference == due.reference), None)
            if match is not None:
                found.remove(match)
                adopted.append((due, match))
            else:
                fresh.append(due)
        amounts = tenders.capped((d.tender.amount for d in fresh), document.amount_due)
        fresh = [replace(d, amount=a) for d, a in zip(fresh, amounts, strict=True)]
        self._say_capped(fresh)
        paying = [d for d in fresh if d.amount > 0]
        if not paying and not adopted:
            return
        left = document.amount_due - sum((d.amount for d in paying), ZERO)
        riders = self._refund_payments(credits) if left <= 0 else []
        rejected = self._create(invoice, adopted, paying, riders)
        if adopted or any(self.mappings.get(d.key) for d in paying):
            # once paid, Xero refuses edits to the invoice: record it, so changes become adjustments
            self.mappings.put(invoice.keeping(replace(invoice.invoice, locked=True)))
        if rejected is not None:
            raise XeroRejected(list(rejected.errors), rejected.record)

    def _say_capped(self, dues: list[Due]) -> None:
        if not self.sale.payments:  # the one payment of a store that records one per order
            if dues and dues[0].amount <= 0:
                self.also.append("no payment recorded: the invoice has nothing due")
            return
        for due in dues:
            if due.amount <= 0:
                self.also.append(f"no payment for {due.label} {due.tender.amount}: the invoice has nothing due")
            elif due.amount < due.tender.amount:
                self.also.append(f"{due.label} {due.tender.amount} capped at the {due.amount} left due")

    def _key(self, tender_id: str) -> str:
        return documents.payment_key(self.sale.key, tender_id)

    def _create(
        self,
        invoice: Mapping,
        adopted: list[tuple[Due, Payment]],
        paying: list[Due],
        riders: list[tuple[Credit, list[dict[str, Any]]]],
    ) -> ElementResult | None:
        """Each payment created once (see :func:`xerosync.sync.base.create_once`, here for several
        keys in one request): claimed, then the ones found in Xero adopted, the others created.
        Returns the first payment Xero refused (the others are recorded)."""
        claim = new_claim()
        claimed: list[Due] = []
        try:
            for due in [d for d, _ in adopted] + paying:
                if isinstance(self.mappings.claim(due.key, claim), Mapping):
                    continue  # recorded meanwhile (the order is held: only by an earlier event)
                claimed.append(due)
        except BaseException:
            for due in claimed:
                self.mappings.release(due.key, claim)
            raise
        for due, payment in adopted:
            if due in claimed:
                self.mappings.put(self._payment_mapping(due, payment.id, payment.amount), claim=claim)
                claimed.remove(due)
        paying = [d for d in paying if d in claimed]
        bodies = [self._body(invoice, d) for d in paying]
        if not bodies:
            return None
        answers: list[ElementResult] = []
        try:
            answers = self.xero.create_payments(
                [*bodies, *(body for _, group in riders for body in group)], idempotency_key=f"{paying[0].key}:{claim}"
            )
        except BaseException:
            for due in paying:
                self.mappings.release(due.key, claim)
            raise
        finally:  # whatever became of the order's payments, a refund payment Xero took is recorded
            self._refunds_paid(riders, answers[len(bodies) :])
        rejected: ElementResult | None = None
        for due, answer in zip(paying, answers, strict=False):
            if not answer.ok:
                self.mappings.release(due.key, claim)
                rejected = rejected or answer
                continue
            self.mappings.put(self._payment_mapping(due, str(answer.record["PaymentID"]), due.amount), claim=claim)
            self.also.append(f"payment {payloads.cents(due.amount)} created" + self._by(due))
            self.less_due(invoice.xero_id, due.amount)
        return rejected

    def _by(self, due: Due) -> str:
        return f" ({due.label})" if self.sale.payments else ""

    def _body(self, invoice: Mapping, due: Due) -> dict[str, Any]:
        return payloads.payment(
            invoice_id=invoice.xero_id,
            account=due.account,
            when=due.tender.date,
            amount=due.amount,
            reference=due.reference,
        )

    @staticmethod
    def _payment_mapping(due: Due, payment_id: str, amount: Decimal) -> Mapping:
        return Mapping(due.key, payment_id, xero_number=due.reference, data={"amount": str(amount)})

    def _refund_payments(self, credits: Sequence[Credit]) -> list[tuple[Credit, list[dict[str, Any]]]]:
        """The money going back for each credit note this event created, as payment bodies."""
        if not (self.settings.refunds.record_refund_payments and self.paid):
            return []
        riders = []
        for credit in credits:
            fresh = credit.fresh
            if fresh is not None and fresh.remaining_credit > 0 and not credit.note.credit.settled:
                bodies = self.refund_payments(credit.note, credit.when, fresh.remaining_credit, credit.back)
                if bodies:
                    riders.append((credit, bodies))
        return riders

    def _refunds_paid(self, riders: list[tuple[Credit, list[dict[str, Any]]]], answers: list[ElementResult]) -> None:
        at = 0
        for credit, bodies in riders:
            results = answers[at : at + len(bodies)]
            at += len(bodies)
            if len(results) == len(bodies) and all(r.ok for r in results):
                credit.note = credit.note.keeping(replace(credit.note.credit, settled="paid"))
                self.mappings.put(credit.note)
                self.also.extend(f"refund payment {body['Amount']} recorded" for body in bodies)
            else:  # settled on its own below (what Xero took is found there), where Xero's reason is raised
                credit.fresh = None
