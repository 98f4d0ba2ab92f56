"""The envelope the ingress function puts on the queues, as the sync functions read it."""

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoreEvent:
    source: str  # the store source, which selects its adapter (e.g. "woocommerce")
    topic: str  # "order.updated"
    resource: str  # "order"
    event: str  # "updated"
    id: str  # the store record's id
    modified: str | None  # the store's modification time of the record, when it has one
    sha256: str  # of the raw payload: equal state, equal hash
    payload: str  # the raw JSON body the store sent, byte for byte
    received_at: str = ""
    webhook_id: str | None = None
    delivery_id: str | None = None

    @property
    def key(self) -> str:
        """The record this event is about, as the mapping table names it."""
        return f"{self.resource}:{self.id}"

    def identity(self) -> dict[str, Any]:
        """What makes two deliveries the same event (never the delivery id, which changes)."""
        return {"source": self.source, "resource": self.resource, "id": self.id, "sha256": self.sha256}


class BadEnvelope(ValueError):
    pass


def parse_envelope(body: str) -> StoreEvent:
    try:
        data = json.loads(body)
        return StoreEvent(
            source=data["source"],
            topic=data["topic"],
            resource=data["resource"],
            event=data["event"],
            id=str(data["id"]),
            modified=data.get("modified"),
            sha256=data["sha256"],
            payload=data["payload"],
            received_at=data.get("received_at", ""),
            webhook_id=data.get("webhook_id"),
            delivery_id=data.get("delivery_id"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise BadEnvelope(f"not a xerosync store event: {exc}") from None
