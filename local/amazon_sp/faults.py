"""SP-API trouble on demand, seeded so that a failing run replays (what ``make chaos
CHAOS_SOURCE=amazon`` injects beside the rate limits' own 429s).

Kinds, each for a share (``rate``) or the next ``count`` of one operation's calls (``getReports``,
``getReport``, ``getReportDocument``; ``download`` is the document URL's fetch; None: any):

* ``throttle`` - 429 ``QuotaExceeded`` as an empty token bucket answers (``limits.py``), whatever
  the bucket holds: Amazon's buckets are per selling partner and application, so another copy of
  the app (another stack) spends the same one;
* ``error`` - ``status`` (500 or 503) in the models' ``ErrorList`` shape, the message the Reports
  model gives each status ("An unexpected condition occurred that prevented the server from
  fulfilling the request." / "Temporary overloading or maintenance of the server.";
  reports_2021-06-30.json in amzn/selling-partner-api-models); the codes ``InternalFailure`` and
  ``ServiceUnavailable`` are a **guess** (clients quote them; the model names none). For
  ``download``, S3's 503 ``SlowDown`` XML;
* ``expired_url`` - ``getReportDocument`` answers a URL minted ``URL_LIFETIME`` and a second
  earlier, so it has expired by the time it is fetched (a download that came more than five
  minutes after the URL: a slow or paused function). S3 then answers 403 "Request has expired".
"""

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("throttle", "error", "expired_url")
OPERATIONS = ("getReports", "getReport", "getReportDocument", "download")
MESSAGES = {
    500: ("InternalFailure", "An unexpected condition occurred that prevented the server from fulfilling the request."),
    503: ("ServiceUnavailable", "Temporary overloading or maintenance of the server."),
}


@dataclass
class Fault:
    kind: str
    operation: str | None = None
    rate: float = 1.0
    remaining: int | None = None  # None: forever
    status: int = 503
    fired: int = 0
    id: int = 0


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self.random = random.Random(seed)
        self._faults: list[Fault] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(
        self, kind: str, *, operation: str | None = None, rate: float = 1.0, count: int | None = None, status: int = 503
    ) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        if operation is not None and operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {', '.join(OPERATIONS)}")
        if kind == "error" and status not in MESSAGES:
            raise ValueError("an error fault answers 500 or 503")
        if kind == "expired_url" and operation not in (None, "getReportDocument"):
            raise ValueError("expired_url is a getReportDocument fault")
        if not 0 <= rate <= 1:
            raise ValueError("rate is a probability between 0 and 1")
        with self._lock:
            fault = Fault(kind, operation, rate, count, status, id=self._next_id)
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def draw(self, operation: str, kinds: tuple[str, ...] = KINDS) -> Fault | None:
        """The fault this call gets, if any (the first matching one of ``kinds`` that fires)."""
        with self._lock:
            for fault in self._faults:
                if fault.kind not in kinds or fault.remaining == 0 or fault.operation not in (None, operation):
                    continue
                if fault.kind == "expired_url" and operation != "getReportDocument":
                    continue
                if fault.rate < 1 and self.random.random() >= fault.rate:
                    continue
                fault.fired += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
            return None

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]


def error_body(status: int) -> dict[str, Any]:
    code, message = MESSAGES[status]
    return {"errors": [{"code": code, "message": message, "details": ""}]}
