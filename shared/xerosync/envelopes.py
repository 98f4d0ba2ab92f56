"""Queue messages for store records xerosync reads itself (the reconciliation, the drift report,
``xerosync push``), in exactly the envelope the ingress makes of a webhook delivery.

So there is one sync path: whatever put a record on its queue, the same sync function applies it,
with the same idempotency and the same mapping table. The store's adapter makes the message
(:meth:`xerosync.sources.port.StoreSource.message`), encoding the record as the store encodes a
webhook body, so that a state the store already delivered by webhook is a duplicate.
"""

from xerosync.frozen import frozen


@frozen
class Message:
    """One message for the queue of ``queue`` (orders, contacts, items)."""

    queue: str
    key: str  # the record, as the mapping table and the sync log name it: "order:1001"
    body: str
