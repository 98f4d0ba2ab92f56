"""An order's payment: on the paid date, to the account mapped for the gateway, referencing the
transaction, never more than the amount due. The money going back for refunds credited by the
same event rides in the same request when the payment leaves nothing due."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from xerosync import documents
from xerosync.sync.base import create_once
from xerosync.sync.order_run import Credit
from xerosync.sync.ports import Mapping
from xerosync.sync.refunds import RefundSteps
from xerosync.xero import payloads
from xerosync.xero.client import ElementResult


class PaymentSteps(RefundSteps):
    def sync_payment(self, invoice: Mapping, credits: Sequence[Credit] = ()) -> None:
        """Pay the invoice. The refund payments of ``credits`` this event created go in the same
        request when the payment leaves nothing due (the order was paid, then refunded): one
        Xero call for both instead of two."""
        if self.sale.paid_date is None or not self.settings.sync.payments:
            return
        key = documents.payment_key(self.sale.key)
        if self.mappings.get(key):
            return
        account = payloads.payment_account(self.sale, self.settings)
        reference = payloads.payment_reference(self.sale)
        # created a moment ago by this event, nothing can have paid it yet; otherwise read it
        document = self.known_invoice(invoice.xero_id)
        existing = [
            {"PaymentID": p.id, "Amount": p.amount}
            for p in document.payments
            if p.reference == reference and p.status != "DELETED"
        ]
        due = document.amount_due
        amount = min(self.sale.total, due)
        if not existing and amount <= 0:
            self.also.append("no payment recorded: the invoice has nothing due")
            return
        body = payloads.payment(
            invoice_id=invoice.xero_id, account=account, when=self.sale.paid_date, amount=amount, reference=reference
        )
        riders = self._refund_payments(credits) if due - amount <= 0 else []
        answers: list[ElementResult] = []

        def create(claim: str) -> ElementResult:
            answers[:] = self.xero.create_payments(
                [body, *(rider for _, rider in riders)], idempotency_key=f"{key}:{claim}"
            )
            return answers[0]

        try:
            created = create_once(
                self.mappings,
                key,
                find=lambda: existing[0] if existing else None,
                create=create,
                record=lambda r, new: Mapping(
                    key, str(r["PaymentID"]), xero_number=reference, data={"amount": str(r.get("Amount", amount))}
                ),
            )
        finally:  # whatever became of the order's payment, a refund payment Xero took is recorded
            self._refunds_paid(riders, answers[1:])
        if created.record is not None:
            self.also.append(f"payment {payloads.cents(amount)} created")
            self.less_due(invoice.xero_id, amount)
        # once paid, Xero refuses edits to the invoice: record it, so changes become adjustments
        self.mappings.put(invoice.keeping(replace(invoice.invoice, locked=True)))

    def _refund_payments(self, credits: Sequence[Credit]) -> list[tuple[Credit, dict[str, Any]]]:
        """The money going back for each credit note this event created, as payment bodies."""
        if not (self.settings.refunds.record_refund_payments and self.sale.paid_date):
            return []
        riders = []
        for credit in credits:
            fresh = credit.fresh
            if fresh is not None and fresh.remaining_credit > 0 and not credit.note.credit.settled:
                riders.append((credit, self.refund_payment(credit.note, credit.when, fresh.remaining_credit)))
        return riders

    def _refunds_paid(self, riders: list[tuple[Credit, dict[str, Any]]], answers: list[ElementResult]) -> None:
        for (credit, body), answer in zip(riders, answers, strict=False):
            if answer.ok:
                credit.note = credit.note.keeping(replace(credit.note.credit, settled="paid"))
                self.mappings.put(credit.note)
                self.also.append(f"refund payment {body['Amount']} recorded")
            else:  # settled on its own below, where Xero's reason is raised
                credit.fresh = None
