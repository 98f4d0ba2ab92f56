"""What the scheduled jobs remember between runs (the reconciliation's watermark, the last pull,
the Xero quota they saw), and the reverse lookup from a Xero id to the store record.

Job state lives in the mapping table under its own keys (``pk`` = ``job#<name>``, ``sk`` =
``state``), beside the mappings (``sk`` = ``mapping``) that it never mixes with. Saving is
conditional on the version read, so two runs that overlap never overwrite each other's
watermark silently; a run holds a lease (``sk`` = ``lease``) while it works, so that a second
invocation of the same schedule leaves at once. A save or a lease whose answer was lost is
refused by its own first try when botocore retries it: each knows its own item by its token (a
save's ``writer``, the lease's ``token``; :mod:`xerosync.aws.own_writes`), so a run neither reports
its own save as another run's nor leaves its own schedule as taken. The release needs nothing: its
retry finds the lease gone and is refused, harmlessly.

The sync's stop flag (:class:`DynamoSyncSwitch`) is the state of the job ``sync``: set when the
store says the app was uninstalled or the shop erased, cleared by ``xerosync resume``.

The reverse lookup queries the table's ``by-xero-id`` index (``xero_id`` of every mapping).
"""

import json
import time
import uuid
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from xerosync.aws import table
from xerosync.aws.own_writes import ALL_OLD, conflict, refused_by_own
from xerosync.sync.ports import Stopped

STATE_SK = "state"
LEASE_SK = "lease"
XERO_ID_INDEX = "by-xero-id"


class StateConflict(Exception):
    """Another run saved the job's state after this one read it."""


class DynamoJobState:
    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def load(self, job: str) -> tuple[dict[str, Any], int]:
        """The job's state and its version (0: never saved)."""
        item = self.table.get_item(Key={"pk": f"job#{job}", "sk": STATE_SK}, ConsistentRead=True).get("Item")
        if not item:
            return {}, 0
        state: dict[str, Any] = json.loads(str(item["state"]))
        return state, int(item.get("version", 0))

    def save(self, job: str, state: dict[str, Any], version: int) -> int:
        """Save the state read at ``version``; raises :class:`StateConflict` if it changed since."""
        writer = uuid.uuid4().hex
        try:
            self.table.put_item(
                Item={
                    "pk": f"job#{job}",
                    "sk": STATE_SK,
                    "state": json.dumps(state, sort_keys=True),
                    "version": version + 1,
                    "writer": writer,
                },
                ConditionExpression="attribute_not_exists(pk) OR version = :v",
                ExpressionAttributeValues={":v": version},
                **ALL_OLD,
            )
        except ClientError as err:
            if refused_by_own(err, "writer", writer, what="job state", key=f"job#{job}"):
                return version + 1
            if conflict(err):
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
                **ALL_OLD,
            )
        except ClientError as err:
            if refused_by_own(err, "token", token, what="job lease", key=f"job#{job}"):
                return True
            if conflict(err):
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


SYNC = "sync"


class DynamoSyncSwitch:
    """The persistent stop flag, in the job state of ``sync`` (``stopped``: reason, since, by;
    ``last_stop``: the one ``xerosync resume`` ended, for ``xerosync status``)."""

    def __init__(self, table_name: str) -> None:
        self.states = DynamoJobState(table_name)

    def stopped(self) -> Stopped | None:
        state, _ = self.states.load(SYNC)
        return _stopped(state.get("stopped"))

    def stop(self, stopped: Stopped) -> None:
        self._change(lambda state: state.setdefault("stopped", stopped.__dict__.copy()))

    def resume(self) -> Stopped | None:
        ended: list[Stopped | None] = []

        def clear(state: dict[str, Any]) -> None:
            ended[:] = [_stopped(state.pop("stopped", None))]
            if ended[0] is not None:
                state["last_stop"] = ended[0].__dict__.copy()

        self._change(clear)
        return ended[0] if ended else None

    def last_stop(self) -> Stopped | None:
        state, _ = self.states.load(SYNC)
        return _stopped(state.get("last_stop"))

    def _change(self, change: Any) -> None:
        for _ in range(10):
            state, version = self.states.load(SYNC)
            change(state)
            try:
                self.states.save(SYNC, state, version)
                return
            except StateConflict:
                continue
        raise StateConflict("job sync: its state kept changing under this change")


def _stopped(value: Any) -> Stopped | None:
    if not isinstance(value, dict):
        return None
    return Stopped(reason=str(value.get("reason", "")), since=str(value.get("since", "")), by=str(value.get("by", "")))


class DynamoReverseLookup:
    """Which store record a Xero document belongs to (the mapping whose ``xero_id`` it is)."""

    def __init__(self, table_name: str) -> None:
        self.table = table(table_name)

    def record_of(self, xero_id: str) -> str | None:
        reply = self.table.query(IndexName=XERO_ID_INDEX, KeyConditionExpression=Key("xero_id").eq(xero_id))
        keys = sorted(str(i["pk"]) for i in reply.get("Items", []) if i.get("sk") == "mapping")
        return keys[0] if keys else None
