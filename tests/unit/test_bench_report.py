"""The bench's DynamoDB accounting: units keyed by the template's table names."""

from bench.report import headline, multistore_table, peak_memory, stores_table, units_by_logical_table


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


def test_xero_calls_are_told_apart_by_the_settlement_their_idempotency_key_names() -> None:
    from bench.meters import settlement_of

    assert settlement_of("payout:623721858:invoice:3f2a") == "payout:623721858"
    assert settlement_of("payout:623721858#payment:3f2a") == "payout:623721858"
    assert settlement_of("settlement:24347715254#2026-09:invoice:9c1d") == "settlement:24347715254"
    assert settlement_of("") == ""  # a read carries no key


def test_the_headline_shows_each_amazon_settlements_calls_and_the_payouts_figures() -> None:
    def run(calls: int) -> dict[str, object]:
        settlement = {
            "orders": 10_000,
            "flat_file_lines": 70_000,
            "across_month_end": True,
            "xero_calls": calls,
            "xero_by_endpoint": {"PUT /Invoices": calls - 1, "PUT /Payments": 1},
            "check": {"ok": True},
        }
        deposits = {"per_payout": {"max_calls_per_deposit": 2}, "xero_calls": 60, "runs": [{}, {}]}
        return {
            "settlements": {
                "shopify": {"summary": {"settlements": deposits, "xero": {"rejected_429": 0}}},
                "amazon": {"settlements": {"max_calls_per_settlement": calls, "settlements": [settlement],
                                           "all_checked": True, "sp_api": {"calls": 9, "refused": {"getReports": 1}}}},
            }
        }  # fmt: skip

    lines = headline(run(3), run(5)).splitlines()
    [amazon] = [x for x in lines if x.startswith("  10,000 orders (70,000 lines, month end)")]
    assert "3 (PUT /Invoices 2, PUT /Payments 1)" in amazon and "5 (PUT /Invoices 4" in amazon
    assert any(x.startswith("  Xero calls for the month") and " 60 " in x for x in lines)
    assert any(x.startswith("  schedule runs") and " 2 " in x for x in lines)
    assert any(x.startswith("  SP-API 429s") and " 1 " in x for x in lines)


def _backfill(orders: int, calls: int, api: dict[str, object] | None) -> dict[str, object]:
    return {
        "orders": orders,
        "xero": {"calls_per_order": calls / orders, "calls": calls, "rejected_429": 0, "peak_in_flight": 2},
        "drain": {"simulated_seconds": 600.0, "wall_seconds": 60.0, "limits_only_seconds": 120.0},
        "sync": {"records_per_invocation": 200.0, "xero_requests_per_batched_invocation": 8.0},
        "store_api": api,
    }


def _cost(usd: float) -> dict[str, object]:
    usage = {"lambda_requests": 5.0, "lambda_gb_seconds": 130.0, "sqs_requests": 3000.0}
    return {"per_1000_orders": {**usage, "dynamodb_read_units": 9000.0, "dynamodb_write_units": 12000.0},
            "total_usd_per_1000_orders": usd}  # fmt: skip


def test_the_shopify_backfill_is_shown_beside_the_woocommerce_one_of_the_last_run_when_this_run_has_none() -> None:
    api = {"calls_per_order": 1.2, "cost_points_per_order": 61.4, "throttled": 0}
    results = {"shopify": _backfill(1_000, 80, api), "cost": {"shopify": _cost(0.0151)}}
    previous = {
        "when": "2026-12-01T10:00:00+00:00",
        "backfill": {"batched": _backfill(10_000, 454, None)},
        "cost": {"batched": _cost(0.0119)},
    }
    text = stores_table(results, previous)
    lines = {line.split("  ")[0]: line for line in text.splitlines()}
    assert "WooCommerce (last run, 2026-12-01T10:00:00+00:00)" in text.splitlines()[0]
    assert "0.0454 (454 calls)" in lines["Xero calls per order"]
    assert "0.0800 (80 calls)" in lines["Xero calls per order"]
    assert "1.20 / 61 / 0" in lines["store API: calls / cost points per order / throttled"]
    assert "$0.0119" in lines["AWS cost per 1,000 orders"] and "$0.0151" in lines["AWS cost per 1,000 orders"]
    assert stores_table({}, previous) == ""  # no Shopify part in this run: no table


def test_the_two_stacks_run_is_reported_with_its_verdict() -> None:
    summary = {
        "sources": ["woocommerce", "shopify"],
        "orders": {"a": 25, "b": 25},
        "invoices": {"WA": 21, "SB": 20},
        "calls": 180,
        "sim_seconds": 240.0,
        "rejected_429": 0,
        "max_minute": 58,
        "peak_in_flight": 4,
        "drained": True,
        "dead_letters": 0,
        "failed": 0,
        "store_api_calls": 30,
        "store_api_throttled": 0,
        "verdict": "OK",
    }
    lines = {line.split("  ")[0]: line for line in multistore_table(summary).splitlines()}
    assert "woocommerce + shopify" in lines["Two stacks, one Xero organisation"]
    assert lines["most calls in any simulated minute"].split()[-3:] == ["58", "<=", "60"]
    assert "WA 21, SB 20" in lines["invoices in the organisation, by prefix"]
    assert multistore_table(None) == ""
