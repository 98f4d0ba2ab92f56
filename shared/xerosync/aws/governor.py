"""The rate governor's budget in DynamoDB (items beside the mappings, ``pk = governor#<tenant>``).

No item here carries an expiry: the mapping table keeps everything it holds (see
:mod:`xerosync.aws.tokens`). The items are few (a slot per call in flight, one minute log, one
counter a day, and one log of first deliveries per queue for the pacing, :mod:`xerosync.xero.pacing`).

A write whose answer is lost is sent again by botocore (:mod:`xerosync.aws.own_writes`), and each
conditional write here knows its own item when the retry is refused by it: a slot by its token
(else the worker would skip its own slot, held until the lease ran out), the minute log (and the
arrivals' logs) and the day's counter by the ``writer`` token of their last write (else the
retry, refused, would log the same call again, or count it twice and, at the day's limit, refuse
the call it had just counted).
An unconditional or idempotent write (a slot freed, the day corrected or blocked) needs nothing:
its retry does again what is already done, or is refused because it is done.
"""

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from xerosync.aws import table
from xerosync.aws.own_writes import ALL_OLD, refused_by_own
from xerosync.aws.own_writes import conflict as _conflict
from xerosync.xero.governor import Limits


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
                **ALL_OLD,
            )
            return True
        except ClientError as err:
            if refused_by_own(err, "token", token, what="call slot", key=f"governor#{tenant} slot#{slot}"):
                return True
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

    def _write_log(self, tenant: str, seconds: dict[int, int], version: int, what: str = "minute", **more: Any) -> bool:
        """Replace the log only if nobody else did since we read it (optimistic concurrency)."""
        writer = uuid.uuid4().hex
        try:
            self.table.put_item(
                Item={
                    **self._key(tenant, what),
                    "seconds": {str(k): v for k, v in seconds.items()},
                    "version": version + 1,
                    "writer": writer,
                    **more,
                },
                ConditionExpression="attribute_not_exists(version) OR version = :v",
                ExpressionAttributeValues={":v": version},
                **ALL_OLD,
            )
            return True
        except ClientError as err:
            if refused_by_own(err, "writer", writer, what=f"{what} log", key=f"governor#{tenant} {what}"):
                return True
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

    def log_arrivals(
        self,
        tenant: str,
        queue: str,
        records: int,
        window: float,
        now: float,
        flowing: Callable[[dict[int, int]], bool],
    ) -> tuple[dict[int, int], float]:
        # a queue's first deliveries, per second as the minute's calls are, in their own item
        # (``arrivals#<queue>``) with when they last were ``flowing``; written as the minute log is
        what = f"arrivals#{queue}"
        live: dict[int, int] = {}
        flowed_at = 0.0
        for _ in range(25):
            item = self.table.get_item(Key=self._key(tenant, what), ConsistentRead=True).get("Item") or {}
            live = {int(k): int(v) for k, v in (item.get("seconds") or {}).items() if int(k) > int(now - window)}
            live[int(now)] = live.get(int(now), 0) + records
            flowed_at = now if flowing(live) else float(item.get("flowed_at", 0))
            if self._write_log(tenant, live, int(item.get("version", 0)), what, flowed_at=_n(flowed_at)):
                return live, flowed_at
        return live, flowed_at  # heavy contention: the last read, with these

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
        # ``writer`` names the count: its retry finds it there and is refused, not counted again
        # (unless another count came in between: then it counts twice, never too few)
        writer = uuid.uuid4().hex
        try:
            self.table.update_item(
                Key=self._key(tenant, f"day#{day}"),
                UpdateExpression="ADD used :one SET writer = :writer",
                ConditionExpression="(attribute_not_exists(used) OR used < :limit) "
                "AND (attribute_not_exists(blocked_until) OR blocked_until < :now) "
                "AND (attribute_not_exists(writer) OR writer <> :writer)",
                ExpressionAttributeValues={
                    ":one": 1,
                    ":limit": limit,
                    ":now": _n(now),
                    ":writer": writer,
                },
                **ALL_OLD,
            )
            return 0.0
        except ClientError as err:
            if refused_by_own(err, "writer", writer, what="day's count", key=f"governor#{tenant} day#{day}"):
                return 0.0
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
