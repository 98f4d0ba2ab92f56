"""Xero's rate limits, per tenant and per app, on the sandbox's clock.
https://developer.xero.com/documentation/guides/oauth2/limits/

* per tenant: ``concurrent`` calls in flight, ``minute`` calls per minute, ``day`` calls per day
  (5 / 60 / 5,000 by default, configurable per organisation, e.g. the Starter tier's 1,000);
* per app (client): 10,000 calls per minute across all its tenants.

Windows are fixed: a tenant's minute (day) window opens with its first call and closes 60 s
(24 h) later, so they reset at different times per tenant, as Xero's do. A refused call
does not count. Every answer carries ``X-MinLimit-Remaining``, ``X-DayLimit-Remaining`` and
``X-AppMinLimit-Remaining``; a refusal is a 429 with ``X-Rate-Limit-Problem`` (``concurrent``,
``minute``, ``day`` or ``appminute``) and, for the windowed limits, ``Retry-After``.
"""

import math
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from local.xero_sandbox.errors import rate_limited
from local.xero_sandbox.state import Clock, Limits

APP_MINUTE = 10_000
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass
class Window:
    length: timedelta
    started: datetime | None = None
    used: int = 0

    def current(self, now: datetime) -> "Window":
        if self.started is None or now >= self.started + self.length:
            self.started, self.used = now, 0
        return self

    def retry_after(self, now: datetime) -> int:
        assert self.started is not None
        return max(1, math.ceil((self.started + self.length - now).total_seconds()))


@dataclass
class TenantUsage:
    minute: Window
    day: Window
    in_flight: int = 0


class RateLimiter:
    def __init__(self, clock: Clock, app_minute: int = APP_MINUTE) -> None:
        self.clock = clock
        self.app_minute = app_minute
        self.enabled = True
        self._tenants: dict[str, TenantUsage] = {}
        self._apps: dict[str, Window] = {}
        self._lock = threading.Lock()
        self.refused: Counter[str] = Counter()  # 429s answered, by X-Rate-Limit-Problem

    def _usage(self, tenant: str) -> TenantUsage:
        usage = self._tenants.get(tenant)
        if usage is None:
            usage = self._tenants[tenant] = TenantUsage(Window(MINUTE), Window(DAY))
        return usage

    def _headers(self, usage: TenantUsage, app: Window, limits: Limits) -> dict[str, str]:
        return {
            "X-MinLimit-Remaining": str(max(limits.minute - usage.minute.used, 0)),
            "X-DayLimit-Remaining": str(max(limits.day - usage.day.used, 0)),
            "X-AppMinLimit-Remaining": str(max(self.app_minute - app.used, 0)),
        }

    def acquire(self, tenant: str, client_id: str, limits: Limits) -> dict[str, str]:
        """Count one call in; raises Xero's 429 when a limit is reached. Pair with :meth:`release`."""
        now = self.clock()
        with self._lock:
            usage = self._usage(tenant)
            minute, day = usage.minute.current(now), usage.day.current(now)
            app = self._apps.setdefault(client_id, Window(MINUTE)).current(now)
            if self.enabled:
                problem, retry = None, None
                if usage.in_flight >= limits.concurrent:
                    problem = "concurrent"
                elif day.used >= limits.day:
                    problem, retry = "day", day.retry_after(now)
                elif minute.used >= limits.minute:
                    problem, retry = "minute", minute.retry_after(now)
                elif app.used >= self.app_minute:
                    problem, retry = "appminute", app.retry_after(now)
                if problem:
                    self.refused[problem] += 1
                    raise rate_limited(problem, retry, self._headers(usage, app, limits))
            usage.in_flight += 1
            minute.used += 1
            day.used += 1
            app.used += 1
            return self._headers(usage, app, limits)

    def release(self, tenant: str) -> None:
        with self._lock:
            usage = self._tenants.get(tenant)
            if usage is not None and usage.in_flight > 0:
                usage.in_flight -= 1

    def in_flight(self, tenant: str) -> int:
        with self._lock:
            usage = self._tenants.get(tenant)
            return usage.in_flight if usage else 0

    def snapshot(self) -> dict[str, dict[str, object]]:
        with self._lock:
            return {
                tenant: {"in_flight": u.in_flight, "minute_used": u.minute.used, "day_used": u.day.used}
                for tenant, u in self._tenants.items()
            }

    def reset(self) -> None:
        with self._lock:
            self._tenants.clear()
            self._apps.clear()
            self.refused.clear()
