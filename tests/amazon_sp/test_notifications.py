"""A settlement report published is announced to the app's SQS queue with the documented
REPORT_PROCESSING_FINISHED body (developer-docs.amazon.com/sp-api/docs/notification-type-values)."""

import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.amazon_sp import AmazonSP, Notifier
from tests.amazon_sp.conftest import NOW, SETTLEMENTS


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from local.moto_ext import start_moto

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = start_moto(port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_a_published_report_notifies_the_queue(moto_url: str) -> None:
    sqs: Any = boto3.client("sqs", endpoint_url=moto_url, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="amazon-notifications")["QueueUrl"]
    sp = AmazonSP(seed=4, base_clock=lambda: NOW, notifier=Notifier(queue_url, moto_url))
    report = sp.settle()
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert body["notificationType"] == "REPORT_PROCESSING_FINISHED"
    assert body["notificationVersion"] == body["payloadVersion"] == "2020-09-04"
    assert set(body["notificationMetadata"]) == {"applicationId", "subscriptionId", "publishTime", "notificationId"}
    assert body["payload"]["reportProcessingFinishedNotification"] == {
        "sellerId": sp.seller_id,
        "accountId": f"amzn1.merchant.o.{sp.seller_id}",
        "reportId": report.id,
        "reportType": SETTLEMENTS,
        "processingStatus": "DONE",
        "reportDocumentId": report.document_id,
    }
