"""The privacy ports' AWS side (xerosync.aws: synclog, mappings, deadletters, jobstate) against moto
in server mode, over HTTP via AWS_ENDPOINT_URL."""

import json

from tests.integration.conftest import boto, mappings_table
from xerosync.aws.deadletters import SqsDeadLetters
from xerosync.aws.jobstate import DynamoSyncSwitch
from xerosync.aws.mappings import DynamoMappings
from xerosync.aws.synclog import DynamoSyncLog
from xerosync.sync.ports import LogEntry, Mapping, Stopped, Subject

EMAIL = "Jane@Example.org"


def sync_log_table(endpoint: str, name: str) -> str:
    """The SyncLogTable of template.yaml (its by-day index included)."""
    boto("dynamodb", endpoint).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "day", "at")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-day",
                "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def test_the_sync_log_finds_a_customers_entries_by_record_and_by_text_and_rewrites_them_in_place(
    endpoint: str,
) -> None:
    log = DynamoSyncLog(sync_log_table(endpoint, "log-privacy"), retention_days=30)
    entries = [
        LogEntry("customer:7", "applied", action="created", at="2026-05-01T00:00:01"),
        LogEntry(
            "order:1",
            "failed",
            reason="refused",
            payload=json.dumps({"email": EMAIL.lower()}),
            event="e" * 64,
            at="2026-05-01T00:00:02",
        ),
        LogEntry("order:2", "applied", reason=f"matched {EMAIL.upper()}", at="2026-05-01T00:00:03"),
        LogEntry(f"guest:{EMAIL.lower()}", "applied", at="2026-05-01T00:00:04"),
        LogEntry("order:3", "failed", payload=json.dumps({"email": "someone@else.org"}), at="2026-05-01T00:00:05"),
        LogEntry("order:4", "applied", at="2026-05-01T00:00:06"),
    ]
    for entry in entries:
        log.write(entry)
    subject = Subject(keys=frozenset({"customer:7"}), texts=(EMAIL,))

    found = log.holding(subject)
    assert [e.key for e in found] == ["customer:7", "order:1", "order:2", f"guest:{EMAIL.lower()}"]

    table = boto("dynamodb", endpoint)
    sk = f"{entries[1].at}#{'e' * 12}#failed"
    before = table.get_item(TableName="log-privacy", Key={"pk": {"S": "record#order:1"}, "sk": {"S": sk}})["Item"]
    log.rewrite(entries[1], LogEntry("order:1", "failed", reason="[redacted]", event="e" * 64, at=entries[1].at))
    after = table.get_item(TableName="log-privacy", Key={"pk": {"S": "record#order:1"}, "sk": {"S": sk}})["Item"]
    assert "payload" not in after and after["reason"]["S"] == "[redacted]"
    assert after["expires_at"] == before["expires_at"]  # a redaction never extends the retention

    log.rewrite(entries[3], LogEntry("guest:[redacted]", "applied", at=entries[3].at))  # a new key: moved
    assert log.by_record(f"guest:{EMAIL.lower()}") == [] and len(log.by_record("guest:[redacted]")) == 1
    log.rewrite(entries[2], None)
    assert log.by_record("order:2") == []
    assert [e.key for e in log.holding(subject)] == ["customer:7"]  # its own record: found by key still


def test_the_mapping_table_forgets_every_item_of_a_key_and_lists_the_personal_ones(endpoint: str) -> None:
    mappings = DynamoMappings(mappings_table(endpoint, "mappings-privacy"))
    mappings.put(Mapping("guest:jane@example.org", "c-1"))
    mappings.lock("guest:jane@example.org", "t")
    mappings.put(Mapping("customer:7", "c-2"))
    mappings.put(Mapping("order:1", "inv-1"))
    assert mappings.personal_keys() == ["guest:jane@example.org"]

    assert mappings.forget("guest:jane@example.org") is True
    items = boto("dynamodb", endpoint).scan(TableName="mappings-privacy")["Items"]
    assert {i["pk"]["S"] for i in items} == {"customer:7", "order:1"}  # the lock went too
    assert mappings.forget("guest:jane@example.org") is False
    assert mappings.personal_keys() == []


def test_dead_letters_of_the_customer_are_deleted_and_the_rest_shown_again_at_once(endpoint: str) -> None:
    sqs = boto("sqs", endpoint)
    urls = [sqs.create_queue(QueueName=f"privacy-dlq-{n}")["QueueUrl"] for n in range(2)]
    for n in range(13):
        body = json.dumps(
            {"resource": "order", "id": str(n), "payload": json.dumps({"email": EMAIL if n % 4 == 0 else "x@y.z"})}
        )
        sqs.send_message(QueueUrl=urls[n % 2], MessageBody=body)
    sqs.send_message(
        QueueUrl=urls[1],
        MessageBody="{}",
        MessageAttributes={"record": {"DataType": "String", "StringValue": "customer:7"}},
    )
    subject = Subject(keys=frozenset({"customer:7"}), texts=(EMAIL.lower(),))

    sweep = SqsDeadLetters(urls).remove(lambda key, body: subject.owns(key) or subject.quotes(body))
    assert sorted(sweep.removed) == ["customer:7", "order:0", "order:12", "order:4", "order:8"]
    assert sweep.kept == 9 and sweep.complete
    limited = SqsDeadLetters(urls, limit=3).remove(lambda key, body: False)
    assert not limited.complete and limited.kept == 3
    left: set[str] = set()
    for url in urls:  # visible again now, not after the sweep's hiding time
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages"):
            left.update(m["MessageId"] for m in batch)
    assert len(left) == 9


def test_the_stop_flag_persists_keeps_the_first_stop_and_resume_ends_it(endpoint: str) -> None:
    switch = DynamoSyncSwitch(mappings_table(endpoint, "mappings-switch"))
    assert switch.stopped() is None and switch.resume() is None
    first = Stopped("the app was uninstalled in the store", "2026-05-01T00:00:00+00:00", "privacy:u-1")
    switch.stop(first)
    switch.stop(Stopped("the shop asked to be erased", "2026-05-03T00:00:00+00:00", "privacy:s-1"))
    assert DynamoSyncSwitch("mappings-switch").stopped() == first  # another process sees it
    assert switch.resume() == first
    assert switch.stopped() is None and switch.last_stop() == first
