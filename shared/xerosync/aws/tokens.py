"""The token set of an authorization-code Xero connection, in DynamoDB (beside the mappings):
``pk = xero-token#<client id>``, a lock and the tokens in one item. Tokens are secrets: the
table is the stack's own, and they never reach a log.

Nothing in the mapping table may carry a DynamoDB TTL attribute: DynamoDB deletes an expired
item within days of its expiry, and this item holds the only copy of the rotated refresh token
(the one in the secret is spent), so losing it loses the connection until the merchant
reconnects. The access token's expiry is ``access_expires_at``; a token set saved by an earlier
version under ``expires_at`` loses that attribute on its next save."""

import time
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from xerosync.aws import table
from xerosync.xero.tokens import LEGACY_EXPIRY, TokenSet, as_item, from_item


def _conflict(err: ClientError) -> bool:
    return bool(err.response["Error"]["Code"] == "ConditionalCheckFailedException")


class DynamoTokenStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return table(self.table_name)

    def load(self, key: str) -> TokenSet | None:
        item = self.table.get_item(Key={"pk": key, "sk": "tokens"}, ConsistentRead=True).get("Item")
        return from_item(item) if item and item.get("refresh_token") else None

    def lock(self, key: str, owner: str, until: float) -> bool:
        try:
            self.table.update_item(
                Key={"pk": key, "sk": "tokens"},
                UpdateExpression="SET lock_owner = :owner, lock_until = :until",
                ConditionExpression="attribute_not_exists(lock_until) OR lock_until < :now",
                ExpressionAttributeValues={
                    ":owner": owner,
                    ":until": Decimal(str(round(until, 3))),
                    ":now": Decimal(str(round(time.time(), 3))),
                },
            )
            return True
        except ClientError as err:
            if _conflict(err):
                return False
            raise

    def save(self, key: str, tokens: TokenSet, owner: str) -> bool:
        item = as_item(tokens)
        try:
            self.table.update_item(
                Key={"pk": key, "sk": "tokens"},
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in item) + " REMOVE #legacy",
                ConditionExpression="lock_owner = :owner",
                ExpressionAttributeNames={**{f"#{k}": k for k in item}, "#legacy": LEGACY_EXPIRY},
                ExpressionAttributeValues={**{f":{k}": v for k, v in item.items()}, ":owner": owner},
            )
            return True
        except ClientError as err:
            if _conflict(err):
                return False
            raise

    def unlock(self, key: str, owner: str) -> None:
        try:
            self.table.update_item(
                Key={"pk": key, "sk": "tokens"},
                UpdateExpression="REMOVE lock_owner, lock_until",
                ConditionExpression="lock_owner = :owner",
                ExpressionAttributeValues={":owner": owner},
            )
        except ClientError as err:
            if not _conflict(err):
                raise
