"""The rate governor: one budget per Xero organisation, shared by every function.

Xero allows each organisation 5 calls in flight, 60 a minute and 5,000 a day (1,000 on the
Starter tier), counted per tenant however many Lambdas call
(https://developer.xero.com/documentation/guides/oauth2/limits/). A
governor in DynamoDB holds those limits for all of them together, leaving headroom for the
merchant's other apps:

* in flight: 5 slots, each a lease held for one call (a crashed holder's lease runs out);
* per minute: a sliding log of the last minute's calls, so that no 60-second window - however
  Xero aligns its own - sees more than the usable budget, bursts included;
* per day: a counter per UTC day, corrected down whenever Xero reports fewer remaining calls
  (``X-DayLimit-Remaining``), and blocked until ``Retry-After`` after a daily 429.

When there is no budget the call is not made: ``BudgetExhausted`` (transient, with the
seconds to wait) sends the record back to its queue, and nothing waits inside Lambda.
"""

import math
import random
import time
import uuid
from collections.abc import Callable
from typing import Protocol

from xerosync.clock import now as clock_now
from xerosync.frozen import frozen
from xerosync.xero.pacing import ARRIVALS_WINDOW, Arrivals


class BudgetExhausted(Exception):
    transient = True

    def __init__(self, what: str, retry_after: float) -> None:
        super().__init__(f"no Xero budget left ({what}); retry in {retry_after:.0f} s")
        self.what = what
        self.retry_after = max(1.0, retry_after)


@frozen
class Limits:
    """Xero's limits per organisation, and the share kept for the merchant's other apps."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000
    headroom: float = 0.1  # kept for the merchant's other apps

    @property
    def usable_minute(self) -> int:
        return max(2, int(self.per_minute * (1 - self.headroom)))

    @property
    def usable_day(self) -> int:
        return max(1, int(self.per_day * (1 - self.headroom)))

    WINDOW = 60.0


class Budget(Protocol):
    """Where the governor keeps its state (DynamoDB in AWS; memory in unit tests). Every method
    is atomic with respect to other workers."""

    def take_slot(self, tenant: str, slot: int, token: str, until: float, now: float) -> bool: ...

    def free_slot(self, tenant: str, slot: int, token: str) -> None: ...

    def take_minute(self, tenant: str, limit: int, now: float) -> float:
        """Log one call in the sliding minute; returns 0 when logged, else seconds until a call drops out."""
        ...

    def minute_used(self, tenant: str, now: float) -> int:
        """Calls logged in the sliding minute ending ``now`` (a read: nothing is taken)."""
        ...

    def log_arrivals(
        self,
        tenant: str,
        queue: str,
        records: int,
        window: float,
        now: float,
        flowing: Callable[[dict[int, int]], bool],
    ) -> tuple[dict[int, int], float]:
        """Log ``records`` first delivered on ``queue`` now; returns the last ``window`` seconds'
        (second -> records), these included, and when the log was last ``flowing`` (now if it is;
        0: never)."""
        ...

    def cap_minute(self, tenant: str, limit: int, allowed: int, until: float, now: float) -> None:
        """Allow at most ``allowed`` more calls before ``until`` (what Xero says is left, or a 429)."""
        ...

    def count_day(self, tenant: str, day: str, limit: int, now: float) -> float:
        """Count one call against the day; returns 0 when counted, else seconds to wait (blocked or full)."""
        ...

    def correct_day(self, tenant: str, day: str, used: int) -> None: ...

    def block_day(self, tenant: str, day: str, until: float) -> None: ...


@frozen
class Permit:
    """A slot of the organisation's calls in flight, held until the call ends."""

    tenant: str
    slot: int
    token: str


class Governor:
    LEASE_SECONDS = 25.0  # longer than any one Xero call (20 s read timeout); a crashed holder's slot frees then
    SLOT_WAIT_SECONDS = 2.0  # a slot frees when a call ends: worth a moment's wait, not a retry of the record

    def __init__(self, budget: Budget, limits: Limits | None = None) -> None:
        self.budget = budget
        self.limits = limits or Limits()

    @staticmethod
    def day_of(moment: float) -> str:
        from datetime import UTC, datetime

        return datetime.fromtimestamp(moment, tz=UTC).date().isoformat()

    def acquire(self, tenant: str) -> Permit:
        token = uuid.uuid4().hex
        slot, waited, now = None, 0.0, clock_now()
        while slot is None:
            now = clock_now()
            slots = list(range(self.limits.concurrent))
            random.shuffle(slots)
            slot = next(
                (s for s in slots if self.budget.take_slot(tenant, s, token, now + self.LEASE_SECONDS, now)), None
            )
            if slot is None:
                if waited >= self.SLOT_WAIT_SECONDS:
                    raise BudgetExhausted(f"{self.limits.concurrent} calls in flight", random.uniform(1.5, 3.0))
                pause = random.uniform(0.05, 0.25)
                time.sleep(pause)
                waited += pause
        permit = Permit(tenant, slot, token)
        try:
            wait = self.budget.take_minute(tenant, self.limits.usable_minute, now)
            if wait:
                # a batch needs several calls, and each early return costs the record a receive
                # (the queue's count towards its DLQ): come back a little after room frees up
                raise BudgetExhausted("minute", (wait + 2.0) * random.uniform(1.0, 1.5))
            wait = self.budget.count_day(tenant, self.day_of(now), self.limits.usable_day, now)
            if wait:
                raise BudgetExhausted("day", wait)
        except BaseException:
            self.release(permit)
            raise
        return permit

    def pressure(self, tenant: str) -> float:
        """The share of the usable minute spent in the last 60 s (what Xero said other apps
        spent included): 0 when quiet, 1 or more when the minute is gone (``xero.pacing``)."""
        return self.budget.minute_used(tenant, clock_now()) / self.limits.usable_minute

    def arrivals(self, tenant: str, queue: str, records: int, window: float = ARRIVALS_WINDOW) -> Arrivals:
        """Log ``records`` first delivered on ``queue`` for this organisation; returns the queue's
        first deliveries over the last ``window`` seconds, these included (``xero.pacing``)."""
        now = clock_now()
        log, flowed_at = self.budget.log_arrivals(
            tenant, queue, records, window, now, lambda seconds: Arrivals.of(seconds, window).flowing
        )
        return Arrivals.of(log, window, since_flow=now - flowed_at if flowed_at else math.inf)

    def release(self, permit: Permit) -> None:
        self.budget.free_slot(permit.tenant, permit.slot, permit.token)

    def observe(self, tenant: str, minute_remaining: int | None, day_remaining: int | None) -> None:
        """Correct the budget from what Xero says is left (other apps spend it too). The headroom
        kept for them is a share of what Xero reports, so a limit set too high here can only make
        the governor trust Xero's count, never stop it altogether."""
        now = clock_now()
        if minute_remaining is not None:
            allowed = minute_remaining - math.ceil(minute_remaining * self.limits.headroom)
            if allowed < self.limits.usable_minute:
                self.budget.cap_minute(tenant, self.limits.usable_minute, max(0, allowed), now + Limits.WINDOW, now)
        if day_remaining is not None:
            allowed_today = day_remaining - math.ceil(day_remaining * self.limits.headroom)
            self.budget.correct_day(tenant, self.day_of(now), self.limits.usable_day - allowed_today)

    def rate_limited(self, tenant: str, problem: str, retry_after: float | None) -> None:
        """Xero said 429 anyway (another app, a different window): stop for as long as it says."""
        now = clock_now()
        wait = retry_after if retry_after is not None else 60.0
        if "day" in problem.lower():
            self.budget.block_day(tenant, self.day_of(now), now + wait)
        else:
            self.budget.cap_minute(tenant, self.limits.usable_minute, 0, now + wait, now)
