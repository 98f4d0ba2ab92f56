"""The mapping table: which Xero record each store record became (DynamoDB).

One item per store record: ``pk`` is the record key (``order:727``, ``customer:12``,
``guest:jane@example.com``), ``sk`` is ``mapping``.
"""

from dataclasses import asdict
from typing import Any

from xerosync.aws import resource
from xerosync.sync.ports import Mapping

SK = "mapping"


class DynamoMappings:
    def __init__(self, table_name: str) -> None:
        self.table = resource("dynamodb").Table(table_name)

    def get(self, key: str) -> Mapping | None:
        item = self.table.get_item(Key={"pk": key, "sk": SK}, ConsistentRead=True).get("Item")
        return _from_item(item) if item else None

    def put(self, mapping: Mapping) -> None:
        item = {k: v for k, v in asdict(mapping).items() if v is not None and k != "key"}
        self.table.put_item(Item={"pk": mapping.key, "sk": SK, **item})

    def scan(self) -> list[Mapping]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = self.table.scan(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [_from_item(i) for i in items if i.get("sk") == SK]


def _from_item(item: dict[str, Any]) -> Mapping:
    return Mapping(
        key=str(item["pk"]),
        xero_id=str(item["xero_id"]),
        content_hash=str(item.get("content_hash", "")),
        xero_number=item.get("xero_number"),
        source_modified=item.get("source_modified"),
        updated_at=str(item.get("updated_at", "")),
    )
