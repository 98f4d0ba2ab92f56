"""The console's sign-in links, sessions and pushes in progress, in the stack's sync log table.

Both are short-lived, so they live in the one table of the stack whose TTL is on (``expires_at``,
template.yaml's SyncLogTable), beside the log entries but never among them: their keys begin
``console#`` (the log's are ``record#``) and they carry no ``day``, so no sync log read (by record,
by day, a privacy scan) ever returns one. TTL deletes late (within days), so every read checks
``expires_at`` itself. Only a SHA-256 digest of each link's token and session's id is stored:
whoever reads the table cannot sign in with what they read.
"""

import json
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from xerosync.aws import table

SORT = "console"


class DynamoConsoleSessions:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return table(self.table_name)

    # --- sign-in links: single use, short-lived -----------------------------------------------------
    def put_signin(self, digest: str, who: str, expires_at: float) -> None:
        self.table.put_item(
            Item={"pk": f"console#signin#{digest}", "sk": SORT, "who": who, "expires_at": Decimal(int(expires_at))},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def take_signin(self, digest: str, now: float) -> str | None:
        """Who minted the link, if it exists and has not expired; gone after this either way (a
        conditional delete: of two requests with one link, one wins)."""
        try:
            reply = self.table.delete_item(
                Key={"pk": f"console#signin#{digest}", "sk": SORT},
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        item = reply.get("Attributes") or {}
        if float(item.get("expires_at", 0)) <= now:
            return None
        return str(item.get("who") or "")

    # --- sessions -----------------------------------------------------------------------------------
    def put_session(self, digest: str, who: str, started: float, expires_at: float) -> None:
        self.table.put_item(
            Item={
                "pk": f"console#session#{digest}",
                "sk": SORT,
                "who": who,
                "started": Decimal(int(started)),
                "seen": Decimal(int(started)),
                "expires_at": Decimal(int(expires_at)),
            },
            ConditionExpression="attribute_not_exists(pk)",
        )

    def session(self, digest: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": f"console#session#{digest}", "sk": SORT}, ConsistentRead=True).get("Item")
        if not item:
            return None
        return {"who": str(item["who"]), "started": float(item["started"]), "expires_at": float(item["expires_at"])}

    def touch(self, digest: str, seen: float, expires_at: float) -> None:
        """Slide the session's expiry (never bringing back one signed out meanwhile)."""
        try:
            self.table.update_item(
                Key={"pk": f"console#session#{digest}", "sk": SORT},
                UpdateExpression="SET seen = :seen, expires_at = :expires",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":seen": Decimal(int(seen)), ":expires": Decimal(int(expires_at))},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise

    def end(self, digest: str) -> None:
        self.table.delete_item(Key={"pk": f"console#session#{digest}", "sk": SORT})

    # --- a push from the console, followed page by page ------------------------------------------------
    def put_push(self, push_id: str, state: dict[str, Any], expires_at: float) -> None:
        self.table.put_item(
            Item={
                "pk": f"console#push#{push_id}",
                "sk": SORT,
                "state": json.dumps(state),
                "expires_at": Decimal(int(expires_at)),
            }
        )

    def push(self, push_id: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": f"console#push#{push_id}", "sk": SORT}, ConsistentRead=True).get("Item")
        return dict(json.loads(str(item["state"]))) if item else None
