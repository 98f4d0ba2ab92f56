"""The rate governor's budget in DynamoDB (items beside the mappings, ``pk = governor#<tenant>``).

No item here carries an expiry: the mapping table keeps everything it holds (see
:mod:`xerosync.aws.tokens`). The items are few (a slot per call in flight, one minute log, one
counter a day).
"""

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from xerosync.aws import table
from xerosync.xero.governor import Limits


def _conflict(err: ClientError) -> bool:
    return bool(err.response["Error"]["Code"] == "ConditionalCheckFailedException")


def _n(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


class DynamoBudget:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @property
    def table(self) -> Any:
        return table(self.table_name)

    @staticmethod
    def _key(tenant: str, what: str) -> dict[str, str]:
        return {"pk": f"governor#{tenant}", "sk": what}

    def take_slot(self, tenant: str, slot: int, token: str, until: float, now: float) -> bool:
        try:
            self.table.put_item(
                Item={
                    **self._key(tenant, f"slot#{slot}"),
                    "token": token,
                    "until": _n(until),
                },
                ConditionExpression="attribute_not_exists(pk) OR #u < :now",
                ExpressionAttributeNames={"#u": "until"},
                ExpressionAttributeValues={":now": _n(now)},
            )
            return True
        except ClientError as err:
            if _conflict(err):
                return False
            raise

    def free_slot(self, tenant: str, slot: int, token: str) -> None:
        try:
            self.table.delete_item(
                Key=self._key(tenant, f"slot#{slot}"),
                ConditionExpression="#t = :token",
                ExpressionAttributeNames={"#t": "token"},
                ExpressionAttributeValues={":token": token},
            )
        except ClientError as err:
            if not _conflict(err):
                raise

    # The minute's calls, counted per second (a map second -> calls), so the item stays small
    # whatever the limit: a call in second ``b`` is taken to happen anywhere in [b, b + 1), and a
    # window counts every second it touches - never fewer calls than really happened.
    def _log(self, tenant: str) -> tuple[dict[int, int], int]:
        item = self.table.get_item(Key=self._key(tenant, "minute"), ConsistentRead=True).get("Item") or {}
        return {int(k): int(v) for k, v in (item.get("seconds") or {}).items()}, int(item.get("version", 0))

    def _write_log(self, tenant: str, seconds: dict[int, int], version: int) -> bool:
        """Replace the log only if nobody else did since we read it (optimistic concurrency)."""
        try:
            self.table.put_item(
                Item={
                    **self._key(tenant, "minute"),
                    "seconds": {str(k): v for k, v in seconds.items()},
                    "version": version + 1,
                },
                ConditionExpression="attribute_not_exists(version) OR version = :v",
                ExpressionAttributeValues={":v": version},
            )
            return True
        except ClientError as err:
            if _conflict(err):
                return False
            raise

    @staticmethod
    def _live(seconds: dict[int, int], now: float) -> dict[int, int]:
        oldest = int(now - Limits.WINDOW)
        return {b: n for b, n in seconds.items() if b >= oldest}

    def take_minute(self, tenant: str, limit: int, now: float) -> float:
        for _ in range(25):
            seconds, version = self._log(tenant)
            live = self._live(seconds, now)
            used = sum(live.values())
            if used >= limit:
                # room again when enough early seconds have left the window
                excess, wait = used - limit + 1, 1.0
                for b in sorted(live):
                    excess -= live[b]
                    if excess <= 0:
                        wait = b + 1 + Limits.WINDOW - now
                        break
                return max(wait, 0.5)
            live[int(now)] = live.get(int(now), 0) + 1
            if self._write_log(tenant, live, version):
                return 0.0
        return 1.0  # heavy contention: come back in a moment

    def minute_used(self, tenant: str, now: float) -> int:
        seconds, _ = self._log(tenant)
        return sum(self._live(seconds, now).values())

    def cap_minute(self, tenant: str, limit: int, allowed: int, until: float, now: float) -> None:
        for _ in range(25):
            seconds, version = self._log(tenant)
            live = self._live(seconds, now)
            room = limit - sum(live.values())
            if room <= allowed:
                return
            # placeholder calls that leave the window at ``until``
            second = int(until - Limits.WINDOW)
            live[second] = live.get(second, 0) + room - allowed
            if self._write_log(tenant, live, version):
                return

    def count_day(self, tenant: str, day: str, limit: int, now: float) -> float:
        try:
            self.table.update_item(
                Key=self._key(tenant, f"day#{day}"),
                UpdateExpression="ADD used :one",
                ConditionExpression="(attribute_not_exists(used) OR used < :limit) "
                "AND (attribute_not_exists(blocked_until) OR blocked_until < :now)",
                ExpressionAttributeValues={
                    ":one": 1,
                    ":limit": limit,
                    ":now": _n(now),
                },
            )
            return 0.0
        except ClientError as err:
            if not _conflict(err):
                raise
        item = self.table.get_item(Key=self._key(tenant, f"day#{day}"), ConsistentRead=True).get("Item") or {}
        blocked = float(item.get("blocked_until", 0))
        if blocked > now:
            return blocked - now
        return 86400.0 - now % 86400.0  # full for today: tomorrow (UTC)

    def correct_day(self, tenant: str, day: str, used: int) -> None:
        try:
            self.table.update_item(
                Key=self._key(tenant, f"day#{day}"),
                UpdateExpression="SET used = :used",
                ConditionExpression="attribute_not_exists(used) OR used < :used",
                ExpressionAttributeValues={":used": used},
            )
        except ClientError as err:
            if not _conflict(err):
                raise

    def block_day(self, tenant: str, day: str, until: float) -> None:
        self.table.update_item(
            Key=self._key(tenant, f"day#{day}"),
            UpdateExpression="SET blocked_until = :until",
            ExpressionAttributeValues={":until": _n(until)},
        )
