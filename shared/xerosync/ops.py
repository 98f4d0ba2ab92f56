"""What the operator's commands do to a running stack (AWS calls through xerosync.aws)."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xerosync.aws import client
from xerosync.aws.stack import QUEUES, Stack
from xerosync.aws.synclog import DynamoSyncLog, LogEntry


def log_entries(stack: Stack, *, record: str | None, since: datetime, until: datetime) -> list[LogEntry]:
    journal = DynamoSyncLog(stack.resources["SyncLogTable"])
    if record:
        return [e for e in journal.by_record(record) if since.isoformat() <= e.at <= until.isoformat()]
    return journal.between(since, until)


@dataclass
class Redrive:
    queue: str
    moved: int = 0
    kept: int = 0


def retry(stack: Stack, *, queue: str | None = None, record: str | None = None, limit: int = 10_000) -> list[Redrive]:
    """Send dead-lettered messages back to their queues (all, one queue's, or one record's)."""
    sqs = client("sqs")
    results = []
    for name, (source, dead) in QUEUES.items():
        if (queue and queue != name) or dead not in stack.resources:
            continue
        result = Redrive(name)
        seen: set[str] = set()
        while result.moved + result.kept < limit:
            reply = sqs.receive_message(
                QueueUrl=stack.resources[dead],
                MaxNumberOfMessages=10,
                VisibilityTimeout=60,
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            messages: list[dict[str, Any]] = reply.get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh:
                break
            for message in fresh:
                seen.add(message["MessageId"])
                key = _record_of(message)
                if record and key != record:
                    result.kept += 1
                    continue
                sqs.send_message(
                    QueueUrl=stack.resources[source],
                    MessageBody=message["Body"],
                    MessageAttributes={
                        "record": {"DataType": "String", "StringValue": key or "unknown"},
                        # the handler reads the settings afresh for it (xerosync.handlers.SQSRecord.retried)
                        "retry": {"DataType": "String", "StringValue": "1"},
                    },
                )
                sqs.delete_message(QueueUrl=stack.resources[dead], ReceiptHandle=message["ReceiptHandle"])
                result.moved += 1
        results.append(result)
    return results


def _record_of(message: dict[str, Any]) -> str:
    attribute = (message.get("MessageAttributes") or {}).get("record", {})
    if attribute.get("StringValue"):
        return str(attribute["StringValue"])
    try:
        body = json.loads(message["Body"])
        return f"{body['resource']}:{body['id']}"
    except (ValueError, KeyError, TypeError):
        return ""


def queue_depths(stack: Stack) -> dict[str, dict[str, int]]:
    sqs = client("sqs")
    depths: dict[str, dict[str, int]] = {}
    for name, (source, dead) in QUEUES.items():
        row = {}
        for label, logical in (("waiting", source), ("dead", dead)):
            if logical not in stack.resources:
                continue
            attrs = sqs.get_queue_attributes(
                QueueUrl=stack.resources[logical],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            row[label] = int(attrs["ApproximateNumberOfMessages"])
            if label == "waiting":
                row["in flight"] = int(attrs["ApproximateNumberOfMessagesNotVisible"])
        depths[name] = row
    return depths


ALARM_SUFFIX = "Alarm"  # template.yaml: every alarm's logical id ends so, a queue's begins with the queue's


def alarm_states(stack: Stack) -> dict[str, str]:
    """The state of each of the stack's alarms by logical id (OK, ALARM, INSUFFICIENT_DATA; "missing"
    when CloudWatch does not have it)."""
    names = {k: v for k, v in stack.resources.items() if k.endswith(ALARM_SUFFIX) and v}
    states: dict[str, str] = {}
    cloudwatch = client("cloudwatch")
    wanted = sorted(names.values())
    for i in range(0, len(wanted), 100):  # DescribeAlarms takes up to 100 names
        for alarm in cloudwatch.describe_alarms(AlarmNames=wanted[i : i + 100])["MetricAlarms"]:
            states[alarm["AlarmName"]] = alarm["StateValue"]
    return {logical: states.get(name, "missing") for logical, name in sorted(names.items())}


def queue_alarms(states: dict[str, str]) -> dict[str, dict[str, str]]:
    """The alarms of each queue (its dead letters, the age of its oldest record), by queue name."""
    by_queue: dict[str, dict[str, str]] = {}
    for name, (source, dead) in QUEUES.items():
        by_queue[name] = {k: v for k, v in states.items() if k.startswith((source, dead))}
    return by_queue
