"""The boto3 layer (xerosync.aws) against moto in server mode, over HTTP via AWS_ENDPOINT_URL."""

import sys
import threading

import pytest

from tests.integration.conftest import boto, mappings_table
from xerosync.aws import parameters, queues, secrets
from xerosync.aws.mappings import DynamoMappings
from xerosync.sync.ports import Claimed, ClaimHeld, ClaimLost, Mapping


def test_mappings_round_trip(endpoint: str) -> None:
    mappings_table(endpoint, "mappings-a")
    table = DynamoMappings("mappings-a")
    assert table.get("order:1") is None
    mapping = Mapping(
        "order:1",
        "inv-1",
        content_hash="abc",
        xero_number="WC-1",
        source_modified="2026-11-20T00:00:00",
        updated_at="now",
    )
    table.put(mapping)
    assert table.get("order:1") == mapping
    table.put(Mapping("customer:2", "c-2"))
    assert {m.key for m in table.scan()} == {"order:1", "customer:2"}
    assert table.get("customer:2") == Mapping("customer:2", "c-2", content_hash="", updated_at="")


def test_secrets_are_read_and_cached(endpoint: str) -> None:
    sm = boto("secretsmanager", endpoint)
    arn = sm.create_secret(Name="webhook-a", SecretString='{"client_id": "x", "client_secret": "y"}')["ARN"]
    assert secrets.get_secret_json(arn) == {"client_id": "x", "client_secret": "y"}
    sm.put_secret_value(SecretId=arn, SecretString='{"client_id": "rotated", "client_secret": "z"}')
    assert secrets.get_secret_json(arn)["client_id"] == "x"  # cached for a few minutes
    assert secrets.get_secret_json(arn, max_age=0)["client_id"] == "rotated"


def test_queue_send_carries_attributes(endpoint: str) -> None:
    sqs = boto("sqs", endpoint)
    url = sqs.create_queue(QueueName="orders-a")["QueueUrl"]
    queues.send(url, '{"hello": 1}', attributes={"record": "order:1"})
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert message["Body"] == '{"hello": 1}'
    assert message["MessageAttributes"]["record"]["StringValue"] == "order:1"


def test_parameters_round_trip(endpoint: str) -> None:
    parameters.put_parameter("/xerosync/test/settings", "invoice_prefix: X-")
    assert parameters.get_parameter("/xerosync/test/settings") == "invoice_prefix: X-"


def test_each_save_keeps_the_previous_version(endpoint: str) -> None:
    name = "/xerosync/versions/settings"
    assert parameters.get_parameter_version(name) == ("{}", 0) and parameters.history(name) == []
    assert parameters.put_parameter(name, "invoice_prefix: A-") == 1
    assert parameters.put_parameter(name, "invoice_prefix: B-", description="saved by ops@example.com") == 2
    assert parameters.get_parameter_version(name) == ("invoice_prefix: B-", 2)
    newest, previous = parameters.history(name)
    assert (newest.number, newest.value, newest.description) == (2, "invoice_prefix: B-", "saved by ops@example.com")
    assert (previous.number, previous.value) == (1, "invoice_prefix: A-")


def test_creation_claims(endpoint: str) -> None:
    mappings_table(endpoint, "mappings-claims")
    table = DynamoMappings("mappings-claims")
    # the first claim wins; a second worker is told to come back later
    assert table.claim("order:7", "a") == Claimed(first=True)
    with pytest.raises(ClaimHeld):
        table.claim("order:7", "b")
    assert table.get("order:7") is None  # a pending claim is not a mapping
    # only the holder completes it
    with pytest.raises(ClaimLost):
        table.put(Mapping("order:7", "inv-b"), claim="b")
    table.put(Mapping("order:7", "inv-a"), claim="a")
    assert table.get("order:7") == Mapping("order:7", "inv-a")
    # once completed, a claim returns the mapping instead
    assert table.claim("order:7", "c") == Mapping("order:7", "inv-a")


def test_racing_claims_have_one_winner(endpoint: str) -> None:
    """DynamoDB's conditional writes are atomic, and the local moto must be too: unserialised,
    moto lets two of twelve racing claims win in about 4 rounds in 10 (with threads switching
    as often as here), which is a duplicate invoice in production terms."""
    mappings_table(endpoint, "mappings-race")
    table = DynamoMappings("mappings-race")
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # make the interleavings that happen under load happen here
    try:
        for round_ in range(15):
            winners: list[int] = []
            errors: list[BaseException] = []
            start = threading.Barrier(12)

            def claim(
                worker: int, key: str, start: threading.Barrier, winners: list[int], errors: list[BaseException]
            ) -> None:
                start.wait()
                try:
                    table.claim(key, f"worker-{worker}")
                    winners.append(worker)
                except ClaimHeld:
                    pass
                except BaseException as exc:  # reported below, not lost with the thread
                    errors.append(exc)

            threads = [
                threading.Thread(target=claim, args=(n, f"order:{round_}", start, winners, errors)) for n in range(12)
            ]
            for t in threads:
                t.start()
            # No deadline per thread: on a loaded machine (switching every microsecond) a claim can
            # take minutes, and a thread still running would read as "nobody won".
            for t in threads:
                t.join()
            assert not errors, f"round {round_}: claims failed: {errors!r}"
            assert len(winners) == 1, f"round {round_}: claims won by {winners}"
    finally:
        sys.setswitchinterval(switch)


def test_a_claim_left_by_a_crashed_worker_is_taken_over_after_its_lease(endpoint: str) -> None:
    mappings_table(endpoint, "mappings-lease")
    table = DynamoMappings("mappings-lease")
    assert table.claim("customer:9", "crashed") == Claimed(first=True)
    boto("dynamodb", endpoint).update_item(
        TableName="mappings-lease",
        Key={"pk": {"S": "customer:9"}, "sk": {"S": "mapping"}},
        UpdateExpression="SET claimed_until = :past",
        ExpressionAttributeValues={":past": {"N": "1"}},
    )
    # not the first: the crashed worker may have created it, so the next one looks in Xero
    assert table.claim("customer:9", "next") == Claimed(first=False)
    table.put(Mapping("customer:9", "c-9"), claim="next")
    assert table.get("customer:9") == Mapping("customer:9", "c-9")


def test_a_released_claim_is_remembered_as_an_attempt(endpoint: str) -> None:
    mappings_table(endpoint, "mappings-release")
    table = DynamoMappings("mappings-release")
    assert table.claim("order:5", "a") == Claimed(first=True)
    table.release("order:5", "b")  # not its claim: nothing happens
    with pytest.raises(ClaimHeld):
        table.claim("order:5", "b")
    table.release("order:5", "a")  # the create timed out: it may have reached Xero
    assert table.get("order:5") is None
    assert table.claim("order:5", "b") == Claimed(first=False)  # at once, and told to look first
    assert [m.key for m in table.scan()] == []  # an attempt is not a mapping


def test_record_locks(endpoint: str) -> None:
    mappings_table(endpoint, "mappings-locks")
    table = DynamoMappings("mappings-locks")
    table.lock("order:1", "a")
    with pytest.raises(ClaimHeld) as held:
        table.lock("order:1", "b")
    assert 1 <= held.value.retry_after <= 15
    table.unlock("order:1", "b")  # not the holder: nothing happens
    with pytest.raises(ClaimHeld):
        table.lock("order:1", "b")
    table.unlock("order:1", "a")
    table.lock("order:1", "b")
    assert table.get("order:1") is None  # a lock is not a mapping
