"""An order changed after Xero locked its invoice (a payment or credit is on it): the difference is
booked line by line, as a credit note for the amounts that went down and an invoice for those that
went up (``-A1``, ``-A2``...), never as an edit of the locked invoice; or, with the settings'
``after_payment: report``, nothing is booked: the outcome (the sync log) says what changed, the
mapping keeps that it was reported (once per state) and the drift report shows it."""

from dataclasses import replace
from decimal import Decimal
from typing import Any

from xerosync import documents
from xerosync.sync.base import Outcome, now_iso
from xerosync.sync.ports import Booked, CreditRecord, Mapping
from xerosync.sync.refunds import RefundSteps
from xerosync.xero import payloads

ZERO = Decimal("0")


def changes(old: dict[str, Booked], new: dict[str, Booked]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lines of what went up and of what went down, between two bookings (pure)."""
    ups: list[dict[str, Any]] = []
    downs: list[dict[str, Any]] = []
    for source in sorted(set(new) | set(old)):
        amount_new, tax_new = (Decimal(new[source][0]), Decimal(new[source][1])) if source in new else (ZERO, ZERO)
        amount_old, tax_old = (Decimal(old[source][0]), Decimal(old[source][1])) if source in old else (ZERO, ZERO)
        delta, delta_tax = amount_new - amount_old, tax_new - tax_old
        if not delta and not delta_tax:
            continue
        _, _, tax_type, account, description = new.get(source) or old[source]
        line = payloads.adjustment_line(description, abs(delta), abs(delta_tax), account, tax_type)
        (ups if (delta > 0 or (delta == 0 and delta_tax > 0)) else downs).append(line)
    return ups, downs


class AdjustmentSteps(RefundSteps):
    def adjust(self, known: Mapping, plain: dict[str, Any], booked: dict[str, Booked]) -> tuple[Outcome, Mapping]:
        """``plain``: the invoice the order would have now; ``booked``: what its lines book."""
        digest = payloads.content_hash(plain)
        record = known.invoice
        ups, downs = changes(record.booked, booked)
        if not ups and not downs:
            mapping = replace(known.keeping(replace(record, locked=True)), content_hash=digest, updated_at=now_iso())
            self.mappings.put(mapping)
            reason = "the invoice is locked by a payment and no amount changed"
            return Outcome("unchanged", self.sale.key, known.xero_id, reason=reason), mapping
        if self.settings.after_payment == "report":
            return self.report(known, digest, booked, plain["LineAmountTypes"] == "Inclusive")
        adjustments = record.adjustments
        when = self.sale.modified_at.date() if self.sale.modified_at else self.sale.date
        for lines, credit in ((downs, True), (ups, False)):
            if not lines:
                continue
            adjustments += 1
            number = documents.adjustment_number(str(known.xero_number), adjustments)
            body = payloads.adjustment(
                credit=credit,
                number=number,
                sale=self.sale,
                contact_id=plain["Contact"]["ContactID"],
                when=when,
                line_amount_types=plain["LineAmountTypes"],
                lines=lines,
            )
            key = documents.adjustment_key(self.sale.key, adjustments)
            if credit:
                note, fresh = self.credit_note(key, body, CreditRecord(decrease=True).stored())
                # a decrease without a refund is a credit for the customer, not money paid back: a
                # refund of it later is paid out of this note's credit (see sync.refunds)
                self.settle_credit(
                    note, invoice_id=known.xero_id, when=when, key=f"{key}:settle", money_back=False, fresh=fresh
                )
                self.also.append(f"credit note {number} for a decrease after payment")
            else:
                self.extra_invoice(key, body)
                self.also.append(f"invoice {number} for an increase after payment")
        kept = replace(record, booked=booked, adjustments=adjustments, locked=True, reported="")
        mapping = replace(known.keeping(kept), content_hash=digest, updated_at=now_iso())
        self.mappings.put(mapping)
        return Outcome("adjusted", self.sale.key, known.xero_id), mapping

    def report(
        self, known: Mapping, digest: str, booked: dict[str, Booked], inclusive: bool
    ) -> tuple[Outcome, Mapping]:
        """The change is said, not booked: the invoice and what it booked stay as they are (its
        content hash too, so the same state again is known as reported), the store's time moves on
        (the reconciliation does not bring it back)."""
        record, number = known.invoice, known.xero_number or known.xero_id
        was, now = booked_total(record.booked, inclusive), booked_total(booked, inclusive)
        said = f"total {was} -> {now}" if was != now else "lines changed, total unchanged"
        reason = (
            f"changed in the store after {number} was paid in Xero ({said}): not rewritten, reported "
            "(settings: after_payment)"
        )
        if record.reported == digest:
            return Outcome("unchanged", self.sale.key, known.xero_id, reason=f"{reason}; reported already"), known
        modified = self.sale.modified_at.isoformat() if self.sale.modified_at else known.source_modified
        kept = replace(record, locked=True, reported=digest)
        mapping = replace(known.keeping(kept), source_modified=modified, updated_at=now_iso())
        self.mappings.put(mapping)
        return Outcome("skipped", self.sale.key, known.xero_id, reason=reason), mapping


def booked_total(booked: dict[str, Booked], inclusive: bool) -> Decimal:
    """What lines as booked add up to (their tax inside when prices include it)."""
    amounts = sum((Decimal(b[0]) for b in booked.values()), ZERO)
    return amounts if inclusive else amounts + sum((Decimal(b[1]) for b in booked.values()), ZERO)
