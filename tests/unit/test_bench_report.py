"""The bench's DynamoDB accounting: units keyed by the template's table names."""

from bench.report import headline, peak_memory, units_by_logical_table


def test_units_of_earlier_stacks_tables_do_not_overwrite_this_runs() -> None:
    # A run's difference of the meter lists the tables of every stack the bench made so far;
    # those of earlier stacks added nothing. Sorted by physical name, "bench-baseline" comes
    # before "bench-batched": the earlier stack's zeros must not replace this run's units.
    book = {
        "bench-baseline-1-MappingsTable-A|order": [120.0, 300.0],
        "bench-batched-1-MappingsTable-B|order": [0.0, 0.0],
        "bench-baseline-1-MappingsTable-A": [150.0, 310.0],
        "bench-batched-1-MappingsTable-B": [0.0, 0.0],
        "bench-baseline-1-SyncLogTable-C|record": [0.0, 40.0],
    }
    assert units_by_logical_table(book) == {
        "MappingsTable": {"read": 150.0, "write": 310.0},
        "MappingsTable order": {"read": 120.0, "write": 300.0},
        "SyncLogTable record": {"read": 0.0, "write": 40.0},
    }


def test_the_headline_sets_this_runs_figures_beside_the_last_runs_and_each_functions_peak_memory() -> None:
    def run(calls: float, peak: float) -> dict[str, object]:
        results: dict[str, object] = {
            "when": "2026-12-01T10:00:00+00:00",
            "backfill": {
                "day": {
                    "orders": 30_000,
                    "xero": {"calls_per_order": calls, "rejected_429": 0},
                    "lambda": {"by_function": {"SyncOrdersFunction": {"memory_mb": 512, "peak_memory_mb": peak}}},
                }
            },
            "burst": {"burst": {"orders": 1_000, "sync_calls_per_order": 0.25}, "xero": {"rejected_429": 0}},
        }
        results["memory"] = peak_memory(results)
        return results

    text = headline(run(0.041, 180.4), run(0.081, 150.0))
    lines = {line.strip().split("  ")[0]: line for line in text.splitlines()}
    assert "last run (2026-12-01T10:00:00+00:00)" in text.splitlines()[0]
    assert lines["Xero calls per order"].split()[-4:] == ["0.041", "0.081", "<=", "0.045"]
    assert "41" in lines["Xero calls per 1,000 orders"] and "81" in lines["Xero calls per 1,000 orders"]
    assert "180 of 512 MB" in lines["Peak memory, SyncOrdersFunction"]
    assert "150 of 512 MB" in lines["Peak memory, SyncOrdersFunction"]
    assert "0.250" in lines["sync's Xero calls per order"]
    assert headline(run(0.041, 1.0), {}).splitlines()[0].endswith("target")  # a first run: nothing beside it
