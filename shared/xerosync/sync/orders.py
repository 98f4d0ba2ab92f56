"""Store orders -> Xero documents: one invoice per order, its payment, a credit note per refund.

An event carries the sale's whole state (a store sends it on every change: a payment, a refund
and a cancellation alike), so each event reconciles every document the order should have in
Xero with what the mapping table says is there:

1. the invoice (here): created once; updated in place (keeping its ``LineItemID``s) while Xero
   allows; once a payment or credit is on it, Xero locks it, so a later change becomes a
   credit note (a decrease) or an additional invoice (an increase) for the difference, or is
   reported and not booked (settings ``after_payment``: :mod:`.adjustments`). A store that records
   Xero's state of each document (:mod:`.writeback`) tells the sync so before it tries an edit;
   for any other, Xero's refusal of the edit does;
2. the payment, once the order is paid (:mod:`.payments`);
3. a credit note per refund (:mod:`.refunds`);
4. cancelled or deleted orders come off the books (:mod:`.cancellation`); an order restored
   afterwards gets a new invoice (here).

What a sale becomes (skipped, invoiced as DRAFT or AUTHORISED, paid, cancelled) is decided by
one rule, :func:`xerosync.sync.policy.plan_sale`.
"""

from dataclasses import replace
from decimal import Decimal
from typing import Any

from xerosync import documents
from xerosync.config import StoreSettings
from xerosync.domain import Ignored, Product, Sale, SaleChanged, SaleGone
from xerosync.sources.port import StoreNotFound, write_back_of
from xerosync.sync.adjustments import AdjustmentSteps
from xerosync.sync.base import Outcome, create_once, holding, now_iso, superseded, superseded_outcome
from xerosync.sync.cancellation import cancel_order
from xerosync.sync.contacts import ensure_contact
from xerosync.sync.invoice_contacts import NewContact, contact_for_invoice
from xerosync.sync.items import item_codes, upsert_item
from xerosync.sync.order_run import LOCKED_MESSAGES, number_taken
from xerosync.sync.payments import PaymentSteps
from xerosync.sync.policy import plan_sale
from xerosync.sync.ports import Booked, InvoiceRecord, Mapping, Mappings, Store, Xero
from xerosync.sync.writeback import paid_in_xero
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected
from xerosync.xero.models import Invoice

# The order in which this use case calls Xero, kinds made at the same point together: the Xero
# batcher sends the earliest phase first, so concurrent orders' calls of a kind share a request.
# An order's refunds are credited before it is paid, so that the refund payments go in the same
# request as the order payments.
CALL_ORDER: tuple[tuple[str, ...], ...] = (
    ("contacts_matching",),
    ("create_contacts", "update_contacts"),
    ("items_by_code",),
    ("create_items", "update_items"),
    ("invoices_by_number",),
    ("create_invoices", "update_invoice"),
    ("credit_notes_by_number",),
    ("create_credit_notes",),
    ("get_invoice",),
    ("create_payments",),
    ("get_credit_note",),
)


class Order(PaymentSteps, AdjustmentSteps):
    """One order event reconciled against Xero: its invoice here, its other documents in the steps."""

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

    def _booked(self, body: dict[str, Any]) -> dict[str, Booked]:
        """What each line put on the books: amount, tax, tax type, account, description."""
        booked: dict[str, Booked] = {}
        for source, line in zip(payloads.line_sources(self.sale.lines, body), body["LineItems"], strict=True):
            amount = payloads.cents(Decimal(line["Quantity"]) * Decimal(line["UnitAmount"])) - Decimal(
                line.get("DiscountAmount", 0)
            )
            booked[source] = (
                str(amount),
                str(line["TaxAmount"]),
                line["TaxType"],
                line["AccountCode"],
                line["Description"],
            )
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
        kept: InvoiceRecord | None = None,
    ) -> Mapping:
        """The invoice's mapping after writing ``body`` (Xero answered ``record``); ``kept``: what
        the previous mapping keeps beyond this state (locked, adjustments, issue)."""
        details = replace(
            kept or InvoiceRecord(),
            lines=self._line_ids(body, record),
            booked=self._booked(body),
            state="open",
            contact=body["Contact"]["ContactID"],
        )
        return Mapping(
            self.sale.key,
            invoice_id,
            content_hash=digest,
            xero_number=number,
            source_modified=self.sale.modified_at.isoformat() if self.sale.modified_at else None,
            updated_at=now_iso(),
            data=details.stored(),
        )

    def sync_invoice(self, status: str) -> tuple[Outcome, Mapping]:
        known = self.mappings.get(self.sale.key)
        if known is None:  # a first invoice may create its new buyer's contact itself
            contact = contact_for_invoice(self.sale.customer, self.xero, self.mappings)
            if isinstance(contact, NewContact):
                return self._create_naming(contact, status)
            contact_id = contact
        else:
            contact_id = ensure_contact(self.sale.customer, self.xero, self.mappings)
        codes = self._codes()
        known = self.mappings.get(self.sale.key)
        if known and known.invoice.state != "open":
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
            taken=number_taken,
        )
        if created.record is not None:
            self.created_invoice = self.invoice_now = Invoice.of(created.record)
            return Outcome("created", self.sale.key, created.mapping.xero_id), created.mapping
        known = created.mapping
        if known.content_hash == digest:
            return Outcome("unchanged", self.sale.key, known.xero_id), known
        if not known.invoice.locked and write_back_of(self.store) and paid_in_xero(self.mappings, self.sale.key):
            known = known.keeping(replace(known.invoice, locked=True))  # Xero's state says so: no edit tried
        if known.invoice.locked:
            return self.adjust(known, plain, self._booked(plain))
        body = payloads.invoice(
            self.sale, contact_id, self.settings, status=status, item_codes=codes, line_ids=known.invoice.lines
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
            locked = known.keeping(replace(known.invoice, locked=True))
            self.mappings.put(locked)
            return self.adjust(locked, plain, self._booked(plain))
        kept = InvoiceRecord(locked=known.invoice.locked, adjustments=known.invoice.adjustments)
        mapping = self._mapping(known.xero_id, body["InvoiceNumber"], digest, body, result.record, kept=kept)
        self.mappings.put(mapping)
        return Outcome("updated", self.sale.key, known.xero_id), mapping

    def _create_naming(self, contact: NewContact, status: str) -> tuple[Outcome, Mapping]:
        """The first invoice of a buyer new to Xero, its Contact the buyer's details: one request
        creates both (:class:`~xerosync.sync.contacts.NewContact`). The invoice is the one
        :meth:`sync_invoice` makes, and is recorded as if sent with the contact's ContactID."""
        try:
            codes = self._codes()
            plain = payloads.invoice(self.sale, "", self.settings, status=status, item_codes=codes)
            number = plain["InvoiceNumber"]

            def record(r: dict[str, Any], new: bool) -> Mapping:
                if not new:  # found in Xero (a lost mapping): what is booked is what Xero holds
                    return self._mapping(str(r["InvoiceID"]), number, "", r, r)
                contact.recorded(str(r["Contact"]["ContactID"]))
                body = {**plain, "Contact": {"ContactID": str(r["Contact"]["ContactID"])}}
                return self._mapping(str(r["InvoiceID"]), number, payloads.content_hash(body), body, r)

            created = create_once(
                self.mappings,
                self.sale.key,
                find=lambda: next(iter(self.xero.invoices_by_number([number])), None),
                create=lambda claim: self.xero.create_invoices(
                    [{**plain, "Contact": contact.sent}], idempotency_key=f"invoice:{self.sale.key}:{claim}"
                )[0],
                record=record,
                look_up_first_claim=False,
                taken=number_taken,
            )
        finally:
            contact.abandon()  # nothing once recorded
        if created.record is None:  # the invoice was there already: brought in step the usual way
            return self.sync_invoice(status)
        self.created_invoice = self.invoice_now = Invoice.of(created.record)
        return Outcome("created", self.sale.key, created.mapping.xero_id), created.mapping

    def _reissue(self, known: Mapping, status: str, contact_id: str, codes: dict[str, str]) -> tuple[Outcome, Mapping]:
        """A cancelled order came back: its old invoice stays voided, a new one is issued."""
        issue = known.invoice.issue + 1
        body = payloads.invoice(self.sale, contact_id, self.settings, status=status, item_codes=codes, issue=issue)
        issued, record = self.extra_invoice(documents.reissue_key(self.sale.key, issue), body)
        digest = payloads.content_hash(body)
        mapping = self._mapping(
            issued.xero_id, body["InvoiceNumber"], digest, body, record or {}, kept=InvoiceRecord(issue=issue)
        )
        self.mappings.put(mapping)
        self.also.append(f"invoice {body['InvoiceNumber']} issued again (the order was restored)")
        return Outcome("created", self.sale.key, mapping.xero_id), mapping


def sync_sale(
    command: SaleChanged | SaleGone | Ignored,
    *,
    settings: StoreSettings,
    xero: Xero,
    mappings: Mappings,
    store: Store | None = None,
) -> Outcome:
    """A sale changed (or went) in the store: its documents in Xero brought in step (``Ignored``:
    a record the source reads but does not book, e.g. a kind of document not synced yet)."""
    if isinstance(command, Ignored):
        return Outcome("skipped", command.key, reason=command.reason)
    key = command.sale.key if isinstance(command, SaleChanged) else command.key
    if not settings.sync.orders:
        return Outcome("skipped", key, reason="order sync is switched off (settings: sync.orders)")
    modified = command.sale.modified_at if isinstance(command, SaleChanged) else None
    doubt = _deletion_unconfirmed(store, key) if isinstance(command, SaleGone) else ""
    if doubt:
        return Outcome("skipped", key, reason=doubt)
    with holding(mappings, key):
        known = mappings.get(key)
        stamp = modified.isoformat() if modified else None
        if superseded(known, stamp) and known is not None:
            return superseded_outcome(key, stamp, known)
        if isinstance(command, SaleGone):
            return cancel_order(key, command.reason, xero=xero, mappings=mappings)
        return _apply_sale(command.sale, settings=settings, xero=xero, mappings=mappings, store=store)


def _deletion_unconfirmed(store: Store | None, key: str) -> str:
    """Why a deletion is not to be believed (empty when it is). A webhook's topic is not signed, so
    before anything is voided the store is asked, when its API is there: a sale it still has, and
    not in its trash, was not deleted (a replayed or forged deletion). Without the API the ingress's
    check stands: the body was the store's body of a deletion."""
    if store is None:
        return ""
    try:
        found = store.fetch("order", documents.sale_id(key))
    except StoreNotFound:
        return ""
    if found.gone:
        return ""
    return f"a deletion of {key} arrived, but the store still has it: nothing voided"


def _apply_sale(sale: Sale, *, settings: StoreSettings, xero: Xero, mappings: Mappings, store: Store | None) -> Outcome:
    plan = plan_sale(sale, settings)
    if plan.action == "cancel":
        refunds = [refund.id for refund in sale.refunds]
        return cancel_order(sale.key, plan.reason, xero=xero, mappings=mappings, refunds=refunds)
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
