"""``make bench`` / ``python -m bench``: throughput, quota and cost figures for xerosync.

Runs, each against a fresh Xero sandbox organisation with Xero's limits and a fresh local
stack (template.yaml over moto):

1. the cold-start proxy: ``python -X importtime`` of each handler module, as a ratio to
   ``import boto3``;
2. the backfill: a seeded shop history pushed onto the orders queue (as a historical push
   would), batching on, on a simulated clock;
3. the baseline: the same code with ``XeroBatching=off`` (one document per Xero request, the
   pattern of today's connectors) on the first ``--baseline-orders`` of the same history;
4. real time: single orders through the HTTP API a few seconds apart, on the real clock;
5. settlements: a Shopify month of daily payouts in summary mode (and the per-order mode's job),
   and Amazon settlements of several sizes, each posted by the SettlementsFunction's schedule:
   Xero calls per deposit, whatever the orders in it;
6. the Shopify backfill: a seeded history in the Shopify simulator pushed onto a Shopify stack's
   orders queue, read back over its Admin GraphQL API, beside WooCommerce's;
7. two stacks, one organisation: a WooCommerce stack and a Shopify stack on one shared Xero budget;
8. Zoho CRM: a seeded CRM history (invoices with their accounts, contacts, vendors, products), each
   record notified to a Zoho stack that reads it from the CRM simulator's API: Xero calls and Zoho
   API credits per CRM record.

Prints a table, writes every figure to ``bench/results.json`` and prints that path last.
See ``bench/README.md`` for how each figure is measured and what distorts it.
"""

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import imports, multistore, runs, settlements, shopify_workload, workload, zoho
from bench.harness import median, percentile
from bench.prices import PRICES, PRICES_DATE
from bench.report import (
    cost_per_thousand,
    headline,
    multistore_table,
    peak_memory,
    stores_table,
    summarize,
    table,
)
from local.sam import ROOT

RESULTS = ROOT / "bench" / "results.json"


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "uname_m": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


# Each part's size in a full run and in a --quick one (a few minutes, for day-to-day use); an
# option given on the command line wins over both.
FULL = {
    "orders": 10_000,
    "customers": 3_000,
    "day_orders": 30_000,
    "baseline_orders": 300,
    "bound_orders": 300,
    "burst": 1_000,
    "trickle": 30,
    "import_runs": 9,
    "payout_orders": 10_000,
    "settlement_orders": "10,1000,10000",
    "month_end_orders": 1_000,
    "shopify_orders": 10_000,
    "shopify_customers": 2_000,
    "multistore_orders": 100,
    "zoho_invoices": 1_000,
}
QUICK = {
    "orders": 2_000,
    "customers": 600,
    "day_orders": 0,
    "baseline_orders": 100,
    "bound_orders": 150,
    "burst": 300,
    "trickle": 15,
    "import_runs": 3,
    "payout_orders": 1_000,
    "settlement_orders": "10,100,1000",
    "month_end_orders": 100,
    "shopify_orders": 1_000,
    "shopify_customers": 200,
    "multistore_orders": 25,
    "zoho_invoices": 100,
}
PARTS = [
    "imports",
    "backfill",
    "day",
    "bound",
    "baseline",
    "burst",
    "trickle",
    "settlements",
    "shopify",
    "multistore",
    "zoho",
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller parts, no 30,000-order day (a few minutes)")
    parser.add_argument("--orders", type=int, help="backfill orders (10,000; --quick 2,000)")
    parser.add_argument("--customers", type=int, help="buyers in that history (3,000; --quick 600)")
    parser.add_argument(
        "--day-orders",
        type=int,
        help="orders of the second, larger backfill, its buyers in the same proportion (30,000; --quick: none)",
    )
    parser.add_argument("--existing-share", type=float, default=0.5, help="share of buyers already in Xero")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=60.0, help="simulated seconds per second (default 60)")
    parser.add_argument("--baseline-orders", type=int, help="orders in the baseline sample (300; --quick 100)")
    parser.add_argument(
        "--bound-orders", type=int, help="orders in the batched sample run with the minute budget binding (300; 150)"
    )
    parser.add_argument(
        "--bound-scale", type=float, default=2.0, help="clock of that sample: slow enough for Xero's budget to bind"
    )
    parser.add_argument("--burst", type=int, help="burst orders, as webhooks through the HTTP API (1,000; 300)")
    parser.add_argument("--burst-rate", type=float, default=100.0, help="burst orders a simulated minute")
    parser.add_argument("--burst-scale", type=float, default=4.0, help="the burst's clock (default x4)")
    parser.add_argument(
        "--neighbour-share", type=float, default=0.1, help="share of Xero's minute another app spends meanwhile"
    )
    parser.add_argument("--trickle", type=int, help="real-time orders (30; --quick 15)")
    parser.add_argument("--trickle-gap", type=float, default=3.0, help="seconds between real-time orders")
    parser.add_argument("--import-runs", type=int, help="fresh interpreters per import figure (9; --quick 3)")
    parser.add_argument("--shopify-orders", type=int, help="Shopify backfill orders (10,000; --quick 1,000)")
    parser.add_argument(
        "--shopify-customers",
        type=int,
        help="registered customers in that history; guests come on top (2,000; --quick 200)",
    )
    parser.add_argument(
        "--shopify-push",
        action="append",
        choices=("webhook", "bulk"),
        help="how the Shopify history is pushed: each order's webhook message, the sync reading the order "
        "(webhook), and what xerosync push enqueues, whole orders from a bulk operation (bulk); default both",
    )
    parser.add_argument(
        "--multistore-orders", type=int, help="orders per stack in the two-stacks run (100; --quick 25)"
    )
    parser.add_argument(
        "--multistore-sources",
        type=multistore.parse_sources,
        default=multistore.SOURCES,
        help="the two stacks' stores (default woocommerce,shopify)",
    )
    parser.add_argument("--multistore-scale", type=float, default=2.0, help="that run's clock (default x2)")
    parser.add_argument(
        "--zoho-invoices",
        type=int,
        help="invoices of the Zoho CRM history, with their accounts etc. (1,000; --quick 100)",
    )
    parser.add_argument(
        "--payout-orders", type=int, help="orders of the Shopify month paid out daily (10,000; --quick 1,000)"
    )
    parser.add_argument("--payout-days", type=int, default=30, help="days of that month, a payout a day (30)")
    parser.add_argument(
        "--settlement-orders", help="orders of each Amazon settlement, comma-separated (10,1000,10000; 10,100,1000)"
    )
    parser.add_argument(
        "--month-end-orders", type=int, help="orders of one more Amazon settlement, across a month end (1,000; 100)"
    )
    parser.add_argument(
        "--no-per-order-payouts", action="store_true", help="skip the per-order mode's payouts job after the month"
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="validate every Xero request and answer against the spec in the backfills",
    )
    parser.add_argument("--timeout", type=float, default=6 * 3600.0, help="wall seconds to wait for a drain")
    parser.add_argument("--skip", action="append", default=[], choices=PARTS, help="skip a part")
    parser.add_argument("--only", action="append", default=[], choices=PARTS, help="run only these parts")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.shopify_push = list(dict.fromkeys(args.shopify_push or ["webhook", "bulk"]))
    if args.only:
        args.skip = [p for p in PARTS if p not in args.only]
    if not args.day_orders:
        args.skip.append("day")
    return args


def _invoiced_paid(order: dict[str, Any]) -> bool:
    """A paid order the sync invoices: not a zero-total one (skipped by the default settings,
    ``zero_total_orders``: the burst's check would count it as missing; 2 of 600 in a x2 run)."""
    return (
        order["status"] in ("processing", "completed") and bool(order.get("date_paid")) and Decimal(order["total"]) > 0
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    began = time.monotonic()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "prices": {"date": PRICES_DATE, "us_east_1": {k: asdict(v) for k, v in PRICES.items()}},
    }
    options = runs.Options(scale=args.scale, validate=args.validate, timeout=args.timeout)
    laps: dict[str, float] = {}
    last = [time.monotonic()]

    def lap(part: str) -> None:  # each part's wall time (skipped parts are left out)
        now = time.monotonic()
        if now - last[0] >= 0.5:
            laps[part] = round(now - last[0], 1)
        last[0] = now

    limits = options.limits

    if "imports" not in args.skip:
        print(f"Import times ({args.import_runs} fresh interpreters each)...", flush=True)
        results["imports"] = [asdict(f) for f in imports.measure(args.import_runs)]

    stamp = time.strftime("%H%M%S")
    lap("imports")
    if {"backfill", "bound", "baseline"} - set(args.skip):
        print(f"Generating the shop: {args.orders:,} orders, ~{args.customers:,} customers, seed {args.seed}...")
        shop = workload.generate(args.seed, args.orders, args.customers)
        workload.choose_existing(shop, args.existing_share)
        results["shop"] = {
            "orders": len(shop.orders),
            "customers": len(shop.parties),
            "customers_in_xero_before": len(shop.existing),
            "order_statuses": dict(shop.statuses),
            "orders_with_refunds": shop.refunded,
        }
        backfill: dict[str, Any] = {}
        if "backfill" not in args.skip:
            print("Backfill, batching on...", flush=True)
            figures = runs.backfill(shop, shop.orders, name=f"bench-batched-{stamp}", batching=True, options=options)
            backfill["batched"] = summarize(
                figures, usable_minute=limits.usable_minute, usable_day=limits.usable_day, full_orders=args.orders
            )
        if "bound" not in args.skip:
            sample = shop.orders[: args.bound_orders]
            print(
                f"Batched sample, minute budget binding: first {len(sample):,} orders, clock x{args.bound_scale:g}..."
            )
            figures = runs.backfill(
                shop,
                sample,
                name=f"bench-bound-{stamp}",
                batching=True,
                options=replace(options, scale=args.bound_scale),
            )
            backfill["batched_budget_bound"] = summarize(
                figures, usable_minute=limits.usable_minute, usable_day=limits.usable_day, full_orders=args.orders
            )
        if "baseline" not in args.skip:
            sample = shop.orders[: args.baseline_orders]
            print(f"Baseline, batching off, first {len(sample):,} orders...", flush=True)
            figures = runs.backfill(shop, sample, name=f"bench-baseline-{stamp}", batching=False, options=options)
            backfill["baseline"] = summarize(
                figures, usable_minute=limits.usable_minute, usable_day=limits.usable_day, full_orders=args.orders
            )
        results["backfill"] = backfill

    lap("backfills")
    if "day" not in args.skip:
        customers = round(args.customers * args.day_orders / args.orders)
        print(f"A day's backfill: {args.day_orders:,} orders, ~{customers:,} customers, seed {args.seed}...")
        day = workload.generate(args.seed, args.day_orders, customers)
        workload.choose_existing(day, args.existing_share)
        figures = runs.backfill(day, day.orders, name=f"bench-day-{stamp}", batching=True, options=options)
        results.setdefault("backfill", {})["day"] = summarize(
            figures, usable_minute=limits.usable_minute, usable_day=limits.usable_day, full_orders=args.day_orders
        )

    lap("day")
    if "burst" not in args.skip:
        print(f"Burst: {args.burst:,} orders as webhooks at {args.burst_rate:g} a minute...", flush=True)
        crowd = workload.generate(args.seed + 2, round(args.burst * 1.6), max(20, round(args.burst * 0.6)))
        workload.choose_existing(crowd, args.existing_share)
        paid = [o for o in crowd.orders if _invoiced_paid(o)]
        picked = paid[: args.burst]
        figures, checks = runs.burst(
            crowd,
            picked,
            name=f"bench-burst-{stamp}",
            per_minute=args.burst_rate,
            neighbour_share=args.neighbour_share,
            scale=args.burst_scale,
            options=options,
        )
        summary = summarize(
            figures, usable_minute=limits.usable_minute, usable_day=limits.usable_day, full_orders=len(picked)
        )
        ours = summary["xero"]["calls"] - checks.neighbour_calls
        summary["burst"] = {
            "orders": len(picked),
            "per_simulated_minute": args.burst_rate,
            "clock_scale": args.burst_scale,
            "neighbour_share": args.neighbour_share,
            "neighbour_calls": checks.neighbour_calls,
            "sync_xero_calls": ours,
            "sync_calls_per_order": ours / len(picked) if picked else None,
            "checks": asdict(checks),
            "webhook_to_invoice_s_simulated": {
                "invoices_timed": len(figures.latencies),
                "p50": percentile(figures.latencies, 0.5),
                "p95": percentile(figures.latencies, 0.95),
                "max": max(figures.latencies, default=0.0),
            },
            "oldest_message_age_s_simulated": summary["sync"]["oldest_message_age_wall_s"] * args.burst_scale,
            "governor_bounces": {k: v for k, v in summary["sync"]["retries_by_cause"].items() if "Budget" in k},
        }
        results["burst"] = summary

    lap("burst")
    if "trickle" not in args.skip:
        print("Real time: single orders through the HTTP API...", flush=True)
        small = workload.generate(args.seed + 1, max(60, args.trickle * 3), max(20, args.trickle))
        workload.choose_existing(small, args.existing_share)
        paid = [o for o in small.orders if _invoiced_paid(o)]
        picked = paid[: args.trickle]
        figures = runs.trickle(small, picked, name=f"bench-realtime-{stamp}", gap=args.trickle_gap, options=options)
        summary = summarize(
            figures,
            usable_minute=limits.usable_minute,
            usable_day=limits.usable_day,
            full_orders=len(picked),
            paced=False,
        )
        summary["latency"] = {
            "invoices_timed": len(figures.latencies),
            "median_s": median(figures.latencies),
            "p99_s": percentile(figures.latencies, 0.99),
            "max_s": max(figures.latencies, default=0.0),
            "all_s": sorted(round(x, 3) for x in figures.latencies),
            "batch_window_s": 2,
        }
        results["trickle"] = summary

    lap("trickle")
    if "settlements" not in args.skip:
        print(
            f"Settlements: a Shopify month ({args.payout_orders:,} orders over {args.payout_days} days, paid out "
            f"daily), Amazon settlements of {args.settlement_orders} orders (+{args.month_end_orders:,} across a "
            "month end)...",
            flush=True,
        )
        parts: dict[str, Any] = {}
        try:
            parts["shopify"] = settlements.shopify_month(
                orders=args.payout_orders,
                days=args.payout_days,
                seed=args.seed,
                options=options,
                per_order=not args.no_per_order_payouts,
            )
        except Exception as exc:  # one store's failure is reported, the other still measured
            parts["shopify"] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"  the Shopify month failed: {parts['shopify']['error']}", flush=True)
        try:
            parts["amazon"] = settlements.amazon(
                sizes=[int(x) for x in str(args.settlement_orders).split(",") if x.strip()],
                month_end=args.month_end_orders,
                seed=args.seed,
                options=options,
            )
        except Exception as exc:
            parts["amazon"] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"  the Amazon settlements failed: {parts['amazon']['error']}", flush=True)
        results["settlements"] = parts

    lap("settlements")
    if "shopify" not in args.skip:
        print(
            f"Shopify backfill: {args.shopify_orders:,} orders, {args.shopify_customers:,} registered customers "
            f"and guests, seed {args.seed}...",
            flush=True,
        )
        history = shopify_workload.generate(args.seed, args.shopify_orders, args.shopify_customers)
        shopify_workload.choose_existing(history, args.existing_share)
        results["shopify_shop"] = {
            "orders": len(history.orders),
            "customers": len(history.parties),
            "customers_in_xero_before": len(history.existing),
            "order_statuses": dict(history.statuses),
            "orders_with_refunds": history.refunded,
        }
        for push in args.shopify_push:
            key = "shopify" if push == "webhook" else "shopify_bulk"
            try:
                figures = runs.shopify_backfill(
                    history, history.orders, name=f"bench-shopify-{push}-{stamp}", options=options, push=push
                )
            except Exception as exc:  # one push's failure is reported, the other's figures kept
                results[f"{key}_error"] = f"{type(exc).__name__}: {exc}"
                print(f"  the Shopify backfill ({push}) failed: {results[f'{key}_error']}", flush=True)
                continue
            results[key] = summarize(
                figures,
                usable_minute=limits.usable_minute,
                usable_day=limits.usable_day,
                full_orders=len(history.orders),
            )

    lap("shopify")
    if "multistore" not in args.skip:
        sources = ",".join(args.multistore_sources)
        print(
            f"Two stacks, one organisation ({sources}): {args.multistore_orders:,} orders each, one document per "
            f"Xero request, clock x{args.multistore_scale:g}...",
            flush=True,
        )
        together = multistore.run(
            args.multistore_orders,
            scale=args.multistore_scale,
            batching=False,
            timeout=args.timeout,
            sources=args.multistore_sources,
        )
        results["multistore"] = together.as_results()

    lap("multistore")
    if "zoho" not in args.skip:
        print(
            f"Zoho CRM: {args.zoho_invoices:,} invoices with their accounts, contacts and products, seed {args.seed}..."
        )
        try:
            results["zoho"] = zoho.run(invoices=args.zoho_invoices, seed=args.seed, options=options, stamp=stamp)
        except Exception as exc:  # reported, the other parts' figures kept
            results["zoho"] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"  the Zoho CRM part failed: {results['zoho']['error']}", flush=True)

    lap("zoho")
    cost: dict[str, Any] = {}
    for key, summary in (
        ("batched", results.get("backfill", {}).get("batched")),
        ("baseline", results.get("backfill", {}).get("baseline")),
    ):
        if summary:
            cost[key] = cost_per_thousand(summary)
    if results.get("backfill", {}).get("day"):
        cost["day"] = cost_per_thousand(results["backfill"]["day"])
    for key in ("shopify", "shopify_bulk"):
        if results.get(key):
            cost[key] = cost_per_thousand(results[key])
    for key in ("burst", "trickle"):
        if key in results:
            webhooks = sum(results[key]["deliveries"].values())
            cost["real_time" if key == "trickle" else key] = cost_per_thousand(results[key], api_requests=webhooks)
    results["cost"] = cost

    results["memory"] = peak_memory(results)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["wall_seconds"] = time.monotonic() - began
    results["part_wall_seconds"] = laps
    results["table"] = table(results)
    previous = _previous(args.out)
    results["stores_table"] = stores_table(results, previous)
    results["multistore_table"] = multistore_table(results.get("multistore"))
    results["headline"] = headline(results, previous)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    m = results["machine"]
    print()
    print(f"xerosync bench, {results['when']}: {m['uname_m']}, {m['cores']} cores, Python {m['python']}")
    if "\n" in results["table"]:  # the per-part table has rows beyond its header
        print(results["table"])
        print()
    results["zoho_table"] = zoho.table(results["zoho"]) if "zoho" in results else ""
    for extra in (results["stores_table"], results["multistore_table"], results["zoho_table"]):
        if extra:
            print(extra)
            print()
    print(results["headline"])
    print(f"\nWall time {results['wall_seconds'] / 60:.1f} min. Figures: see bench/README.md for how each is measured.")
    print(args.out)
    verdict = (results.get("multistore") or {}).get("verdict")
    if verdict not in (None, "OK"):  # the part asserts the organisation's limits held
        print(f"multistore: {verdict}", file=sys.stderr)
        return 1
    return 0


def _previous(path: Path) -> dict[str, Any]:
    """The last run's results (before this run writes over them), or nothing."""
    try:
        previous: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return previous


if __name__ == "__main__":
    sys.exit(main())
