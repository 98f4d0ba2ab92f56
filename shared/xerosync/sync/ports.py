"""What the use cases need from the outside world, as small interfaces.

The Lambda functions plug in DynamoDB and the Xero client; unit tests plug in fakes.
"""

from collections.abc import Callable
from dataclasses import field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, runtime_checkable

from xerosync.domain import Refund, Sale
from xerosync.frozen import frozen
from xerosync.sources.port import Found
from xerosync.xero.client import ElementResult


@frozen
class Mapping:
    """A store record's Xero document, as the mapping table keeps it."""

    key: str  # the store record
    xero_id: str  # ContactID, InvoiceID, ...
    content_hash: str = ""  # of the last body we sent Xero for it
    xero_number: str | None = None  # InvoiceNumber, ContactNumber
    source_modified: str | None = None  # the store's modification time of the state we sent
    updated_at: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # as stored: read it through the records below

    @property
    def invoice(self) -> "InvoiceRecord":
        """What this mapping keeps of a sale's invoice."""
        return InvoiceRecord.of(self.data)

    @property
    def credit(self) -> "CreditRecord":
        """What this mapping keeps of a credit note."""
        return CreditRecord.of(self.data)

    def keeping(self, record: "InvoiceRecord | CreditRecord") -> "Mapping":
        """This mapping, keeping ``record`` as its document's details."""
        return replace(self, data=record.stored())


InvoiceState = Literal["open", "voided", "deleted", "credited"]
DONE_STATES: tuple[InvoiceState, ...] = ("voided", "deleted", "credited")
# What each line put on the books: amount, tax, tax type, account, description (as text)
Booked = tuple[str, str, str, str, str]


@frozen
class InvoiceRecord:
    """The details the mapping of a sale's invoice keeps."""

    lines: dict[str, str] = field(default_factory=dict)  # the store's line id -> Xero's LineItemID
    booked: dict[str, Booked] = field(default_factory=dict)  # the store's line id -> what it booked
    state: InvoiceState = "open"  # voided, deleted or credited: taken off the books
    contact: str = ""  # its ContactID
    locked: bool = False  # paid or credited: Xero refuses edits, so changes become adjustments
    adjustments: int = 0  # documents booking changes made after it was locked (-A1, -A2...)
    issue: int = 1  # 2 and up: issued again for an order restored after a cancellation
    reported: str = ""  # the state (its hash) a change after payment was reported of, not booked

    @classmethod
    def of(cls, data: dict[str, Any]) -> "InvoiceRecord":
        booked = data.get("booked") or {}
        state = str(data.get("state") or "open")
        return cls(
            lines={str(k): str(v) for k, v in (data.get("lines") or {}).items()},
            booked={str(k): tuple(str(x) for x in v) for k, v in booked.items()},  # type: ignore[misc]
            state=next((s for s in DONE_STATES if s == state), "open"),
            contact=str(data.get("contact") or ""),
            locked=bool(data.get("locked")),
            adjustments=int(data.get("adjustments") or 0),
            issue=int(data.get("issue") or 1),
            reported=str(data.get("reported") or ""),
        )

    def stored(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "lines": dict(self.lines),
            "booked": {k: list(v) for k, v in self.booked.items()},
            "state": self.state,
            "contact": self.contact,
        }
        if self.locked:
            data["locked"] = True
        if self.adjustments:
            data["adjustments"] = self.adjustments
        if self.issue > 1:
            data["issue"] = self.issue
        if self.reported:
            data["reported"] = self.reported
        return data


@frozen
class CreditRecord:
    """The details the mapping of a credit note (or of a refund) keeps."""

    total: str = ""  # the refund it credits, when it credits one
    settled: str = ""  # "" not yet; none | allocated | paid | allocated+paid
    decrease: bool = False  # it books a decrease after payment: its credit is owed to the customer
    # a refund's money paid back out of decreases' credit notes (:mod:`xerosync.sync.owed`), by
    # the decrease's mapping key: decided once, before any of it is paid, and kept
    drawn: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, data: dict[str, Any]) -> "CreditRecord":
        return cls(
            total=str(data.get("total") or ""),
            settled=str(data.get("settled") or ""),
            decrease=bool(data.get("decrease")),
            drawn={str(k): str(v) for k, v in (data.get("drawn") or {}).items()},
        )

    def stored(self) -> dict[str, Any]:
        data: dict[str, Any] = {k: v for k, v in (("total", self.total), ("settled", self.settled)) if v}
        if self.decrease:
            data["decrease"] = True
        if self.drawn:
            data["drawn"] = dict(self.drawn)
        return data


@frozen
class LogEntry:
    """One line of the sync log: what became of one event (or one job's record)."""

    key: str  # the store record, e.g. order:1001
    outcome: str  # applied | unchanged | skipped | superseded | duplicate | retrying | failed
    action: str = ""  # created | updated | voided | ... (what was done in Xero)
    topic: str = ""
    xero_id: str = ""
    reason: str = ""
    also: tuple[str, ...] = ()
    modified: str = ""  # the store's modification time of the state the event carried
    event: str = ""  # the event's content hash (equal deliveries, equal hash)
    attempt: int = 1  # SQS receive count
    payload: str = ""  # failed events only
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))


class Journal(Protocol):
    """The sync log."""

    def write(self, entry: LogEntry) -> None: ...


@frozen
class Claimed:
    """A claim is ours. ``first``: nobody ever claimed this record before, so no earlier attempt
    can have created it in Xero and died before recording it (nothing to look up first)."""

    first: bool


class ClaimHeld(Exception):
    """Another worker is creating or changing this record right now: try again shortly."""

    transient = True

    def __init__(self, key: str, retry_after: float = 3.0, *, doing: str = "created") -> None:
        super().__init__(f"{key} is being {doing} by another worker")
        self.retry_after = retry_after


class ClaimLost(Exception):
    """Our claim expired and another worker took it over (a worker ran past the lease)."""

    transient = True
    retry_after = 3.0


class Mappings(Protocol):
    """The mapping table. Creation in Xero is guarded by claims, so that two workers (two
    queues, two deliveries, a redelivery after a timeout) never both create one record."""

    def get(self, key: str) -> Mapping | None:
        """The completed mapping of ``key`` (a pending claim is not a mapping)."""
        ...

    def claim(self, key: str, token: str) -> Mapping | Claimed:
        """Claim the right to create ``key``'s Xero record. Returns the mapping when another
        worker completed it meanwhile, :class:`Claimed` when the claim is ours (``first`` unless
        an earlier claim was released or taken over from a worker whose lease expired), and
        raises :class:`ClaimHeld` while another claim is live. Whoever holds a claim that is not
        the first looks the record up in Xero by its natural key before creating."""
        ...

    def put(self, mapping: Mapping, *, claim: str | None = None) -> None:
        """Record the mapping; with ``claim``, only if that claim is still ours."""
        ...

    def release(self, key: str, claim: str) -> None:
        """Give up a claim (the attempt failed), so a retry is not kept waiting. The record
        remembers it was attempted: the attempt may have created it in Xero (a lost response)."""
        ...

    def lock(self, key: str, token: str) -> None:
        """Hold ``key`` while one event is applied to it, so that events about one record are
        applied one at a time (and an older state never overwrites a newer one). Raises
        :class:`ClaimHeld` while another worker holds it."""
        ...

    def unlock(self, key: str, token: str) -> None: ...


@runtime_checkable
class Awaited(Protocol):
    """A mapping table shared by one invocation's workers (:class:`xerosync.sync.invocation.SharedClaims`)."""

    def awaited(self, key: str) -> bool:
        """Whether another worker of this invocation waits for the claim on ``key``."""
        ...

    def small(self) -> bool:
        """Whether the invocation is a small one (real time), where an invoice may create its
        buyer's contact."""
        ...


class Store(Protocol):
    """The store's API, for what its webhooks leave out (a refund's lines). The whole store
    port, which this is part of, is :class:`xerosync.sources.port.StoreClient`."""

    def refund(self, sale: Sale, refund_id: str) -> Refund: ...

    def fetch(self, kind: Literal["order", "customer", "product"], record_id: str) -> "Found":
        """One record as the store has it now (:class:`StoreNotFound` when it has none)."""
        ...


class Xero(Protocol):
    """The operations of :class:`xerosync.xero.client.XeroClient` the use cases call."""

    def get_invoice(self, invoice_id: str) -> dict[str, Any]: ...

    def get_contact(self, contact_id: str) -> dict[str, Any]: ...

    def get_credit_note(self, credit_note_id: str) -> dict[str, Any]: ...

    def create_items(self, items: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def update_items(self, items: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def items_by_code(self, codes: list[str]) -> list[dict[str, Any]]: ...

    def create_payments(self, payments: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def create_credit_notes(self, notes: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def credit_notes_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...

    def allocate_credit_note(
        self, credit_note_id: str, allocation: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult: ...

    def contacts_matching(
        self, number: str | None, email: str, name: str = "", contact_id: str = ""
    ) -> list[dict[str, Any]]:
        """Contacts whose ``ContactID`` is ``contact_id`` (a GUID; else not asked), whose
        ``ContactNumber`` is ``number``, whose email is ``email`` or whose name is ``name`` (one read)."""
        ...

    def create_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def update_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]: ...

    def create_invoices(self, invoices: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]: ...

    def update_invoice(self, invoice_id: str, invoice: dict[str, Any], *, idempotency_key: str) -> ElementResult: ...

    def short_code(self) -> str:
        """The organisation's ``ShortCode`` (Xero's deep links name it by it)."""
        ...


# --- privacy requests and the sync's stop switch (xerosync.sync.privacy) --------------------------
@frozen
class Subject:
    """Whose data a privacy request is about: their records, and text that identifies them
    wherever it is stored. ``everyone``: every customer (a shop that asked to be erased)."""

    keys: frozenset[str] = frozenset()  # record keys: "customer:7", "guest:<email>", "order:1001"
    texts: tuple[str, ...] = ()  # emails, phone numbers: matched without regard to case
    everyone: bool = False

    def quotes(self, text: str) -> bool:
        folded = text.casefold()
        return any(t.casefold() in folded for t in self.texts if t)

    def owns(self, key: str) -> bool:
        """``key`` is one of the subject's records (for everyone: a key that names a guest)."""
        return key in self.keys or (self.everyone and key.startswith(PERSONAL_KEY_PREFIXES))

    def concerns(self, entry: "LogEntry") -> bool:
        """The entry is about the subject's records, or quotes them in any text it keeps."""
        if self.owns(entry.key):
            return True
        if self.everyone:
            return bool(entry.payload)
        return any(self.quotes(t) for t in (entry.key, entry.payload, entry.reason, *entry.also))

    def scrub(self, text: str) -> str:
        """``text`` without the subject's identifying text."""
        for t in sorted((t for t in self.texts if t), key=len, reverse=True):
            start = text.casefold().find(t.casefold())
            while start >= 0:
                text = text[:start] + REDACTED + text[start + len(t) :]
                start = text.casefold().find(t.casefold(), start + len(REDACTED))
        return text


PERSONAL_KEY_PREFIXES = ("guest:",)  # mapping keys that carry personal data (an email)
REDACTED = "[redacted]"


class PrivateLog(Journal, Protocol):
    """The sync log, for privacy requests."""

    def holding(self, subject: Subject) -> list[LogEntry]:
        """Every entry the subject :meth:`~Subject.concerns` (what the store said, in any text)."""
        ...

    def rewrite(self, old: LogEntry, new: LogEntry | None) -> None:
        """Replace an entry (same expiry), or delete it (``new`` None)."""
        ...

    def by_record(self, key: str) -> list[LogEntry]: ...


class PersonalMappings(Protocol):
    """The mapping table, for privacy requests."""

    def get(self, key: str) -> Mapping | None: ...

    def forget(self, key: str) -> bool:
        """Delete every item of ``key`` (its mapping, a claim, a lock); True if it had any."""
        ...

    def personal_keys(self) -> list[str]:
        """Every key that carries personal data (:data:`PERSONAL_KEY_PREFIXES`)."""
        ...


@frozen
class Sweep:
    """What a sweep of the dead-letter queues did."""

    removed: tuple[str, ...] = ()  # the record keys of the messages it deleted
    kept: int = 0  # messages it looked at and left
    complete: bool = True  # False: it stopped before the end (time, size): run it again


class DeadLetters(Protocol):
    """The dead-letter queues whose messages carry store payloads."""

    def remove(self, concerns: Callable[[str, str], bool]) -> Sweep:
        """Delete every message for which ``concerns(record key, body)`` is true."""
        ...


@frozen
class Stopped:
    """The sync is stopped: records are skipped, the jobs do nothing, until ``xerosync resume``."""

    reason: str
    since: str  # ISO time
    by: str = ""  # what stopped it: the request's key (privacy:...), or "operator"


class SyncSwitch(Protocol):
    """The persistent stop flag."""

    def stopped(self) -> Stopped | None: ...

    def stop(self, stopped: Stopped) -> None:
        """Stop (a second stop keeps the first one's time and reason)."""
        ...

    def resume(self) -> Stopped | None:
        """Start again; returns the stop it ended (None: it was not stopped)."""
        ...
