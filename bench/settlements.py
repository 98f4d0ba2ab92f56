"""The settlements part of ``make bench``: Xero calls per deposit, whatever the orders in it.

* **A Shopify month** (issue 16): the Shopify simulator's seeded history of ``orders`` orders over
  ``days`` days, paid out daily (Shopify Payments' balance transactions, some payouts failed and
  paid again), posted in summary mode by the stack's SettlementsFunction on its schedule, as in
  production: each run lists the payouts since its watermark, reads each paid one's balance
  transactions and the orders they carry, and posts one invoice (a credit note when negative) and
  its payment. The schedule is run again until a run has nothing left (a run stops at its deadline
  or when Xero's minute is spent, and the next one continues). Then, on the same shop, the
  per-order mode's settlements job (one bank transaction per payout; the orders' own documents are
  the orders' sync, not measured here).
* **Amazon** (issue 17): settlements of several sizes from the SP-API simulator's seeded generator
  (and one of them across a month end), each published and then posted by the SettlementsFunction
  through the production path: ``getReports``, the report document, the flat file parsed, the
  summary posted.

Every deposit is checked against Xero's own data, not ours: the sandbox organisation's document
totals the deposit the store's simulator paid (its ledger, its flat file's total), paid once by
exactly that amount. Xero calls are counted by the sandbox, and told apart per deposit by the
``Idempotency-Key`` each write carries (:func:`bench.meters.settlement_of`); the stores' API calls by
their simulators (:class:`bench.meters.ShopifyMeter`, :class:`bench.meters.AmazonMeter`).
"""

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.harness import Bench, RunFigures
from bench.meters import AmazonMeter, ShopifyMeter, StoreApiCounts, XeroCounts, settlement_of
from bench.runs import Options

D = Decimal
SCHEDULE = "SettlementsFunction"
MAX_RUNS = 40  # schedule runs per part, at most, until one has nothing left to post
BUSY_WAIT = 5.0  # wall seconds before running again when another run holds the lease
NOT_READ = "was not read from the store"  # summary mode's note for a sale booked as one line


def _run_until_done(bench: Bench, timeout: float, log: Any) -> list[dict[str, Any]]:
    """Invoke the schedule's event again and again, as EventBridge would every SettlementsSchedule,
    until a run lists nothing left to post (posted 0, none failed, not stopped early)."""
    runs: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(runs) < MAX_RUNS and time.monotonic() < deadline:
        began = time.monotonic()
        result = bench.stack.run_schedule(SCHEDULE)
        payload: dict[str, Any] = dict(result.payload) if result.ok and isinstance(result.payload, dict) else {}
        if not result.ok:
            payload = {"outcome": "error", "error": str(result.error)[:300]}
        payload["wall_s"] = round(time.monotonic() - began, 1)
        runs.append(payload)
        words = ("listed", "posted", "parked", "failed", "stopped")
        counts = " ".join(f"{k} {payload[k]}" for k in words if payload.get(k))
        log(f"    run {len(runs)}: {payload.get('outcome')} {counts} ({payload['wall_s']:.0f} s)")
        outcome = payload.get("outcome")
        if outcome == "busy":
            time.sleep(BUSY_WAIT)
            continue
        if (
            outcome == "polled"
            and not payload.get("posted")
            and not payload.get("failed")
            and not payload.get("stopped")
        ):
            break
    return runs


def _per_deposit(xero: XeroCounts, keys: list[str]) -> dict[str, Any]:
    """Xero calls told apart by the deposit their Idempotency-Key names; reads carry none."""
    by: Counter[str] = Counter()
    for key, n in xero.keys.items():
        by[settlement_of(key)] += n
    calls = [by.get(k, 0) for k in keys]
    total = sum(xero.calls.values())
    return {
        "deposits": len(keys),
        "max_calls_per_deposit": max(calls, default=0),
        "mean_calls_per_deposit": sum(calls) / len(calls) if calls else None,
        "calls_per_deposit_all_counted": total / len(keys) if keys else None,  # reads and anything else included
        "calls_without_a_deposit": total - sum(calls),
        "distribution": dict(sorted(Counter(calls).items())),
    }


def _store_api(counts: StoreApiCounts, restore_rate: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "calls": sum(counts.calls.values()),
        "by_operation": dict(sorted(counts.calls.items())),
        "refused": dict(counts.refused),
        "downloads": counts.downloads,
        "download_bytes": counts.download_bytes,
    }
    if restore_rate:
        out["points_requested"] = counts.requested_points
        out["points_kept"] = counts.actual_points
        out["restore_rate_per_s"] = restore_rate
        # what Shopify's restore rate alone takes to pay back the points the month's reads kept
        out["limits_only_seconds"] = counts.actual_points / restore_rate
    return out


def _sync_log_notes(bench: Bench, text: str) -> int:
    """Sync-log entries whose reason carries ``text``."""
    client = bench.stack.client("dynamodb")
    kwargs: dict[str, Any] = {"TableName": bench.stack.resources["SyncLogTable"]}
    found = 0
    while True:
        page = client.scan(**kwargs)
        found += sum(1 for item in page.get("Items", []) if text in item.get("reason", {}).get("S", ""))
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _live(documents: dict[str, dict[str, Any]], number_field: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for document in documents.values():
        if document.get("Status") not in ("DELETED", "VOIDED"):
            out.setdefault(str(document.get(number_field)), []).append(dict(document))
    return out


def _payments_of(bench: Bench) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for payment in bench.org.payments.values():
        if payment.get("Status") != "DELETED":
            out.setdefault(str(payment["Document"][1]), []).append(dict(payment))
    return out


def _money(value: Any) -> Decimal:
    return D(str(value if value is not None else 0))


# --- Shopify: a month of daily payouts ---------------------------------------------------------------
def shopify_month(
    *,
    orders: int,
    days: int,
    seed: int,
    options: Options,
    per_order: bool = True,
    log: Any = print,
) -> dict[str, Any]:
    from local.shopify import shop as shopify_shop
    from local.shopify_store.generate import populate

    stamp = time.strftime("%H%M%S")
    shop = shopify_shop(seed=seed, scale=options.scale)
    end = datetime.now(UTC) - timedelta(hours=1)
    start = end - timedelta(days=days)
    began = time.monotonic()
    populate(shop, seed=seed, customers=max(20, orders * 3 // 10), orders=orders, start=start, end=end,
             payout_every=timedelta(days=1))  # fmt: skip
    pay = shop.payments
    statuses = Counter(p.status for p in pay.payouts.values())
    log(f"  shop: {len(shop.orders):,} orders, {len(pay.payouts)} payouts {dict(statuses)}, "
        f"{len(pay.rows):,} balance transactions (generated in {time.monotonic() - began:.0f} s)")  # fmt: skip
    shop.start()
    meter = ShopifyMeter(shop)
    out: dict[str, Any] = {
        "orders": len(shop.orders),
        "days": days,
        "payouts": dict(statuses),
        "balance_transactions": len(pay.rows),
        "charges_and_refunds": sum(1 for r in pay.rows if r.type in ("CHARGE", "REFUND")),
    }
    try:
        out["summary"] = _shopify_run(shop, meter, start, "summary", f"bench-payouts-summary-{stamp}", options, log)
        if per_order:
            out["per_order"] = _shopify_run(
                shop, meter, start, "per_order", f"bench-payouts-per-order-{stamp}", options, log
            )
    finally:
        meter.uninstall()
        shop.stop()
    return out


def _shopify_run(
    shop: Any, meter: ShopifyMeter, start: datetime, mode: str, name: str, options: Options, log: Any
) -> dict[str, Any]:
    from bench.report import summarize
    from local.chaos_payouts import payouts_settings

    bench = Bench(
        name,
        scale=options.scale,
        batching=True,
        validate=None if options.validate else False,
        parameters={"StoreSource": "shopify"},
        minute_limit=options.minute_limit,
        day_limit=options.day_limit,
    )
    try:
        bench.start(payouts_settings(bench.org, start=start, mode=mode), shop.app.client_secret)
        bench.stack.put_secret(
            "StoreApiSecret",
            json.dumps({"shop": shop.url, "client_id": shop.app.client_id, "client_secret": shop.app.client_secret}),
        )
        log(f"  {name}: the settlements schedule, {mode} mode (clock x{options.scale:g})")
        meter.reset()
        started = bench.begin()
        runs = _run_until_done(bench, options.timeout, log)
        figures: RunFigures = bench.figures(name, len(shop.orders), started, 0.0, True, {})
        shopify = meter.snapshot()
        paid = [p for p in shop.payments.payouts.values() if p.status == "PAID"]
        checks = _check_payouts(bench, paid, mode)
        summary = summarize(
            figures,
            usable_minute=options.limits.usable_minute,
            usable_day=options.limits.usable_day,
            full_orders=len(shop.orders),
        )
        summary["settlements"] = {
            "mode": mode,
            "runs": runs,
            "xero_calls": sum(figures.xero.calls.values()),
            "per_payout": _per_deposit(figures.xero, [f"payout:{p.id}" for p in paid]),
            "checks": checks,
            "payouts_with_sales_not_read": _sync_log_notes(bench, NOT_READ) if mode == "summary" else None,
            "shopify": _store_api(shopify, shop.throttle.limits.restore_rate),
        }
        per = summary["settlements"]["per_payout"]
        log(f"  {name}: {summary['settlements']['xero_calls']} Xero calls for {len(paid)} paid payouts "
            f"(max {per['max_calls_per_deposit']} a payout), {summary['xero']['rejected_429']} 429s; "
            f"Shopify {summary['settlements']['shopify']['calls']:,} calls; checks {checks}")  # fmt: skip
        return summary
    finally:
        bench.stop()


def _check_payouts(bench: Bench, paid: list[Any], mode: str) -> dict[str, Any]:
    """Each paid payout in the organisation once, totalling the simulator's net to the cent."""
    problems: list[str] = []
    ok = 0
    if mode == "per_order":
        live = [t for t in bench.org.bank_transactions.values() if t.get("Status") != "DELETED"]
        by_reference: dict[str, list[dict[str, Any]]] = {}
        for t in live:
            by_reference.setdefault(str(t.get("Reference")), []).append(dict(t))
        for p in paid:
            if p.net == 0:
                ok += 1  # no bank line to explain: nothing is posted
                continue
            found = by_reference.get(str(p.trace), [])
            if len(found) != 1 or _money(found[0].get("Total")) != abs(p.net):
                problems.append(f"payout {p.id} ({p.net}): {[(t.get('Type'), t.get('Total')) for t in found]}")
                continue
            ok += 1
        return {"paid_payouts": len(paid), "deposit_matched": ok, "problems": problems[:20]}
    invoices = _live(bench.org.invoices, "InvoiceNumber")
    notes = _live(bench.org.credit_notes, "CreditNoteNumber")
    payments = _payments_of(bench)
    for p in paid:
        number = f"SP-{p.id}"
        found = (notes if p.net < 0 else invoices).get(number, [])
        if len(found) != 1:
            problems.append(f"payout {p.id} ({p.net}): {len(found)} documents {number}")
            continue
        document = found[0]
        document_id = str(document.get("CreditNoteID") or document.get("InvoiceID"))
        money = [_money(x.get("Amount")) for x in payments.get(document_id, [])]
        expected = [abs(p.net)] if p.net else []
        if _money(document.get("Total")) != abs(p.net) or money != expected:
            problems.append(f"payout {p.id} ({p.net}): {number} totals {document.get('Total')}, paid {money}")
            continue
        ok += 1
    return {"paid_payouts": len(paid), "deposit_matched": ok, "problems": problems[:20]}


# --- Amazon: settlements of several sizes ------------------------------------------------------------
AMAZON_ACCOUNTS = {  # (code, name): what the settings below map Amazon's lines to
    "201": "Amazon Sales",
    "202": "Amazon Shipping Income",
    "203": "Amazon Promotions (contra-revenue)",
    "204": "Amazon Refunds (contra-revenue)",
    "262": "Amazon Reimbursements (other income)",
    "400": "Advertising",
    "404": "Amazon Seller Fees",
    "405": "Amazon FBA Fees",
    "615": "Amazon Reserved Balances (current asset)",
    "826": "Sales Tax Collected by Amazon (clearing)",
    "827": "Amazon Carried Forward Balance",
    "899": "Amazon other",
}
AMAZON_KINDS = {  # Amazon's "<transaction-type> / <amount-type> / <amount-description>" -> account
    "Order / ItemPrice / Principal": "201",
    "Order / ItemPrice / Shipping": "202",
    "Order / ItemPrice / Tax": "826",
    "Order / ItemPrice / ShippingTax": "826",
    "Order / ItemWithheldTax / MarketplaceFacilitatorTax-Principal": "826",
    "Order / ItemWithheldTax / MarketplaceFacilitatorTax-Shipping": "826",
    "Order / ItemFees / Commission": "404",
    "Order / ItemFees / FBAPerUnitFulfillmentFee": "405",
    "Order / Promotion / Shipping": "203",
    "Order / Promotion / Principal": "203",
    "Refund / ItemPrice / Principal": "204",
    "Refund / ItemPrice / Tax": "826",
    "Refund / ItemWithheldTax / MarketplaceFacilitatorTax-Principal": "826",
    "Refund / ItemFees / Commission": "404",
    "Refund / ItemFees / RefundCommission": "404",
    "other-transaction / other-transaction / Subscription Fee": "404",
    "other-transaction / other-transaction / Storage Fee": "405",
    "ServiceFee / Cost of Advertising / TransactionTotalAmount": "400",
}


def amazon_settings(since: datetime) -> str:
    return json.dumps(
        {
            "sync": {"orders": False},
            "tax": {"no_tax": "NONE"},
            "settlements": {
                "enabled": True,
                "mode": "summary",
                "split_by_month": True,
                "negative": "bill",
                "bank_account": "090",
                "since": since.date().isoformat(),
                "accounts": {
                    "other": "899",
                    "reserves": "615",
                    "carried_forward": "827",
                    "by_type": AMAZON_KINDS,
                },
            },
        }
    )


def amazon(*, sizes: list[int], month_end: int, seed: int, options: Options, log: Any = print) -> dict[str, Any]:
    """Settlements of ``sizes`` orders each, then one of ``month_end`` orders across a month end,
    each published and posted by the schedule before the next."""
    from local.amazon_sp import AmazonSP
    from local.xero_sandbox.settings import create_account

    name = f"bench-amazon-{time.strftime('%H%M%S')}"
    bench = Bench(
        name,
        scale=options.scale,
        batching=True,
        validate=None if options.validate else False,
        parameters={"StoreSource": "amazon"},
        minute_limit=options.minute_limit,
        day_limit=options.day_limit,
        organisation={"base_currency": "USD", "country": "US"},
    )
    sp = AmazonSP(region="na", seed=seed, scale=options.scale).start()
    meter = AmazonMeter(sp)
    plan = [(n, False) for n in sizes] + ([(month_end, True)] if month_end else [])
    settlements: list[dict[str, Any]] = []
    try:
        now = datetime.now(UTC)
        codes = {str(a.get("Code")) for a in bench.org.accounts.values()}
        for code, title in AMAZON_ACCOUNTS.items():
            if code not in codes:
                account = {"Code": code, "Name": title, "Type": "CURRENT", "EnablePaymentsToAccount": True}
                create_account(bench.org, account, now)
        bench.start(amazon_settings(sp.now() - timedelta(days=89)), "amazon-sends-no-webhooks")
        c = sp.credentials
        bench.stack.put_secret(
            "StoreApiSecret",
            json.dumps({"client_id": c.client_id, "client_secret": c.client_secret, "refresh_token": c.refresh_token,
                        "region": "NA", "endpoint": sp.endpoint, "lwa_url": sp.lwa_url}),
        )  # fmt: skip
        started = bench.begin()
        for orders, across in plan:
            xero_before, sp_before = bench.xero.snapshot(), meter.snapshot()
            report = sp.settle("Amazon.com", orders=orders, month_end=across, compressed=True)
            s = report.settlement
            assert s is not None  # a report the generator made carries its settlement
            log(f"  {name}: settlement {s.id}: {orders:,} orders, {len(s.lines):,} lines, total {s.total} "
                f"{s.currency}{', across a month end' if s.spans_month_end() else ''}")  # fmt: skip
            began = time.monotonic()
            runs = _run_until_done(bench, options.timeout, log)
            wall = time.monotonic() - began
            xero = _minus(bench.xero.snapshot(), xero_before)
            calls = sum(xero.calls.values())
            mine = sum(n for key, n in xero.keys.items() if settlement_of(key) == f"settlement:{s.id}")
            settlements.append(
                {
                    "settlement_id": s.id,
                    "orders": orders,
                    "flat_file_lines": len(s.lines),
                    "document_bytes": len(s.document()),
                    "across_month_end": s.spans_month_end(),
                    "deposit": str(s.total),
                    "currency": s.currency,
                    "xero_calls": calls,
                    "xero_calls_with_its_key": mine,
                    "xero_by_endpoint": dict(sorted(xero.calls.items())),
                    "rejected_429": sum(xero.rejected.values()),
                    "sp_api": _store_api(_minus_api(meter.snapshot(), sp_before)),
                    "runs": runs,
                    "wall_seconds": wall,
                    "check": _check_settlement(bench, s),
                }
            )
            log(f"    {calls} Xero calls {dict(xero.calls)}; check {settlements[-1]['check']}")
        figures = bench.figures(name, sum(orders for orders, _ in plan), started, 0.0, True, {})
    finally:
        meter.uninstall()
        bench.stop()
        sp.stop()
    from bench.report import summarize

    summary = summarize(
        figures,
        usable_minute=options.limits.usable_minute,
        usable_day=options.limits.usable_day,
        full_orders=figures.orders,
    )
    counted = [x["xero_calls"] for x in settlements]
    summary["settlements"] = {
        "settlements": settlements,
        "max_calls_per_settlement": max(counted, default=0),
        "mean_calls_per_settlement": sum(counted) / len(counted) if counted else None,
        "all_checked": all(x["check"]["ok"] for x in settlements),
        "sp_api": _store_api(meter.snapshot()),
        "lwa_tokens_minted": sp.tokens.minted,
    }
    return summary


def _check_settlement(bench: Bench, s: Any) -> dict[str, Any]:
    """The settlement's documents in the organisation (AMZ-<id>, one per month when it spans a month
    end): the last totals the flat file's total-amount, the earlier ones zero, and the last is paid
    from the bank account by exactly that amount, once."""
    documents = sorted(
        (dict(i) for i in bench.org.invoices.values()
         if str(i.get("InvoiceNumber", "")).startswith(f"AMZ-{s.id}") and i.get("Status") not in ("DELETED", "VOIDED")),
        key=lambda i: str(i["InvoiceNumber"]),
    )  # fmt: skip
    if not documents:
        return {"ok": False, "why": "no document"}
    *earlier, last = documents
    paid = [_money(p.get("Amount")) for p in _payments_of(bench).get(str(last["InvoiceID"]), [])]
    ok = (
        _money(last.get("Total")) == abs(s.total)
        and all(_money(d.get("Total")) == 0 for d in earlier)
        and paid == ([abs(s.total)] if s.total else [])
    )
    return {
        "ok": ok,
        "documents": [(d["InvoiceNumber"], str(d.get("Total")), d.get("Status")) for d in documents],
        "paid": [str(x) for x in paid],
        "line_items": [len(d.get("LineItems") or []) for d in documents],
    }


def _minus(now: XeroCounts, then: XeroCounts) -> XeroCounts:
    return XeroCounts(
        calls=now.calls - then.calls,
        rejected=now.rejected - then.rejected,
        statuses=now.statuses - then.statuses,
        peak_in_flight=now.peak_in_flight,
        call_times=now.call_times[len(then.call_times) :],
        keys=now.keys - then.keys,
    )


def _minus_api(now: StoreApiCounts, then: StoreApiCounts) -> StoreApiCounts:
    return StoreApiCounts(
        now.calls - then.calls,
        now.refused - then.refused,
        now.requested_points - then.requested_points,
        now.actual_points - then.actual_points,
        now.downloads - then.downloads,
        now.download_bytes - then.download_bytes,
    )


__all__ = ["amazon", "amazon_settings", "shopify_month"]
