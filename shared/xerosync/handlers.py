"""The one shape every queue-fed sync function has, so each function is a line of intent.

An SQS batch (``ReportBatchItemFailures``: a failing record fails alone) is planned - several
events about one record collapse into its newest state - and its records are applied side by
side, one worker thread each, through Powertools idempotency keyed on the event's identity
(source, resource, id and the hash of the state it carries, never the delivery id; the Lambda
context is registered so a timed-out record does not stay "in progress") and the use case.
The workers call Xero through a batching facade, so the whole batch costs a few Xero requests
(``XERO_BATCHING=off`` sends one document per request: the pattern of today's products, kept
as the benchmark's baseline). Every call is paced by the shared rate governor, and while the
organisation's minute budget is scarce a small batch is held on its queue for others to join
it (:mod:`xerosync.xero.pacing`).
"""

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.serialization.dataclass import DataclassSerializer

from xerosync import clock, sources
from xerosync.aws import client, queues
from xerosync.aws.idempotency import IdempotencyTable
from xerosync.config import SettingsError
from xerosync.environment import current
from xerosync.events import StoreEvent, parse_envelope
from xerosync.observability import count, logger, metrics, reason_of
from xerosync.sources.port import StoreClient, StoreError, StoreSource
from xerosync.sync.base import Outcome
from xerosync.sync.invocation import SharedClaims, batch_superseded, plan
from xerosync.sync.ports import Journal, LogEntry
from xerosync.sync.records import AUTH_RETRY_SECONDS, UNKNOWN_RETRY_SECONDS, Delivery, handle_record
from xerosync.wiring import SyncContext, forget_settings, sync_context, sync_log
from xerosync.xero import pacing
from xerosync.xero.batching import BatchingXero
from xerosync.xero.client import XeroClient

IDEMPOTENCY_HOURS = 6
MAX_WORKERS = 200  # one thread per record: SyncBatchSize is at most 200
BATCH_WAIT_SECONDS = 6.0  # see _batch_wait
# share of the invocation's time in which the batcher may wait for slow workers to align their
# calls; after it, calls go as they come (more requests, but the batch finishes in time)
ALIGN_SHARE = 0.5

UseCase = Callable[[Any, SyncContext], Outcome]  # (what the event asks, the collaborators)
Decode = Callable[[StoreEvent, SyncContext], Any]  # an Outcome: nothing for the use case to do
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class SQSRecord:
    """One record of an SQS batch event, read as Powertools' ``SQSRecord`` reads it (the same
    names, a missing key the same KeyError), for the fields this module uses. Not Powertools'
    own: its data classes package imports every event class it has, dozens of modules, at each
    cold start."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def _field(self, name: str) -> str:
        value: str = self._data[name]
        return value

    @property
    def message_id(self) -> str:
        return self._field("messageId")

    @property
    def body(self) -> str:
        return self._field("body")

    @property
    def receipt_handle(self) -> str:
        return self._field("receiptHandle")

    @property
    def event_source_arn(self) -> str:
        return self._field("eventSourceARN")

    @property
    def retried(self) -> bool:
        """Sent back from its dead-letter queue by a retry (the ``retry`` attribute xerosync.ops sets)."""
        return "retry" in (self._data.get("messageAttributes") or {})

    @property
    def receive_count(self) -> int:
        """How many times SQS has handed the message out (``ApproximateReceiveCount``)."""
        return int(self._data["attributes"]["ApproximateReceiveCount"] or 1)


def _mark_duplicate(response: Any, idempotent_data: Any) -> Any:
    """Powertools calls this when it answers with a stored result: the event was a duplicate."""
    return replace(response, duplicate=True) if isinstance(response, Outcome) else response


def store_command(*accepts: type) -> Decode:
    """Read an envelope with the adapter of the store it came from (its ``source``) into a domain
    command, which must be one of ``accepts`` (what the queue's use case takes)."""

    def decode(event: StoreEvent, ctx: SyncContext) -> Any:
        source = sources.source(event.source)
        if event.by_reference:
            resolved = read_reference(event, source, ctx.store)
            if isinstance(resolved, Outcome):
                return resolved
            event = resolved
        command = source.command(event, ctx.settings, ctx.store)
        if accepts and not isinstance(command, accepts):
            raise ValueError(f"a {event.topic} event is not for this queue ({type(command).__name__})")
        return command

    return decode


def read_reference(event: StoreEvent, source: StoreSource, store: StoreClient | None) -> StoreEvent | Outcome:
    """The event an envelope too large for its queue stood for (``by_reference``: no payload),
    with the record's current state read from the store through the port: the envelope the
    source makes of it (an Outcome when the source would not enqueue that state at all)."""
    if store is None:
        raise StoreError(
            f"{event.key} was too large for the queue and is read from the store, which needs the store's API "
            "credentials (StoreApiSecret)"
        )
    if event.resource not in ("order", "customer", "product"):
        raise ValueError(f"a {event.resource} event cannot be read from the store by reference")
    found = store.fetch(event.resource, event.id)  # type: ignore[arg-type]  # a Kind, checked above
    message = source.message(found, store=store.url, origin=f"reference:{event.delivery_id or ''}")
    if message is None:
        return Outcome("skipped", event.key, reason="read from the store: a state xerosync does not sync")
    return parse_envelope(message.body)


def sqs_sync_handler(use_case: UseCase, decode: Decode, call_order: Sequence[Sequence[str]] = ()) -> Handler:
    """A queue's sync function: ``decode`` turns each envelope into what ``use_case`` takes;
    ``call_order`` is the order of the use case's Xero calls, which the batcher aligns workers on."""
    idempotency = IdempotencyConfig(
        event_key_jmespath="[source, resource, id, event, sha256]",  # the kind too: see StoreEvent.identity
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_HOURS * 3600,
        response_hook=_mark_duplicate,
    )
    env = current().require("IDEMPOTENCY_TABLE")
    # Powertools' DynamoDB layer, which knows its own "in progress" record when a retried save
    # meets it (xerosync.aws.idempotency)
    persistence = IdempotencyTable(env.idempotency_table, client("dynamodb"))
    # Powertools marks its layer configured before compiling the key expression, so records
    # applied in parallel threads at a cold start could find it half done ("'NoneType' object
    # has no attribute 'search'", seen once in a chaos run): configure it before any thread
    persistence.configure(idempotency)
    dead_letters = env.dead_letter_queue_url

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="event",
        config=idempotency,
        persistence_store=persistence,
        output_serializer=DataclassSerializer(Outcome),
    )
    def apply(event: StoreEvent, ctx: SyncContext) -> Outcome:
        command = decode(event, ctx)
        return command if isinstance(command, Outcome) else use_case(command, ctx)

    def delivery(record: SQSRecord) -> Delivery:
        def park(reason: str, key: str) -> None:
            if not dead_letters:
                raise RuntimeError(f"no dead-letter queue configured to park {key}: {reason}")
            queues.send(dead_letters, record.body, attributes={"reason": reason[:1000], "record": key})

        return Delivery(
            receive_count=record.receive_count,
            park=park,
            retry_later=lambda seconds: _retry_later(record, seconds),
        )

    @logger.inject_lambda_context
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        idempotency.register_lambda_context(context)
        records = [SQSRecord(r) for r in event.get("Records", [])]
        try:
            # a retried record (xerosync.ops.retry: the console's, the CLI's) reads the settings afresh:
            # the fix that preceded it may be a setting, which this warm container holds for minutes
            if any(r.retried for r in records):
                forget_settings()
            base = sync_context()
        except (SettingsError, StoreError) as exc:  # what the merchant set up is wrong: no record can go on
            if getattr(exc, "transient", False):
                raise
            return _settings_invalid(exc, records, sync_log())
        batching = base.batching and len(records) > 1
        planned = plan([r.body for r in records])
        todo = [p.index for p in planned if p.superseded_by is None]
        journal = sync_log()
        if base.stopped is not None:  # the store said stop (xerosync.sync.privacy): skipped, not applied
            from xerosync.sync.privacy import passes_while_stopped, skipped_while_stopped

            held = [
                i
                for i in todo
                if isinstance(e := planned[i].event, StoreEvent) and not passes_while_stopped(e.resource)
            ]
            for i in held:
                outcome = skipped_while_stopped(planned[i].key, base.stopped)
                handle_record(planned[i].event, records[i].body, _answer(outcome), delivery(records[i]), journal)
            todo = [i for i in todo if i not in held]
        if todo and base.batching and isinstance(base.xero, XeroClient):
            wait = _hold_for(records, base.xero)
            if wait:  # a small batch while Xero's minute is scarce: back on the queue to meet others
                for record in records:
                    _retry_later(record, wait)
                count("batches_held")
                logger.info("batch held", extra={"records": len(records), "hold_seconds": round(wait, 1)})
                return {"batchItemFailures": [{"itemIdentifier": r.message_id} for r in records]}
        xero: Any = base.xero
        if batching and isinstance(base.xero, XeroClient):
            xero = BatchingXero(
                base.xero,
                workers=min(MAX_WORKERS, len(todo)),
                max_wait=_batch_wait(context),
                deadline=time.monotonic() + _remaining(context) * ALIGN_SHARE,
                call_order=call_order,
            )
        batching = isinstance(xero, BatchingXero)
        idle: Callable[[], AbstractContextManager[Any]] = xero.idle if batching else nullcontext
        ctx = replace(base, xero=xero, mappings=SharedClaims(base.mappings, idle, records=len(todo)))
        failed: list[str] = []

        def guarded(index: int, answer: Callable[[StoreEvent], Outcome]) -> None:
            """One record; whatever escapes fails that record alone, logged with its exception
            (handle_record logs and classifies the use case's own failures before re-raising)."""
            record = records[index]
            given = delivery(record)
            delays: list[float] = []

            def retry_later(seconds: float) -> None:
                delays.append(seconds)
                given.retry_later(seconds)

            try:
                handle_record(
                    planned[index].event, record.body, answer, replace(given, retry_later=retry_later), journal
                )
            except Exception as exc:
                logger.exception(
                    "record failed",
                    extra={"record": planned[index].key, "message_id": record.message_id, "reason": reason_of(exc)},
                )
                failed.append(record.message_id)
                if not delays:  # failed outside the use case's own retry (the sync log's write, say): soon
                    _retry_later(record, UNKNOWN_RETRY_SECONDS)

        def run(index: int) -> None:
            with xero.worker() if batching else nullcontext():
                guarded(index, lambda event: apply(event=event, ctx=ctx))

        for p in planned:
            winner = planned[p.superseded_by].event if p.superseded_by is not None else None
            if isinstance(p.event, StoreEvent) and isinstance(winner, StoreEvent):
                guarded(p.index, _answer(batch_superseded(p.event, winner, p.same_state)))
        if len(todo) <= 1 or not batching:
            for index in todo:
                run(index)
        else:
            list(_record_pool().map(run, todo))
        metrics.add_metric(name="records", unit="Count", value=len(records))
        metrics.add_metric(name="records_failed", unit="Count", value=len(failed))
        if batching:
            metrics.add_metric(name="xero_requests", unit="Count", value=xero.requests)
        logger.info(
            "batch done",
            extra={
                "records": len(records),
                "applied": len(todo),
                "failed": len(failed),
                "xero_requests": xero.requests if batching else None,
                "xero_flushes": [xero.flushes, xero.flushes_timed_out] if batching else None,
                "keys": [p.key for p in planned][:50],
            },
        )
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}

    return lambda_handler


def _settings_invalid(exc: Exception, records: list[SQSRecord], journal: Journal | None) -> dict[str, Any]:
    """The store settings (or the store's credentials: an http URL) cannot be used: no record can
    be. One clear entry in the sync log and one alarm (``settings_invalid``) per invocation, and
    every record back on its queue in 15 minutes, as for a broken Xero connection: once fixed
    (``xerosync settings``, the secret), the next attempt picks them up."""
    what = "store settings" if isinstance(exc, SettingsError) else "store's API credentials (StoreApiSecret)"
    reason = f"the {what} are invalid; {len(records)} record(s) wait for them to be fixed: {exc}"
    logger.error("settings invalid: the sync waits for them to be fixed", extra={"reason": reason})
    count("settings_invalid")  # the SettingsInvalidAlarm tells the merchant
    if journal is not None:
        journal.write(LogEntry(key="settings", outcome="failed", action="settings", reason=reason[:4000]))
    for record in records:
        _retry_later(record, AUTH_RETRY_SECONDS)
    return {"batchItemFailures": [{"itemIdentifier": record.message_id} for record in records]}


def _hold_for(records: list[SQSRecord], xero: XeroClient) -> float:
    """Seconds (the sync's clock) to hold this batch on its queue before applying it, or 0
    (:mod:`xerosync.xero.pacing`). A small batch's first deliveries are logged as the queue's
    arrivals whether or not it can be held (one with records held before is applied now, with
    whatever joined them). Best effort: if the budget cannot be read, apply it now."""
    fresh = sum(1 for r in records if r.receive_count <= 1)
    if xero.governor is None or not fresh or len(records) >= pacing.FULL_BATCH:
        return 0.0
    try:
        tenant = xero.tenant_id()
        queue = records[0].event_source_arn.rsplit(":", 1)[-1]
        arrivals = xero.governor.arrivals(tenant, queue, fresh)
        if fresh < len(records):
            return 0.0
        pressure = 0.0 if arrivals.busy else xero.governor.pressure(tenant)  # busy: held whatever the minute
    except Exception as exc:  # never hold records back on a guess
        logger.warning("could not read the queue's arrivals or the Xero budget", extra={"reason": reason_of(exc)})
        return 0.0
    return pacing.hold_seconds(pressure, len(records), True, clock.now(), arrivals)


def _answer(outcome: Outcome) -> Callable[[StoreEvent], Outcome]:
    return lambda _: outcome


@cache
def _record_pool() -> ThreadPoolExecutor:
    """The threads that apply a batch's records, one per record, kept for the life of the
    process: a warm invocation reuses them (and the DynamoDB client they share, with its open
    connections). A pool per invocation created a resource and a TCP connection per record per
    invocation: at 100 records a batch, a
    quarter of the sync function's CPU in a 3,000-order bench."""
    return ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="record")


def _batch_wait(context: Any) -> float:
    """How long the batcher waits, after the last worker moved, for the others to reach Xero
    (busy with DynamoDB or the store) before sending what it has: long enough that one
    straggler does not split each kind of call in two (at 2 s, half the sends of a 1,000-order
    backfill were forced and it cost 0.26 calls per order; at 6 s none were, 0.16), and a tenth
    of the time the invocation has left. While workers keep arriving it waits on, up to three
    times this for the oldest call (``batching.OVERDUE``)."""
    return max(0.5, min(BATCH_WAIT_SECONDS, _remaining(context) / 10))


def _remaining(context: Any) -> float:
    """Seconds the invocation has left."""
    return float(getattr(context, "get_remaining_time_in_millis", lambda: 60_000)()) / 1000


def _retry_later(record: SQSRecord, seconds: float) -> None:
    """Bring a transiently failed record back after ``seconds`` rather than the queue's full
    visibility timeout. Best effort: if it fails, the visibility timeout still brings it back."""
    try:
        # delays are in the clock's seconds (Retry-After, the governor): SQS counts wall-clock ones
        queues.retry_later(record.event_source_arn, record.receipt_handle, seconds / clock.scale())
    except Exception as exc:  # never hide the record's own failure behind this one
        logger.warning("could not shorten the retry delay", extra={"reason": str(exc)})
