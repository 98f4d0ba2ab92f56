"""The jobs' DynamoDB and SQS adapters against moto in server mode: the job state (versioned), the
run lease, the reverse lookup through the mapping table's by-xero-id index, batched sends."""

import pytest

from tests.integration.conftest import boto, mappings_table
from xerosync.aws import queues
from xerosync.aws.jobstate import DynamoJobState, DynamoReverseLookup, StateConflict
from xerosync.aws.mappings import DynamoMappings
from xerosync.sync.ports import Mapping

pytestmark = pytest.mark.integration


def test_job_state_is_versioned_so_overlapping_runs_never_overwrite_silently(endpoint: str) -> None:
    mappings_table(endpoint, "jobs-a")
    states = DynamoJobState("jobs-a")
    assert states.load("reconcile") == ({}, 0)
    version = states.save("reconcile", {"watermark": "2026-11-21T09:00:00"}, 0)
    state, read = states.load("reconcile")
    assert (state, read) == ({"watermark": "2026-11-21T09:00:00"}, version)
    states.save("reconcile", {"watermark": "2026-11-21T10:00:00"}, read)
    with pytest.raises(StateConflict):
        states.save("reconcile", {"watermark": "2026-11-21T09:30:00"}, read)  # a run that read the old one
    assert states.load("reconcile")[0]["watermark"] == "2026-11-21T10:00:00"
    assert DynamoMappings("jobs-a").scan() == []  # job state is never mistaken for a mapping


def test_one_run_at_a_time_holds_the_lease(endpoint: str) -> None:
    mappings_table(endpoint, "jobs-b")
    states = DynamoJobState("jobs-b")
    assert states.acquire("reconcile", "run-1", 300)
    assert not states.acquire("reconcile", "run-2", 300)
    states.release("reconcile", "run-2")  # not its lease: nothing happens
    assert not states.acquire("reconcile", "run-2", 300)
    states.release("reconcile", "run-1")
    assert states.acquire("reconcile", "run-2", 300)
    assert DynamoJobState("jobs-b").acquire("pull", "run-3", 300)  # each job its own lease


def test_the_reverse_lookup_finds_the_order_of_an_invoice(endpoint: str) -> None:
    mappings_table(endpoint, "jobs-c")
    mappings = DynamoMappings("jobs-c")
    mappings.put(Mapping("order:1001", "inv-1", xero_number="WC-1001"))
    mappings.put(Mapping("order:1001#issue2", "inv-1", xero_number="WC-1001-2"))
    mappings.put(Mapping("payment:1001", "pay-1"))
    lookup = DynamoReverseLookup("jobs-c")
    assert lookup.record_of("inv-1") == "order:1001"
    assert lookup.record_of("pay-1") == "payment:1001"
    assert lookup.record_of("nobody") is None


def test_a_batch_send_sends_ten_at_a_time(endpoint: str) -> None:
    sqs = boto("sqs", endpoint)
    url = sqs.create_queue(QueueName="orders-batch")["QueueUrl"]
    messages = [(f"order:{n}", f'{{"n": {n}}}', {"record": f"order:{n}"}) for n in range(23)]
    assert queues.send_batch(url, messages) == []
    got = 0
    while reply := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        got += len(reply)
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(reply)]
        )
    assert got == 23
