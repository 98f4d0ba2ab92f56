"""Everything that calls boto3 lives here (DynamoDB, SQS, Secrets Manager, SSM).

Clients are created once per process and reused across invocations (they are thread-safe, and
the sync functions apply a batch's records in parallel threads). DynamoDB tables are read and
written through the one DynamoDB client, the same one Powertools' idempotency layer uses
(:class:`Table`), not through a boto3 resource per thread: a resource is not thread-safe, and
each one built its own client, loading DynamoDB's model again and the resource model besides,
once per worker thread at a cold start (bench/README.md, "Cold start"). boto3 reads
``AWS_ENDPOINT_URL`` itself, which is how the local stack points them at moto: no code here knows
whether it runs in AWS.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# A connection per record thread (a sync batch applies up to 200 records side by side: handlers'
# MAX_WORKERS). With fewer, a thread beyond the pool opens a connection for its request and
# closes it after (urllib3 discards what the pool cannot keep): on AWS a TLS handshake to
# DynamoDB for every such request; in the 2,000-order bench with 60, about 80 connections a
# second were opened and closed, and the local stack's listen queue ran full (ConnectTimeoutError).
POOL_CONNECTIONS = 200
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=3,
    read_timeout=10,
    max_pool_connections=POOL_CONNECTIONS,
)
_CONDITIONS = ("ConditionExpression", "FilterExpression", "KeyConditionExpression")
_ITEMS = ("Item", "Key", "ExclusiveStartKey")


@cache
def _codec() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """DynamoDB's attribute values from Python values and back, as a ``Table`` resource makes
    them (loaded with the first table call: the ingress never makes one)."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer().serialize, TypeDeserializer().deserialize


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


class Table:
    """A DynamoDB table read and written as a boto3 ``Table`` resource is (Python values in and
    out, conditions from ``boto3.dynamodb.conditions``), on the process's one DynamoDB client:
    thread-safe, so every worker thread shares it. Only the operations xerosync calls."""

    def __init__(self, name: str) -> None:
        self.name = name

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("get_item", kwargs)

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("put_item", kwargs)

    def update_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("update_item", kwargs)

    def delete_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("delete_item", kwargs)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("query", kwargs)

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("scan", kwargs)

    def _call(self, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = _request(kwargs)
        reply: dict[str, Any] = getattr(client("dynamodb"), operation)(TableName=self.name, **params)
        return _reply(reply)


def _request(kwargs: dict[str, Any]) -> dict[str, Any]:
    """What the resource's request handlers do: conditions into expressions, values into
    DynamoDB's attribute values."""
    from boto3.dynamodb.conditions import ConditionBase, ConditionExpressionBuilder

    serialize = _codec()[0]
    params = dict(kwargs)
    builder = None
    for name in _CONDITIONS:
        condition = params.get(name)
        if isinstance(condition, ConditionBase):
            builder = builder or ConditionExpressionBuilder()
            built = builder.build_expression(condition, is_key_condition=name == "KeyConditionExpression")
            params[name] = built.condition_expression
            params["ExpressionAttributeNames"] = {
                **params.get("ExpressionAttributeNames", {}),
                **built.attribute_name_placeholders,
            }
            params["ExpressionAttributeValues"] = {
                **params.get("ExpressionAttributeValues", {}),
                **built.attribute_value_placeholders,
            }
    for name in _ITEMS:
        if name in params:
            params[name] = {k: serialize(v) for k, v in params[name].items()}
    if "ExpressionAttributeValues" in params:
        params["ExpressionAttributeValues"] = {k: serialize(v) for k, v in params["ExpressionAttributeValues"].items()}
    return params


def _reply(reply: dict[str, Any]) -> dict[str, Any]:
    """What the resource's reply handlers do: attribute values back into Python values."""
    deserialize = _codec()[1]
    for name in ("Item", "Attributes", "LastEvaluatedKey"):
        if name in reply:
            reply[name] = {k: deserialize(v) for k, v in reply[name].items()}
    if "Items" in reply:
        reply["Items"] = [{k: deserialize(v) for k, v in item.items()} for item in reply["Items"]]
    return reply


@cache
def table(name: str) -> Table:
    """The DynamoDB table ``name``, shared by every thread of the process."""
    return Table(name)


def reset() -> None:
    """Forget the clients and tables (tests that change AWS_ENDPOINT_URL call this)."""
    client.cache_clear()
    table.cache_clear()
