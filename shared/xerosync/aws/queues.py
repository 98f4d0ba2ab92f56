"""Sending store events to the entity queues."""

import math
from typing import Any

from xerosync.aws import client


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


def send_batch(queue_url: str, messages: list[tuple[str, str, dict[str, str]]]) -> list[str]:
    """Send ``(id, body, attributes)`` messages, ten per request; returns the ids SQS refused
    (the caller decides what a refused message means: nothing is retried here)."""
    sqs = client("sqs")
    failed: list[str] = []
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        entries = [
            {
                "Id": str(n),
                "MessageBody": body,
                "MessageAttributes": {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
            }
            for n, (_, body, attributes) in enumerate(chunk)
        ]
        reply = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        failed.extend(chunk[int(f["Id"])][0] for f in reply.get("Failed", []))
    return failed
