"""The mapping table: which Xero record each store record became (DynamoDB).

One item per store record: ``pk`` is the record key (``order:727``, ``customer:12``,
``guest:jane@example.com``), ``sk`` is ``mapping``.
"""

import time
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from xerosync.aws import resource
from xerosync.sync.ports import ClaimHeld, ClaimLost, Mapping

SK = "mapping"
PENDING, DONE = "PENDING", "DONE"
# A claim outlives any invocation holding it (functions time out after 30 s), so a live
# worker never loses its claim; one left by a crashed worker is taken over after this.
CLAIM_LEASE_SECONDS = 120


class DynamoMappings:
    def __init__(self, table_name: str) -> None:
        self.table = resource("dynamodb").Table(table_name)

    def get(self, key: str) -> Mapping | None:
        item = self.table.get_item(Key={"pk": key, "sk": SK}, ConsistentRead=True).get("Item")
        return _from_item(item) if item and item.get("status", DONE) == DONE else None

    def claim(self, key: str, token: str) -> Mapping | None:
        now = time.time()
        try:
            self.table.put_item(
                Item={
                    "pk": key,
                    "sk": SK,
                    "status": PENDING,
                    "claim": token,
                    "claimed_until": Decimal(int(now + CLAIM_LEASE_SECONDS)),
                },
                ConditionExpression="attribute_not_exists(pk) OR (#s = :pending AND claimed_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":pending": PENDING, ":now": Decimal(int(now))},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return None
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            item = err.response.get("Item") or self.table.get_item(Key={"pk": key, "sk": SK}, ConsistentRead=True).get(
                "Item"
            )
        if item and _plain(item).get("status", DONE) == DONE:
            return _from_item(_plain(item))
        raise ClaimHeld(key)

    def put(self, mapping: Mapping, *, claim: str | None = None) -> None:
        item = {k: v for k, v in asdict(mapping).items() if v not in (None, {}) and k != "key"}
        kwargs: dict[str, Any] = {}
        if claim is not None:
            kwargs = {
                "ConditionExpression": "#c = :claim",
                "ExpressionAttributeNames": {"#c": "claim"},
                "ExpressionAttributeValues": {":claim": claim},
            }
        try:
            self.table.put_item(Item={"pk": mapping.key, "sk": SK, "status": DONE, **item}, **kwargs)
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ClaimLost(f"claim on {mapping.key} was taken over before it completed") from None
            raise

    def release(self, key: str, claim: str) -> None:
        try:
            self.table.delete_item(
                Key={"pk": key, "sk": SK},
                ConditionExpression="#c = :claim AND #s = :pending",
                ExpressionAttributeNames={"#c": "claim", "#s": "status"},
                ExpressionAttributeValues={":claim": claim, ":pending": PENDING},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

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
        xero_id=str(item["xero_id"]),
        content_hash=str(item.get("content_hash", "")),
        xero_number=item.get("xero_number"),
        source_modified=item.get("source_modified"),
        updated_at=str(item.get("updated_at", "")),
        data=dict(item.get("data") or {}),
    )
