"""The envelope the ingress function puts on the queues, as the sync functions read it."""

import json
from typing import Any

from xerosync.frozen import frozen


@frozen
class StoreEvent:
    """A queue message's envelope, read: which store record changed, how, and its payload."""

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
    by_reference: bool = False  # too large for the queue: no payload, the record is read from the store

    @property
    def key(self) -> str:
        """The record this event is about, as the mapping table names it."""
        return f"{self.resource}:{self.id}"

    def identity(self) -> dict[str, Any]:
        """What makes two deliveries the same event (never the delivery id, which changes)."""
        return {
            "source": self.source,
            "resource": self.resource,
            "id": self.id,
            "event": self.event,  # the kind: a deletion is never the update whose body it replays
            "sha256": self.sha256,
        }


class BadEnvelope(ValueError):
    pass


_TEXT = ("source", "topic", "resource", "event", "sha256")
_OPTIONAL_TEXT = ("modified", "received_at", "webhook_id", "delivery_id")


def parse_envelope(body: str) -> StoreEvent:
    """The envelope in ``body``; :class:`BadEnvelope` saying why when it is not one (a field of the
    wrong type included: one such record must not take its batch-mates down with it)."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError(f"a JSON {type(data).__name__}, not an object")
        wrong = [name for name in _TEXT if not isinstance(data[name], str) or not data[name]]
        wrong += [name for name in _OPTIONAL_TEXT if not isinstance(data.get(name), str | None)]
        record_id = data["id"]
        if isinstance(record_id, bool) or not isinstance(record_id, str | int) or str(record_id).strip() == "":
            wrong.append("id")
        by_reference = data.get("by_reference") is True
        if not isinstance(data["payload"], str) and not (by_reference and data["payload"] is None):
            wrong.append("payload")
        if wrong:
            raise ValueError(f"{', '.join(wrong)} of the wrong type or empty")
        return StoreEvent(
            source=data["source"],
            topic=data["topic"],
            resource=data["resource"],
            event=data["event"],
            id=str(record_id),
            modified=data.get("modified"),
            sha256=data["sha256"],
            payload=data["payload"] or "",
            received_at=data.get("received_at") or "",
            webhook_id=data.get("webhook_id"),
            delivery_id=data.get("delivery_id"),
            by_reference=by_reference,
        )
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise BadEnvelope(f"not a xerosync store event: {type(exc).__name__}: {exc}") from None
