"""SP-API usage plans: a token bucket per operation (per seller and application pair; the simulator
serves one of each), on the simulator's clock (developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits).

Rates and bursts are the Reports API 2021-06-30 model's usage-plan tables
(developer-docs.amazon.com/sp-api/docs/reports-api-v2021-06-30-reference): getReports 0.0222
requests/s, burst 10; getReport 2/s, burst 15; getReportDocument 0.0167/s, burst 15. Beyond the
bucket: 429 with ``{"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for
the requested resource.", "details": ""}]}``; every answer carries ``x-amzn-RateLimit-Limit`` (the
rate applied). No ``Retry-After`` (Amazon documents none for the SP-API; a **guess** that it sends none).
"""

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

QUOTA_EXCEEDED = {
    "errors": [
        {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}
    ]
}


@dataclass(frozen=True)
class Plan:
    rate: float  # requests per second
    burst: int


PLANS = {
    "getReports": Plan(0.0222, 10),
    "getReport": Plan(2.0, 15),
    "getReportDocument": Plan(0.0167, 15),
    # Application Management API v2023-11-30 (its reference's usage plan)
    "rotateApplicationClientSecret": Plan(0.0167, 1),
    # Finances API (financesV0.json, finances_2024-06-19.json usage plans)
    "listFinancialEventGroups": Plan(0.5, 30),
    "listTransactions": Plan(0.5, 10),
}


class RateLimits:
    def __init__(self, plans: dict[str, Plan] | None = None) -> None:
        self.plans = dict(plans or PLANS)
        self.enabled = True
        self.refused: dict[str, int] = {}
        self._tokens: dict[str, tuple[float, datetime]] = {}
        self._lock = threading.Lock()

    def take(self, operation: str, now: datetime) -> bool:
        """Spend one request of ``operation``'s bucket; False (a 429) when it is empty."""
        plan = self.plans[operation]
        with self._lock:
            tokens, at = self._tokens.get(operation, (float(plan.burst), now))
            tokens = min(float(plan.burst), tokens + max(0.0, (now - at).total_seconds()) * plan.rate)
            if self.enabled and tokens < 1.0:
                self._tokens[operation] = (tokens, now)
                self.refused[operation] = self.refused.get(operation, 0) + 1
                return False
            self._tokens[operation] = (tokens - 1.0 if self.enabled else tokens, now)
            return True

    def headers(self, operation: str) -> dict[str, str]:
        return {"x-amzn-RateLimit-Limit": str(self.plans[operation].rate)}

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {op: {"tokens": t, "refused": self.refused.get(op, 0)} for op, (t, _) in self._tokens.items()}
