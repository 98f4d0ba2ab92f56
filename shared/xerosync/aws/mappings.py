"""The mapping table: which Xero record each store record became (DynamoDB).

One item per store record: ``pk`` is the record key (``order:727``, ``customer:12``,
``guest:jane@example.com``), ``sk`` is ``mapping``; beside it, while a worker holds the record,
its lock (``sk`` = ``lock``). A privacy request deletes a person's items (:meth:`DynamoMappings.forget`).

Claims, locks and mappings recorded under a claim are conditional writes, and botocore retries a
request whose answer was lost (a read timeout, a closed connection) after DynamoDB applied it: the
retry's condition then fails on the item its own first try wrote. Each write recognises its own
item in the failed condition's answer (``ReturnValuesOnConditionCheckFailure``) - the claim or
lock carries the writer's token, the mapping is the one it sent - and takes it as done. Before,
such an attempt saw ``ClaimHeld`` from itself and every later delivery of the record met the same
hold until the lease ran out (bench/README.md, "Zoho CRM": two invoices dead-lettered so).
"""

import operator
import time
from dataclasses import asdict
from decimal import Decimal
from functools import reduce
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from xerosync.aws import table
from xerosync.environment import Environment
from xerosync.observability import count, logger
from xerosync.sync.ports import PERSONAL_KEY_PREFIXES, Claimed, ClaimHeld, ClaimLost, Mapping

SK = "mapping"
LOCK_SK = "lock"
PENDING, DONE = "PENDING", "DONE"
# A worker kept waiting comes back after the holder's lease runs out, or this, whichever is
# sooner: soon for a live holder, and few receives (each counts towards the DLQ) for a dead one.
MAX_WAIT_SECONDS = 15.0


def _wait(item: dict[str, Any] | None, now: float) -> float:
    until = float((item or {}).get("claimed_until", now + MAX_WAIT_SECONDS))
    return max(1.0, min(MAX_WAIT_SECONDS, until - now))


class DynamoMappings:
    def __init__(self, table_name: str, *, lease_seconds: float = Environment.record_lease_seconds) -> None:
        self.table_name = table_name
        # A claim or lock outlives any invocation holding it (keep it above the functions'
        # timeout), so a live worker never loses it; one left by a crashed worker is taken
        # over after this (RECORD_LEASE_SECONDS).
        self.lease_seconds = lease_seconds

    @property
    def table(self) -> Any:
        return table(self.table_name)

    def get(self, key: str) -> Mapping | None:
        item = self.table.get_item(Key={"pk": key, "sk": SK}, ConsistentRead=True).get("Item")
        return _from_item(item) if item and item.get("status", DONE) == DONE else None

    def claim(self, key: str, token: str) -> Mapping | Claimed:
        now = time.time()
        try:
            before = self.table.put_item(
                Item={
                    "pk": key,
                    "sk": SK,
                    "status": PENDING,
                    "claim": token,
                    "claimed_until": Decimal(int(now + self.lease_seconds)),
                },
                ConditionExpression="attribute_not_exists(pk) OR (#s = :pending AND claimed_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":pending": PENDING, ":now": Decimal(int(now))},
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return Claimed(first=not before.get("Attributes"))
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            item = err.response.get("Item") or self.table.get_item(Key={"pk": key, "sk": SK}, ConsistentRead=True).get(
                "Item"
            )
        item = _plain(item) if item else None
        if item and item.get("status", DONE) == DONE:
            return _from_item(item)
        if item and item.get("claim") == token:  # our own write, its answer lost and retried
            _own_write("claim", key)
            # whether it was the first claim was in the lost answer: taken as not, so the record
            # is looked up in Xero before it is created (a lookup more, never a duplicate)
            return Claimed(first=False)
        raise ClaimHeld(key, _wait(item, now))

    def put(self, mapping: Mapping, *, claim: str | None = None) -> None:
        # no xero_id for a record with no Xero record of its own (a product sold as its variants):
        # the by-xero-id index takes no empty key
        item = {k: v for k, v in asdict(mapping).items() if v not in (None, {}) and k != "key"}
        if not mapping.xero_id:
            del item["xero_id"]
        kwargs: dict[str, Any] = {}
        if claim is not None:
            kwargs = {
                "ConditionExpression": "#c = :claim",
                "ExpressionAttributeNames": {"#c": "claim"},
                "ExpressionAttributeValues": {":claim": claim},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        sent = {"pk": mapping.key, "sk": SK, "status": DONE, **item}
        try:
            self.table.put_item(Item=sent, **kwargs)
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            found = err.response.get("Item")
            if found and _from_item(_plain(found)) == mapping and _plain(found).get("status") == DONE:
                _own_write("mapping", mapping.key)  # our own write, its answer lost and retried
                return
            raise ClaimLost(f"claim on {mapping.key} was taken over before it completed") from None

    def release(self, key: str, claim: str) -> None:
        # not deleted: a pending item whose lease has run out says "attempted before" to the
        # next claim, which then looks in Xero before creating
        try:
            self.table.update_item(
                Key={"pk": key, "sk": SK},
                UpdateExpression="SET claimed_until = :gone REMOVE #c",
                ConditionExpression="#c = :claim AND #s = :pending",
                ExpressionAttributeNames={"#c": "claim", "#s": "status"},
                ExpressionAttributeValues={":claim": claim, ":pending": PENDING, ":gone": Decimal(0)},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def lock(self, key: str, token: str) -> None:
        now = time.time()
        try:
            self.table.put_item(
                Item={
                    "pk": key,
                    "sk": LOCK_SK,
                    "claim": token,
                    "claimed_until": Decimal(int(now + self.lease_seconds)),
                },
                ConditionExpression="attribute_not_exists(pk) OR claimed_until < :now",
                ExpressionAttributeValues={":now": Decimal(int(now))},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            held = _plain(err.response["Item"]) if err.response.get("Item") else None
            if held and held.get("claim") == token:  # our own write, its answer lost and retried
                _own_write("lock", key)
                return
            raise ClaimHeld(key, _wait(held, now), doing="changed") from None

    def unlock(self, key: str, token: str) -> None:
        try:
            self.table.delete_item(
                Key={"pk": key, "sk": LOCK_SK},
                ConditionExpression="#c = :token",
                ExpressionAttributeNames={"#c": "claim"},
                ExpressionAttributeValues={":token": token},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def forget(self, key: str) -> bool:
        """Delete every item of ``key`` (its mapping or pending claim, its lock). A worker that held
        a claim on it then fails to record its mapping (``ClaimLost``) and retries, finding the
        Xero record by its natural key."""
        items = self.table.query(KeyConditionExpression=Key("pk").eq(key), ProjectionExpression="pk, sk")["Items"]
        for item in items:
            self.table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
        return bool(items)

    def personal_keys(self) -> list[str]:
        """Every key that carries personal data (a guest's email)."""
        condition = reduce(operator.or_, [Attr("pk").begins_with(p) for p in PERSONAL_KEY_PREFIXES])
        keys: set[str] = set()
        kwargs: dict[str, Any] = {"FilterExpression": condition, "ProjectionExpression": "pk"}
        while True:
            page = self.table.scan(**kwargs)
            keys.update(str(i["pk"]) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return sorted(keys)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def scan(self) -> list[Mapping]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = self.table.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [_from_item(i) for i in items if i.get("sk") == SK and i.get("status", DONE) == DONE]


def _own_write(what: str, key: str) -> None:
    count("own_write_after_lost_answer")
    logger.warning(
        f"a {what} refused by its own write (its answer was lost and botocore retried): taken as done",
        extra={"record": key},
    )


_TYPE_CODES = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """An item as the resource API gives it, from either API's shape (the failed condition's
    ``Item`` comes back in the low-level attribute-value shape)."""
    if all(isinstance(v, dict) and len(v) == 1 and next(iter(v)) in _TYPE_CODES for v in item.values()):
        deserializer = TypeDeserializer()
        return {k: deserializer.deserialize(v) for k, v in item.items()}
    return item


def _from_item(item: dict[str, Any]) -> Mapping:
    return Mapping(
        key=str(item["pk"]),
        xero_id=str(item.get("xero_id", "")),
        content_hash=str(item.get("content_hash", "")),
        xero_number=item.get("xero_number"),
        source_modified=item.get("source_modified"),
        updated_at=str(item.get("updated_at", "")),
        data=dict(item.get("data") or {}),
    )
