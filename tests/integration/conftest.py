"""Integration fixtures: moto in server mode, reached over HTTP through AWS_ENDPOINT_URL."""

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.stack import free_port
from xerosync import aws
from xerosync.aws import secrets
from xerosync.xero.batching import BatchingXero


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from local.moto_ext import start_moto

    port = free_port()
    server = start_moto(port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def endpoint(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    aws.reset()
    secrets.clear_cache()
    yield moto_endpoint
    aws.reset()


def boto(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def mappings_table(endpoint: str, name: str) -> str:
    """The MappingsTable of template.yaml, its by-xero-id index included."""
    boto("dynamodb", endpoint).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "xero_id", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-xero-id",
                "KeySchema": [{"AttributeName": "xero_id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def run_workers(facade: BatchingXero, work: list[Any]) -> list[Any]:
    """Run each of ``work`` in its own record worker of ``facade``; each one's answer or exception."""
    results: list[Any] = [None] * len(work)

    def worker(i: int) -> None:
        with facade.worker():
            try:
                results[i] = work[i]()
            except Exception as exc:
                results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
