"""What the scheduled jobs remember between runs (the reconciliation's watermark, the last pull,
the Xero quota they saw), and the reverse lookup from a Xero id to the store record.

Job state lives in the mapping table under its own keys (``pk`` = ``job#<name>``, ``sk`` =
``state``), beside the mappings (``sk`` = ``mapping``) that it never mixes with. Saving is
conditional on the version read, so two runs that overlap never overwrite each other's
watermark silently; a run holds a lease (``sk`` = ``lease``) while it works, so that a second
invocation of the same schedule leaves at once.

The reverse lookup queries the table's ``by-xero-id`` index (``xero_id`` of every mapping).
"""

import json
import time
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from xerosync.aws import resource

STATE_SK = "state"
LEASE_SK = "lease"
XERO_ID_INDEX = "by-xero-id"


class StateConflict(Exception):
    """Another run saved the job's state after this one read it."""


class DynamoJobState:
    def __init__(self, table_name: str) -> None:
        self.table = resource("dynamodb").Table(table_name)

    def load(self, job: str) -> tuple[dict[str, Any], int]:
        """The job's state and its version (0: never saved)."""
        item = self.table.get_item(Key={"pk": f"job#{job}", "sk": STATE_SK}, ConsistentRead=True).get("Item")
        if not item:
            return {}, 0
        state: dict[str, Any] = json.loads(str(item["state"]))
        return state, int(item.get("version", 0))

    def save(self, job: str, state: dict[str, Any], version: int) -> int:
        """Save the state read at ``version``; raises :class:`StateConflict` if it changed since."""
        try:
            self.table.put_item(
                Item={
                    "pk": f"job#{job}",
                    "sk": STATE_SK,
                    "state": json.dumps(state, sort_keys=True),
                    "version": version + 1,
                },
                ConditionExpression="attribute_not_exists(pk) OR version = :v",
                ExpressionAttributeValues={":v": version},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise StateConflict(f"job {job}: state changed by another run") from None
            raise
        return version + 1

    def acquire(self, job: str, token: str, seconds: float) -> bool:
        """Take the job's lease for ``seconds`` unless a live one is held by someone else."""
        now = time.time()
        try:
            self.table.put_item(
                Item={
                    "pk": f"job#{job}",
                    "sk": LEASE_SK,
                    "token": token,
                    "until": Decimal(int(now + seconds)),
                },
                ConditionExpression="attribute_not_exists(pk) OR #u < :now",
                ExpressionAttributeNames={"#u": "until"},
                ExpressionAttributeValues={":now": Decimal(int(now))},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, job: str, token: str) -> None:
        try:
            self.table.delete_item(
                Key={"pk": f"job#{job}", "sk": LEASE_SK},
                ConditionExpression="#t = :token",
                ExpressionAttributeNames={"#t": "token"},
                ExpressionAttributeValues={":token": token},
            )
        except ClientError as err:
            if err.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise


class DynamoReverseLookup:
    """Which store record a Xero document belongs to (the mapping whose ``xero_id`` it is)."""

    def __init__(self, table_name: str) -> None:
        self.table = resource("dynamodb").Table(table_name)

    def record_of(self, xero_id: str) -> str | None:
        reply = self.table.query(IndexName=XERO_ID_INDEX, KeyConditionExpression=Key("xero_id").eq(xero_id))
        keys = sorted(str(i["pk"]) for i in reply.get("Items", []) if i.get("sk") == "mapping")
        return keys[0] if keys else None
