"""From what a run measured to the figures the issue asks for, the cost model, and the table."""

import math
from collections import Counter
from typing import Any

from bench.harness import RunFigures, median, percentile
from bench.meters import max_in_window
from bench.prices import PRICES, PRICES_DATE

DAY = 86_400.0


def fixed_windows_max(times: list[float], length: float = 60.0) -> int:
    """The most calls one of the sandbox's fixed windows held (a window opens with the first
    call after the previous one closed, as the sandbox's and Xero's do)."""
    best, start, count = 0, None, 0
    for moment in sorted(times):
        if start is None or moment >= start + length:
            start, count = moment, 0
        count += 1
        best = max(best, count)
    return best


def limits_only_seconds(calls: float, usable_minute: int, usable_day: int) -> float:
    """How long ``calls`` Xero calls take when only Xero's limits pace them: the usable minute
    budget back to back, and a day's wait each time the usable day budget is spent."""
    if calls <= 0:
        return 0.0
    full_days = max(0, math.ceil(calls / usable_day) - 1)
    return full_days * DAY + (calls - full_days * usable_day) / usable_minute * 60.0


def summarize(
    run: RunFigures, *, usable_minute: int, usable_day: int, full_orders: int, paced: bool = True
) -> dict[str, Any]:
    """The per-run figures (everything measured, or computed from measured counts as named)."""
    calls = sum(run.xero.calls.values())
    per_order = calls / run.orders if run.orders else 0.0
    invoiced = run.xero_documents["invoices"]
    sim_minutes = run.sim_seconds / 60.0 if run.sim_seconds else 0.0
    lambda_invocations = sum(f.invocations for f in run.functions.values())
    gb_seconds = sum(f.gb_seconds for f in run.functions.values())
    retries: Counter[str] = Counter()
    for reason, n in run.retry_reasons.items():
        retries[_reason_kind(reason)] += n
    return {
        "label": run.label,
        "source": run.source,
        "orders": run.orders,
        "deliveries": run.http_statuses,
        "drained": run.drained,
        "sandbox_validation": run.validation,
        "xero": {
            "calls": calls,
            "calls_per_order": per_order,
            "calls_per_invoice": calls / invoiced if invoiced else None,
            "by_endpoint": dict(sorted(run.xero.calls.items())),
            "rejected_429": sum(run.xero.rejected.values()),
            "rejected_by_limit": dict(run.xero.rejected),
            "answers_by_status": {str(k): v for k, v in sorted(run.xero.statuses.items())},
            "peak_in_flight": run.xero.peak_in_flight,
            "max_calls_any_60s_simulated": max_in_window(run.xero.call_times),
            "max_calls_in_a_sandbox_minute_window": fixed_windows_max(run.xero.call_times),
            "usable_per_minute": usable_minute,
            "usable_per_day": usable_day,
            # the share of the usable minute budget the drain used (a backfill's figure; a trickle
            # of single orders is too short and too sparse for it to mean anything)
            "minute_budget_used": calls / (usable_minute * sim_minutes) if sim_minutes and paced else None,
        },
        "documents": run.xero_documents,
        "drain": {
            "wall_seconds": run.wall_seconds,
            "push_wall_seconds": run.push_wall_seconds,
            "simulated_seconds": run.sim_seconds,
            "limits_only_seconds": limits_only_seconds(calls, usable_minute, usable_day),
            "limits_only_seconds_full_size": limits_only_seconds(per_order * full_orders, usable_minute, usable_day),
            "full_size_orders": full_orders,
        },
        "sync": {
            "outcomes": run.outcomes,
            "retries_by_cause": dict(retries),
            "dead_letters": run.dead_letters,
            "invocations": len(run.batch_sizes),
            "records_per_invocation": sum(run.batch_sizes) / len(run.batch_sizes) if run.batch_sizes else None,
            "xero_requests_per_batched_invocation": (
                sum(run.batch_requests) / len(run.batch_requests) if run.batch_requests else None
            ),
            # sends of the batcher, and the share a slow worker forced (max_wait) instead of all
            # workers being parked on one phase: forced sends split a kind of call in two
            "batcher_sends": run.flushes[0],
            "batcher_sends_forced_by_a_slow_worker": run.flushes[1],
            # small batches held on their queue while Xero's minute was scarce (xero.pacing)
            "batches_held": run.held[0],
            "records_held": run.held[1],
            "oldest_message_age_wall_s": max((p.get("oldest_age_ms", 0) for p in run.pollers.values()), default=0)
            / 1000.0,
            "pollers": run.pollers,
        },
        "lambda": {
            "invocations": lambda_invocations,
            "gb_seconds": gb_seconds,
            "by_function": {
                name: {
                    "invocations": f.invocations,
                    "errors": f.errors,
                    "cold_starts": f.cold_starts,
                    "timeouts": f.timeouts,
                    "memory_mb": f.memory_mb,
                    "peak_memory_mb": round(f.peak_memory_mb, 1),
                    "gb_seconds": f.gb_seconds,
                    "median_ms": median(f.durations_ms),
                    "p99_ms": percentile(f.durations_ms, 0.99),
                }
                for name, f in run.functions.items()
                if f.invocations
            },
        },
        "sqs": {
            "requests": dict(run.aws.sqs.requests),
            "billable_requests": run.aws.sqs.billable,
            "empty_receives": run.aws.sqs.empty_receives,
            "billable_without_empty_receives": run.aws.sqs.billable - run.aws.sqs.empty_receives,
        },
        "dynamodb": {
            "requests": dict(run.aws.dynamo.requests),
            "read_request_units": run.aws.dynamo.read_units,
            "write_request_units": run.aws.dynamo.write_units,
            "by_table": units_by_logical_table(run.aws.dynamo.by_table),
            "by_table_and_key_kind": units_by_logical_table(run.aws.dynamo.by_kind),
        },
        "other_aws_requests": {
            f"{s}:{a}": n for (s, a), n in sorted(run.aws.requests.items()) if s not in ("sqs", "dynamodb")
        },
        "function_log_bytes": run.log_bytes,
        "store_api": _store_api(run),
    }


def _store_api(run: RunFigures) -> dict[str, Any] | None:
    """What the functions asked of the store's API (Shopify: Admin GraphQL queries, THROTTLED
    answers among them, and their actual cost points, as ``bench.meters.ShopifyMeter`` counted
    them), per order too; None when it was not counted."""
    api = run.store_api
    if api is None:
        return None
    calls, points = sum(api.calls.values()), api.actual_points
    pushed = run.push_api
    return {
        "push_calls_by_operation": dict(sorted(pushed.calls.items())) if pushed else None,
        "push_cost_points": pushed.actual_points if pushed else None,
        "calls": calls,
        "calls_per_order": calls / run.orders if run.orders else None,
        "cost_points": points,
        "cost_points_per_order": points / run.orders if run.orders else None,
        "requested_points": api.requested_points,
        "throttled": sum(api.refused.values()),
        "calls_by_operation": dict(sorted(api.calls.items())),
        "throttled_by_operation": dict(sorted(api.refused.items())),
    }


def _reason_kind(reason: str) -> str:
    outcome, _, text = reason.partition(": ")
    kind = text.split(":", 1)[0]
    if kind == "BudgetExhausted":
        kind += " (" + text.split("(", 1)[-1].split(")", 1)[0] + ")"
    return f"{outcome}: {kind}"


def units_by_logical_table(book: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Read and write units keyed by the template's table name (``MappingsTable``, or
    ``MappingsTable order`` for a ``table|key kind`` key), summed over physical tables.

    The meter counts for the whole bench process, so a run's difference still lists the tables of
    the stacks before it (with nothing added); their units are summed in, never written over
    this run's."""
    out: dict[str, dict[str, float]] = {}
    for key, (reads, writes) in sorted(book.items()):
        table, _, kind = key.partition("|")
        name = f"{_table_name(table)} {kind}" if kind else _table_name(table)
        units = out.setdefault(name, {"read": 0.0, "write": 0.0})
        units["read"] += reads
        units["write"] += writes
    return out


def _table_name(physical: str) -> str:
    for logical in ("MappingsTable", "IdempotencyTable", "SyncLogTable"):
        if logical in physical:
            return logical
    return physical


def cost_per_thousand(summary: dict[str, Any], *, api_requests: int = 0) -> dict[str, Any]:
    """Usage per 1,000 orders and its list price. SQS empty receives are left out: Lambda's
    pollers make them whether or not orders come (a fixed cost per hour, not per order), and
    the local runner's pollers make far more of them than Lambda's do."""
    scale = 1000.0 / summary["orders"]
    other = summary["other_aws_requests"]
    usage = {
        "lambda_requests": summary["lambda"]["invocations"] * scale,
        "lambda_gb_seconds": summary["lambda"]["gb_seconds"] * scale,
        "sqs_requests": summary["sqs"]["billable_without_empty_receives"] * scale,
        "dynamodb_read_units": summary["dynamodb"]["read_request_units"] * scale,
        "dynamodb_write_units": summary["dynamodb"]["write_request_units"] * scale,
        "api_gateway_requests": api_requests * scale,
        "secrets_manager_calls": other.get("secretsmanager:GetSecretValue", 0) * scale,
    }
    price_of = {
        "lambda_requests": PRICES["lambda_request"].usd,
        "lambda_gb_seconds": PRICES["lambda_gb_second_arm64"].usd,
        "sqs_requests": PRICES["sqs_request"].usd,
        "dynamodb_read_units": PRICES["dynamodb_read_request_unit"].usd,
        "dynamodb_write_units": PRICES["dynamodb_write_request_unit"].usd,
        "api_gateway_requests": PRICES["http_api_request"].usd,
        "secrets_manager_calls": PRICES["secrets_manager_call"].usd,
    }
    usd = {k: usage[k] * price_of[k] for k in usage}
    return {
        "per_1000_orders": usage,
        "usd_per_1000_orders": usd,
        "total_usd_per_1000_orders": sum(usd.values()),
        "empty_receives_per_1000_orders_not_priced": summary["sqs"]["empty_receives"] * scale,
        "prices_date": PRICES_DATE,
    }


# --- the table --------------------------------------------------------------------------------------
def _n(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= DAY:
        days, rest = divmod(seconds, DAY)
        return f"{int(days)} d {rest / 3600:.1f} h"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "-"
    return f"{a / b:.3f}"


def table(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str, str]] = []
    batched = results.get("backfill", {}).get("batched")
    baseline = results.get("backfill", {}).get("baseline")
    if batched or baseline:
        b = batched or {}
        o = baseline or {}

        def get(summary: dict[str, Any], *path: str) -> Any:
            node: Any = summary
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            return node

        rows += [
            (
                "Backfill: orders pushed",
                _n(get(b, "orders"), 0),
                _n(get(o, "orders"), 0),
                "",
                "",
            ),
            (
                "Xero calls per order",
                _n(get(b, "xero", "calls_per_order"), 3),
                _n(get(o, "xero", "calls_per_order"), 3),
                ratio(get(b, "xero", "calls_per_order"), get(o, "xero", "calls_per_order")),
                "<= 0.1",
            ),
            (
                "Xero calls per invoice created",
                _n(get(b, "xero", "calls_per_invoice"), 3),
                _n(get(o, "xero", "calls_per_invoice"), 3),
                ratio(get(b, "xero", "calls_per_invoice"), get(o, "xero", "calls_per_invoice")),
                "",
            ),
            (
                "Drain, simulated clock (measured)",
                duration(get(b, "drain", "simulated_seconds")),
                duration(get(o, "drain", "simulated_seconds")),
                "",
                "",
            ),
            (
                "  minute budget used while draining",
                _pct(get(b, "xero", "minute_budget_used")),
                _pct(get(o, "xero", "minute_budget_used")),
                "",
                "",
            ),
            (
                f"Drain of {_n(get(b, 'drain', 'full_size_orders') or get(o, 'drain', 'full_size_orders'), 0)}"
                " orders, Xero limits alone",
                duration(get(b, "drain", "limits_only_seconds_full_size")),
                duration(get(o, "drain", "limits_only_seconds_full_size")),
                ratio(
                    get(b, "drain", "limits_only_seconds_full_size"), get(o, "drain", "limits_only_seconds_full_size")
                ),
                "",
            ),
            (
                "429s received",
                _n(get(b, "xero", "rejected_429"), 0),
                _n(get(o, "xero", "rejected_429"), 0),
                "",
                "0",
            ),
            (
                "Peak Xero calls in flight",
                _n(get(b, "xero", "peak_in_flight"), 0),
                _n(get(o, "xero", "peak_in_flight"), 0),
                "",
                "<= 5",
            ),
            (
                "Most calls in any simulated minute",
                _n(get(b, "xero", "max_calls_any_60s_simulated"), 0),
                _n(get(o, "xero", "max_calls_any_60s_simulated"), 0),
                "",
                "<= 60",
            ),
        ]
    bound = results.get("backfill", {}).get("batched_budget_bound")
    if bound:
        scale = results.get("arguments", {}).get("bound_scale", "?")
        rows += [
            (f"Batched sample, minute budget binding (clock x{scale})", _n(bound["orders"], 0), "", "", ""),
            ("  Xero calls per order", _n(bound["xero"]["calls_per_order"], 3), "", "", "<= 0.1"),
            ("  minute budget used / 429s", f"{_pct(bound['xero']['minute_budget_used'])} / "
             f"{bound['xero']['rejected_429']}", "", "", ""),
            ("  most calls in any simulated minute", _n(bound["xero"]["max_calls_any_60s_simulated"], 0), "", "",
             f"<= {bound['xero']['usable_per_minute']} (+jitter)"),
        ]  # fmt: skip
    trickle = results.get("trickle")
    if trickle:
        rows += [
            ("Real time: orders (one at a time)", _n(trickle["orders"], 0), "", "", ""),
            ("  Xero calls per order", _n(trickle["xero"]["calls_per_order"], 2), "", "", ""),
            (
                "  webhook -> invoice, median / p99",
                f"{trickle['latency']['median_s']:.2f} s / {trickle['latency']['p99_s']:.2f} s",
                "",
                "",
                "",
            ),
        ]
    costs = results.get("cost", {})
    for label, key in (("batched backfill", "batched"), ("baseline", "baseline"), ("real time", "real_time")):
        cost = costs.get(key)
        if not cost:
            continue
        usage = cost["per_1000_orders"]
        rows.append(
            (
                f"Cost per 1,000 orders, {label}",
                f"${cost['total_usd_per_1000_orders']:.4f}",
                "",
                "",
                "< $0.05",
            )
        )
        rows.append(
            (
                "  Lambda inv / GB-s, SQS req",
                f"{usage['lambda_requests']:,.0f} / {usage['lambda_gb_seconds']:,.0f}, {usage['sqs_requests']:,.0f}",
                "",
                "",
                "",
            )
        )
        rows.append(
            (
                "  DynamoDB RRU / WRU, API GW req",
                f"{usage['dynamodb_read_units']:,.0f} / {usage['dynamodb_write_units']:,.0f}, "
                f"{usage['api_gateway_requests']:,.0f}",
                "",
                "",
                "",
            )
        )
    for figure in results.get("imports", []):
        if figure["name"] == "boto3 alone":
            rows.append(("Import time, boto3 alone (floor)", f"{figure['median_ms']:.0f} ms", "", "", ""))
        else:
            target = figure.get("target")
            rows.append(
                (
                    f"Import time, {figure['name']}",
                    f"{figure['ratio']:.2f}x boto3 ({figure['median_ms']:.0f} ms)"
                    + (f", CPU {figure['cpu_ratio']:.2f}x" if figure.get("cpu_ratio") else "")
                    + (f", cold start CPU {figure['cold_cpu_ratio']:.2f}x" if figure.get("cold_cpu_ratio") else ""),
                    "",
                    "",
                    f"<= {target:g}x" if target else "",
                )
            )
    header = ("", "batched", "baseline", "ratio", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    return "\n".join(lines)


def stores_table(results: dict[str, Any], previous: dict[str, Any]) -> str:
    """The backfill of each store side by side: WooCommerce's (this run's, else the last run's,
    said so) beside Shopify's."""
    woo, woo_cost, woo_when = _at(results, "backfill", "batched"), _at(results, "cost", "batched"), "this run"
    if not woo and _at(previous, "backfill", "batched"):
        woo, woo_cost = _at(previous, "backfill", "batched"), _at(previous, "cost", "batched")
        woo_when = f"last run, {previous.get('when', '?')}"
    shop, shop_cost = _at(results, "shopify"), _at(results, "cost", "shopify")
    bulk, bulk_cost = _at(results, "shopify_bulk"), _at(results, "cost", "shopify_bulk")
    if not shop and not bulk:
        return ""

    def cells(summary: Any, cost: Any) -> list[str]:
        if not summary:
            return ["-"] * 11
        usage = (cost or {}).get("per_1000_orders") or {}
        api = summary.get("store_api") or {}
        return [
            _n(summary["orders"], 0),
            f"{summary['xero']['calls_per_order']:.4f} ({summary['xero']['calls']:,} calls)",
            f"{summary['xero']['rejected_429']} / {summary['xero']['peak_in_flight']}",
            f"{duration(summary['drain']['simulated_seconds'])} / {duration(summary['drain']['wall_seconds'])}",
            f"{duration(summary['drain']['limits_only_seconds'])}",
            f"{api['calls_per_order']:.2f} / {api['cost_points_per_order']:.0f} / {api['throttled']}" if api else "-",
            f"{usage.get('lambda_requests', 0):,.0f} / {usage.get('lambda_gb_seconds', 0):,.0f}" if usage else "-",
            f"{usage.get('sqs_requests', 0):,.0f}" if usage else "-",
            f"{usage.get('dynamodb_read_units', 0):,.0f} / {usage.get('dynamodb_write_units', 0):,.0f}"
            if usage
            else "-",
            f"${cost['total_usd_per_1000_orders']:.4f}" if cost else "-",
            f"{summary['sync']['records_per_invocation'] or 0:.0f} / "
            f"{summary['sync']['xero_requests_per_batched_invocation'] or 0:.1f}",
        ]

    labels = [
        "Backfill: orders pushed",
        "Xero calls per order",
        "429s / peak Xero calls in flight",
        "drain: simulated / wall",
        "drain under Xero's limits alone",
        "store API: calls / cost points per order / throttled",
        "per 1,000 orders: Lambda invocations / GB-s",
        "  SQS requests",
        "  DynamoDB RRU / WRU",
        "AWS cost per 1,000 orders",
        "records per sync invocation / Xero requests per one",
    ]
    targets = ["", "Shopify <= 0.1", "0 / <= 5", "", "", "", "", "", "", "< $0.05", ""]
    header = ("", f"WooCommerce ({woo_when})", "Shopify, webhook messages", "Shopify, xerosync push", "target")
    columns = zip(labels, cells(woo, woo_cost), cells(shop, shop_cost), cells(bulk, bulk_cost), targets, strict=True)
    rows = [header, *columns]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows)


def multistore_table(summary: dict[str, Any] | None) -> str:
    """The two-stacks-one-organisation run's figures."""
    if not summary:
        return ""
    rows = [
        ("Two stacks, one Xero organisation", " + ".join(summary["sources"]), "target"),
        ("orders (each stack)", " + ".join(f"{n:,}" for n in summary["orders"].values()), ""),
        ("invoices in the organisation, by prefix", ", ".join(f"{k} {v:,}" for k, v in summary["invoices"].items()),
         ""),
        ("Xero calls / simulated minutes", f"{summary['calls']:,} / {summary['sim_seconds'] / 60:.1f}", ""),
        ("429s", str(summary["rejected_429"]), "0"),
        ("most calls in any simulated minute", str(summary["max_minute"]), "<= 60"),
        ("peak calls in flight", str(summary["peak_in_flight"]), "<= 5"),
        ("drained / dead letters / failed", f"{summary['drained']} / {summary['dead_letters']} / {summary['failed']}",
         "True / 0 / 0"),
        ("store API calls (Shopify) / throttled", f"{summary.get('store_api_calls', '-')} / "
         f"{summary.get('store_api_throttled', '-')}", ""),
        ("verdict", summary["verdict"], "OK"),
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f} %"


# --- the headline: this run's figures beside the last run's --------------------------------------------
def _at(results: dict[str, Any], *path: str) -> Any:
    node: Any = results
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "calls":
        return f"{value:.3f}"
    if kind == "usd":
        return f"${value:.4f}"
    if kind == "s":
        return f"{value:.1f} s"
    if kind == "min":
        return f"{value / 60:.1f} min"
    if kind == "int":
        return f"{value:,.0f}"
    return str(value)


_SUMMARY = ("settlements", "shopify", "summary", "settlements")
_PER_ORDER = ("settlements", "shopify", "per_order", "settlements")
_AMAZON = ("settlements", "amazon", "settlements")
HEADLINE: list[tuple[str, tuple[str, ...], str, str]] = [
    ("Backfill: orders", ("backfill", "batched", "orders"), "int", ""),
    ("  Xero calls per order", ("backfill", "batched", "xero", "calls_per_order"), "calls", "<= 0.045"),
    ("  429s", ("backfill", "batched", "xero", "rejected_429"), "int", "0"),
    ("  AWS cost per 1,000 orders", ("cost", "batched", "total_usd_per_1000_orders"), "usd", "< $0.05"),
    ("  drain, wall", ("backfill", "batched", "drain", "wall_seconds"), "min", ""),
    ("Day backfill: orders", ("backfill", "day", "orders"), "int", ""),
    ("  Xero calls per order", ("backfill", "day", "xero", "calls_per_order"), "calls", "<= 0.045"),
    ("  Xero calls per 1,000 orders", ("backfill", "day", "xero", "calls_per_thousand"), "int", "<= 45"),
    ("  429s", ("backfill", "day", "xero", "rejected_429"), "int", "0"),
    ("  AWS cost per 1,000 orders", ("cost", "day", "total_usd_per_1000_orders"), "usd", "< $0.05"),
    ("Burst: orders (webhooks)", ("burst", "burst", "orders"), "int", ">= 1,000"),
    ("  sync's Xero calls per order", ("burst", "burst", "sync_calls_per_order"), "calls", "<= 0.3"),
    ("  429s", ("burst", "xero", "rejected_429"), "int", "0"),
    ("  invoiced exactly once", ("burst", "burst", "checks", "invoiced_once"), "int", "all"),
    ("  paid in full, once", ("burst", "burst", "checks", "paid_in_full"), "int", "all"),
    ("  webhook -> invoice p50, sim.", ("burst", "burst", "webhook_to_invoice_s_simulated", "p50"), "s", ""),
    ("  webhook -> invoice p95, sim.", ("burst", "burst", "webhook_to_invoice_s_simulated", "p95"), "s", "<= 300 s"),
    ("  oldest message's age, simulated", ("burst", "burst", "oldest_message_age_s_simulated"), "s", ""),
    ("  governor's bounces", ("burst", "sync", "retries_by_cause", "retrying: BudgetExhausted (minute)"), "int", ""),
    ("  batches held to share requests", ("burst", "sync", "batches_held"), "int", ""),
    ("  most calls in a simulated minute", ("burst", "xero", "max_calls_any_60s_simulated"), "int", "<= 60"),
    ("Shopify backfill: orders", ("shopify", "orders"), "int", ""),
    ("  Xero calls per order", ("shopify", "xero", "calls_per_order"), "calls", "<= 0.1"),
    ("  429s", ("shopify", "xero", "rejected_429"), "int", "0"),
    ("  Shopify API calls per order", ("shopify", "store_api", "calls_per_order"), "calls", ""),
    ("  Shopify cost points per order", ("shopify", "store_api", "cost_points_per_order"), "int", ""),
    ("  Shopify THROTTLED answers", ("shopify", "store_api", "throttled"), "int", "0"),
    ("  AWS cost per 1,000 orders", ("cost", "shopify", "total_usd_per_1000_orders"), "usd", "< $0.05"),
    ("  drain, wall", ("shopify", "drain", "wall_seconds"), "min", ""),
    ("Shopify backfill by xerosync push: orders", ("shopify_bulk", "orders"), "int", ""),
    ("  Xero calls per order", ("shopify_bulk", "xero", "calls_per_order"), "calls", "<= 0.1"),
    ("  429s", ("shopify_bulk", "xero", "rejected_429"), "int", "0"),
    ("  Shopify API calls per order (sync)", ("shopify_bulk", "store_api", "calls_per_order"), "calls", ""),
    ("  Shopify THROTTLED answers", ("shopify_bulk", "store_api", "throttled"), "int", "0"),
    ("  AWS cost per 1,000 orders", ("cost", "shopify_bulk", "total_usd_per_1000_orders"), "usd", "< $0.05"),
    ("  drain, wall", ("shopify_bulk", "drain", "wall_seconds"), "min", ""),
    ("Two stacks, one organisation: orders", ("multistore", "orders_total"), "int", ""),
    ("  429s", ("multistore", "rejected_429"), "int", "0"),
    ("  most calls in any simulated minute", ("multistore", "max_minute"), "int", "<= 60"),
    ("  peak calls in flight", ("multistore", "peak_in_flight"), "int", "<= 5"),
    ("  verdict", ("multistore", "verdict"), "text", "OK"),
    ("Real time: orders, 3 s apart", ("trickle", "orders"), "int", ""),
    ("  webhook -> invoice p50", ("trickle", "latency", "median_s"), "s", "<= 2 s"),
    ("  webhook -> invoice p99", ("trickle", "latency", "p99_s"), "s", "<= 10 s"),
    ("  Xero calls per order", ("trickle", "xero", "calls_per_order"), "calls", ""),
    ("Payouts, Shopify month in summary mode: paid", (*_SUMMARY, "checks", "paid_payouts"), "int", ""),
    ("  each one invoice of its deposit, paid once", (*_SUMMARY, "checks", "deposit_matched"), "int", "all"),
    ("  Xero calls per payout, most", (*_SUMMARY, "per_payout", "max_calls_per_deposit"), "int", "<= 3"),
    ("  Xero calls per payout, all counted", (*_SUMMARY, "per_payout", "calls_per_deposit_all_counted"), "calls", ""),
    ("  Xero calls for the month", (*_SUMMARY, "xero_calls"), "int", "< 100"),
    ("  429s", ("settlements", "shopify", "summary", "xero", "rejected_429"), "int", "0"),
    ("  payouts with a sale not read", (*_SUMMARY, "payouts_with_sales_not_read"), "int", "0"),
    ("  Shopify API calls", (*_SUMMARY, "shopify", "calls"), "int", ""),
    ("  Shopify points kept", (*_SUMMARY, "shopify", "points_kept"), "int", ""),
    ("  Shopify's restore rate alone", (*_SUMMARY, "shopify", "limits_only_seconds"), "min", ""),
    ("  drain, wall (all schedule runs)", ("settlements", "shopify", "summary", "drain", "wall_seconds"), "min", ""),
    ("  schedule runs", (*_SUMMARY, "run_count"), "int", ""),
    (
        "Payouts, per-order mode's job: Xero calls per payout",
        (*_PER_ORDER, "per_payout", "max_calls_per_deposit"),
        "int",
        "",
    ),
    ("  deposits matched in Xero", (*_PER_ORDER, "checks", "deposit_matched"), "int", "all"),
    ("Amazon settlements: Xero calls per settlement, most", (*_AMAZON, "max_calls_per_settlement"), "int", "<= 4"),
    ("  all total their deposit in Xero", (*_AMAZON, "all_checked"), "text", "True"),
    ("  SP-API calls (all runs)", (*_AMAZON, "sp_api", "calls"), "int", ""),
    ("  SP-API 429s", (*_AMAZON, "sp_api", "refused_total"), "int", "0"),
    ("Bench wall time", ("wall_seconds",), "min", ""),
    ("  of which the day backfill", ("part_wall_seconds", "day"), "min", ""),
    ("  the rest", ("wall_without_day",), "min", "< 15 min"),
]


def _amazon_rows(results: dict[str, Any], previous: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """One row per Amazon settlement size: its Xero calls (by endpoint), this run beside the last."""

    def by_label(book: dict[str, Any]) -> dict[str, str]:
        out = {}
        for s in _at(book, *_AMAZON, "settlements") or []:
            month_end = ", month end" if s["across_month_end"] else ""
            label = f"  {s['orders']:,} orders ({s['flat_file_lines']:,} lines{month_end})"
            ok = "" if s["check"]["ok"] else ", NOT matched"
            out[label] = f"{s['xero_calls']} ({', '.join(f'{k} {v}' for k, v in s['xero_by_endpoint'].items())}){ok}"
        return out

    now, then = by_label(results), by_label(previous)
    return [(label, now.get(label, "-"), then.get(label, "-"), "<= 4") for label in {**now, **then}]


def peak_memory(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each function's configured memory and the most any of its execution environments held, over
    every part of the run."""
    parts = [
        *(results.get("backfill") or {}).values(),
        results.get("burst"),
        results.get("trickle"),
        results.get("shopify"),
        results.get("shopify_bulk"),
    ]
    shopify = _at(results, "settlements", "shopify") or {}
    parts += [shopify.get("summary"), shopify.get("per_order"), _at(results, "settlements", "amazon")]
    memory: dict[str, dict[str, float]] = {}
    for part in parts:
        for name, f in (_at(part, "lambda", "by_function") or {}).items():
            seen = memory.setdefault(name, {"configured_mb": f["memory_mb"], "peak_mb": 0.0})
            seen["peak_mb"] = max(seen["peak_mb"], f.get("peak_memory_mb") or 0.0)
    return memory


def headline(results: dict[str, Any], previous: dict[str, Any]) -> str:
    """The issue's figures, this run beside the last one (``previous``: its results.json)."""
    for book in (results, previous):
        if book.get("wall_seconds") is not None:
            book["wall_without_day"] = book["wall_seconds"] - (_at(book, "part_wall_seconds", "day") or 0.0)
        day = _at(book, "backfill", "day", "xero")
        if isinstance(day, dict) and day.get("calls_per_order") is not None:
            day["calls_per_thousand"] = day["calls_per_order"] * 1000
        for part in ("summary", "per_order"):
            deposits = _at(book, "settlements", "shopify", part, "settlements")
            if isinstance(deposits, dict):
                deposits["run_count"] = len(deposits.get("runs") or [])
        amazon = _at(book, *_AMAZON)
        if isinstance(amazon, dict):
            amazon["sp_api"]["refused_total"] = sum((amazon.get("sp_api", {}).get("refused") or {}).values())
    when = str(previous.get("when", "-"))
    header = ("", "this run", f"last run ({when})", "target")
    rows = [header]
    for label, path, kind, target in HEADLINE:
        now, then = _at(results, *path), _at(previous, *path)
        if now is None and then is None:
            continue
        rows.append((label, _fmt(now, kind), _fmt(then, kind), target))
        if path == (*_AMAZON, "max_calls_per_settlement"):
            rows += _amazon_rows(results, previous)
    for name in sorted(set(results.get("memory") or {}) | set(previous.get("memory") or {})):
        now, then = _at(results, "memory", name), _at(previous, "memory", name)
        rows.append(
            (
                f"Peak memory, {name}",
                f"{now['peak_mb']:.0f} of {now['configured_mb']:.0f} MB" if now else "-",
                f"{then['peak_mb']:.0f} of {then['configured_mb']:.0f} MB" if then else "-",
                "",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows)
