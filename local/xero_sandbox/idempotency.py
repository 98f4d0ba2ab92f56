"""``Idempotency-Key``: Xero's replay of a write's first answer.
https://developer.xero.com/documentation/guides/idempotent-requests/idempotency/

* honoured on POST, PUT and PATCH; ignored on GET and DELETE;
* at most 128 characters;
* a key is remembered for 6 minutes from its first use, per app (client) and tenant;
* the same key with the same request replays the stored answer, errors included;
* the same key with a different request (method, path, query or body) is a 400.
Replays still count against the rate limits (the limiter runs first).
"""

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from local.xero_sandbox.errors import bad_request
from local.xero_sandbox.state import Clock

WINDOW = timedelta(minutes=6)
MAX_KEY = 128
METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass
class Stored:
    fingerprint: str
    first_used: datetime
    status: int
    headers: dict[str, str]
    body: bytes


def fingerprint(method: str, target: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + target.encode() + b"\n" + body).hexdigest()


class IdempotencyStore:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._stored: dict[tuple[str, str, str], Stored] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key_of(method: str, headers: dict[str, str]) -> str | None:
        """The request's key, or None when it has none or the method ignores keys."""
        key = headers.get("idempotency-key")
        if key is None or method not in METHODS:
            return None
        if len(key) > MAX_KEY:
            raise bad_request(f"The Idempotency-Key must be at most {MAX_KEY} characters long (it has {len(key)}).")
        return key

    def replay(self, scope: tuple[str, str], key: str, print_: str) -> Stored | None:
        """The stored answer for this key, None when it is new; 400 when it was used differently."""
        now = self.clock()
        with self._lock:
            stored = self._stored.get((*scope, key))
            if stored is None or now >= stored.first_used + WINDOW:
                return None
            if stored.fingerprint != print_:
                raise bad_request(
                    f"The Idempotency-Key '{key}' is used with a different request. "
                    "Keys must be unique per request (wording guessed by the sandbox)."
                )
            return stored

    def remember(
        self, scope: tuple[str, str], key: str, print_: str, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        with self._lock:
            self._stored[(*scope, key)] = Stored(print_, self.clock(), status, dict(headers), body)

    def prune(self) -> None:
        now = self.clock()
        with self._lock:
            for k in [k for k, v in self._stored.items() if now >= v.first_used + WINDOW]:
                del self._stored[k]

    def reset(self) -> None:
        with self._lock:
            self._stored.clear()
