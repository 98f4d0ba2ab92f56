"""One SQS record through one use case, with the outcome logged either way."""

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from xerosync.events import parse_envelope
from xerosync.observability import logger
from xerosync.sync.ports import ClaimHeld, ClaimLost
from xerosync.xero.errors import XeroError
from xerosync.xero.payloads import MappingError


def handle_record(body: str, apply: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Parse the envelope, apply it (``apply(envelope=...)``), log what happened.

    Raising fails only this record (partial batch response): SQS delivers it again after
    the visibility timeout, and the dead-letter queue keeps it after the last attempt.
    """
    event = parse_envelope(body)
    context = {"record": event.key, "topic": event.topic, "modified": event.modified}
    try:
        outcome = apply(envelope=asdict(event))
    except (MappingError, XeroError, ClaimHeld, ClaimLost) as exc:
        transient = getattr(exc, "transient", False)
        report = logger.warning if transient else logger.error
        report("sync failed", extra={**context, "outcome": "retry" if transient else "rejected", "reason": str(exc)})
        raise
    logger.info(
        "sync applied",
        extra={
            **context,
            "outcome": outcome["action"],
            "xero_id": outcome.get("xero_id"),
            "reason": outcome.get("reason", ""),
        },
    )
    return outcome
