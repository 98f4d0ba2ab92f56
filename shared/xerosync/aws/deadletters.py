"""The dead-letter queues, searched for a privacy request (SQS).

A dead-lettered message is a whole store envelope, the customer's details included, and SQS
cannot edit a message: the customer's messages are deleted; every other message is made visible
again at once, so ``xerosync retry`` finds it as before. Receiving uses long polls (one second):
a short poll samples only some of SQS's servers and can answer "empty" before the queue is.
"""

import json
import time
from collections.abc import Callable
from typing import Any

from xerosync.aws import client
from xerosync.sync.ports import Sweep

RECEIVE_WAIT_SECONDS = 1
HIDE_SECONDS = 120  # a message looked at stays hidden while the sweep runs (then made visible)


class SqsDeadLetters:
    def __init__(self, queue_urls: list[str], *, limit: int = 20_000, seconds: float = 600.0) -> None:
        self.queue_urls = [u for u in queue_urls if u]
        self.limit = limit  # messages looked at, across the queues, before the sweep stops
        self.seconds = seconds  # time the sweep may take (a Lambda's remaining time)

    def remove(self, concerns: Callable[[str, str], bool]) -> Sweep:
        sqs = client("sqs")
        deadline = time.monotonic() + self.seconds
        removed: list[str] = []
        kept = 0
        complete = True
        for url in self.queue_urls:
            seen: set[str] = set()
            held: list[str] = []  # receipt handles of the messages left, to show again
            try:
                while True:
                    if len(removed) + kept >= self.limit or time.monotonic() > deadline:
                        complete = False
                        break
                    messages: list[dict[str, Any]] = sqs.receive_message(
                        QueueUrl=url,
                        MaxNumberOfMessages=10,
                        VisibilityTimeout=HIDE_SECONDS,
                        MessageAttributeNames=["All"],
                        WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
                    ).get("Messages", [])
                    fresh = [m for m in messages if m["MessageId"] not in seen]
                    if not fresh:
                        break
                    for message in fresh:
                        seen.add(message["MessageId"])
                        key = record_of(message)
                        if concerns(key, message["Body"]):
                            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                            removed.append(key)
                        else:
                            kept += 1
                            held.append(message["ReceiptHandle"])
            finally:
                _show(sqs, url, held)
        return Sweep(removed=tuple(removed), kept=kept, complete=complete)


def _show(sqs: Any, url: str, handles: list[str]) -> None:
    for start in range(0, len(handles), 10):
        entries = [
            {"Id": str(n), "ReceiptHandle": h, "VisibilityTimeout": 0}
            for n, h in enumerate(handles[start : start + 10])
        ]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)


def record_of(message: dict[str, Any]) -> str:
    """The store record a message is about (its ``record`` attribute, else its envelope)."""
    attribute = (message.get("MessageAttributes") or {}).get("record", {})
    if attribute.get("StringValue"):
        return str(attribute["StringValue"])
    try:
        body = json.loads(message["Body"])
        return f"{body['resource']}:{body['id']}"
    except (ValueError, KeyError, TypeError):
        return "unknown"
