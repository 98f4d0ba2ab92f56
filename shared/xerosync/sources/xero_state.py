"""Xero's state of a document, written back to the store: an optional capability of the store port
(:mod:`xerosync.sources.port` names it too).

A store that keeps a record of each document (a CRM's invoice, sales order or purchase order) shows
what happened to it in Xero: its status, what is paid and due, its number and a link to it. The
core reads the document once per Xero event (:mod:`xerosync.sync.paid_in_xero`) and hands its
state to the store client; a client without the capability keeps the narrower
:meth:`~xerosync.sources.port.StoreClient.mark_paid`.

A store that keeps the Xero ContactID on its own customer record (a CRM's account) is given it
after each contact sync (:class:`ContactIdWriteBack`), so the match survives whatever else changes;
the store's adapter hands it back on :attr:`~xerosync.domain.Party.xero_contact_id`, and the
contacts sync looks that contact up first.

A store that tells the stack of every change, its own writes included (Zoho CRM's notification
channels), must know its own write when it comes back, or each write back would go round again:
such a client asks for a :class:`WriteMemory` (:class:`RemembersWrites`), where it keeps what it
last wrote to each record.

Standard library only, like the port.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from xerosync.frozen import frozen

if TYPE_CHECKING:
    from xerosync.config import StoreSettings


XERO_STANDINGS = ("DRAFT", "SUBMITTED", "AUTHORISED", "PART_PAID", "PAID", "VOIDED", "DELETED")


@frozen
class XeroDocumentState:
    """A Xero invoice (``ACCREC``) or bill (``ACCPAY``) as the store is told of it: money is
    ``Decimal`` to the cent, dates are the organisation's, ``link`` opens the document in Xero
    (empty when the organisation's short code is not known)."""

    type: Literal["ACCREC", "ACCPAY"]
    document_id: str  # InvoiceID
    number: str  # InvoiceNumber
    status: str  # Xero's: DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED
    currency: str
    total: Decimal
    amount_paid: Decimal
    amount_due: Decimal
    amount_credited: Decimal
    fully_paid_on: date | None = None
    payment_dates: tuple[date, ...] = ()  # of each payment, oldest first
    link: str = ""

    @property
    def standing(self) -> str:
        """Xero's status, with ``PART_PAID`` for an authorised document some of which is paid or
        credited (Xero has no status for it): one of :data:`XERO_STANDINGS`."""
        if self.status == "AUTHORISED" and (self.amount_paid or self.amount_credited) and self.amount_due > 0:
            return "PART_PAID"
        return self.status

    @property
    def last_payment_on(self) -> date | None:
        return self.payment_dates[-1] if self.payment_dates else None

    def stored(self) -> dict[str, str]:
        """As text, for the mapping table (and its fingerprint)."""
        return {
            "type": self.type,
            "document_id": self.document_id,
            "number": self.number,
            "status": self.status,
            "currency": self.currency,
            "total": str(self.total),
            "amount_paid": str(self.amount_paid),
            "amount_due": str(self.amount_due),
            "amount_credited": str(self.amount_credited),
            "fully_paid_on": self.fully_paid_on.isoformat() if self.fully_paid_on else "",
            "payment_dates": ",".join(d.isoformat() for d in self.payment_dates),
            "link": self.link,
        }

    def fingerprint(self) -> str:
        """Equal for equal states: what the core compares with the state it wrote back last."""
        import hashlib
        import json

        return hashlib.sha256(json.dumps(self.stored(), sort_keys=True).encode("utf-8")).hexdigest()


@runtime_checkable
class DocumentWriteBack(Protocol):
    """A :class:`StoreClient` that records Xero's state of a document on the store record it came
    from (instead of :meth:`StoreClient.mark_paid`)."""

    def write_back(self, record_key: str, state: XeroDocumentState, settings: "StoreSettings") -> str | None:
        """Write ``state`` to the record ``record_key`` (the mapping key of the sale whose document
        it is). Returns what changed, in the store's words, or None when the settings write nothing
        of it. Raises :class:`StoreNotFound` when the record is gone, :class:`StoreError` when the
        store refuses the write."""
        ...


def write_back_of(store: object) -> DocumentWriteBack | None:
    """``store`` as a :class:`DocumentWriteBack`, or None: the store is only marked paid."""
    return store if isinstance(store, DocumentWriteBack) else None


@runtime_checkable
class ContactIdWriteBack(Protocol):
    """A :class:`StoreClient` that records a customer's Xero ContactID on the store's record of it."""

    def write_contact_id(self, record_key: str, contact_id: str, settings: "StoreSettings") -> str | None:
        """Write ``contact_id`` to the record ``record_key`` (the customer's mapping key). Returns
        what changed, in the store's words, or None when the settings keep none. Raises
        :class:`StoreNotFound` when the record is gone, :class:`StoreError` when the store refuses
        the write."""
        ...


def contact_id_writer_of(store: object) -> ContactIdWriteBack | None:
    """``store`` as a :class:`ContactIdWriteBack`, or None: it keeps no Xero ContactID."""
    return store if isinstance(store, ContactIdWriteBack) else None


class WriteMemory(Protocol):
    """Where a store adapter keeps what it last wrote to a store record, so it knows its own write
    when the store's notification of it comes back (the stack gives it the mapping table)."""

    def recall(self, key: str) -> Mapping[str, Any] | None: ...

    def remember(self, key: str, data: Mapping[str, Any]) -> None: ...


@runtime_checkable
class RemembersWrites(Protocol):
    """A :class:`StoreClient` that wants a :class:`WriteMemory` (the composition root hands it one)."""

    def remember_writes_in(self, memory: WriteMemory) -> None: ...


def remembers_writes(store: object) -> RemembersWrites | None:
    """``store`` as a :class:`RemembersWrites`, or None: it keeps no memory of its writes."""
    return store if isinstance(store, RemembersWrites) else None
