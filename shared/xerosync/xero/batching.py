"""Many records, few Xero calls: the calls of concurrent record workers, coalesced into batches.

A sync function applies each record of its SQS batch in its own thread, with the same
per-record use cases as ever. Those threads call Xero through :class:`BatchingXero`, which
parks each call; once every worker is parked (or none has moved for a short wait) it sends each kind
of call as one request - up to 200 small elements or 100 documents per write
(``xero.wire.BATCH_ELEMENTS``) with ``summarizeErrors=false``, one
``where``/``IDs`` query per read - and hands every worker its own element's answer. A
rejected element fails only its own record; a failed request fails the records in it.

So a batch of 50 new paid orders costs, at best, one contact lookup, one contact create, one
invoice create and one payment create (the use cases skip lookups their claims make needless):
0.08 calls per order instead of 4, with the use cases unchanged. Workers that reach a phase
late split it into more requests; `make bench` measures what a backfill really costs.
"""

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import field
from typing import Any

from xerosync.frozen import record
from xerosync.xero.batching_quotes import QuoteBatching
from xerosync.xero.client import ElementResult, XeroClient, batch_chunks, contact_keys, where_chunks, where_in
from xerosync.xero.errors import XeroNotFound

READ_CHUNK = 25  # values per `where` query: keeps the URL short (Xero tops out near 52 GUIDs, ~2 KB)
LIST_CHUNK = 50  # values per IDs= / InvoiceNumbers= query (a GUID is 37 characters there)
OVERDUE = 3  # times max_wait the oldest waiting call may wait while other workers keep arriving


@record
class _Call:
    """A worker's Xero call parked for the next batched request, and its answer."""

    kind: str
    args: tuple[Any, ...]
    key: str = ""  # the caller's idempotency key, for writes
    group: object = None  # the calls one worker parked together
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


Flush = Callable[[list[_Call]], None]


class BatchingXero(QuoteBatching):  # its quote and purchase order calls: batching_quotes.py
    """The Xero port for a batch of concurrent record workers (see the module docstring)."""

    def __init__(
        self,
        client: XeroClient,
        *,
        workers: int = 0,
        max_wait: float = 2.0,
        deadline: float | None = None,
        call_order: Sequence[Sequence[str]] = (),
    ) -> None:
        """``workers``: how many record workers will come, so that the first to call does not
        flush alone before the others have started. ``deadline`` (``time.monotonic()``): from
        then on nothing waits for anyone - every call goes as it comes - so that waiting for
        stragglers phase after phase can never run the invocation out of time. ``call_order``:
        the order in which the workers' use case makes its calls, kinds that come at the same
        point together (the use case declares it): when every worker waits, only the calls of the
        earliest phase present go out, so workers ahead wait for the others to catch up and the
        next request carries everyone's call of that kind instead of a few of each."""
        self.client = client
        self._phase = {kind: n for n, kinds in enumerate(call_order) for kind in kinds}
        self.max_wait = max_wait
        self.deadline = deadline
        self._cond = threading.Condition()
        self._pending: list[_Call] = []
        self._active = workers
        self._reserved = workers
        self._idle = 0  # workers blocked on another worker's claim
        self._oldest = 0.0  # when the oldest call still pending was made
        self._moved = time.monotonic()  # when a worker last arrived at a call, went idle or left
        self._flushing = False
        self.requests = 0  # HTTP calls made through this facade
        self.flushes = 0  # times calls were sent
        self.flushes_timed_out = 0  # of which because a worker was slow to come (max_wait), not aligned
        self._flushers: dict[str, Flush] = {
            "contacts_matching": self._read_contacts,
            "items_by_code": self._read_items,
            "invoices_by_number": self._read_invoices_by_number,
            "credit_notes_by_number": self._read_credit_notes_by_number,
            "get_invoice": self._read_invoices_by_id,
            "get_credit_note": self._read_credit_notes_by_id,
            "create_contacts": self._writer("create_contacts", "Contacts"),
            "update_contacts": self._writer("update_or_create_contacts", "Contacts"),
            "create_items": self._writer("create_items", "Items", unitdp=4),
            "update_items": self._writer("update_or_create_items", "Items", unitdp=4),
            "create_invoices": self._writer("create_invoices", "Invoices", unitdp=4),
            "update_invoice": self._writer("update_or_create_invoices", "Invoices", unitdp=4),
            "create_payments": self._writer("create_payments", "Payments"),
            "create_credit_notes": self._writer("create_credit_notes", "CreditNotes", unitdp=4),
            **self._quote_flushers(),
        }

    # --- the workers ----------------------------------------------------------------------------
    @contextmanager
    def worker(self) -> Iterator[None]:
        """Wrap one record's work: the batch flushes when every worker is waiting on Xero."""
        with self._cond:
            if self._reserved:
                self._reserved -= 1
            else:
                self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._moved = time.monotonic()
                self._cond.notify_all()
            self._maybe_flush()

    @contextmanager
    def idle(self) -> Iterator[None]:
        """A worker blocked on something other than Xero (another worker's claim) counts as waiting."""
        with self._cond:
            self._idle += 1
            self._moved = time.monotonic()
            self._cond.notify_all()
        try:
            self._maybe_flush()
            yield
        finally:
            with self._cond:
                self._idle -= 1

    def _submit(self, kind: str, *args: Any, key: str = "") -> Any:
        return self._submit_all([_Call(kind, args, key)])[0]

    def _submit_all(self, calls: list[_Call]) -> list[Any]:
        """Park one worker's calls together (they go in the same request) and wait for them all."""
        group = object()
        with self._cond:
            self._moved = time.monotonic()
            if not self._pending:
                self._oldest = self._moved
            for call in calls:
                call.group = group
                self._pending.append(call)
            self._cond.notify_all()
        for call in calls:
            while not call.done.is_set():
                self._maybe_flush()
                call.done.wait(self.max_wait / 4)
        for call in calls:
            if call.error is not None:
                raise call.error
        return [call.result for call in calls]

    def _maybe_flush(self) -> None:
        with self._cond:
            if self._flushing or not self._pending:
                return
            # a worker whose call was answered but has not woken yet is not waiting any more:
            # count the calls still to send, not the threads still inside _submit
            waiting = len({id(c.group) for c in self._pending})  # a worker's calls wait as one
            everyone_waits = waiting + self._idle >= self._active
            # a slow worker: nobody has arrived for max_wait (the others are still coming, one
            # by one, as long as they keep arriving), or the oldest call has waited OVERDUE times
            # that, however busy the rest are
            now = time.monotonic()
            waited = (
                now - self._moved >= self.max_wait
                or now - self._oldest >= OVERDUE * self.max_wait
                or (self.deadline is not None and now >= self.deadline)
            )
            if not (everyone_waits or waited):
                return
            if waited:  # someone is slow to come: send everything that waits
                calls, self._pending = self._pending, []
            else:
                first = min(self._phase.get(c.kind, 0) for c in self._pending)
                calls = [c for c in self._pending if self._phase.get(c.kind, 0) == first]
                self._pending = [c for c in self._pending if self._phase.get(c.kind, 0) != first]
            self._oldest = time.monotonic()  # what stays pending waits afresh
            self._flushing = True
            self.flushes += 1
            self.flushes_timed_out += waited and not everyone_waits
        try:
            by_kind: dict[str, list[_Call]] = {}
            for call in calls:
                by_kind.setdefault(call.kind, []).append(call)
            for kind, group in by_kind.items():
                try:
                    self._flushers[kind](group)
                except BaseException as exc:  # the request failed: every record in it fails
                    for call in group:
                        if not call.done.is_set():
                            call.error = exc
                            call.done.set()
        finally:
            with self._cond:
                self._flushing = False
                self._moved = time.monotonic()  # the answered workers start moving from now
                self._cond.notify_all()

    # --- reads ------------------------------------------------------------------------------------
    def _query(
        self,
        calls: list[_Call],
        values: Callable[[_Call], list[str]],
        fetch: Callable[[list[str]], list[Any]],
        match: Callable[[dict[str, Any], str], bool],
        finish: Callable[[_Call, list[dict[str, Any]]], None] | None = None,
        chunk: int = READ_CHUNK,
    ) -> None:
        wanted = sorted({v for call in calls for v in values(call)})
        found: list[dict[str, Any]] = []
        for i in range(0, len(wanted), chunk):
            self.requests += 1
            found.extend(fetch(wanted[i : i + chunk]))
        for call in calls:
            mine = values(call)
            matches = [r for r in found if any(match(r, v) for v in mine)]
            if finish is None:
                call.result = matches
            else:
                finish(call, matches)
            call.done.set()

    def _read_contacts(self, calls: list[_Call]) -> None:
        """Every party's ContactNumber, email and name, OR-ed into as few queries as fit a URL."""
        keys = sorted({k for call in calls for k in contact_keys(*call.args)})
        found: list[dict[str, Any]] = []
        for where in where_chunks(keys):
            self.requests += 1
            found.extend(self.client.get_list("get_contacts", "Contacts", where=where))
        for call in calls:
            mine = [(name, value.lower()) for name, value in contact_keys(*call.args)]
            call.result = [r for r in found if any(str(r.get(name, "")).lower() == v for name, v in mine)]
            call.done.set()

    def _read_items(self, calls: list[_Call]) -> None:
        self._query(
            calls,
            lambda c: list(c.args[0]),
            lambda vs: self.client.get_list("get_items", "Items", where=where_in("Code", vs), unitdp=4),
            lambda r, v: r.get("Code") == v,
        )

    def _read_invoices_by_number(self, calls: list[_Call]) -> None:
        self._query(
            calls,
            lambda c: list(c.args[0]),
            lambda vs: self.client.get_list(
                "get_invoices", "Invoices", invoice_numbers=vs, unitdp=4, page=1, page_size=100
            ),
            lambda r, v: r.get("InvoiceNumber") == v,
            chunk=LIST_CHUNK,
        )

    def _read_credit_notes_by_number(self, calls: list[_Call]) -> None:
        self._query(
            calls,
            lambda c: list(c.args[0]),
            lambda vs: self.client.get_list(
                "get_credit_notes", "CreditNotes", where=where_in("CreditNoteNumber", vs), unitdp=4, page=1
            ),
            lambda r, v: r.get("CreditNoteNumber") == v,
        )

    def _by_id(
        self,
        calls: list[_Call],
        id_field: str,
        fetch: Callable[[list[str]], list[Any]],
        what: str,
        chunk: int = READ_CHUNK,
    ) -> None:
        def finish(call: _Call, found: list[dict[str, Any]]) -> None:
            if found:
                call.result = found[0]
            else:
                call.error = XeroNotFound(f"{what} {call.args[0]}")

        self._query(
            calls,
            lambda c: [str(c.args[0]).lower()],
            fetch,
            lambda r, v: str(r.get(id_field, "")).lower() == v,
            finish,
            chunk,
        )

    def _read_invoices_by_id(self, calls: list[_Call]) -> None:
        # paged, so that Xero includes the line items
        self._by_id(
            calls,
            "InvoiceID",
            lambda vs: self.client.get_list("get_invoices", "Invoices", i_ds=vs, unitdp=4, page=1, page_size=100),
            "invoice",
            LIST_CHUNK,
        )

    def _read_credit_notes_by_id(self, calls: list[_Call]) -> None:
        self._by_id(
            calls,
            "CreditNoteID",
            lambda vs: self.client.get_list(
                "get_credit_notes",
                "CreditNotes",
                where=" OR ".join(f'CreditNoteID==Guid("{v}")' for v in vs),
                unitdp=4,
                page=1,
            ),
            "credit note",
        )

    # --- writes -----------------------------------------------------------------------------------
    def _writer(self, operation: str, plural: str, **kwargs: Any) -> Flush:
        def flush(calls: list[_Call]) -> None:
            for chunk in batch_chunks(plural, calls, lambda c: len(json.dumps(c.args[0], default=str))):
                keys = "|".join(c.key for c in chunk)
                key = (
                    chunk[0].key
                    if len(chunk) == 1
                    else f"batch:{operation}:{hashlib.sha256(keys.encode()).hexdigest()}"
                )
                self.requests += 1
                results = self.client.batch(
                    operation, plural, [c.args[0] for c in chunk], idempotency_key=key, **kwargs
                )
                if len(results) != len(chunk):
                    raise XeroNotFound(f"Xero answered {len(results)} of {len(chunk)} {plural}")
                for call, result in zip(chunk, results, strict=True):
                    call.result = result
                    call.done.set()

        return flush

    # --- the Xero port ----------------------------------------------------------------------------
    def contacts_matching(
        self, number: str | None, email: str, name: str = "", contact_id: str = ""
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._submit("contacts_matching", number, email, name, contact_id)
        return result

    def items_by_code(self, codes: list[str]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._submit("items_by_code", tuple(codes))
        return result

    def invoices_by_number(self, numbers: list[str]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._submit("invoices_by_number", tuple(numbers))
        return result

    def credit_notes_by_number(self, numbers: list[str]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._submit("credit_notes_by_number", tuple(numbers))
        return result

    def get_invoice(self, invoice_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._submit("get_invoice", invoice_id)
        return result

    def get_credit_note(self, credit_note_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._submit("get_credit_note", credit_note_id)
        return result

    def short_code(self) -> str:
        return self.client.short_code()  # read once per client, never batched

    def get_contact(self, contact_id: str) -> dict[str, Any]:
        self.requests += 1  # one Xero contact event's read (xerosync.sync.from_xero): never batched
        return self.client.get_contact(contact_id)

    def _write_one(self, kind: str, elements: list[dict[str, Any]], key: str) -> list[ElementResult]:
        """A worker's documents of one kind: all in the same request (one phase, not one each)."""
        return self._submit_all(
            [_Call(kind, (element,), f"{key}#{n}" if len(elements) > 1 else key) for n, element in enumerate(elements)]
        )

    def create_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self._write_one("create_contacts", contacts, idempotency_key)

    def update_contacts(self, contacts: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self._write_one("update_contacts", contacts, idempotency_key)

    def create_items(self, items: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self._write_one("create_items", items, idempotency_key)

    def update_items(self, items: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self._write_one("update_items", items, idempotency_key)

    def create_invoices(self, invoices: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self._write_one("create_invoices", invoices, idempotency_key)

    def update_invoice(self, invoice_id: str, invoice: dict[str, Any], *, idempotency_key: str) -> ElementResult:
        result: ElementResult = self._submit(
            "update_invoice", {**invoice, "InvoiceID": invoice_id}, key=idempotency_key
        )
        return result

    def create_payments(self, payments: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self._write_one("create_payments", payments, idempotency_key)

    def create_credit_notes(self, notes: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        return self._write_one("create_credit_notes", notes, idempotency_key)

    def allocate_credit_note(
        self, credit_note_id: str, allocation: dict[str, Any], *, idempotency_key: str
    ) -> ElementResult:
        # Xero has no batch for allocations: one call each (they are rare: refunds of unpaid orders)
        self.requests += 1
        return self.client.allocate_credit_note(credit_note_id, allocation, idempotency_key=idempotency_key)
