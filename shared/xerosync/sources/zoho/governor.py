"""Zoho CRM's API limits, honoured before Zoho has to refuse.

Zoho counts, per organisation and app (https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html):

* **credits** in a rolling 24 hours, by edition (Free 5,000; Standard 50,000 + 250 a user up to
  100,000; ...); most calls cost one. When they are spent nothing but waiting helps, so the
  governor remembers it (until the reset Zoho names, else an hour) and every later call in the
  process is refused at once with :class:`StoreUnavailable` saying so, without spending a
  request: the record goes back to its queue, nothing sleeps in Lambda for hours;
* **concurrency**: calls in flight (Free 5, Standard 10, Professional 15, Enterprise 20,
  Ultimate 25); one more is answered 429 ``TOO_MANY_REQUESTS``. The governor holds a slot per
  call (at most ``concurrency`` in flight from this process: the threads of a batch share it),
  and a 429 that comes anyway (another container, another app of the org) is retried after a
  short exponential backoff with jitter, :data:`RETRIES` times, then given up as
  :class:`StoreUnavailable` with a retry_after, like the core's Xero governor gives a record back
  to its queue rather than wait inside Lambda (``xerosync.xero.governor``).

Per organisation (data centre + client id). The credits block is kept in the stack too (the
token cache, :meth:`ZohoGovernor.share`): one container told the credits are spent stops every
container until the reset. The slots are the process's, at the edition's concurrency: the
containers together may ask for more than Zoho allows (each sync function runs at most
``SyncMaxConcurrency`` containers), and what Zoho then refuses with 429 is retried as above. A
stack-wide lease per call (in DynamoDB) was tried and taken out: polled by every thread of every
batch, it cost a read and two conditional writes a call plus a failed write each poll, and slowed
the 1,000-invoice bench from 150 s to more than 9 minutes.
"""

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime

from xerosync.sources.port import AccessToken, StoreUnavailable, TokenCache

RETRIES = 3  # retries of a call answered 429 TOO_MANY_REQUESTS
BACKOFF = 0.5  # seconds before the first retry, doubled each time (plus up to half again of jitter)
SLOT_WAIT = 5.0  # seconds a call waits for a slot freed by its own process before giving up
EXHAUSTED_WAIT = 3600.0  # seconds credits are taken as spent when Zoho names no reset


class ZohoGovernor:
    def __init__(
        self,
        concurrency: int = 5,
        *,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        slot_wait: float = SLOT_WAIT,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.concurrency = concurrency
        self.retries, self.backoff, self.slot_wait = retries, backoff, slot_wait
        self._clock, self._sleep = clock, sleep
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self.blocked_until = 0.0  # credits spent until then (clock seconds)
        self.blocked_reason = ""
        self.credits = 0  # calls made (one credit each, Zoho's usual price)
        self.throttled = 0  # 429 TOO_MANY_REQUESTS answers seen
        self.shared: TokenCache | None = None  # where the stack keeps the credits block (see share)
        self.shared_key = ""

    def share(self, cache: TokenCache, key: str) -> None:
        """Keep the credits block in the stack's ``cache`` under ``key`` too (the first cache given
        is kept), so a block one container learns stops every container."""
        if self.shared is None:
            self.shared, self.shared_key = cache, key

    def _blocked(self) -> float:
        """Seconds the credits stay spent: this process's block, else the stack's (one read)."""
        now = self._clock()
        if self.blocked_until <= now and self.shared is not None:
            spent = self.shared.get(self.shared_key)
            if spent is not None and spent.expires_at > now:
                with self._lock:
                    self.blocked_until = max(self.blocked_until, spent.expires_at)
                    self.blocked_reason = spent.value
        return self.blocked_until - now

    @contextmanager
    def slot(self, what: str) -> Iterator[None]:
        """Hold one of the organisation's calls in flight for ``what`` (refused while credits are
        spent, or when no slot frees within :data:`SLOT_WAIT`)."""
        left = self._blocked()
        if left > 0:
            raise _unavailable(f"Zoho CRM's API credits are exhausted ({self.blocked_reason}); {what} not sent", left)
        if not self._slots.acquire(timeout=self.slot_wait):
            raise _unavailable(f"{self.concurrency} Zoho CRM calls in flight; {what} not sent", 2.0)
        try:
            with self._lock:
                self.credits += 1
            yield
        finally:
            self._slots.release()

    def too_many(self, attempt: int, what: str) -> None:
        """Zoho answered 429 TOO_MANY_REQUESTS to attempt ``attempt`` (0 first): sleep before the
        next, or give up with :class:`StoreUnavailable` once the retries are spent."""
        with self._lock:
            self.throttled += 1
        if attempt >= self.retries:
            raise _unavailable(f"Zoho CRM kept answering TOO_MANY_REQUESTS to {what} ({attempt + 1} tries)", 5.0)
        self._sleep(self.backoff * 2**attempt * random.uniform(1.0, 1.5))

    def exhausted(self, what: str, resets_at: str | None) -> StoreUnavailable:
        """Zoho said the credits are spent: block until they reset; the error to raise."""
        until = self._clock() + EXHAUSTED_WAIT
        if resets_at:
            with suppress(ValueError):  # a reset we cannot read: an hour
                until = max(self._clock() + 1.0, datetime.fromisoformat(resets_at).timestamp())
        with self._lock:
            self.blocked_until = max(self.blocked_until, until)
            self.blocked_reason = f"until {resets_at}" if resets_at else "reset time not given"
        if self.shared is not None:  # the block the other containers read before each call
            self.shared.put(self.shared_key, AccessToken(self.blocked_reason, self.blocked_until))
        return _unavailable(
            f"Zoho CRM's API credits for the last 24 hours are exhausted ({self.blocked_reason}); {what} refused",
            until - self._clock(),
        )


_GOVERNORS: dict[str, ZohoGovernor] = {}
_GOVERNORS_LOCK = threading.Lock()


def governor_for(key: str, concurrency: int, clock: Callable[[], float] = time.time) -> ZohoGovernor:
    """The process's governor of one organisation (every client of it shares the slots and the block);
    made again, keeping what it knows of the credits, when the edition in the secret changed."""
    with _GOVERNORS_LOCK:
        known = _GOVERNORS.get(key)
        if known is None or known.concurrency != concurrency:
            made = ZohoGovernor(concurrency, clock=clock)
            if known is not None:
                made.blocked_until, made.blocked_reason = known.blocked_until, known.blocked_reason
            _GOVERNORS[key] = made
        return _GOVERNORS[key]


def _unavailable(message: str, wait: float) -> StoreUnavailable:
    error = StoreUnavailable(message)
    error.retry_after = max(1.0, round(wait, 1))
    return error
