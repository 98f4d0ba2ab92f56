"""Sending store events to the entity queues."""

import math
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from xerosync.aws import client
from xerosync.observability import logger
from xerosync.webhooks import MAX_MESSAGE_BYTES


def send(queue_url: str, body: str, *, attributes: dict[str, str] | None = None, delay_seconds: int = 0) -> str:
    """Send one message; returns its SQS message id."""
    kwargs: dict[str, Any] = {
        "QueueUrl": queue_url,
        "MessageBody": body,
        "MessageAttributes": {k: {"DataType": "String", "StringValue": v} for k, v in (attributes or {}).items()},
    }
    if delay_seconds:
        kwargs["DelaySeconds"] = delay_seconds
    response = client("sqs").send_message(**kwargs)
    return str(response["MessageId"])


def queue_url(queue_arn: str) -> str:
    """A queue's URL from its ARN (no GetQueueUrl call, and no permission for one)."""
    _, partition, _, region, account, name = queue_arn.split(":", 5)
    domain = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return f"https://sqs.{region}.{domain}/{account}/{name}"


def retry_later(queue_arn: str, receipt_handle: str, seconds: float) -> None:
    """Make a received message visible again after ``seconds`` (instead of the queue's full
    visibility timeout): how a record waits for a Retry-After without the Lambda waiting."""
    client("sqs").change_message_visibility(
        QueueUrl=queue_url(queue_arn),
        ReceiptHandle=receipt_handle,
        VisibilityTimeout=max(0, min(math.ceil(seconds), 43_200)),
    )


# SendMessageBatch: ten messages, and 1 MiB for the bodies and attributes of them all together
# (the SQS API reference; ``webhooks.MAX_MESSAGE_BYTES``). Over either, SQS refuses the whole request.
BATCH_ENTRIES = 10
BATCH_BYTES = MAX_MESSAGE_BYTES


def message_bytes(body: str, attributes: dict[str, str]) -> int:
    """What SQS counts of a message against its size limits: the body and each attribute's name,
    data type and value, in UTF-8 bytes."""
    size = len(body.encode("utf-8"))
    for name, value in attributes.items():
        size += len(name.encode("utf-8")) + len("String") + len(value.encode("utf-8"))
    return size


def batches(messages: list[tuple[str, str, dict[str, str]]]) -> tuple[list[list[int]], list[int]]:
    """The requests to send ``messages`` in (their positions, in order: at most ten and 1 MiB a
    request), and the positions of messages SQS could never take (each over 1 MiB alone)."""
    requests: list[list[int]] = []
    too_large: list[int] = []
    current: list[int] = []
    size = 0
    for n, (_, body, attributes) in enumerate(messages):
        length = message_bytes(body, attributes)
        if length > BATCH_BYTES:
            too_large.append(n)
            continue
        if current and (len(current) == BATCH_ENTRIES or size + length > BATCH_BYTES):
            requests.append(current)
            current, size = [], 0
        current.append(n)
        size += length
    if current:
        requests.append(current)
    return requests, too_large


def send_batch(queue_url: str, messages: list[tuple[str, str, dict[str, str]]]) -> list[str]:
    """Send ``(id, body, attributes)`` messages, as few requests as SQS's limits allow; returns the
    ids SQS refused or could not be asked to take (a message over its size limit, a request that
    failed whole): nothing is retried here, and nothing raises, so that one message never costs
    the others their place (the caller decides what a refused message means)."""
    sqs = client("sqs")
    requests, too_large = batches(messages)
    failed = [messages[n][0] for n in too_large]
    for request in requests:
        entries = [
            {
                "Id": str(i),
                "MessageBody": messages[n][1],
                "MessageAttributes": {k: {"DataType": "String", "StringValue": v} for k, v in messages[n][2].items()},
            }
            for i, n in enumerate(request)
        ]
        try:
            reply = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except (BotoCoreError, ClientError) as exc:
            logger.warning("SQS refused a batch", extra={"messages": len(request), "reason": str(exc)[:500]})
            failed.extend(messages[n][0] for n in request)
            continue
        failed.extend(messages[request[int(f["Id"])]][0] for f in reply.get("Failed", []))
    return failed
