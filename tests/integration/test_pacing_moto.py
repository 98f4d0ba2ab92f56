"""Adaptive batching in the sync handler, over moto: while the organisation's minute budget is
scarce a small batch of first deliveries goes back on its queue until the next tick (nothing is
applied, nothing lost); when it comes back it is applied; when the minute is quiet nothing waits."""

import time
import uuid
from typing import Any

import pytest

from tests.fakes import InMemoryMappings
from tests.integration.conftest import boto, mappings_table
from tests.integration.test_hardening_moto import envelope
from tests.unit.test_ingress_handler import Context
from xerosync import handlers, wiring
from xerosync.aws.governor import DynamoBudget
from xerosync.aws.synclog import DynamoSyncLog
from xerosync.config import StoreSettings
from xerosync.domain import SaleChanged, SaleGone
from xerosync.sync.base import Outcome
from xerosync.xero import governor as governor_module
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.governor import Governor, Limits
from xerosync.xero.pacing import ARRIVALS_WINDOW, BUSY_FROM, BUSY_TICK, FLOW_SECONDS, TICKS

TENANT = "tenant-pacing"


def received(endpoint: str, url: str, body: str) -> dict[str, Any]:
    """``body`` sent to the queue and received, as Lambda's event source hands it over."""
    sqs = boto("sqs", endpoint)
    sqs.send_message(QueueUrl=url, MessageBody=body)
    [message] = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], VisibilityTimeout=600)["Messages"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": message["Attributes"]["ApproximateReceiveCount"]},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": "us-east-1",
    }


@pytest.fixture
def paced(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    ddb = boto("dynamodb", endpoint)
    ddb.create_table(
        TableName=f"idempotency-pacing-{run}",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.create_table(
        TableName=f"synclog-pacing-{run}",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    monkeypatch.setenv("IDEMPOTENCY_TABLE", f"idempotency-pacing-{run}")
    monkeypatch.setattr(handlers, "sync_log", lambda: DynamoSyncLog(f"synclog-pacing-{run}"))
    governor = Governor(DynamoBudget(mappings_table(endpoint, f"budget-pacing-{run}")), Limits(headroom=0.1))
    xero = XeroClient(XeroCredentials("id", "secret", TENANT), api_url="http://127.0.0.1:9", governor=governor)
    applied: list[str] = []

    def use_case(command: Any, ctx: Any) -> Outcome:
        applied.append(command.sale.key)
        return Outcome("created", command.sale.key, "X-1")

    context = wiring.SyncContext(StoreSettings(), xero=xero, mappings=InMemoryMappings(), store=None, batching=True)
    monkeypatch.setattr(handlers, "sync_context", lambda: context)
    url = str(boto("sqs", endpoint).create_queue(QueueName=f"orders-pacing-{run}")["QueueUrl"])
    other = str(boto("sqs", endpoint).create_queue(QueueName=f"contacts-pacing-{run}")["QueueUrl"])
    handler = handlers.sqs_sync_handler(use_case, handlers.store_command(SaleChanged, SaleGone))
    queue = f"orders-pacing-{run}"
    return {"handler": handler, "applied": applied, "governor": governor, "url": url, "other": other, "queue": queue}


def test_a_small_batch_waits_on_its_queue_while_the_minute_is_scarce_and_is_applied_when_it_returns(
    paced: dict[str, Any], endpoint: str
) -> None:
    for _ in range(52):  # 52 of the 54 usable calls spent in the last minute
        paced["governor"].release(paced["governor"].acquire(TENANT))
    # the queue's other orders of the last 30 s: with this one 16 a minute, some due within the tick
    paced["governor"].arrivals(TENANT, paced["queue"], 7)
    record = received(endpoint, paced["url"], envelope("2001"))
    result = paced["handler"]({"Records": [record]}, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert paced["applied"] == []
    sqs = boto("sqs", endpoint)
    attributes = sqs.get_queue_attributes(QueueUrl=paced["url"], AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"  # held, not lost: back within a tick
    assert not sqs.receive_message(QueueUrl=paced["url"]).get("Messages")  # not before the tick's boundary

    again = {**record, "attributes": {"ApproximateReceiveCount": "2"}}  # held once already: applied now
    assert paced["handler"]({"Records": [again]}, Context()) == {"batchItemFailures": []}
    assert paced["applied"] == ["order:2001"]
    assert max(2 * BUSY_TICK, *TICKS) <= 70  # the longest hold a record can see, in the sync clock's seconds


def test_when_the_minute_is_quiet_a_single_order_goes_at_once(paced: dict[str, Any], endpoint: str) -> None:
    record = received(endpoint, paced["url"], envelope("2002"))
    assert paced["handler"]({"Records": [record]}, Context()) == {"batchItemFailures": []}
    assert paced["applied"] == ["order:2002"]


def test_a_quiet_stores_order_goes_at_once_though_other_apps_spent_the_minute(
    paced: dict[str, Any], endpoint: str
) -> None:
    for _ in range(52):
        paced["governor"].release(paced["governor"].acquire(TENANT))
    record = received(endpoint, paced["url"], envelope("2003"))  # the queue's only order in 30 s: nobody to wait for
    assert paced["handler"]({"Records": [record]}, Context()) == {"batchItemFailures": []}
    assert paced["applied"] == ["order:2003"]


class Clock:
    """The governor's clock (arrivals are logged by the second), moved by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_a_busy_queue_holds_its_small_batches_though_the_minute_is_quiet(
    paced: dict[str, Any], endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(governor_module, "clock_now", clock)
    busy = round(BUSY_FROM * ARRIVALS_WINDOW / 60)  # first deliveries in the window that make a queue busy
    sizes = [2] * ((busy - 1) // 2) + [(busy - 1) % 2]  # together one short of busy, over 10 seconds
    assert len([s for s in sizes if s]) >= FLOW_SECONDS
    next_id = iter(range(3000, 4000))
    for size in [s for s in sizes if s]:
        batch = [received(endpoint, paced["url"], envelope(str(next(next_id)))) for _ in range(size)]
        assert paced["handler"]({"Records": batch}, Context()) == {"batchItemFailures": []}
        clock.now += 1
    assert len(paced["applied"]) == busy - 1  # each applied at once: not busy yet, and no Xero call spent

    elsewhere = received(endpoint, paced["other"], envelope("4001"))  # another queue's arrivals are its own
    assert paced["handler"]({"Records": [elsewhere]}, Context()) == {"batchItemFailures": []}

    record = received(endpoint, paced["url"], envelope("4002"))  # the queue's busy-th first delivery
    result = paced["handler"]({"Records": [record]}, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert "order:4002" not in paced["applied"]
    assert paced["governor"].pressure(TENANT) == 0.0  # held for the arrivals, not for the minute

    returned = {**record, "attributes": {"ApproximateReceiveCount": "2"}}
    mixed = [returned, received(endpoint, paced["url"], envelope("4003"))]
    assert paced["handler"]({"Records": mixed}, Context()) == {"batchItemFailures": []}  # held one among them: now
    assert paced["applied"][-2:] in (["order:4002", "order:4003"], ["order:4003", "order:4002"])


def test_a_pile_delivered_at_once_is_applied_at_once(paced: dict[str, Any], endpoint: str) -> None:
    # twice a busy queue's rate, all in a moment (webhooks a store held back, a reconciliation's
    # window): the event source's window gathered it, and nothing is due to join it
    next_id = iter(range(5000, 6000))
    pile = round(2 * BUSY_FROM * ARRIVALS_WINDOW / 60)
    for size in [10] * (pile // 10):
        batch = [received(endpoint, paced["url"], envelope(str(next(next_id)))) for _ in range(size)]
        assert paced["handler"]({"Records": batch}, Context()) == {"batchItemFailures": []}
    assert len(paced["applied"]) == pile
