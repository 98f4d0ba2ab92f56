"""One invocation's batch of records, applied side by side.

* Coalescing: several events about one record in a batch become one write of the newest state
  (by the store's ``date_modified``); the others are logged as superseded (or duplicate, when
  they carry the same state) and need no Xero call at all.
* Shared claims: records of one batch often need the same new contact (a customer's several
  orders). The first worker claims it; the others wait for that worker - not for a retry a few
  seconds later - and then find it in the mapping table. A claim held by another invocation
  still raises ``ClaimHeld`` (the record comes back shortly).
* Reads once: a mapping read in this invocation is kept for the rest of it (found or not), and
  this invocation's own writes keep it current. An order's record read its own mapping five
  times (before and after its lock, before its claim, after its payment), its products' mappings
  once per order: about 20 DynamoDB requests per order, of which 9.6 reads (``make bench``,
  1,000 orders). What another invocation does meanwhile is arbitrated where it always was: a
  claim is a conditional write that sees the table as it is (a mapping completed elsewhere comes
  back from ``claim``), and a record's lock forgets what was read of that record before the lock
  was held, so what a record's event is applied to is read under its lock.
"""

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from xerosync.events import BadEnvelope, StoreEvent, parse_envelope
from xerosync.frozen import frozen
from xerosync.sync.base import Outcome
from xerosync.sync.ports import Claimed, Mapping, Mappings
from xerosync.timestamps import moment

CLAIM_WAIT_SECONDS = 25.0
# An invoice creates its new buyer's contact (sync.contacts.NewContact) only in an invocation of
# fewer records than this (real time, a quiet store's few orders). In a larger batch one
# PUT /Contacts serves all its new buyers (a few thousandths of a call an order), while holding
# each buyer's claim until its invoice's answer kept other invocations' orders of the same buyer
# waiting: a 2,000-order backfill on a loaded machine met ClaimHeld 398 times instead of 164, and
# 10 records went to the dead-letter queue instead of 1.
FOLD_BELOW = 20


@frozen
class Planned:
    """A record of the batch, and whether it needs applying or was superseded within the batch."""

    index: int
    event: StoreEvent | BadEnvelope  # the envelope, parsed once here; or why it is not one
    superseded_by: int | None = None  # the index of the record carrying the newer state
    same_state: bool = False  # the newer record carries exactly this state (a duplicate delivery)

    @property
    def key(self) -> str:
        return self.event.key if isinstance(self.event, StoreEvent) else "unknown"


def _parsed(body: str) -> StoreEvent | BadEnvelope:
    try:
        return parse_envelope(body)
    except BadEnvelope as exc:
        return exc


def plan(bodies: list[str]) -> list[Planned]:
    """Which records to apply: per store record, the newest state (the later one on a tie)."""
    events = [_parsed(body) for body in bodies]
    newest: dict[str, int] = {}
    for i, event in enumerate(events):
        if isinstance(event, BadEnvelope):
            continue
        best = newest.get(event.key)
        if best is None or moment(event.modified) >= moment(_modified(events[best])):
            newest[event.key] = i
    planned = []
    for i, event in enumerate(events):
        if isinstance(event, BadEnvelope) or newest[event.key] == i:
            planned.append(Planned(i, event))
        else:
            winner = events[newest[event.key]]
            same = isinstance(winner, StoreEvent) and winner.sha256 == event.sha256
            planned.append(Planned(i, event, newest[event.key], same))
    return planned


def _modified(event: StoreEvent | BadEnvelope) -> str | None:
    return event.modified if isinstance(event, StoreEvent) else None


def batch_superseded(event: StoreEvent, winner: StoreEvent, same_state: bool) -> Outcome:
    return Outcome(
        "duplicate" if same_state else "superseded",
        event.key,
        reason="the same state arrived twice in one batch"
        if same_state
        else f"a newer state ({winner.modified}) arrived in the same batch",
        duplicate=same_state,
    )


class SharedClaims:
    """The mapping table for one invocation's worker threads (see the module docstring)."""

    def __init__(
        self, inner: Mappings, idle: Callable[[], AbstractContextManager[Any]] | None = None, *, records: int = 0
    ) -> None:
        self.inner = inner
        self.records = records  # in the invocation
        self._idle = idle or nullcontext
        self._lock = threading.Lock()
        self._claiming: dict[str, threading.Event] = {}
        self._waiting: dict[str, int] = {}  # workers waiting for each key's claim
        self._read: dict[str, Mapping | None] = {}  # what this invocation read or wrote of each key
        self._changes: dict[str, int] = {}  # this invocation's writes and locks of each key

    def get(self, key: str) -> Mapping | None:
        with self._lock:
            if key in self._read:
                return self._read[key]
            before = self._changes.get(key, 0)
        found = self.inner.get(key)
        with self._lock:  # kept unless a worker wrote or locked the key while it was read
            if self._changes.get(key, 0) == before:
                self._read[key] = found
        return found

    def _keep(self, key: str, mapping: Mapping | None) -> Mapping | None:
        with self._lock:
            self._read[key] = mapping
            self._changes[key] = self._changes.get(key, 0) + 1
        return mapping

    def _forget(self, key: str) -> None:
        with self._lock:
            self._read.pop(key, None)
            self._changes[key] = self._changes.get(key, 0) + 1

    def claim(self, key: str, token: str) -> Mapping | Claimed:
        while True:
            with self._lock:
                pending = self._claiming.get(key)
                if pending is None:
                    self._claiming[key] = threading.Event()
                if pending is not None:
                    self._waiting[key] = self._waiting.get(key, 0) + 1
            if pending is None:
                break
            try:
                with self._idle():  # a worker waiting for another is idle for the Xero batcher
                    pending.wait(CLAIM_WAIT_SECONDS)
            finally:
                with self._lock:
                    self._waiting[key] -= 1
            known = self.get(key)
            if known is not None:
                return known
            # the other worker gave up (Xero refused it): try ourselves
        try:
            result = self.inner.claim(key, token)
        except BaseException:
            self._forget(key)
            self._done(key)
            raise
        if isinstance(result, Mapping):
            self._keep(key, result)
            self._done(key)
        else:
            self._keep(key, None)  # pending: not a mapping until put
        return result

    def small(self) -> bool:
        return self.records < FOLD_BELOW

    def awaited(self, key: str) -> bool:
        with self._lock:
            return self._waiting.get(key, 0) > 0

    def _done(self, key: str) -> None:
        with self._lock:
            event = self._claiming.pop(key, None)
        if event is not None:
            event.set()

    def put(self, mapping: Mapping, *, claim: str | None = None) -> None:
        try:
            self.inner.put(mapping, claim=claim)
        except BaseException:
            self._forget(mapping.key)  # refused (a claim lost) or unknown: read it again
            raise
        else:
            self._keep(mapping.key, mapping)
        finally:
            if claim is not None:
                self._done(mapping.key)

    def release(self, key: str, claim: str) -> None:
        try:
            self.inner.release(key, claim)
        finally:
            self._forget(key)
            self._done(key)

    def lock(self, key: str, token: str) -> None:
        self.inner.lock(key, token)
        self._forget(key)  # what the record's event is applied to is read under its lock

    def unlock(self, key: str, token: str) -> None:
        self.inner.unlock(key, token)
