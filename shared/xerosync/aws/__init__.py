"""Everything that calls boto3 lives here (DynamoDB, SQS, Secrets Manager, SSM).

Clients are created once per process and reused across invocations (they are thread-safe);
resources and tables once per thread (they are not, and the sync functions apply a batch's
records in parallel threads). boto3 reads ``AWS_ENDPOINT_URL`` itself, which is how the local
stack points them at moto: no code here knows whether it runs in AWS.
"""

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10, max_pool_connections=60
)
_local = threading.local()


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


def library_client(service: str) -> Any:
    """A client of its own, with botocore's default configuration, for a library that takes the
    client it uses (Powertools' idempotency layer): on the process's boto3 session like
    :func:`client`, so the service models that session has loaded are not loaded again, as a
    session of the library's own would (tens of ms of CPU at each cold start)."""
    return boto3.client(service)


def resource(service: str) -> Any:
    """A boto3 resource for this thread."""
    cached: dict[str, Any] = _local.__dict__.setdefault("resources", {})
    if service not in cached:
        cached[service] = boto3.resource(service, config=_CONFIG)
    return cached[service]


def table(name: str) -> Any:
    """A DynamoDB table for this thread."""
    tables: dict[str, Any] = _local.__dict__.setdefault("tables", {})
    if name not in tables:
        tables[name] = resource("dynamodb").Table(name)
    return tables[name]


def reset() -> None:
    """Forget the clients, resources and tables (tests that change AWS_ENDPOINT_URL call this)."""
    client.cache_clear()
    _local.__dict__.clear()
