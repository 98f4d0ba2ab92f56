"""Sending store events to the entity queues."""

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
