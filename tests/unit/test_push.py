"""What ``xerosync push`` reads from the store for each way of naming records."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from typer.testing import CliRunner

from xerosync import push
from xerosync.cli import app
from xerosync.push import Selection


class Store:
    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, Any]]] = []
        self.data: dict[str, list[dict[str, Any]]] = {
            "orders": [
                {"id": 1, "date_created": "2026-10-31T23:59:59"},
                {"id": 2, "date_created": "2026-11-01T00:00:00"},
                {"id": 3, "date_created": "2026-11-02T10:00:00"},
            ],
            "products": [{"id": 10, "type": "variable"}, {"id": 20, "type": "simple"}],
            "products/10/variations": [{"id": 11, "type": "variation"}],
            "customers": [
                {"id": 7, "date_created_gmt": "2026-11-21T10:00:00"},
                {"id": 6, "date_created_gmt": "2026-11-01T10:00:00"},
            ],
        }

    def records(self, resource: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        self.asked.append((resource, params))
        yield from self.data.get(resource, [])

    def total(self, resource: str, params: dict[str, Any]) -> int:
        return len(self.data[resource])

    def get(self, resource: str, record_id: int) -> dict[str, Any]:
        return {"id": record_id, "from": resource}


def test_a_date_range_reads_the_orders_created_in_those_days_of_the_store() -> None:
    store = Store()
    selection = Selection("range", start=date(2026, 11, 1), end=date(2026, 11, 2))
    assert [r["id"] for _, r in push.records(store, selection)] == [2, 3]
    [(resource, params)] = store.asked
    assert (resource, params["after"], params["before"]) == ("orders", "2026-10-31T23:59:59", "2026-11-03T00:00:00")
    assert push.count(store, selection) == 3  # what the store says up front (X-WP-Total)


def test_since_the_last_sync_reads_orders_products_and_new_customers() -> None:
    store = Store()
    selection = Selection("since", since=datetime(2026, 11, 20, 9, tzinfo=UTC))
    found = [(kind, r["id"]) for kind, r in push.records(store, selection)]
    assert found == [
        ("order", 1),
        ("order", 2),
        ("order", 3),
        ("product", 10),
        ("product", 11),
        ("product", 20),
        ("customer", 7),
    ]
    assert all(p.get("modified_after") == "2026-11-20T09:00:00" for r, p in store.asked if r in ("orders", "products"))
    assert push.count(store, selection) is None


def test_one_record_by_id() -> None:
    store = Store()
    assert list(push.records(store, Selection("record", resource="customer", record_id=7))) == [
        ("customer", {"id": 7, "from": "customers"})
    ]


def test_push_wants_exactly_one_way_of_naming_records() -> None:
    runner = CliRunner()
    for args in ([], ["--order", "1", "--customer", "2"], ["--from", "2026-11-01", "--since-last-sync"]):
        result = runner.invoke(app, ["push", "--stack", "s", *args])
        assert result.exit_code == 2 and "exactly one" in result.output
