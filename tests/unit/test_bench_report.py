"""The bench's DynamoDB accounting: units keyed by the template's table names."""

from bench.report import units_by_logical_table


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
