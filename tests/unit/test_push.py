"""What ``xerosync push`` reads from the store for each way of naming records (here through the
WooCommerce adapter, over an in-memory REST API)."""

from datetime import UTC, date, datetime

from typer.testing import CliRunner

from tests.fake_woo_rest import FakeRest, woo_store
from xerosync import push
from xerosync.cli import app
from xerosync.push import Selection

CHANGED = "2026-11-21T10:00:00"  # after the watermark of the "since" tests


def store_data() -> FakeRest:
    rest = FakeRest()
    rest.data = {
        "orders": [
            {"id": 1, "status": "processing", "date_created": "2026-10-31T23:59:59", "date_modified_gmt": CHANGED},
            {"id": 2, "status": "processing", "date_created": "2026-11-01T00:00:00", "date_modified_gmt": CHANGED},
            {"id": 3, "status": "processing", "date_created": "2026-11-02T10:00:00", "date_modified_gmt": CHANGED},
        ],
        "products": [
            {"id": 10, "type": "variable", "date_modified_gmt": CHANGED},
            {"id": 20, "type": "simple", "date_modified_gmt": CHANGED},
        ],
        "products/10/variations": [{"id": 11, "type": "variation", "date_modified_gmt": CHANGED}],
        "customers": [
            {"id": 7, "date_created_gmt": "2026-11-21T10:00:00"},
            {"id": 6, "date_created_gmt": "2026-11-01T10:00:00"},
        ],
    }
    return rest


def test_a_date_range_reads_the_orders_created_in_those_days_of_the_store() -> None:
    rest = store_data()
    store = woo_store(rest)
    selection = Selection("range", start=date(2026, 11, 1), end=date(2026, 11, 2))
    assert [f.key for f in push.records(store, selection)] == ["order:2", "order:3"]
    [(resource, params)] = rest.asked
    assert (resource, params["after"], params["before"]) == ("orders", "2026-10-31T23:59:59", "2026-11-03T00:00:00")
    listed = len(rest.calls)
    assert push.count(store, selection) == 2  # what the store says up front (X-WP-Total) ...
    assert len(rest.calls) == listed  # ... without listing the orders


def test_since_the_last_sync_reads_orders_products_and_new_customers() -> None:
    rest = store_data()
    selection = Selection("since", since=datetime(2026, 11, 20, 9, tzinfo=UTC))
    found = [f.key for f in push.records(woo_store(rest), selection)]
    assert found == ["order:1", "order:2", "order:3", "product:10", "product:20", "product:11", "customer:7"]
    windows = [p for r, p in rest.asked if r in ("orders", "products") and "type" not in p]
    assert windows and all(p.get("modified_after") == "2026-11-20T09:00:00" for p in windows)
    assert push.count(woo_store(rest), selection) is None


def test_one_record_by_id() -> None:
    rest = store_data()
    [customer] = push.records(woo_store(rest), Selection("record", resource="customer", record_id="7"))
    assert (customer.kind, customer.key, customer.raw["id"]) == ("customer", "customer:7", 7)
    [variation] = push.records(woo_store(rest), Selection("record", resource="product", record_id="11"))
    assert variation.key == "product:11"


def test_push_wants_exactly_one_way_of_naming_records() -> None:
    runner = CliRunner()
    for args in ([], ["--order", "1", "--customer", "2"], ["--from", "2026-11-01", "--since-last-sync"]):
        result = runner.invoke(app, ["push", "--stack", "s", *args])
        assert result.exit_code == 2 and "exactly one" in result.output
