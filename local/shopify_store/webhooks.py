"""Webhook deliveries as Shopify makes them (https://shopify.dev/docs/apps/build/webhooks).

* A merchant action triggers a topic; every subscription to it gets one delivery with the payload
  **as it was when triggered** (REST representation, compact JSON), signed with the app's client
  secret: ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(raw body, secret)). Headers:
  ``X-Shopify-Topic``, ``-Hmac-Sha256``, ``-Shop-Domain``, ``-API-Version`` (the subscription's),
  ``-Webhook-Id`` (one per delivery, the same on its retries), ``-Triggered-At``, ``-Event-Id``
  (shared by every delivery of one action), ``-Name`` when the subscription has a name.
* POST with a 1 s connect and 5 s total timeout, redirects not followed; 2xx is success, anything
  else or a timeout a failure. A failed delivery is retried **8 times over 4 hours** with an
  exponential backoff (:data:`RETRY_DELAYS`: 56.5 s doubling to 2 h; Shopify gives only the count
  and the span, the base is a guess) on the shop's clock, then the subscription (API-created) is
  deleted and deliveries still queued for it are dropped.
* Test hooks: :meth:`hold` (deliveries wait), :meth:`reorder` (held ones go in another order),
  :meth:`duplicate` (a delivery sent again, same webhook id) and ``duplicate_rate`` (a seeded share
  of successful deliveries sent twice), :meth:`set_outage` (connections fail).
"""

import base64
import hashlib
import hmac
import http.client
import json
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from local.shopify_store.clock import ShopClock

RETRY_DELAYS = [14_400 * 2**k / 255 for k in range(8)]  # seconds; sum  = 4 h exactly
CONNECT_TIMEOUT = 1.0


def sign(body: bytes, secret: str) -> str:
    """``X-Shopify-Hmac-Sha256`` of a raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(body: bytes, header: str, secret: str) -> bool:
    return hmac.compare_digest(sign(body, secret), header)


def encode(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def triggered_at(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Delivery:
    webhook_id: str
    event_id: str
    topic: str
    uri: str
    subscription_id: int | None  # None: the app's compliance endpoint (configured, not subscribed)
    body: bytes
    headers: dict[str, str]
    due: datetime
    attempt: int = 0  # deliveries made so far
    sequence: int = 0


@dataclass(frozen=True)
class DeliveryRecord:
    webhook_id: str
    event_id: str
    topic: str
    uri: str
    attempt: int  # 1 = first delivery, 2.. = retries
    status: int | None
    error: str | None
    at: datetime
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "at": self.at.isoformat()}


@dataclass
class Dispatcher:
    clock: ShopClock
    secret: Callable[[], str]
    domain: str
    on_gone: Callable[[int], None]  # a subscription deleted after its last failed retry
    timeout: float = 5.0
    duplicate_rate: float = 0.0
    seed: int | None = None
    queue: list[Delivery] = field(default_factory=list)
    log: list[DeliveryRecord] = field(default_factory=list)
    outage: bool = False
    held: bool = False
    errors: list[BaseException] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._busy = 0
        self._sequence = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._sent: dict[str, Delivery] = {}
        self._dups: set[int] = set()  # sequences of deliveries sent again (not retried)

    @property
    def cond(self) -> threading.Condition:
        return self.clock.changed

    # --- queueing ---------------------------------------------------------------------------------
    def send(self, topic: str, payload: Any, targets: list[tuple[int | None, str, str, str | None]]) -> list[Delivery]:
        """One merchant action: a delivery of ``payload`` to each (subscription id, uri, api version,
        name) target, all with one event id."""
        made = self.make(topic, payload, targets)
        with self.cond:
            for d in made:
                self._push(d)
        return made

    def make(self, topic: str, payload: Any, targets: list[tuple[int | None, str, str, str | None]]) -> list[Delivery]:
        """The deliveries :meth:`send` would queue, signed and with Shopify's headers, not queued
        (what a benchmark pushes itself, as the stack's ingress would have received them)."""
        body = encode(payload)
        now = self.clock()
        event = str(uuid.uuid4())
        made = []
        for subscription_id, uri, version, name in targets:
            headers = {
                "Content-Type": "application/json",
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": sign(body, self.secret()),
                "X-Shopify-Shop-Domain": self.domain,
                "X-Shopify-API-Version": version,
                "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                "X-Shopify-Triggered-At": triggered_at(now),
                "X-Shopify-Event-Id": event,
                "User-Agent": "Shopify-Captain-Hook",
            }
            if name:
                headers["X-Shopify-Name"] = name
            made.append(
                Delivery(headers["X-Shopify-Webhook-Id"], event, topic, uri, subscription_id, body, headers, now)
            )
        return made

    def _push(self, delivery: Delivery) -> None:
        self._sequence += 1
        delivery.sequence = self._sequence
        self.queue.append(delivery)
        self._start()
        self.cond.notify_all()

    def duplicate(self, webhook_id: str) -> bool:
        """Send a delivery (made or queued) once more, now, with the same webhook id."""
        with self.cond:
            known = [d for d in self.queue if d.webhook_id == webhook_id] + [
                d for d in self._sent.values() if d.webhook_id == webhook_id
            ]
            if not known:
                return False
            self._push(replace(known[0], due=self.clock(), attempt=0))
            self._dups.add(self._sequence)
            return True

    def hold(self, held: bool) -> None:
        with self.cond:
            self.held = held
            self.cond.notify_all()

    def reorder(self, how: str = "reverse") -> None:
        """Deliveries due now go in another order: ``reverse`` or ``shuffle`` (seeded)."""
        with self.cond:
            now = self.clock()
            due = sorted((d for d in self.queue if d.due <= now), key=lambda d: d.sequence)
            if how == "reverse":
                due.reverse()
            else:
                self.rng.shuffle(due)
            first = min((d.sequence for d in due), default=0)
            for i, d in enumerate(due):
                d.sequence = first - len(due) + i

    def drop(self, subscription_id: int) -> None:
        with self.cond:
            self.queue = [d for d in self.queue if d.subscription_id != subscription_id]

    def pending(self) -> list[Delivery]:
        with self.cond:
            return sorted(self.queue, key=lambda d: (d.due, d.sequence))

    def wait(self, timeout: float) -> bool:
        """Until nothing is due now and nothing is in flight (later retries may remain)."""
        with self.cond:
            return self.cond.wait_for(
                lambda: self._busy == 0 and (self.held or not any(d.due <= self.clock() for d in self.queue)),
                timeout,
            )

    def close(self) -> None:
        with self.cond:
            self._closed = True
            self.cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 2)

    # --- the runner --------------------------------------------------------------------------------
    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closed = False
            self._thread = threading.Thread(target=self._run, name="shopify-webhooks", daemon=True)
            self._thread.start()

    def _next(self) -> Delivery | None:
        while not self._closed:
            now = self.clock()
            ready = [d for d in self.queue if d.due <= now]
            if ready and not self.held:
                chosen = min(ready, key=lambda d: d.sequence)
                self.queue.remove(chosen)
                self._busy += 1
                return chosen
            later = [d.due for d in self.queue if d.due > now]
            wait = self.clock.real_seconds((min(later) - now).total_seconds()) if later and not self.held else 1.0
            self.cond.wait(min(max(wait, 0.005), 1.0))
        return None

    def _run(self) -> None:
        while True:
            with self.cond:
                delivery = self._next()
                if delivery is None:
                    return
                duplicate = delivery.sequence in self._dups
            try:
                self._attempt(delivery, duplicate)
            except Exception as err:  # the runner outlives a broken delivery
                self.errors.append(err)
            finally:
                with self.cond:
                    self._busy -= 1
                    self.cond.notify_all()

    def _attempt(self, delivery: Delivery, duplicate: bool) -> None:
        status, error = self._post(delivery)
        with self.cond:
            delivery.attempt += 1
            record = DeliveryRecord(
                delivery.webhook_id, delivery.event_id, delivery.topic, delivery.uri,
                delivery.attempt, status, error, self.clock(), duplicate,
            )  # fmt: skip
            self.log.append(record)
            self._sent[delivery.webhook_id] = delivery
            if duplicate:
                return
            if record.ok:
                if self.duplicate_rate and self.rng.random() < self.duplicate_rate:
                    self._push(replace(delivery, due=self.clock()))
                    self._dups.add(self._sequence)
                return
            if delivery.attempt <= len(RETRY_DELAYS):
                delay = RETRY_DELAYS[delivery.attempt - 1]
                delivery.due = self.clock() + timedelta(seconds=delay)
                self._push(delivery)
            elif delivery.subscription_id is not None:
                self.on_gone(delivery.subscription_id)

    def _post(self, delivery: Delivery) -> tuple[int | None, str | None]:
        if self.outage:
            return None, "connection refused (outage)"
        url = urlsplit(delivery.uri)
        conn_type = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = conn_type(url.hostname or "", url.port, timeout=CONNECT_TIMEOUT)
        try:
            conn.connect()
            assert conn.sock is not None
            conn.sock.settimeout(self.timeout)
            path = (url.path or "/") + (f"?{url.query}" if url.query else "")
            conn.request("POST", path, body=delivery.body, headers=delivery.headers)
            response = conn.getresponse()
            response.read()
            return response.status, None
        except (OSError, http.client.HTTPException) as err:
            return None, f"{type(err).__name__}: {err}"
        finally:
            conn.close()
