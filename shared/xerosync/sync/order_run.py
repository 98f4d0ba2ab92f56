"""One order event against Xero: what its steps share (the sale, the collaborators, the invoice
as this event knows it) and creating an order's other documents exactly once."""

from datetime import date
from decimal import Decimal
from typing import Any

from xerosync.config import StoreSettings
from xerosync.domain import Sale, Tender
from xerosync.frozen import record
from xerosync.sync.base import create_once
from xerosync.sync.ports import Mapping, Mappings, Store, Xero
from xerosync.xero.client import ElementResult
from xerosync.xero.models import CreditNote, Invoice

# Xero refuses changes to an invoice with a payment or allocation on it, in these words
LOCKED_MESSAGES = ("not of valid status for modification", "cannot be edited as it has a payment")
NUMBER_TAKEN = "must be unique"  # Xero refuses a number in use: "Invoice # must be unique."


def number_taken(result: ElementResult) -> bool:
    return any(NUMBER_TAKEN in message for message in result.errors)


@record
class Credit:
    """A refund's credit note, created by this event or an earlier one, still to be settled."""

    note: Mapping
    fresh: CreditNote | None  # Xero's answer when this event created it
    when: date
    key: str  # the settlement's idempotency prefix
    back: tuple[Tender, ...] = ()  # how the money went back, where the store says (the refund's tenders)


class OrderRun:
    """One order event reconciled against Xero: the collaborators its steps share."""

    def __init__(
        self, sale: Sale, *, settings: StoreSettings, xero: Xero, mappings: Mappings, store: Store | None = None
    ) -> None:
        self.sale = sale
        self.settings = settings
        self.xero = xero
        self.mappings = mappings
        self.store = store
        self.also: list[str] = []  # what else this event wrote, for the outcome
        self.created_invoice: Invoice | None = None  # Xero's answer, when this event created the invoice
        # the invoice as this event knows it for certain (created, or read, then paid by it):
        # no other worker changes it while the order is held, so it need not be read again
        self.invoice_now: Invoice | None = None
        # the sale's decreases' credit notes as Xero had them when this event first read them (by
        # mapping key), and what this event has paid out of each since (refunds drawing on them)
        self.decrease_notes: dict[str, tuple[Mapping, CreditNote]] = {}
        self.paid_out: dict[str, Decimal] = {}

    @property
    def paid(self) -> bool:
        """The sale received money: by its tenders, or on its paid date."""
        return bool(self.sale.payments) or self.sale.paid_date is not None

    def known_invoice(self, invoice_id: str) -> Invoice:
        now = self.invoice_now
        if now is not None and now.id == invoice_id and now.known_due:
            return now
        self.invoice_now = Invoice.of(self.xero.get_invoice(invoice_id))
        return self.invoice_now

    def less_due(self, invoice_id: str, amount: Decimal) -> None:
        """This event paid or credited ``amount`` of the invoice it knows."""
        if self.invoice_now is not None and self.invoice_now.id == invoice_id:
            self.invoice_now = self.invoice_now.less_due(amount)

    def credit_note(
        self, key: str, body: dict[str, Any], data: dict[str, Any] | None = None
    ) -> tuple[Mapping, CreditNote | None]:
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
        return created.mapping, CreditNote.of(created.record) if created.record is not None else None

    def extra_invoice(self, key: str, body: dict[str, Any]) -> tuple[Mapping, dict[str, Any] | None]:
        """An invoice besides the order's own (issued again, or an adjustment), created once."""
        number = str(body["InvoiceNumber"])
        created = create_once(
            self.mappings,
            key,
            find=lambda: next(iter(self.xero.invoices_by_number([number])), None),
            create=lambda claim: self.xero.create_invoices([body], idempotency_key=f"{key}:{claim}")[0],
            record=lambda r, new: Mapping(key, str(r["InvoiceID"]), xero_number=number),
            look_up_first_claim=False,
            taken=number_taken,
        )
        return created.mapping, created.record
