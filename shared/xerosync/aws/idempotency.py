"""The idempotency table (Powertools' DynamoDB persistence layer), safe against a lost answer.

Powertools saves an event's "in progress" record with a conditional ``PutItem`` (no record, or an
expired one). When DynamoDB applies it but the answer is lost (a read timeout, a closed
connection), botocore's retry sends the same request again and its condition fails on the record
the first try wrote: Powertools then reads the attempt's *own* record as another execution and
raises ``IdempotencyAlreadyInProgressError``, and every delivery of the event meets it until the
record's in-progress expiry (the time the invocation had left). That is how a record of the Zoho
bench used its 30 receives and was dead-lettered (bench/README.md, "Zoho CRM").

:class:`IdempotencyTable` recognises its own write: the record the failed condition returns
(``ReturnValuesOnConditionCheckFailure``) is "in progress" with the very expiry and in-progress
expiry this attempt wrote, to the millisecond (the in-progress expiry is the invocation's deadline,
now + the time left, read as the record is saved). Another execution's record differs in it;
an execution with exactly the same deadline would have to be another invocation started in the
same millisecond with the same event, and even then the record's claims and locks keep Xero's
writes single (:mod:`xerosync.sync.base`).

``_put_record`` is the method Powertools asks a custom persistence layer to implement
(https://docs.powertools.aws.dev/lambda/python/latest/utilities/idempotency/#bring-your-own-persistent-store).
"""

from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from xerosync.observability import count, logger

INPROGRESS = "INPROGRESS"


class IdempotencyTable(DynamoDBPersistenceLayer):
    def __init__(self, table_name: str, boto3_client: Any) -> None:
        super().__init__(table_name=table_name, boto3_client=boto3_client)

    def _put_record(self, data_record: DataRecord) -> None:
        try:
            super()._put_record(data_record)
        except IdempotencyItemAlreadyExistsError as exc:
            if not own_write(data_record, exc.old_data_record):
                raise
            # the first try of this very request wrote it: the record is ours, go on
            count("own_write_after_lost_answer")
            logger.warning(
                "an in-progress record refused by its own write (its answer was lost and botocore retried)",
                extra={"idempotency_key": data_record.idempotency_key[-64:]},
            )


def own_write(mine: DataRecord, found: DataRecord | None) -> bool:
    """Whether ``found`` (the record a failed condition returned) is the one ``mine`` wrote."""
    return (
        found is not None
        and found.status == INPROGRESS
        and mine.in_progress_expiry_timestamp is not None
        and found.in_progress_expiry_timestamp == mine.in_progress_expiry_timestamp
        and found.expiry_timestamp == mine.expiry_timestamp
        and (found.payload_hash or "") == (mine.payload_hash or "")  # "" or absent: no payload validation
    )
