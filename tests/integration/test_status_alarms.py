"""`xerosync status` shows each queue's alarms beside its depths, and the stack's other alarms
that fire (issue 19, item 12): CloudWatch on moto, the alarms named as the stack names them."""

import io
from typing import Any

import boto3
from rich.console import Console

from xerosync.aws.stack import QUEUES, Stack
from xerosync.cli import status_lines
from xerosync.ops import alarm_states, queue_alarms


def alarm(cloudwatch: Any, name: str, state: str) -> str:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Statistic="Maximum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")
    return name


def stack_with_alarms(endpoint: str) -> Stack:
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1")
    resources = {}
    for source, dead in QUEUES.values():
        for logical in (source, dead):
            resources[logical] = sqs.create_queue(QueueName=f"status-{logical}")["QueueUrl"]
    resources["OrdersDLQAlarm"] = alarm(cloudwatch, "store-a-OrdersDLQAlarm-X1", "ALARM")
    resources["OrdersQueueAgeAlarm"] = alarm(cloudwatch, "store-a-OrdersQueueAgeAlarm-X2", "OK")
    resources["ItemsDLQAlarm"] = alarm(cloudwatch, "store-a-ItemsDLQAlarm-X3", "OK")
    resources["XeroConnectionAlarm"] = alarm(cloudwatch, "store-a-XeroConnectionAlarm-X4", "ALARM")
    resources["PullErrorsAlarm"] = alarm(cloudwatch, "store-a-PullErrorsAlarm-X5", "OK")
    resources["ReconcileErrorsAlarm"] = "store-a-ReconcileErrorsAlarm-gone"  # deleted by hand
    return Stack("store-a", resources, {})


def test_alarm_states_by_queue(endpoint: str) -> None:
    states = alarm_states(stack_with_alarms(endpoint))
    assert states["OrdersDLQAlarm"] == "ALARM" and states["ReconcileErrorsAlarm"] == "missing"
    by_queue = queue_alarms(states)
    assert by_queue["orders"] == {"OrdersDLQAlarm": "ALARM", "OrdersQueueAgeAlarm": "OK"}
    assert by_queue["items"] == {"ItemsDLQAlarm": "OK"} and by_queue["contacts"] == {}


def test_status_shows_alarms_next_to_the_queues(endpoint: str) -> None:
    out = io.StringIO()
    console = Console(file=out, width=160, color_system=None)
    for line in status_lines(stack_with_alarms(endpoint)):
        console.print(line)
    text = out.getvalue()
    [orders] = [line for line in text.splitlines() if " orders " in line]
    assert "ALARM OrdersDLQ" in orders
    [items] = [line for line in text.splitlines() if " items " in line]
    assert items.rstrip(" │|").endswith("ok")
    assert "other alarms: ALARM XeroConnection" in text and "PullErrors" not in text
