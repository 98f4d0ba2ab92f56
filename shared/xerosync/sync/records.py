"""One SQS record through one use case: classify what went wrong, log every outcome.

* applied / unchanged / skipped / superseded / duplicate: logged; the record is done.
* transient (Xero 429 or 5xx, timeouts, a record another worker holds): logged as retrying;
  the record goes back to its queue after the delay the error asks for (Xero's Retry-After),
  without the Lambda waiting; after the queue's last attempt the DLQ keeps it.
* permanent (Xero refused it, the settings cannot map it, the payload is not an event):
  retrying would only repeat the refusal, so it is logged with the reason and the payload
  and parked on the dead-letter queue at once; ``xerosync retry`` sends it back after a fix.
* anything else is a bug: logged, and retried like a transient failure.
"""

from collections.abc import Callable
from typing import Any

from xerosync import clock
from xerosync.events import BadEnvelope, StoreEvent
from xerosync.frozen import frozen
from xerosync.observability import logger, reason_of
from xerosync.sources.port import StoreError
from xerosync.sync.base import Outcome
from xerosync.sync.ports import ClaimHeld, Journal, LogEntry
from xerosync.xero.errors import XeroAuthError, XeroRejected
from xerosync.xero.payloads import MappingError

APPLIED_ACTIONS = {"created", "updated", "adjusted", "voided", "deleted", "credited", "matched"}
AUTH_RETRY_SECONDS = 900.0  # a broken Xero connection: come back in 15 minutes, not in a storm
UNKNOWN_RETRY_SECONDS = 30.0


@frozen
class Delivery:
    """What the handler knows about the SQS record besides its body, and what it can do with it."""

    receive_count: int
    park: Callable[[str, str], None]  # (reason, record key): move the message to the DLQ now
    retry_later: Callable[[float], None]  # seconds: make the message visible again then


def waited(wall_seconds: float) -> float:
    """A wait behind another attempt's hold, in the sync's clock (what ``retry_later`` takes).

    A hold lasts wall-clock time whatever the clock: a claim's or lock's lease is
    ``time.time()`` + RecordLeaseSeconds, an "in progress" record lasts until its invocation's
    deadline, and the holder's work is DynamoDB, HTTP and CPU time. Under a simulated clock
    (``XEROSYNC_TIME_SCALE``, the benchmark's x60) a wait counted in the clock's seconds was a
    sixtieth of the hold, so a record behind a hold that outlived its attempt (a lock whose
    release failed, a retried write refused by itself) spent its queue's 30 receives in about a
    minute of a 150 s lease and was dead-lettered. In AWS the scale is 1 and nothing changes."""
    return wall_seconds * clock.scale()


def classify(exc: BaseException) -> str:
    if isinstance(exc, XeroAuthError):
        return "connection"
    if getattr(exc, "transient", False):
        return "transient"
    # ValueError includes pydantic's ValidationError (a store payload a source's model refuses)
    if isinstance(exc, MappingError | XeroRejected | BadEnvelope | StoreError | ValueError):
        return "permanent"
    if type(exc).__name__ == "IdempotencyAlreadyInProgressError":  # the same event, running elsewhere now
        return "transient"
    return "unknown"


def _outcome_word(outcome: Outcome) -> str:
    if outcome.duplicate:
        return "duplicate"
    return "applied" if outcome.action in APPLIED_ACTIONS else outcome.action


def handle_record(
    event: StoreEvent | BadEnvelope,
    body: str,
    apply: Callable[[StoreEvent], Outcome],
    delivery: Delivery,
    journal: Journal | None,
) -> Outcome:
    """``event``: the record's envelope as the batch's plan parsed it (or why it is none)."""

    def record(event: StoreEvent | None, key: str, outcome: str, **fields: Any) -> None:
        entry = LogEntry(
            key=key,
            outcome=outcome,
            topic=event.topic if event else "",
            modified=event.modified or "" if event else "",
            event=event.sha256 if event else "",
            attempt=delivery.receive_count,
            **fields,
        )
        if journal is not None:
            journal.write(entry)

    if isinstance(event, BadEnvelope):
        logger.error("not a store event", extra={"outcome": "failed", "reason": str(event)})
        record(None, "unknown", "failed", reason=str(event), payload=body[:100_000])
        delivery.park(str(event), "unknown")
        return Outcome("failed", "unknown", reason=str(event))

    context = {"record": event.key, "topic": event.topic, "modified": event.modified, "attempt": delivery.receive_count}
    try:
        outcome = apply(event)
    except Exception as exc:
        kind = classify(exc)
        reason = reason_of(exc)  # never the customer data a validation error echoes
        if kind == "permanent":  # the exception's type and reason: never a traceback echoing customer data
            logger.error(
                "sync failed", extra={**context, "outcome": "failed", "reason": reason, "error": type(exc).__name__}
            )
            record(event, event.key, "failed", reason=reason, payload=event.payload)
            delivery.park(reason, event.key)
            return Outcome("failed", event.key, reason=reason)
        if kind == "connection":
            logger.error(
                "Xero connection refused: the sync waits for it to be fixed (xerosync setup)",
                extra={**context, "outcome": "retrying", "reason": reason},
            )
            record(event, event.key, "retrying", reason=reason)
            delivery.retry_later(AUTH_RETRY_SECONDS)
            raise
        delay = float(getattr(exc, "retry_after", None) or (UNKNOWN_RETRY_SECONDS if kind == "unknown" else 5.0))
        if isinstance(exc, ClaimHeld):
            # the holder is usually alive and done in a moment; a dead holder's lease runs out later
            delay = waited(min(delay, 2.0 * delivery.receive_count))
        elif type(exc).__name__ == "IdempotencyAlreadyInProgressError":
            # the same event is running elsewhere, or ran in a worker that died: its "in progress"
            # ends with that invocation's time, so back off towards it
            delay = waited(min(30.0, 3.0 * delivery.receive_count))
        report = logger.warning if kind == "transient" else logger.exception
        report(
            "sync will retry",
            extra={**context, "outcome": "retrying", "reason": f"{type(exc).__name__}: {reason}", "retry_after": delay},
        )
        record(event, event.key, "retrying", reason=f"{type(exc).__name__}: {reason}")
        delivery.retry_later(delay)
        raise
    word = _outcome_word(outcome)
    logger.info(
        "sync " + word,
        extra={
            **context,
            "outcome": word,
            "action": outcome.action,
            "xero_id": outcome.xero_id,
            "reason": outcome.reason,
            "also": outcome.also,
        },
    )
    record(
        event,
        event.key,
        word,
        action=outcome.action,
        xero_id=outcome.xero_id or "",
        reason=outcome.reason,
        also=tuple(outcome.also),
    )
    return outcome
