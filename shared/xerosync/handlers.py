"""The one shape every queue-fed sync function has, so each function is a line of intent.

An SQS batch goes through Powertools' ``BatchProcessor`` (a failing record fails alone:
``ReportBatchItemFailures``); each record's event goes through Powertools idempotency keyed
on the event's identity (source, resource, id and the hash of the state it carries, never
the delivery id), with the Lambda context registered so a timed-out record does not stay
"in progress"; then through the use case.
"""

import os
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from xerosync.aws import queues
from xerosync.events import StoreEvent
from xerosync.observability import logger, metrics
from xerosync.sync.base import Outcome
from xerosync.sync.records import Delivery, handle_record
from xerosync.wiring import SyncContext, sync_context, sync_log

IDEMPOTENCY_HOURS = 6

UseCase = Callable[[StoreEvent, SyncContext], Outcome]
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _mark_duplicate(response: Any, idempotent_data: Any) -> Any:
    """Powertools calls this when it answers with a stored result: the event was a duplicate."""
    return {**response, "duplicate": True} if isinstance(response, dict) else response


def sqs_sync_handler(use_case: UseCase) -> Handler:
    processor = BatchProcessor(event_type=EventType.SQS)
    idempotency = IdempotencyConfig(
        event_key_jmespath="[source, resource, id, sha256]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_HOURS * 3600,
        response_hook=_mark_duplicate,
    )
    persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
    dead_letters = os.environ.get("DEAD_LETTER_QUEUE_URL", "")

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="envelope", config=idempotency, persistence_store=persistence
    )
    def apply(envelope: dict[str, Any]) -> dict[str, Any]:
        return asdict(use_case(StoreEvent(**envelope), sync_context()))

    def record_handler(record: SQSRecord) -> dict[str, Any]:
        def park(reason: str, key: str) -> None:
            if not dead_letters:
                raise RuntimeError(f"no dead-letter queue configured to park {key}: {reason}")
            queues.send(dead_letters, record.body, attributes={"reason": reason[:1000], "record": key})

        delivery = Delivery(
            receive_count=int(record.attributes.approximate_receive_count or 1),
            park=park,
            retry_later=lambda seconds: _retry_later(record, seconds),
        )
        return handle_record(record.body, apply, delivery, sync_log())

    @logger.inject_lambda_context
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        idempotency.register_lambda_context(context)
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    return lambda_handler


def _retry_later(record: SQSRecord, seconds: float) -> None:
    """Bring a transiently failed record back after ``seconds`` rather than the queue's full
    visibility timeout. Best effort: if it fails, the visibility timeout still brings it back."""
    try:
        queues.retry_later(record.event_source_arn, record.receipt_handle, seconds)
    except Exception as exc:  # never hide the record's own failure behind this one
        logger.warning("could not shorten the retry delay", extra={"reason": str(exc)})
