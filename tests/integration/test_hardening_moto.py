"""Issue 19's code items against moto in server mode, whose SQS keeps SQS's size limits (1 MiB
a message, 1 MiB a SendMessageBatch request: moto 5.2.5 ``MAXIMUM_MESSAGE_LENGTH``) and whose
DynamoDB refuses an item over 400 KB:

* 3: large records - a few hundred KB through the real ingress, over 1 MiB as a reference the sync
  reads back from the store; ten 110 KB messages in one reconciliation; a large payload in the
  sync log;
* 4: one bad message does not fail its batch-mates; invalid settings are said once;
* 5: a rotated Xero secret reaches a warm container.
"""

import importlib
import json
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

from local.woo import sign
from tests.conftest import EVENTS, ROOT, load_event
from tests.fake_woo_rest import FakeRest, woo_store
from tests.fakes import InMemoryMappings
from tests.integration.conftest import boto, mappings_table
from tests.unit.test_ingress_handler import Context
from xerosync import handlers, wiring
from xerosync.aws import parameters, queues, secrets
from xerosync.aws.jobstate import DynamoJobState
from xerosync.aws.synclog import DynamoSyncLog
from xerosync.config import StoreSettings
from xerosync.domain import SaleChanged, SaleGone
from xerosync.environment import Environment, current
from xerosync.events import parse_envelope
from xerosync.jobs import RECONCILE, Job, reconcile_job
from xerosync.sync.base import Outcome
from xerosync.xero.payloads import MappingError

ORDER = json.loads((EVENTS / "woocommerce" / "order-1001.json").read_text())
SECRET = "whsec-test"


def order(order_id: int, lines: int, modified: str = "2026-11-21T10:00:00") -> dict[str, Any]:
    """The sample order with ``lines`` line items (about 550 bytes each)."""
    line = ORDER["line_items"][0]
    items = [{**line, "id": n + 1, "name": f"Item {n} " + "x" * 200} for n in range(lines)]
    return {**ORDER, "id": order_id, "number": str(order_id), "date_modified_gmt": modified, "line_items": items}


def queue(endpoint: str, name: str) -> str:
    return str(boto("sqs", endpoint).create_queue(QueueName=name)["QueueUrl"])


def drain(endpoint: str, url: str) -> list[dict[str, Any]]:
    sqs, got = boto("sqs", endpoint), []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"]
    ).get("Messages", []):
        got += batch
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
        )
    return got


# --- item 3 ---------------------------------------------------------------------------------------
def test_ten_messages_of_110_kb_go_in_the_requests_sqs_takes(endpoint: str) -> None:
    url = queue(endpoint, "orders-110kb")
    messages = [(f"order:{n}", json.dumps({"n": n, "pad": "x" * 110_000}), {"record": f"order:{n}"}) for n in range(10)]
    assert queues.send_batch(url, messages) == []  # one request of ten was 1.1 MB: BatchRequestTooLong
    assert sorted(json.loads(m["Body"])["n"] for m in drain(endpoint, url)) == list(range(10))


def test_a_message_sqs_cannot_take_costs_only_itself(endpoint: str) -> None:
    url = queue(endpoint, "orders-one-too-large")
    messages = [
        ("a", "small a", {"record": "a"}),
        ("huge", "x" * 1_048_577, {"record": "huge"}),
        ("b", "small b", {"record": "b"}),
    ]
    assert queues.send_batch(url, messages) == ["huge"]
    assert sorted(m["Body"] for m in drain(endpoint, url)) == ["small a", "small b"]


@pytest.fixture
def job(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Job, FakeRest, str]]:
    table = mappings_table(endpoint, "mappings-large")
    parameters.put_parameter("/xerosync/large/settings", "reconcile: {webhooks: false, drift: false}")
    url = queue(endpoint, "orders-reconcile-large")
    env = Environment.from_env(
        {"MAPPINGS_TABLE": table, "SETTINGS_PARAMETER": "/xerosync/large/settings", "ORDERS_QUEUE_URL": url}
    )
    rest = FakeRest()
    running = Job(env)
    running.__dict__["store"] = woo_store(rest)
    yield running, rest, url


def test_the_reconciliation_enqueues_large_orders_and_saves_its_watermark_past_them(
    job: tuple[Job, FakeRest, str], endpoint: str
) -> None:
    running, rest, url = job
    rest.data["orders"] = [order(n, 200, f"2026-11-21T10:00:{n:02d}") for n in range(1, 13)]  # ~110 KB each
    rest.data["orders"].append(order(99, 2200, "2026-11-21T10:01:00"))  # over 1 MiB
    states = DynamoJobState(running.environment.mappings_table)
    states.save(RECONCILE, {"watermark": "2026-11-21T09:00:00", "installed_at": "2026-11-01T00:00:00"}, 0)

    report = reconcile_job(running, now=datetime(2026, 11, 21, 11, 0, tzinfo=UTC))

    assert report is not None and report.not_sent == [] and report.errors == []
    assert len(report.enqueued) == 13
    state, _ = states.load(RECONCILE)
    assert state["watermark"] >= "2026-11-21T10:01:00"  # past everything it enqueued
    bodies = [parse_envelope(m["Body"]) for m in drain(endpoint, url)]
    assert len(bodies) == 13
    [reference] = [b for b in bodies if b.by_reference]
    assert reference.id == "99" and reference.payload == ""
    # the sync function reads the record the reference stands for from the store, through the port
    ctx = wiring.SyncContext(StoreSettings(), xero=None, mappings=InMemoryMappings(), store=running.store)  # type: ignore[arg-type]  # no Xero call
    command = handlers.store_command(SaleChanged, SaleGone)(reference, ctx)
    assert isinstance(command, SaleChanged) and len(command.sale.lines) >= 2200


@pytest.fixture
def ingress(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ModuleType, str]]:
    url = queue(endpoint, "orders-ingress-large")
    for name in ("ORDERS_QUEUE_URL", "CONTACTS_QUEUE_URL", "ITEMS_QUEUE_URL"):
        monkeypatch.setenv(name, url)
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook")
    monkeypatch.syspath_prepend(str(ROOT / "functions" / "ingress"))
    sys.modules.pop("app", None)
    app = importlib.import_module("app")
    monkeypatch.setattr(app.secrets, "get_secret_string", lambda arn: SECRET)
    yield app, url
    sys.modules.pop("app", None)


def post(app: ModuleType, body: bytes, topic: str = "order.updated") -> int:
    event = load_event("ingress", "order-created-1001.json")
    event["headers"].update({"x-wc-webhook-topic": topic, "x-wc-webhook-signature": sign(body, SECRET)})
    event["body"], event["isBase64Encoded"] = body.decode(), False
    return int(app.lambda_handler(event, Context())["statusCode"])


def test_large_orders_through_the_real_ingress_reach_sqs(ingress: tuple[ModuleType, str], endpoint: str) -> None:
    app, url = ingress
    few_hundred_kb = json.dumps(order(1001, 700)).encode()
    over_the_limit = json.dumps(order(1002, 2200)).encode()
    assert 300_000 < len(few_hundred_kb) < 1_000_000 < 1_048_576 < len(over_the_limit)
    assert post(app, few_hundred_kb) == 202
    assert post(app, over_the_limit) == 202  # a 500 today: SQS refuses a message over 1 MiB
    events = {e.id: e for e in (parse_envelope(m["Body"]) for m in drain(endpoint, url))}
    assert events["1001"].payload == few_hundred_kb.decode() and not events["1001"].by_reference
    assert events["1002"].by_reference and events["1002"].payload == ""


# --- the sync function, in process: its idempotency table, DLQ and sync log in moto ------------------
@pytest.fixture
def sync_function(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A sync function over a fake use case (it records the commands it is given), with its own
    tables and queues in moto (the server lives for the session: fresh names each test)."""
    run = uuid.uuid4().hex[:8]
    ddb = boto("dynamodb", endpoint)
    ddb.create_table(
        TableName=f"idempotency-hardening-{run}",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.create_table(
        TableName=f"synclog-hardening-{run}",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dlq = queue(endpoint, f"orders-dlq-hardening-{run}")
    monkeypatch.setenv("IDEMPOTENCY_TABLE", f"idempotency-hardening-{run}")
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", dlq)
    journal = DynamoSyncLog(f"synclog-hardening-{run}")
    monkeypatch.setattr(handlers, "sync_log", lambda: journal)
    rest = FakeRest()
    applied: list[Any] = []

    def use_case(command: Any, ctx: Any) -> Outcome:
        key = command.sale.key if isinstance(command, SaleChanged) else command.key
        if isinstance(command, SaleChanged) and command.sale.id == "1500":
            raise MappingError("no account for this line")  # a permanent failure: parked, its payload logged
        applied.append(key)
        return Outcome("created", key, "X-" + key)

    context = wiring.SyncContext(
        StoreSettings(),
        xero=None,  # type: ignore[arg-type]  # the use case here calls no Xero
        mappings=InMemoryMappings(),
        store=woo_store(rest),
        batching=False,
    )
    monkeypatch.setattr(handlers, "sync_context", lambda: context)
    handler = handlers.sqs_sync_handler(use_case, handlers.store_command(SaleChanged, SaleGone))
    yield {"handler": handler, "applied": applied, "dlq": dlq, "journal": journal, "rest": rest}


def envelope(record_id: Any, modified: Any = "2026-11-21T10:00:00", payload: str | None = None, **more: Any) -> str:
    body = payload if payload is not None else json.dumps(order(int(record_id) if str(record_id).isdigit() else 1, 1))
    return json.dumps(
        {
            "v": 1,
            "source": "woocommerce",
            "store": "https://shop.example/",
            "topic": "order.updated",
            "resource": "order",
            "event": "updated",
            "id": record_id,
            "modified": modified,
            "sha256": f"sha-{record_id}-{modified}-{len(body)}",
            "payload": body,
            **more,
        }
    )


def sqs_event(bodies: list[str]) -> dict[str, Any]:
    arn = "arn:aws:sqs:us-east-1:123456789012:orders-hardening"
    return {
        "Records": [
            {
                "messageId": f"m{n}",
                "receiptHandle": f"handle-{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


def received_event(sqs: Any, url: str, got: dict[str, Any]) -> dict[str, Any]:
    """The event Lambda's SQS poller makes of messages it received (their real receipt handles)."""
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            }
            for m in got["Messages"]
        ]
    }


def test_one_bad_message_does_not_fail_its_batch_mates(sync_function: dict[str, Any], endpoint: str) -> None:
    bodies = [
        envelope("1001"),
        envelope("1002", modified=1.5),  # a float where a time should be: DynamoDB refuses floats
        envelope("1002", modified="2026-11-21T11:00:00"),
        envelope({"id": 7}),  # an id that is an object
        envelope("1003", payload=None, by_reference=False) + "",
    ]
    bodies[4] = bodies[4].replace('"payload":', '"payload": null, "was":')  # a payload that is not text
    result = sync_function["handler"](sqs_event(bodies), Context())

    assert result == {"batchItemFailures": []}  # the bad ones are parked, not retried 30 times
    assert sorted(sync_function["applied"]) == ["order:1001", "order:1002"]
    parked = drain(endpoint, sync_function["dlq"])
    reasons = sorted(m["MessageAttributes"]["reason"]["StringValue"] for m in parked)
    assert len(parked) == 3
    assert any("modified" in r for r in reasons) and any("id" in r for r in reasons)
    assert any("payload" in r for r in reasons)


def test_a_large_payload_that_fails_is_parked_and_logged_truncated(
    sync_function: dict[str, Any], endpoint: str
) -> None:
    body = json.dumps(order(1500, 900))  # about 500 KB: over a DynamoDB item's 400 KB
    result = sync_function["handler"](sqs_event([envelope("1500", payload=body)]), Context())
    assert result == {"batchItemFailures": []}
    [parked] = drain(endpoint, sync_function["dlq"])
    assert "no account" in parked["MessageAttributes"]["reason"]["StringValue"]
    [entry] = sync_function["journal"].by_record("order:1500")
    assert entry.outcome == "failed" and "truncated" in entry.payload and len(entry.payload) < 110_000


def test_an_order_sent_by_reference_is_read_from_the_store(sync_function: dict[str, Any]) -> None:
    sync_function["rest"].data["orders"] = [order(1600, 3)]
    reference = json.loads(envelope("1600"))
    reference.update(payload=None, by_reference=True)
    result = sync_function["handler"](sqs_event([json.dumps(reference)]), Context())
    assert result == {"batchItemFailures": []} and sync_function["applied"] == ["order:1600"]
    assert sync_function["rest"].calls == ["orders/1600"]


def test_the_same_body_under_another_event_kind_is_not_a_duplicate(sync_function: dict[str, Any]) -> None:
    updated = envelope("1700")
    created = json.dumps({**json.loads(updated), "event": "created", "topic": "order.created"})
    assert created != updated
    for body in (updated, created, updated):
        sync_function["handler"](sqs_event([body]), Context())
    assert sync_function["applied"] == ["order:1700", "order:1700"]  # the third is the first's duplicate


def test_invalid_settings_are_said_once_and_the_records_wait(
    endpoint: str, monkeypatch: pytest.MonkeyPatch, sync_function: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    parameters.put_parameter("/xerosync/hardening/settings", "tax: {rates: 5}\nsync: nonsense")
    monkeypatch.setenv("SETTINGS_PARAMETER", "/xerosync/hardening/settings")
    current.cache_clear()  # the container's environment, read again with it
    monkeypatch.setattr(wiring, "_settings_cache", None)
    monkeypatch.setattr(handlers, "sync_context", wiring.sync_context)  # the real one: it reads the settings
    url = queue(endpoint, "orders-settings")
    sqs = boto("sqs", endpoint)
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=envelope(str(2000 + n)))
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=1, AttributeNames=["All"])
    event = received_event(sqs, url, got)
    capsys.readouterr()
    result = sync_function["handler"](event, Context())

    failed = sorted(f["itemIdentifier"] for f in result["batchItemFailures"])
    assert failed == sorted(m["MessageId"] for m in got["Messages"])
    [entry] = sync_function["journal"].by_record("settings")  # one entry, not one per record
    assert entry.outcome == "failed" and "3 record(s) wait" in entry.reason and "SSM parameter" in entry.reason
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(m.get("settings_invalid") == [1.0] or m.get("settings_invalid") == 1.0 for m in metrics)
    import time

    time.sleep(1.5)  # past the receive's visibility timeout: they wait 15 minutes instead
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
    assert sync_function["applied"] == []


# --- item 5 ---------------------------------------------------------------------------------------
def test_a_rotated_xero_secret_reaches_a_warm_container(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sm = boto("secretsmanager", endpoint)
    arn = sm.create_secret(Name="xero-rotate", SecretString=json.dumps({"client_id": "c1", "client_secret": "old"}))[
        "ARN"
    ]
    monkeypatch.setenv("XERO_CREDENTIALS_SECRET_ARN", arn)
    monkeypatch.setattr(wiring, "_xero_cache", None, raising=False)
    getattr(wiring._xero, "cache_clear", lambda: None)()
    first = wiring._xero()
    assert first.credentials.client_secret == "old"
    assert wiring._xero() is first  # kept while nothing changed

    sm.put_secret_value(SecretId=arn, SecretString=json.dumps({"client_id": "c1", "client_secret": "new"}))
    for key, (at, value) in list(secrets._cache.items()):  # five minutes later: the secrets cache is stale
        secrets._cache[key] = (at - secrets.CACHE_SECONDS - 1, value)
    rotated = wiring._xero()
    assert rotated is not first and rotated.credentials.client_secret == "new"

    reconnected = {"client_id": "c1", "client_secret": "new", "refresh_token": "rt-2", "tenant_id": "t-2"}
    sm.put_secret_value(SecretId=arn, SecretString=json.dumps(reconnected))
    secrets.clear_cache()
    assert wiring._xero().credentials.tenant_id == "t-2"


def test_a_record_failing_outside_its_use_case_comes_back_soon(
    endpoint: str, monkeypatch: pytest.MonkeyPatch, sync_function: dict[str, Any]
) -> None:
    """The record was applied, then the sync log's write failed (DynamoDB did not answer): the
    record fails alone and is back on its queue after UNKNOWN_RETRY_SECONDS, not after the
    queue's whole visibility timeout (10 minutes in the bench, where this was seen)."""
    journal = sync_function["journal"]

    class Unanswered:
        def write(self, entry: Any) -> None:
            if entry.outcome == "applied":
                raise ConnectionError("Connect timeout on endpoint URL")
            journal.write(entry)

        def __getattr__(self, name: str) -> Any:
            return getattr(journal, name)

    monkeypatch.setattr(handlers, "sync_log", lambda: Unanswered())
    monkeypatch.setenv("XEROSYNC_TIME_SCALE", "60")  # 30 s of the sync's clock: half a second here
    url = queue(endpoint, "orders-unanswered")
    sqs = boto("sqs", endpoint)
    sqs.send_message(QueueUrl=url, MessageBody=envelope("2100"))
    sqs.send_message(QueueUrl=url, MessageBody=envelope("2101", payload=json.dumps(order(2101, 1))))
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600, AttributeNames=["All"])
    event = received_event(sqs, url, got)
    result = sync_function["handler"](event, Context())

    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == sorted(
        m["MessageId"] for m in got["Messages"]
    )
    import time

    time.sleep(1.5)
    back = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert sorted(json.loads(m["Body"])["id"] for m in back) == ["2100", "2101"]
