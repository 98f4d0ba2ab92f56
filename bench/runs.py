"""The benchmark's runs: a backfill (batching on, and the one-document-per-call baseline) and a
real-time trickle of single orders."""

import time
from dataclasses import dataclass
from typing import Any

from bench import workload
from bench.harness import Bench, RunFigures, median, percentile
from xerosync.xero.governor import Limits


@dataclass(frozen=True)
class Options:
    scale: float
    validate: bool  # the backfills' spec validation (the real-time part validates whenever the spec is there)
    timeout: float
    minute_limit: int = 60
    day_limit: int = 5000
    headroom: float = 0.1

    @property
    def limits(self) -> Limits:
        return Limits(per_minute=self.minute_limit, per_day=self.day_limit, headroom=self.headroom)


def backfill(
    shop: workload.Shop,
    orders: list[dict[str, Any]],
    *,
    name: str,
    batching: bool,
    options: Options,
    log: Any = print,
) -> RunFigures:
    """Push ``orders`` (final states) onto the orders queue as a historical push does, and
    measure until every queue is empty."""
    bench = Bench(
        name,
        scale=options.scale,
        batching=batching,
        validate=None if options.validate else False,
        minute_limit=options.minute_limit,
        day_limit=options.day_limit,
        start_at_midnight=True,
    )
    rates = workload.tax_settings(shop, orders, bench.org)
    existing = workload.precreate_contacts(shop, bench.org, workload.keys_of(orders))
    bench.start(workload.settings_yaml(rates), workload.WEBHOOK_SECRET)
    try:
        log(f"  {name}: {len(orders):,} orders, {existing:,} of their customers already in Xero; pushing")
        started = bench.begin()
        wall = time.monotonic()
        with bench.stack.hold_pollers():  # a push lands before the drain starts (bench/README.md)
            statuses = bench.enqueue(shop.deliveries(orders), workload.WEBHOOK_SECRET)
        pushed = time.monotonic() - wall
        log(f"  {name}: pushed in {pushed:.0f} s; draining (clock x{options.scale:g})")
        drained = bench.wait_drained(options.timeout)
        figures = bench.figures(name, len(orders), started, pushed, drained, statuses)
        log(f"  {name}: drained={drained} in {figures.wall_seconds:.0f} s wall, {figures.sim_seconds:.0f} s simulated")
        return figures
    finally:
        bench.stop()


def trickle(
    shop: workload.Shop,
    orders: list[dict[str, Any]],
    *,
    name: str,
    gap: float,
    options: Options,
    log: Any = print,
) -> RunFigures:
    """Single orders through the HTTP API, ``gap`` seconds apart, on the real clock; each one's
    time from the webhook's POST to its invoice being created in the sandbox."""
    bench = Bench(
        name,
        scale=1.0,
        batching=True,
        validate=None,
        minute_limit=options.minute_limit,
        day_limit=options.day_limit,
    )
    rates = workload.tax_settings(shop, orders, bench.org)
    existing = workload.precreate_contacts(shop, bench.org, workload.keys_of(orders))
    bench.start(workload.settings_yaml(rates), workload.WEBHOOK_SECRET)
    try:
        log(f"  {name}: {len(orders)} orders {gap:g} s apart, {existing} of their customers already in Xero")
        deliveries = shop.deliveries(orders)
        posted: dict[str, float] = {}
        statuses: dict[int, int] = {}
        started = bench.begin()
        with bench.xero.watching_invoices():
            for payload, item in zip(orders, deliveries, strict=True):
                moment = time.monotonic()
                posted[f"WC-{payload['number']}"] = moment
                status = bench.post(item)
                statuses[status] = statuses.get(status, 0) + 1
                time.sleep(max(0.0, gap - (time.monotonic() - moment)))
            drained = bench.wait_drained(options.timeout)
        figures = bench.figures(name, len(orders), started, 0.0, drained, statuses)
        created = bench.xero.invoice_created
        figures.latencies = [created[number] - at for number, at in posted.items() if number in created]
        log(
            f"  {name}: {len(figures.latencies)} invoices; webhook -> invoice median "
            f"{median(figures.latencies):.2f} s, p99 {percentile(figures.latencies, 0.99):.2f} s"
        )
        return figures
    finally:
        bench.stop()
