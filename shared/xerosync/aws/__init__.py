"""Everything that calls boto3 lives here (DynamoDB, SQS, Secrets Manager, SSM).

Clients are created once per process and reused across invocations. boto3 reads
``AWS_ENDPOINT_URL`` itself, which is how the local stack points them at moto: no code
here knows whether it runs in AWS.
"""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


@cache
def resource(service: str) -> Any:
    return boto3.resource(service, config=_CONFIG)
