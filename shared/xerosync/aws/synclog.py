"""The sync log (DynamoDB): every event applied, skipped, superseded or failed, with why.

Queryable by record (``pk = record#<key>``) and by time (the ``by-day`` index: ``day`` =
``day#YYYY-MM-DD``, ``at`` = ISO time). Entries expire (TTL) after the retention the stack
sets. The store payload - customer details included - is kept only for failed events, where
a merchant needs it to see what went wrong; a privacy request finds it by the customer's
records and by any text that identifies them (:meth:`DynamoSyncLog.holding`), and removes it.
"""

import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key

from xerosync.aws import table
from xerosync.sync.ports import LogEntry, Subject

__all__ = ["DynamoSyncLog", "LogEntry"]

DEFAULT_RETENTION_DAYS = 30
# A DynamoDB item holds at most 400 KB: what an entry keeps of a payload and of a reason, in bytes
PAYLOAD_BYTES = 100_000
REASON_BYTES = 8_000


def truncated(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (a whole character last), saying how long it was."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore") + f"... [truncated: {len(data)} bytes in all]"


class DynamoSyncLog:
    def __init__(self, table_name: str, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.table_name = table_name
        self.retention = retention_days

    @property
    def table(self) -> Any:
        return table(self.table_name)

    def write(self, entry: LogEntry) -> None:
        self.table.put_item(Item=_item(entry, int(time.time() + self.retention * 86400)))

    def rewrite(self, old: LogEntry, new: LogEntry | None) -> None:
        """Replace ``old`` by ``new`` keeping its expiry (a redaction never extends a retention),
        or delete it."""
        key = _key(old)
        if new is not None:
            found = self.table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
            expires = int(found.get("expires_at") or time.time() + self.retention * 86400)
            replacement = _item(new, expires)
            self.table.put_item(Item=replacement)
            if _key(new) == key:
                return
        self.table.delete_item(Key=key)

    def holding(self, subject: Subject) -> list[LogEntry]:
        """The entries of the subject's records, and those whose key, payload, reason or notes
        quote the subject's identifying text (a scan of the log, narrowed in DynamoDB to entries
        that can match: the log is bounded by its retention, and requests are rare)."""
        found: dict[tuple[str, str], LogEntry] = {}
        for key in sorted(subject.keys):
            for entry in self.by_record(key):
                found[(entry.key, _key(entry)["sk"])] = entry
        condition: ConditionBase = Attr("payload").exists() | Attr("pk").begins_with("record#guest:")
        condition = condition | Attr("pk").begins_with("record#export:")
        for text in {v for t in subject.texts for v in (t, t.lower(), t.upper())}:
            condition = condition | Attr("reason").contains(text) | Attr("pk").contains(text)
        for item in self._scan(FilterExpression=condition):
            if not str(item.get("pk", "")).startswith("record#"):
                continue  # not a log entry: the console's links, sessions and pushes share the table
            entry = _entry(item)
            if subject.concerns(entry):
                found[(entry.key, _key(entry)["sk"])] = entry
        return sorted(found.values(), key=lambda e: e.at)

    def by_record(self, key: str) -> list[LogEntry]:
        items = self._query(KeyConditionExpression=Key("pk").eq(f"record#{key}"))
        return [_entry(i) for i in items]

    def between(self, start: datetime, end: datetime) -> list[LogEntry]:
        entries: list[LogEntry] = []
        day = start.astimezone(UTC).date()
        while day <= end.astimezone(UTC).date():
            items = self._query(
                IndexName="by-day",
                KeyConditionExpression=Key("day").eq(f"day#{day.isoformat()}")
                & Key("at").between(start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()),
            )
            entries.extend(_entry(i) for i in items)
            day += timedelta(days=1)
        return sorted(entries, key=lambda e: e.at)

    def latest_key(self, prefix: str, now: datetime, *, days: int = 2, look: int = 100) -> str | None:
        """The record key starting with ``prefix`` (``order:``) most recently in the log, among the
        newest ``look`` entries of each of the last ``days`` days: one small query a day, newest day
        first (a suggestion, never a listing of the whole log)."""
        day = now.astimezone(UTC).date()
        for _ in range(days):
            page = self.table.query(
                IndexName="by-day",
                KeyConditionExpression=Key("day").eq(f"day#{day.isoformat()}"),
                ScanIndexForward=False,
                Limit=look,
            )
            for item in page.get("Items", []):
                if str(item.get("key", "")).startswith(prefix):
                    return str(item["key"])
            day -= timedelta(days=1)
        return None

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self._pages(self.table.query, **kwargs)

    def _scan(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self._pages(self.table.scan, **kwargs)

    @staticmethod
    def _pages(read: Any, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = read(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _key(entry: LogEntry) -> dict[str, str]:
    return {"pk": f"record#{entry.key}", "sk": f"{entry.at}#{entry.event[:12]}#{entry.outcome}"}


def _item(entry: LogEntry, expires_at: int) -> dict[str, Any]:
    item: dict[str, Any] = {k: v for k, v in asdict(entry).items() if v not in ("", (), None)}
    item["also"] = list(entry.also) if entry.also else None
    item = {k: v for k, v in item.items() if v is not None}
    for name, limit in (("payload", PAYLOAD_BYTES), ("reason", REASON_BYTES)):
        if name in item:  # never fail the log (and with it the record) because a payload is large
            item[name] = truncated(str(item[name]), limit)
    return {**_key(entry), "day": f"day#{entry.at[:10]}", "expires_at": Decimal(expires_at), **item}


def _entry(item: dict[str, Any]) -> LogEntry:
    return LogEntry(
        key=str(item["key"]),
        outcome=str(item["outcome"]),
        action=str(item.get("action", "")),
        topic=str(item.get("topic", "")),
        xero_id=str(item.get("xero_id", "")),
        reason=str(item.get("reason", "")),
        also=tuple(item.get("also") or ()),
        modified=str(item.get("modified", "")),
        event=str(item.get("event", "")),
        attempt=int(item.get("attempt", 1)),
        payload=str(item.get("payload", "")),
        at=str(item["at"]),
    )
