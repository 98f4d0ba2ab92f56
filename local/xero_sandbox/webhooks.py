"""Xero webhooks (xero-webhooks.yaml), sent to a receiver the test names.
https://developer.xero.com/documentation/guides/webhooks/overview/

``subscribe(url, key)`` registers a receiver; creates and updates of contacts, invoices and
credit notes then queue events (``CREATE``/``UPDATE``; credit note events carry
``data: {Type, Status}``), and ``deliver()`` POSTs them, one delivery per subscription with
``firstEventSequence``/``lastEventSequence``/``entropy``, signed with ``x-xero-signature`` =
base64(HMAC-SHA256(raw body, key)). A delivery answered other than 200 stays queued (Xero
retries). ``intent_to_receive(url, key)`` runs Xero's handshake: signed POSTs with
``"events": []``, one correctly signed (the receiver must answer 200) and one incorrectly
signed (401), and reports whether the receiver passed.
"""

import base64
import hashlib
import hmac
import json
import random
import string
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from local.xero_sandbox.state import Clock

CATEGORIES = {"Contacts": "CONTACT", "Invoices": "INVOICE", "CreditNotes": "CREDITNOTE"}
ID_FIELDS = {"Contacts": "ContactID", "Invoices": "InvoiceID", "CreditNotes": "CreditNoteID"}
TIMEOUT = 5.0  # Xero expects an answer within 5 seconds


def sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Delivery:
    url: str
    status: int | None  # None: no answer (refused, timed out)
    events: int
    body: bytes


@dataclass
class IntentToReceive:
    url: str
    signed_status: int | None
    unsigned_status: int | None

    @property
    def passed(self) -> bool:
        return self.signed_status == 200 and self.unsigned_status == 401


@dataclass
class Subscription:
    url: str
    key: str
    categories: frozenset[str]
    tenants: frozenset[str] | None
    sequence: int = 0
    queue: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    intent: IntentToReceive | None = None


def _post(url: str, body: bytes, signature: str) -> int | None:
    if not url.startswith(("http://", "https://")):
        return None
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, data=body, method="POST", headers={"Content-Type": "application/json", "x-xero-signature": signature}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - a receiver the test named
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)
    except (urllib.error.URLError, OSError):
        return None


class Webhooks:
    def __init__(self, clock: Clock, seed: int | None = None) -> None:
        self.clock = clock
        self.random = random.Random(seed)
        self.subscriptions: list[Subscription] = []
        self.base_url = "https://api.xero.com"
        self.auto = False
        self._lock = threading.RLock()

    def subscribe(
        self,
        url: str,
        key: str,
        *,
        categories: tuple[str, ...] = ("CONTACT", "INVOICE", "CREDITNOTE"),
        tenants: list[str] | None = None,
        intent_to_receive: bool = True,
    ) -> Subscription:
        """Register a receiver; runs the intent-to-receive handshake first unless told not to."""
        sub = Subscription(url, key, frozenset(categories), frozenset(tenants) if tenants else None)
        if intent_to_receive:
            sub.intent = self.intent_to_receive(url, key)
        with self._lock:
            self.subscriptions.append(sub)
        return sub

    def _entropy(self) -> str:
        return "".join(self.random.choice(string.ascii_uppercase) for _ in range(20))

    def intent_to_receive(self, url: str, key: str) -> IntentToReceive:
        # Xero's handshake payloads carry no events; the sequence numbers are 0 (the sandbox's
        # reading of Xero's example; the spec's minimum of 1 applies to real deliveries).
        body = json.dumps(
            {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": self._entropy()}
        ).encode()
        signed = _post(url, body, sign(body, key))
        wrong = _post(url, body, sign(body, key + "-not-the-key"))
        return IntentToReceive(url, signed, wrong)

    def record(self, tenant: str, plural: str, record: dict[str, Any], created: bool) -> None:
        """Queue an event for a contact, invoice or credit note that was saved."""
        category = CATEGORIES.get(plural)
        if category is None or not self.subscriptions:
            return
        resource_id = record[ID_FIELDS[plural]]
        event: dict[str, Any] = {
            "resourceUrl": f"{self.base_url}/api.xro/2.0/{plural}/{resource_id}",
            "resourceId": resource_id,
            "eventDateUtc": _utc(self.clock()),
            "eventType": "CREATE" if created else "UPDATE",
            "eventCategory": category,
            "tenantId": tenant,
            "tenantType": "ORGANISATION",
        }
        if category == "CREDITNOTE":
            event["data"] = {"Type": record["Type"], "Status": record["Status"]}
        with self._lock:
            for sub in self.subscriptions:
                if category in sub.categories and (sub.tenants is None or tenant in sub.tenants):
                    sub.queue.append(event)
        if self.auto:
            threading.Thread(target=self.deliver, daemon=True, name="xero-sandbox-webhooks").start()

    def pending(self) -> int:
        with self._lock:
            return sum(len(s.queue) for s in self.subscriptions)

    def deliver(self) -> list[Delivery]:
        """POST every queued event, one signed delivery per subscription; failures stay queued.
        (The POSTs happen outside the lock: a receiver may call the sandbox back.)"""
        batches: list[tuple[Subscription, list[dict[str, Any]], bytes]] = []
        with self._lock:
            for sub in self.subscriptions:
                if not sub.queue:
                    continue
                events, sub.queue = sub.queue, []
                first = sub.sequence + 1
                sub.sequence += len(events)
                payload = {
                    "events": events,
                    "firstEventSequence": first,
                    "lastEventSequence": sub.sequence,
                    "entropy": self._entropy(),
                }
                batches.append((sub, events, json.dumps(payload).encode()))
        made: list[Delivery] = []
        for sub, events, body in batches:
            status = _post(sub.url, body, sign(body, sub.key))
            delivery = Delivery(sub.url, status, len(events), body)
            made.append(delivery)
            with self._lock:
                sub.deliveries.append(delivery)
                if status != 200:
                    sub.queue[:0] = events  # Xero retries undelivered events
        return made

    def reset(self) -> None:
        with self._lock:
            self.subscriptions.clear()


def _utc(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}"
