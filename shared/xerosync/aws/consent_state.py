"""The console's Xero consents in flight, in the sync log table beside its sessions
(:mod:`xerosync.aws.console_sessions`: keys ``console#...``, no ``day``, TTL on ``expires_at``,
every read checking the expiry itself, since TTL deletes late):

* ``console#consent#<digest of state>``: who started a consent, from which session, the PKCE
  verifier and the redirect URI, until Xero's redirect comes back. Taken by a conditional
  delete: a ``state`` works once, and of two callbacks with one state one wins.
* ``console#parked#<digest of a reference>``: a consent that reached several organisations,
  while its user chooses one: Xero's token answer itself, with the session that may choose, for
  ten minutes. The browser holds only the random reference (nothing in it opens anything; the
  table keeps its digest, not the reference), and the answer stays here, in the same trust as the
  token set it becomes in the mapping table: encrypted at rest by DynamoDB
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html), read
  only by this stack's roles, taken (deleted) by the choice, and gone by TTL otherwise.
  The store's key grant keeps its outcome under the same prefix (:mod:`xerosync.console.store_grant`).
"""

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from xerosync.aws import table

SORT = "console"


def _gone(exc: ClientError) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


class DynamoConsents:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return table(self.table_name)

    def _put(self, pk: str, fields: dict[str, str], expires_at: float) -> None:
        self.table.put_item(
            Item={"pk": pk, "sk": SORT, **fields, "expires_at": Decimal(int(expires_at))},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def _take(self, pk: str, now: float) -> dict[str, str] | None:
        try:
            reply = self.table.delete_item(
                Key={"pk": pk, "sk": SORT}, ConditionExpression="attribute_exists(pk)", ReturnValues="ALL_OLD"
            )
        except ClientError as exc:
            if _gone(exc):
                return None
            raise
        item = reply.get("Attributes") or {}
        if float(item.get("expires_at", 0)) <= now:
            return None
        return {k: str(v) for k, v in item.items() if k not in ("pk", "sk", "expires_at")}

    def put_pending(self, state_digest: str, fields: dict[str, str], expires_at: float) -> None:
        self._put(f"console#consent#{state_digest}", fields, expires_at)

    def take_pending(self, state_digest: str, now: float) -> dict[str, str] | None:
        return self._take(f"console#consent#{state_digest}", now)

    def put_parked(self, parked_id: str, fields: dict[str, str], expires_at: float) -> None:
        self._put(f"console#parked#{parked_id}", fields, expires_at)

    def peek_parked(self, parked_id: str, now: float) -> dict[str, str] | None:
        """A parked consent, left in place (the chooser page shows it; the choice takes it)."""
        item = self.table.get_item(Key={"pk": f"console#parked#{parked_id}", "sk": SORT}, ConsistentRead=True).get(
            "Item"
        )
        if not item or float(item.get("expires_at", 0)) <= now:
            return None
        return {k: str(v) for k, v in item.items() if k not in ("pk", "sk", "expires_at")}

    def take_parked(self, parked_id: str, now: float) -> dict[str, str] | None:
        return self._take(f"console#parked#{parked_id}", now)
