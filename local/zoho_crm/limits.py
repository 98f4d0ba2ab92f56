"""API credits per rolling 24 hours and concurrent calls, per organisation.

Sources: https://www.zoho.com/crm/developer/docs/api/v8/api-limits.html (credits by edition:
Free 5,000; Standard 50,000 + 250 a user up to 100,000; Professional 50,000 + 500 a user up to
3,000,000; Enterprise 50,000 + 1,000 a user up to 5,000,000; Ultimate 50,000 + 2,000 a user,
no cap; concurrency per org per app: Free 5, Standard 10, Professional 15, Enterprise 20,
Ultimate 25; excess concurrent calls → HTTP 429 ``TOO_MANY_REQUESTS``) and the Kaizen #203 post
(https://help.zoho.com/portal/en/community/topic/kaizen-203-answering-your-questions-handling-api-limits-and-error-responses).

Simplified: every API call costs one credit (the page says most do); the sub-concurrency caps of
heavy APIs are not modelled. **Guess**: the answer when the credits are spent is HTTP 429 with
``code`` ``LIMIT_EXCEEDED`` (no public example found); the concurrency answer's message words
are a guess too.
"""

import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Any

EDITIONS: dict[str, tuple[int, int, int | None, int]] = {
    # edition: (base credits, credits a user, cap or None, concurrency)
    "free": (5_000, 0, 5_000, 5),
    "standard": (50_000, 250, 100_000, 10),
    "professional": (50_000, 500, 3_000_000, 15),
    "enterprise": (50_000, 1_000, 5_000_000, 20),
    "ultimate": (50_000, 2_000, None, 25),
}
WINDOW = timedelta(hours=24)
CONCURRENCY_EXCEEDED = {
    "code": "TOO_MANY_REQUESTS",
    "details": {},
    "message": "The number of concurrent requests exceeded the limit for your edition",
    "status": "error",
}


class Limits:
    def __init__(self, edition: str = "enterprise", users: int = 10) -> None:
        if edition not in EDITIONS:
            raise ValueError(f"unknown edition {edition!r}: one of {sorted(EDITIONS)}")
        base, per_user, cap, concurrency = EDITIONS[edition]
        credits = base + per_user * users
        self.edition = edition
        self.credits = credits if cap is None else min(credits, cap)
        self.concurrency = concurrency
        self.enabled = True
        self.lock = threading.Lock()
        self.spent: deque[tuple[datetime, int]] = deque()
        self.in_flight = 0
        self.refused_concurrency = 0
        self.refused_credits = 0

    def used(self, now: datetime) -> int:
        with self.lock:
            self._expire(now)
            return sum(cost for _, cost in self.spent)

    def _expire(self, now: datetime) -> None:
        while self.spent and now - self.spent[0][0] >= WINDOW:
            self.spent.popleft()

    def enter(self, now: datetime, cost: int = 1) -> dict[str, Any] | None:
        """Take a concurrency slot and the call's credits, or the 429 body that refuses it."""
        with self.lock:
            if not self.enabled:
                self.in_flight += 1
                return None
            if self.in_flight >= self.concurrency:
                self.refused_concurrency += 1
                return {**CONCURRENCY_EXCEEDED, "details": {"limit": self.concurrency}}
            self._expire(now)
            if sum(c for _, c in self.spent) + cost > self.credits:
                self.refused_credits += 1
                resets = self.spent[0][0] + WINDOW if self.spent else now
                return {
                    "code": "LIMIT_EXCEEDED",
                    "details": {"limit": self.credits, "resets_at": resets.replace(microsecond=0).isoformat()},
                    "message": "API credits for the last 24 hours are exhausted",
                    "status": "error",
                }
            self.spent.append((now, cost))
            self.in_flight += 1
            return None

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def status(self, now: datetime) -> dict[str, Any]:
        return {
            "edition": self.edition,
            "credits": self.credits,
            "credits_used": self.used(now),
            "concurrency": self.concurrency,
            "in_flight": self.in_flight,
            "refused_concurrency": self.refused_concurrency,
            "refused_credits": self.refused_credits,
        }
