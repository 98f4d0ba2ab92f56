"""Access tokens in DynamoDB, beside the mappings, in the stack's own table (tokens are secrets:
no other stack's function is granted the table, and no token reaches a log or a repr):

* the token set of an authorization-code Xero connection (:class:`DynamoTokenStore`):
  ``pk = xero-token#<client id>``, ``sk = tokens``, a lock and the tokens in one item;
* a store adapter's minted API tokens (:class:`DynamoAccessTokens`, the port's ``TokenCache``):
  ``pk`` the adapter's key (``shopify-token:<shop>:<client id>``), ``sk = access-token``, the
  token and ``access_expires_at``, so every function and container of the stack uses one token
  for its lifetime instead of minting its own; the item also holds the lock one container takes
  to mint while the others wait for its token (:func:`take_lock`, the Xero token set's lock too).
  An adapter may keep other stack-wide state of its API's limits here the same way: a limit
  spent until a time (an entry whose "token" says why and expires at the reset; the put keeps
  the later one) and leases on its calls in flight (locks on items holding no token).

Nothing in the mapping table may carry a DynamoDB TTL attribute: DynamoDB deletes an expired
item within days of its expiry, and this item holds the only copy of the rotated refresh token
(the one in the secret is spent), so losing it loses the connection until the merchant
reconnects. The access token's expiry is ``access_expires_at``; a token set saved by an earlier
version under ``expires_at`` loses that attribute on its next save.

A write whose answer is lost is sent again by botocore (:mod:`xerosync.aws.own_writes`). The lock
knows its own item by its owner: else the retry, refused by the lock its first try took, would
wait for itself until the lock ran out (a refresh, a mint or a reconnect held up that long). The
other writes need nothing: a token set's save is conditional on the lock that the save leaves in
place, so its retry passes and writes the same set again; a dropped lock's retry finds it gone and
is refused harmlessly; an access token's put keeps a token expiring no earlier (``<=``), its own
included."""

import time
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from xerosync.aws import table
from xerosync.aws.own_writes import ALL_OLD, refused_by_own
from xerosync.aws.own_writes import conflict as _conflict
from xerosync.sources.port import AccessToken
from xerosync.xero.tokens import ACCESS_EXPIRY, LEGACY_EXPIRY, TokenSet, as_item, from_item

ACCESS_TOKEN_SK = "access-token"  # noqa: S105 - the item's sort key, not a secret


def take_lock(table: Any, key: dict[str, str], owner: str, until: float) -> bool:
    """Take the lock kept in the item ``key`` (``lock_owner``, ``lock_until``: epoch seconds) for
    ``owner`` until ``until``: refused while another owner holds one that has not run out, so a
    lock left by a crashed worker frees itself then. The item's other attributes are untouched."""
    try:
        table.update_item(
            Key=key,
            UpdateExpression="SET lock_owner = :owner, lock_until = :until",
            ConditionExpression="attribute_not_exists(lock_until) OR lock_until < :now",
            ExpressionAttributeValues={
                ":owner": owner,
                ":until": Decimal(str(round(until, 3))),
                ":now": Decimal(str(round(time.time(), 3))),
            },
            **ALL_OLD,
        )
        return True
    except ClientError as err:
        if refused_by_own(err, "lock_owner", owner, what="lock", key=str(key["pk"])):
            return True
        if _conflict(err):
            return False
        raise


def drop_lock(table: Any, key: dict[str, str], owner: str) -> None:
    """Free the lock if ``owner`` still holds it (one that ran out and was taken is not touched)."""
    try:
        table.update_item(
            Key=key,
            UpdateExpression="REMOVE lock_owner, lock_until",
            ConditionExpression="lock_owner = :owner",
            ExpressionAttributeValues={":owner": owner},
        )
    except ClientError as err:
        if not _conflict(err):
            raise


class DynamoTokenStore:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return table(self.table_name)

    def load(self, key: str) -> TokenSet | None:
        item = self.table.get_item(Key={"pk": key, "sk": "tokens"}, ConsistentRead=True).get("Item")
        # an item holding only a lock (taken before the first save) is no token set; a
        # disconnected one holds no token but says why
        return from_item(item) if item and (item.get("refresh_token") or item.get("broken")) else None

    def lock(self, key: str, owner: str, until: float) -> bool:
        return take_lock(self.table, {"pk": key, "sk": "tokens"}, owner, until)

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
        drop_lock(self.table, {"pk": key, "sk": "tokens"}, owner)


class DynamoAccessTokens:
    """A store adapter's minted access tokens, one item per key (its expiry under
    ``access_expires_at``, never the table's TTL attribute: see above). Two containers minting at
    once both put: the item keeps the token that expires last (a conditional put), and the other
    one stays valid until its own expiry, so nothing is lost either way."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return table(self.table_name)

    def get(self, key: str) -> AccessToken | None:
        item = self.table.get_item(Key={"pk": key, "sk": ACCESS_TOKEN_SK}, ConsistentRead=True).get("Item")
        if not item or not item.get("access_token"):
            return None
        return AccessToken(str(item["access_token"]), float(item.get(ACCESS_EXPIRY, 0)))

    def put(self, key: str, token: AccessToken) -> None:
        expires = Decimal(str(round(token.expires_at, 3)))
        try:
            # an update, not a put: the item's lock (held by whoever mints) stays as it is
            self.table.update_item(
                Key={"pk": key, "sk": ACCESS_TOKEN_SK},
                UpdateExpression="SET access_token = :token, #expiry = :expiry",
                ConditionExpression="attribute_not_exists(#expiry) OR #expiry <= :expiry",
                ExpressionAttributeNames={"#expiry": ACCESS_EXPIRY},
                ExpressionAttributeValues={":token": token.value, ":expiry": expires},
            )
        except ClientError as err:
            if not _conflict(err):  # a token minted later is there already: keep it
                raise

    def lock(self, key: str, owner: str, until: float) -> bool:
        """The port's mint lock (:class:`~xerosync.sources.minting.MintLock`), in the token's own item:
        the same lock as the Xero token set's (:func:`take_lock`)."""
        return take_lock(self.table, {"pk": key, "sk": ACCESS_TOKEN_SK}, owner, until)

    def unlock(self, key: str, owner: str) -> None:
        drop_lock(self.table, {"pk": key, "sk": ACCESS_TOKEN_SK}, owner)
