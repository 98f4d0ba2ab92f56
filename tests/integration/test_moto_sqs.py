"""moto's SQS as ``local.moto_ext.speed_up_sqs`` leaves it: the same answers as SQS gives (and
moto gave), without its quadratic corners. Behaviour only; the speed is the bench's business."""

import sys
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import boto

DEPTHS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]


def depths(sqs: Any, url: str) -> list[int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=DEPTHS)["Attributes"]
    return [int(attributes[name]) for name in DEPTHS]


@pytest.fixture
def queue(moto_endpoint: str, request: pytest.FixtureRequest) -> tuple[Any, str]:
    sqs = boto("sqs", moto_endpoint)
    url = sqs.create_queue(QueueName=f"speed-{request.node.name[:60]}", Attributes={"VisibilityTimeout": "60"})[
        "QueueUrl"
    ]
    return sqs, url


def test_counts_receives_and_deletes_answer_as_sqs_does(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    for start in range(0, 30, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"m{start + n}"} for n in range(10)]
        )
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
    assert depths(sqs, url) == [30, 0, 1]

    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 10 and depths(sqs, url) == [20, 10, 1]
    bodies = {m["Body"] for m in got}

    deleted = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)]
    )
    assert len(deleted["Successful"]) == 10 and not deleted.get("Failed")
    assert depths(sqs, url) == [20, 0, 1]
    # deleting again is accepted, as SQS does
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])

    rest = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        rest += batch
    assert len(rest) == 20 and not bodies & {m["Body"] for m in rest}  # deleted ones never come back
    assert depths(sqs, url) == [0, 20, 1]


def test_a_message_made_visible_again_is_received_again_and_an_old_handle_still_deletes_it(
    queue: tuple[Any, str],
) -> None:
    sqs, url = queue
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert second["Body"] == "again" and second["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])  # moto honours earlier handles
    assert depths(sqs, url) == [0, 0, 0]


def test_unknown_handles_and_attribute_names_are_refused(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    with pytest.raises(ClientError) as handle:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert handle.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"
    with pytest.raises(ClientError) as name:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["NoSuchAttribute"])
    assert "InvalidAttributeName" in name.value.response["Error"]["Code"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "60" and attributes["ApproximateNumberOfMessages"] == "0"


def test_messages_past_their_retention_are_not_delivered(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
    sqs.send_message(QueueUrl=url, MessageBody="kept")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["kept"]

    from moto.sqs.models import sqs_backends

    for backend in sqs_backends["123456789012"].values():
        for q in backend.queues.values():
            if q.name == url.rsplit("/", 1)[-1]:
                for message in q._messages:
                    message.sent_timestamp -= 120_000  # sent two minutes ago
                    message.visible_at = 0
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def receive_concurrently(endpoint: str, url: str, receivers: int) -> tuple[list[str], list[str]]:
    """``receivers`` threads, each its own client, receive ten at a time and delete what they
    got until the queue is empty; the bodies received and the errors met."""
    received: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def receiver() -> None:
        sqs = boto("sqs", endpoint)
        try:
            while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                with lock:
                    received.extend(m["Body"] for m in batch)
                result = sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)],
                )
                with lock:
                    errors.extend(f"{f['Code']}: {f.get('Message')}" for f in result.get("Failed", []))
        except Exception as exc:  # a 500 from moto comes back as a ClientError
            with lock:
                errors.append(repr(exc))

    threads = [threading.Thread(target=receiver) for _ in range(receivers)]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # moto's server threads switch often, as under load
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    return received, errors


def test_concurrent_receives_each_get_a_message_once_and_every_delete_lands(
    moto_endpoint: str, queue: tuple[Any, str]
) -> None:
    # Stock moto 5.2.5 fails this (two receives take one message, a receive iterating the
    # pending set while another changes it answers 500 "Set changed size during iteration").
    sqs, url = queue
    bodies = [f"m{n}" for n in range(600)]
    for start in range(0, len(bodies), 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": b} for n, b in enumerate(bodies[start : start + 10])]
        )
    received, errors = receive_concurrently(moto_endpoint, url, receivers=6)
    assert errors == []
    assert sorted(received) == sorted(bodies)  # each once: none lost, none handed to two receives
    assert depths(sqs, url) == [0, 0, 0]


def test_a_long_poll_waits_for_a_message_and_returns_empty_at_its_end(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    threading.Timer(0.5, lambda: sqs.send_message(QueueUrl=url, MessageBody="late")).start()
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
    assert [m["Body"] for m in got] == ["late"] and time.monotonic() - started < 4
    started = time.monotonic()
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
    assert 0.9 <= time.monotonic() - started < 3
