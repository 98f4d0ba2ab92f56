"""Zoho CRM's API limits, honoured before Zoho has to refuse.

Zoho counts, per organisation and app (https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html):

* **credits** in a rolling 24 hours, by edition (Free 5,000; Standard 50,000 + 250 a user up to
  100,000; ...); most calls cost one. When they are spent nothing but waiting helps, so the
  governor remembers it (until the reset Zoho names, else an hour) in the process and in the
  stack's cache (``<org>:credits-spent``, the mapping table: :meth:`ZohoGovernor.share`), and
  every later call of every container is refused at once with :class:`StoreUnavailable` saying
  so, without spending a request: the record goes back to its queue, nothing sleeps in Lambda
  for hours. Each call reads that item first (one DynamoDB read, none while the process already
  knows of a block);
* **concurrency**: calls in flight (Free 5, Standard 10, Professional 15, Enterprise 20,
  Ultimate 25); one more is answered 429 ``TOO_MANY_REQUESTS``. Each call holds a slot of its
  process (``concurrency``, shared by the threads of a batch) and a lease on one of the
  organisation's ``concurrency`` slots in the stack (``<org>:call#<n>``, the lock
  :func:`xerosync.aws.tokens.take_lock` keeps, also the Xero token set's and the mint's: two
  conditional writes a call; a crashed holder's lease frees after :data:`LEASE`), so however
  many containers the queues start, the stack has at most ``concurrency`` calls in flight: 5 by
  default, the Free edition's limit, so within every edition's. A 429 that comes anyway (another
  app of the org) is retried after a short exponential backoff with jitter, :data:`RETRIES`
  times, then given up as :class:`StoreUnavailable` with a retry_after, like the core's Xero
  governor gives a record back to its queue rather than wait inside Lambda
  (``xerosync.xero.governor``).

With a process-local cache (no lock: a local run without the mapping table) only the process's
slots and block hold.
"""

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime

from xerosync.sources.minting import MintLock
from xerosync.sources.port import AccessToken, StoreUnavailable, TokenCache

RETRIES = 3  # retries of a call answered 429 TOO_MANY_REQUESTS
BACKOFF = 0.5  # seconds before the first retry, doubled each time (plus up to half again of jitter)
SLOT_WAIT = 5.0  # seconds a call waits for a slot freed by its own process before giving up
EXHAUSTED_WAIT = 3600.0  # seconds credits are taken as spent when Zoho names no reset
LEASE = (
    25.0  # a call's lease on a slot of the stack: longer than one call (20 s timeout); a crashed holder's frees then
)


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
        self.shared: TokenCache | None = None  # the stack's: the credits block and the slots (see share)
        self.shared_key = ""

    def share(self, cache: TokenCache, org: str) -> None:
        """Keep the organisation's credits block (``<org>:credits-spent``) and, when the cache can
        lock, its calls in flight (``<org>:call#<n>``) in the stack's ``cache`` (the first cache
        given is kept), so what one container learns or holds counts for every container."""
        if self.shared is None:
            self.shared, self.shared_key = cache, org

    def _take_call(self, what: str) -> tuple[MintLock, str, str] | None:
        """One of the organisation's :attr:`concurrency` leases in the stack (None when the cache
        cannot lock: a process-local cache, where the process's slots are the bound)."""
        cache = self.shared
        if not isinstance(cache, MintLock):
            return None
        owner, deadline = uuid.uuid4().hex, time.monotonic() + self.slot_wait
        while True:
            calls = list(range(self.concurrency))
            random.shuffle(calls)
            for n in calls:
                key = f"{self.shared_key}:call#{n}"
                if cache.lock(key, owner, time.time() + LEASE):
                    return cache, key, owner
            if time.monotonic() > deadline:
                raise _unavailable(f"{self.concurrency} Zoho CRM calls in flight in the stack; {what} not sent", 2.0)
            self._sleep(random.uniform(0.05, 0.2))  # a call ends in a moment: worth a wait, not a retry

    def _blocked(self) -> float:
        """Seconds the credits stay spent: this process's block, else the stack's (one read)."""
        now = self._clock()
        if self.blocked_until <= now and self.shared is not None:
            spent = self.shared.get(self.shared_key + ":credits-spent")
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
        lease = None
        try:
            lease = self._take_call(what)
            with self._lock:
                self.credits += 1
            yield
        finally:
            if lease is not None:
                lease[0].unlock(lease[1], lease[2])
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
            self.shared.put(self.shared_key + ":credits-spent", AccessToken(self.blocked_reason, self.blocked_until))
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
