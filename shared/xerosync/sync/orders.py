"""Store orders -> Xero documents: one invoice per order, its payment, a credit note per refund.

WooCommerce sends the order's whole state on every change (a payment, a refund and a
cancellation all arrive as ``order.updated``), so each event reconciles every document the
order should have in Xero with what the mapping table says is there:

1. the invoice: created once; updated in place (keeping its ``LineItemID``s) while Xero
   allows; once a payment or credit is on it, Xero locks it, so a later change becomes a
   credit note (a decrease) or an additional invoice (an increase) for the difference;
2. the payment, once the order is paid: on the paid date, to the account mapped for the
   gateway, referencing the transaction id, never more than the amount due;
3. a credit note per refund, allocated to the invoice while it has an amount due, and
   otherwise (the order was paid) settled by a refund payment when the settings say so;
4. cancelled, failed or trashed orders: the invoice is voided when Xero allows it
   (AUTHORISED, nothing paid), deleted when DRAFT, and otherwise credited in full; an order
   restored afterwards gets a new invoice.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.domain import Product, Refund, Sale, SaleChanged, SaleGone
from xerosync.sync.base import Outcome, create_once, holding, now_iso, superseded, superseded_outcome
from xerosync.sync.contacts import ensure_contact
from xerosync.sync.items import item_codes, upsert_item
from xerosync.sync.policy import plan_sale
from xerosync.sync.ports import Mapping, Mappings, Store, Xero
from xerosync.xero import payloads
from xerosync.xero.client import ElementResult
from xerosync.xero.errors import XeroRejected

ZERO = Decimal("0")
LOCKED_MESSAGES = ("not of valid status for modification", "cannot be edited as it has a payment")
NUMBER_TAKEN = "must be unique"  # Xero refuses a number in use: "Invoice # must be unique."


def _number_taken(result: ElementResult) -> bool:
    return any(NUMBER_TAKEN in message for message in result.errors)


@dataclass
class Credit:
    """A refund's credit note, created by this event or an earlier one, still to be settled."""

    note: Mapping
    fresh: dict[str, Any] | None  # Xero's answer when this event created it
    when: date
    key: str  # the settlement's idempotency prefix


class Order:
    """One order event reconciled against Xero. Holds the collaborators for its steps."""

    def __init__(
        self, sale: Sale, *, settings: StoreSettings, xero: Xero, mappings: Mappings, store: Store | None = None
    ) -> None:
        self.sale = sale
        self.settings = settings
        self.xero = xero
        self.mappings = mappings
        self.store = store
        self.also: list[str] = []
        self.created_invoice: dict[str, Any] | None = None  # Xero's answer, when this event created it
        # the invoice as this event knows it for certain (created, or read, then paid by it):
        # no other worker changes it while the order is held, so it need not be read again
        self.invoice_now: dict[str, Any] | None = None

    def _known_invoice(self, invoice_id: str) -> dict[str, Any]:
        now = self.invoice_now
        if now is not None and now.get("InvoiceID") == invoice_id and "AmountDue" in now:
            return now
        self.invoice_now = self.xero.get_invoice(invoice_id)
        return self.invoice_now

    def _less_due(self, invoice_id: str, amount: Decimal) -> None:
        """This event paid or credited ``amount`` of the invoice it knows."""
        if self.invoice_now is None or self.invoice_now.get("InvoiceID") != invoice_id:
            return
        due = Decimal(str(self.invoice_now.get("AmountDue", 0))) - amount
        status = "PAID" if due <= 0 else self.invoice_now.get("Status")
        self.invoice_now = {**self.invoice_now, "AmountDue": str(max(due, ZERO)), "Status": status}

    # --- creating documents once -------------------------------------------------------------
    def _credit_note(
        self, key: str, body: dict[str, Any], data: dict[str, Any] | None = None
    ) -> tuple[Mapping, dict[str, Any] | None]:
        """The credit note for ``key``, and Xero's answer when this call created it."""
        number = str(body["CreditNoteNumber"])
        created = create_once(
            self.mappings,
            key,
            find=lambda: next(iter(self.xero.credit_notes_by_number([number])), None),
            create=lambda claim: self.xero.create_credit_notes([body], idempotency_key=f"{key}:{claim}")[0],
            record=lambda r, new: Mapping(key, str(r["CreditNoteID"]), xero_number=number, data=dict(data or {})),
            # its invoice was created by this very event, so no credit note of the order is in
            # Xero but one an earlier claim on this key may have made
            look_up_first_claim=self.created_invoice is None,
        )
        return created.mapping, created.record

    def _extra_invoice(self, key: str, body: dict[str, Any]) -> tuple[Mapping, dict[str, Any] | None]:
        number = str(body["InvoiceNumber"])
        created = create_once(
            self.mappings,
            key,
            find=lambda: next(iter(self.xero.invoices_by_number([number])), None),
            create=lambda claim: self.xero.create_invoices([body], idempotency_key=f"{key}:{claim}")[0],
            record=lambda r, new: Mapping(key, str(r["InvoiceID"]), xero_number=number),
            look_up_first_claim=False,
            taken=_number_taken,
        )
        return created.mapping, created.record

    # --- the invoice --------------------------------------------------------------------------
    def _codes(self) -> dict[str, str]:
        keys = {line.product_key for line in self.sale.lines if line.product_key}
        codes = item_codes(keys, self.mappings)
        if self.settings.items.unknown_sku == "item":
            for line in self.sale.lines:
                if line.product_key and line.product_key not in codes and line.sku:
                    product = Product(line.product_key, line.sku, line.description, line.description, None)
                    outcome = upsert_item(product, self.settings, self.xero, self.mappings)
                    if outcome.xero_id:
                        codes[line.product_key] = payloads.item_code(line.sku, self.settings).code or ""
        return codes

    def _booked(self, body: dict[str, Any]) -> dict[str, list[str]]:
        """What each line put on the books: amount, tax, tax type, account, description."""
        booked = {}
        for source, line in zip(payloads.line_sources(self.sale.lines, body), body["LineItems"], strict=True):
            amount = payloads.cents(Decimal(line["Quantity"]) * Decimal(line["UnitAmount"])) - Decimal(
                line.get("DiscountAmount", 0)
            )
            booked[source] = [
                str(amount),
                str(line["TaxAmount"]),
                line["TaxType"],
                line["AccountCode"],
                line["Description"],
            ]
        return booked

    def _line_ids(self, body: dict[str, Any], record: dict[str, Any]) -> dict[str, str]:
        sources = payloads.line_sources(self.sale.lines, body)
        lines = record.get("LineItems") or []
        return {s: str(line["LineItemID"]) for s, line in zip(sources, lines, strict=False) if line.get("LineItemID")}

    def _mapping(
        self,
        invoice_id: str,
        number: str,
        digest: str,
        body: dict[str, Any],
        record: dict[str, Any],
        *,
        state: str = "open",
        extra: dict[str, Any] | None = None,
    ) -> Mapping:
        return Mapping(
            self.sale.key,
            invoice_id,
            content_hash=digest,
            xero_number=number,
            source_modified=self.sale.modified_at.isoformat() if self.sale.modified_at else None,
            updated_at=now_iso(),
            data={
                "lines": self._line_ids(body, record),
                "booked": self._booked(body),
                "state": state,
                "contact": body["Contact"]["ContactID"],
                **(extra or {}),
            },
        )

    def sync_invoice(self, status: str) -> tuple[Outcome, Mapping]:
        contact_id = ensure_contact(self.sale.customer, self.xero, self.mappings)
        codes = self._codes()
        known = self.mappings.get(self.sale.key)
        if known and known.data.get("state") in ("voided", "deleted", "credited"):
            return self._reissue(known, status, contact_id, codes)
        plain = payloads.invoice(self.sale, contact_id, self.settings, status=status, item_codes=codes)
        digest = payloads.content_hash(plain)
        number = plain["InvoiceNumber"]
        created = create_once(
            self.mappings,
            self.sale.key,
            find=lambda: next(iter(self.xero.invoices_by_number([number])), None),
            create=lambda claim: self.xero.create_invoices([plain], idempotency_key=f"invoice:{self.sale.key}:{claim}")[
                0
            ],
            # found in Xero (a lost mapping): what is booked is what Xero holds, not this state
            record=lambda r, new: self._mapping(
                str(r["InvoiceID"]), number, digest if new else "", plain if new else r, r
            ),
            # an invoice number is unique in Xero: one there already (an attempt that lost its
            # answer, a lost mapping table) refuses the create, and is then looked up
            look_up_first_claim=False,
            taken=_number_taken,
        )
        if created.record is not None:
            self.created_invoice = created.record
            self.invoice_now = created.record
            return Outcome("created", self.sale.key, created.mapping.xero_id), created.mapping
        known = created.mapping
        if known.content_hash == digest:
            return Outcome("unchanged", self.sale.key, known.xero_id), known
        if known.data.get("locked"):
            return self._adjust(known, contact_id, codes)
        body = payloads.invoice(
            self.sale,
            contact_id,
            self.settings,
            status=status,
            item_codes=codes,
            line_ids=known.data.get("lines") or {},
        )
        body["InvoiceNumber"] = known.xero_number or number
        try:
            result = self.xero.update_invoice(known.xero_id, body, idempotency_key=f"invoice:{self.sale.key}:{digest}")
            if not result.ok:
                raise XeroRejected(list(result.errors), result.record)
        except XeroRejected as rejected:
            if not any(m in " ".join(rejected.messages) for m in LOCKED_MESSAGES):
                raise
            # paid or credited in Xero (perhaps by hand): the invoice is locked from now on
            locked = replace(known, data={**known.data, "locked": True})
            self.mappings.put(locked)
            return self._adjust(locked, contact_id, codes)
        mapping = self._mapping(
            known.xero_id,
            body["InvoiceNumber"],
            digest,
            body,
            result.record,
            extra={k: v for k, v in known.data.items() if k in ("locked", "adjustments")},
        )
        self.mappings.put(mapping)
        return Outcome("updated", self.sale.key, known.xero_id), mapping

    def _reissue(self, known: Mapping, status: str, contact_id: str, codes: dict[str, str]) -> tuple[Outcome, Mapping]:
        """A cancelled order came back: its old invoice stays voided, a new one is issued."""
        issue = int(known.data.get("issue", 1)) + 1
        body = payloads.invoice(self.sale, contact_id, self.settings, status=status, item_codes=codes, issue=issue)
        issued, record = self._extra_invoice(documents.reissue_key(self.sale.key, issue), body)
        mapping = self._mapping(
            issued.xero_id,
            body["InvoiceNumber"],
            payloads.content_hash(body),
            body,
            record or {},
            extra={"issue": issue},
        )
        self.mappings.put(mapping)
        self.also.append(f"invoice {body['InvoiceNumber']} issued again (the order was restored)")
        return Outcome("created", self.sale.key, mapping.xero_id), mapping

    def _adjust(self, known: Mapping, contact_id: str, codes: dict[str, str]) -> tuple[Outcome, Mapping]:
        """The order changed after Xero locked its invoice: book the difference, line by line,
        as a credit note (amounts that went down) and an invoice (amounts that went up)."""
        plain = payloads.invoice(self.sale, contact_id, self.settings, item_codes=codes)
        digest = payloads.content_hash(plain)
        new = self._booked(plain)
        old: dict[str, list[str]] = known.data.get("booked") or {}
        ups: list[dict[str, Any]] = []
        downs: list[dict[str, Any]] = []
        for source in sorted(set(new) | set(old)):
            amount_new, tax_new = (Decimal(new[source][0]), Decimal(new[source][1])) if source in new else (ZERO, ZERO)
            amount_old, tax_old = (Decimal(old[source][0]), Decimal(old[source][1])) if source in old else (ZERO, ZERO)
            delta, delta_tax = amount_new - amount_old, tax_new - tax_old
            if not delta and not delta_tax:
                continue
            tax_type, account, description = (new.get(source) or old[source])[2:5]
            line = {
                "Description": f"Change to: {description}",
                "Quantity": Decimal(1),
                "UnitAmount": abs(delta),
                "AccountCode": account,
                "TaxType": tax_type,
                "TaxAmount": abs(delta_tax),
            }
            (ups if (delta > 0 or (delta == 0 and delta_tax > 0)) else downs).append(line)
        if not ups and not downs:
            mapping = replace(known, content_hash=digest, updated_at=now_iso(), data={**known.data, "locked": True})
            self.mappings.put(mapping)
            return Outcome(
                "unchanged",
                self.sale.key,
                known.xero_id,
                reason="the invoice is locked by a payment and no amount changed",
            ), mapping
        adjustments = int(known.data.get("adjustments", 0))
        when = self.sale.modified_at.date() if self.sale.modified_at else self.sale.date
        for lines, kind in ((downs, "credit"), (ups, "invoice")):
            if not lines:
                continue
            adjustments += 1
            number = documents.adjustment_number(str(known.xero_number), adjustments)
            document = {
                "Type": "ACCRECCREDIT" if kind == "credit" else "ACCREC",
                "Contact": {"ContactID": contact_id},
                "Reference": f"Change to order {self.sale.number} after payment",
                "Date": when.isoformat(),
                "CurrencyCode": self.sale.currency,
                "LineAmountTypes": plain["LineAmountTypes"],
                "Status": "AUTHORISED",
                "LineItems": lines,
            }
            key = documents.adjustment_key(self.sale.key, adjustments)
            if kind == "credit":
                note, record = self._credit_note(key, {**document, "CreditNoteNumber": number})
                # a decrease without a refund is a credit for the customer, not money paid back
                self._settle_credit(
                    note, invoice_id=known.xero_id, when=when, key=f"{key}:settle", money_back=False, fresh=record
                )
                self.also.append(f"credit note {number} for a decrease after payment")
            else:
                self._extra_invoice(key, {**document, "InvoiceNumber": number, "DueDate": when.isoformat()})
                self.also.append(f"invoice {number} for an increase after payment")
        mapping = replace(
            known,
            content_hash=digest,
            updated_at=now_iso(),
            data={**known.data, "booked": new, "adjustments": adjustments, "locked": True},
        )
        self.mappings.put(mapping)
        return Outcome("adjusted", self.sale.key, known.xero_id), mapping

    # --- the payment --------------------------------------------------------------------------
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
        document = self._known_invoice(invoice.xero_id)
        existing = [
            dict(p)
            for p in document.get("Payments") or []
            if p.get("Reference") == reference and p.get("Status", "AUTHORISED") != "DELETED"
        ]
        due = Decimal(str(document.get("AmountDue", 0)))
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
            self._less_due(invoice.xero_id, amount)
        # once paid, Xero refuses edits to the invoice: record it, so changes become adjustments
        self.mappings.put(replace(invoice, data={**invoice.data, "locked": True}))

    def _refund_payments(self, credits: Sequence[Credit]) -> list[tuple[Credit, dict[str, Any]]]:
        """The money going back for each credit note this event created, as payment bodies."""
        if not (self.settings.refunds.record_refund_payments and self.sale.paid_date):
            return []
        riders = []
        for credit in credits:
            remaining = Decimal(str((credit.fresh or {}).get("RemainingCredit", 0)))
            if credit.fresh is not None and remaining > 0 and not credit.note.data.get("settled"):
                riders.append((credit, self._refund_payment(credit.note, credit.when, remaining)))
        return riders

    def _refund_payment(self, note: Mapping, when: date, amount: Decimal) -> dict[str, Any]:
        return payloads.payment(
            credit_note_id=note.xero_id,
            account=payloads.payment_account(self.sale, self.settings),
            when=when,
            amount=amount,
            reference=f"Refund of order {self.sale.number}",
        )

    def _refunds_paid(self, riders: list[tuple[Credit, dict[str, Any]]], answers: list[ElementResult]) -> None:
        for (credit, body), answer in zip(riders, answers, strict=False):
            if answer.ok:
                credit.note = replace(credit.note, data={**credit.note.data, "settled": "paid"})
                self.mappings.put(credit.note)
                self.also.append(f"refund payment {body['Amount']} recorded")
            else:  # settled on its own below, where Xero's reason is raised
                credit.fresh = None

    # --- refunds ------------------------------------------------------------------------------
    def _refund(self, summary_id: str, amount: Decimal, reason: str) -> Refund:
        if self.store is not None:
            return self.store.refund(self.sale, summary_id)
        when = self.sale.modified_at.date() if self.sale.modified_at else self.sale.date
        key = documents.refund_key(self.sale.key, summary_id)
        return Refund(key, summary_id, self.sale.key, when, amount, reason, ())

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
            if known and known.data.get("settled"):
                continue
            refund = self._refund(summary.id, summary.amount, summary.reason)
            codes = item_codes({line.product_key for line in refund.lines if line.product_key}, self.mappings)
            body = payloads.credit_note(
                refund, self.sale, str(invoice.data.get("contact")), self.settings, item_codes=codes
            )
            try:
                note, record = self._credit_note(key, body, {"total": str(refund.amount)})
            except XeroRejected as exc:
                rejected.append(exc)
                continue
            if record is not None:
                self.also.append(f"credit note {body['CreditNoteNumber']} for refund {summary.id}")
            credits.append(Credit(note, record, refund.date, f"{key}:settle"))
        return credits, rejected

    def settle_refunds(self, credits: list[Credit], invoice: Mapping) -> None:
        for credit in credits:
            self._settle_credit(
                credit.note, invoice_id=invoice.xero_id, when=credit.when, key=credit.key, fresh=credit.fresh
            )

    def _settle_credit(
        self,
        note: Mapping,
        *,
        invoice_id: str,
        when: date,
        key: str,
        money_back: bool = True,
        fresh: dict[str, Any] | None = None,
    ) -> None:
        """Apply a credit note: against the invoice while it has an amount due; otherwise, for a
        refund of a paid order, record the money going back (a payment on the credit note).
        ``fresh``: Xero's answer to creating the note a moment ago (nothing can have used it)."""
        if note.data.get("settled"):
            return
        credit = fresh if fresh is not None and "RemainingCredit" in fresh else self.xero.get_credit_note(note.xero_id)
        remaining = Decimal(str(credit.get("RemainingCredit", 0)))
        settled = "none"
        if remaining > 0:
            invoice = self._known_invoice(invoice_id)
            due = Decimal(str(invoice.get("AmountDue", 0)))
            if due > 0 and invoice.get("Status") == "AUTHORISED":
                portion = min(due, remaining)
                allocation = payloads.allocation(invoice_id, portion, max(when, _date(invoice.get("Date"))))
                # the key follows the body: a retry that finds less credit left sends a new request
                result = self.xero.allocate_credit_note(
                    note.xero_id,
                    allocation,
                    idempotency_key=f"{key}:allocate:{payloads.content_hash(allocation)[:16]}",
                )
                if not result.ok:
                    raise XeroRejected(list(result.errors), result.record)
                remaining -= portion
                self._less_due(invoice_id, portion)
                settled = "allocated"
                self.also.append(f"credit {portion} allocated to the invoice")
            if remaining > 0 and money_back and self.settings.refunds.record_refund_payments and self.sale.paid_date:
                body = self._refund_payment(note, when, remaining)
                result = self.xero.create_payments(
                    [body], idempotency_key=f"{key}:refund-payment:{payloads.content_hash(body)[:16]}"
                )[0]
                if not result.ok:
                    raise XeroRejected(list(result.errors), result.record)
                settled = "paid" if settled == "none" else "allocated+paid"
                self.also.append(f"refund payment {remaining} recorded")
        self.mappings.put(replace(note, data={**note.data, "settled": settled}))

    # --- cancellation -------------------------------------------------------------------------


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    text = str(value or "")
    if text.startswith("/Date("):
        from datetime import UTC, datetime

        return datetime.fromtimestamp(int(text[6:].split(")")[0].split("+")[0]) / 1000, tz=UTC).date()
    return date.fromisoformat(text[:10]) if text else date.min


def cancel_order(order_key: str, reason: str, *, xero: Xero, mappings: Mappings) -> Outcome:
    """Take a cancelled, failed or trashed order's invoice off the books, as Xero allows."""
    known = mappings.get(order_key)
    if known is None:
        return Outcome("skipped", order_key, reason=f"{reason}; it was never invoiced")
    state = known.data.get("state")
    if state in ("voided", "deleted", "credited"):
        return Outcome("unchanged", order_key, known.xero_id, reason=f"already {state}")
    invoice = xero.get_invoice(known.xero_id)
    status = invoice.get("Status")
    paid = Decimal(str(invoice.get("AmountPaid", 0))) + Decimal(str(invoice.get("AmountCredited", 0)))
    if status in ("DRAFT", "SUBMITTED"):
        new_state, change = "deleted", "DELETED"
    elif status == "AUTHORISED" and paid == 0:
        new_state, change = "voided", "VOIDED"
    elif status in ("VOIDED", "DELETED"):
        mappings.put(replace(known, data={**known.data, "state": status.lower()}))
        return Outcome("unchanged", order_key, known.xero_id, reason=f"the invoice is already {status.lower()} in Xero")
    else:
        return _credit_in_full(known, invoice, reason, xero=xero, mappings=mappings)
    result = xero.update_invoice(
        known.xero_id, payloads.status_change(change), idempotency_key=f"{order_key}:{change.lower()}"
    )
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    mappings.put(replace(known, updated_at=now_iso(), data={**known.data, "state": new_state}))
    return Outcome(new_state, order_key, known.xero_id, reason=reason)


def _credit_in_full(known: Mapping, invoice: dict[str, Any], reason: str, *, xero: Xero, mappings: Mappings) -> Outcome:
    """A paid invoice cannot be voided: a credit note reverses what is still on it, line for line."""
    total = Decimal(str(invoice.get("Total", 0)))
    credited = Decimal(str(invoice.get("AmountCredited", 0)))
    if total - credited <= 0:
        mappings.put(replace(known, data={**known.data, "state": "credited"}))
        return Outcome("unchanged", known.key, known.xero_id, reason="already credited in full")
    lines = [
        {
            k: line[k]
            for k in (
                "Description",
                "Quantity",
                "UnitAmount",
                "DiscountAmount",
                "AccountCode",
                "TaxType",
                "TaxAmount",
                "ItemCode",
                "Tracking",
            )
            if line.get(k) not in (None, [], "")
        }
        for line in invoice.get("LineItems") or []
    ]
    number = documents.cancellation_number(str(known.xero_number))
    body: dict[str, Any] = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": invoice["Contact"]["ContactID"]},
        "CreditNoteNumber": number,
        "Reference": f"{reason} ({known.xero_number})",
        "Date": _date(invoice.get("Date")).isoformat(),
        "CurrencyCode": invoice.get("CurrencyCode"),
        "LineAmountTypes": invoice.get("LineAmountTypes", "Exclusive"),
        "Status": "AUTHORISED",
        "LineItems": lines,
    }
    if credited:  # refunds already credited part of it: credit only what is left
        body["LineItems"] = [
            {
                "Description": f"{reason}: the rest of {known.xero_number}",
                "Quantity": Decimal(1),
                "UnitAmount": total - credited,
                "AccountCode": lines[0]["AccountCode"] if lines else "",
                "TaxType": "NONE",
                "TaxAmount": ZERO,
            }
        ]
    key = documents.cancellation_key(known.key)
    created = create_once(
        mappings,
        key,
        find=lambda: next(iter(xero.credit_notes_by_number([number])), None),
        create=lambda claim: xero.create_credit_notes([body], idempotency_key=f"{key}:{claim}")[0],
        record=lambda r, new: Mapping(key, str(r["CreditNoteID"]), xero_number=number),
    )
    mappings.put(replace(known, updated_at=now_iso(), data={**known.data, "state": "credited"}))
    return Outcome(
        "credited",
        known.key,
        created.mapping.xero_id,
        reason=reason,
        also=(f"credit note {number} (the invoice was paid, so it cannot be voided)",),
    )


def sync_sale(
    command: SaleChanged | SaleGone,
    *,
    settings: StoreSettings,
    xero: Xero,
    mappings: Mappings,
    store: Store | None = None,
) -> Outcome:
    """A sale changed (or went) in the store: its documents in Xero brought in step."""
    key = command.sale.key if isinstance(command, SaleChanged) else command.key
    if not settings.sync.orders:
        return Outcome("skipped", key, reason="order sync is switched off (settings: sync.orders)")
    modified = command.sale.modified_at if isinstance(command, SaleChanged) else None
    with holding(mappings, key):
        known = mappings.get(key)
        stamp = modified.isoformat() if modified else None
        if superseded(known, stamp) and known is not None:
            return superseded_outcome(key, stamp, known)
        if isinstance(command, SaleGone):
            return cancel_order(key, command.reason, xero=xero, mappings=mappings)
        return _apply_sale(command.sale, settings=settings, xero=xero, mappings=mappings, store=store)


def _apply_sale(sale: Sale, *, settings: StoreSettings, xero: Xero, mappings: Mappings, store: Store | None) -> Outcome:
    plan = plan_sale(sale, settings)
    if plan.action == "cancel":
        return cancel_order(sale.key, plan.reason, xero=xero, mappings=mappings)
    if plan.action == "skip" or plan.status is None:
        return Outcome("skipped", sale.key, reason=plan.reason)
    run = Order(sale, settings=settings, xero=xero, mappings=mappings, store=store)
    outcome, invoice = run.sync_invoice(plan.status)
    if not plan.authorised:
        return replace(outcome, also=(*outcome.also, *run.also))
    # refunds are credited before the payment, so their refund payments can ride with it
    credits, rejected = run.credit_refunds(invoice) if sale.refunds else ([], [])
    if plan.pay:
        run.sync_payment(invoice, credits)
        invoice = mappings.get(sale.key) or invoice
    run.settle_refunds(credits, invoice)
    if rejected:
        raise rejected[0]
    return replace(outcome, also=(*outcome.also, *run.also))
