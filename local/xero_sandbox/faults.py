"""Faults on demand, per tenant and/or endpoint, seeded so that a failing run replays.

Kinds:

* ``error`` - answer ``status`` (default 503) without doing anything;
* ``slow`` - wait ``delay`` seconds (real time, counted in flight), then answer normally;
* ``drop`` - close the connection without an answer, before doing anything;
* ``lost_response`` - do the work (the write is committed), then close the connection
  without an answer: the case that makes a naive retry create a duplicate;
* ``hang`` - wait ``delay`` seconds, then close the connection without doing anything: a request
  that never got through, while its caller waits (a harness kills the caller meanwhile: a worker
  that died before its write reached Xero).

``faults.add(kind, tenant=..., endpoint="PUT /Invoices", rate=0.1)`` fires with probability
``rate`` (drawn from ``random.Random(seed)``); ``faults.next(n, kind, ...)`` fires on the next
``n`` matching calls, deterministically. ``endpoint`` is ``"METHOD /Resource"`` as in
``state.calls`` (``"*"`` or None for any).
"""

import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("error", "slow", "drop", "lost_response", "hang")


class ConnectionDropped(Exception):
    """The sandbox closes the connection without answering (``committed`` says whether the work was done)."""

    def __init__(self, committed: bool) -> None:
        super().__init__("connection dropped" + (" after the write was committed" if committed else ""))
        self.committed = committed


@dataclass
class Fault:
    kind: str
    tenant: str | None = None
    endpoint: str | None = None
    rate: float = 1.0
    remaining: int | None = None  # None: forever
    status: int = 503
    delay: float = 1.0
    fired: int = 0
    id: int = 0

    def matches(self, tenant: str, endpoint: str) -> bool:
        return (self.tenant in (None, tenant)) and (self.endpoint in (None, "*") or self.endpoint == endpoint)


class Faults:
    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self.random = random.Random(seed)
        self._faults: list[Fault] = []
        self._next_id = 1
        self._lock = threading.Lock()

    def add(
        self,
        kind: str,
        *,
        tenant: str | None = None,
        endpoint: str | None = None,
        rate: float = 1.0,
        count: int | None = None,
        status: int = 503,
        delay: float = 1.0,
    ) -> Fault:
        kind = "error" if kind in ("5xx", "server_error") else kind
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        if not 0 <= rate <= 1:
            raise ValueError("rate is a probability between 0 and 1")
        if kind == "error" and not 500 <= status <= 599:
            raise ValueError("an error fault answers a 5xx status")
        with self._lock:
            fault = Fault(kind, tenant, endpoint, rate, count, status, delay, id=self._next_id)
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def next(
        self, n: int, kind: str, *, tenant: str | None = None, endpoint: str | None = None, **options: Any
    ) -> Fault:
        """The next ``n`` matching calls get ``kind`` (deterministic, for unit tests)."""
        return self.add(kind, tenant=tenant, endpoint=endpoint, rate=1.0, count=n, **options)

    def draw(self, tenant: str, endpoint: str) -> Fault | None:
        """The fault this call gets, if any (the first matching one that fires)."""
        with self._lock:
            for fault in self._faults:
                if fault.remaining == 0 or not fault.matches(tenant, endpoint):
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

    def clear(self, seed: int | None = None) -> None:
        with self._lock:
            self._faults.clear()
            if seed is not None:
                self.seed = seed
            self.random = random.Random(self.seed)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]
