"""The benchmark's runs: a backfill (batching on, and the one-document-per-call baseline), a
burst of webhooks while another app spends part of the budget, and a real-time trickle of
single orders."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any

from bench import shopify_workload, workload
from bench.harness import Bench, RunFigures, median, percentile, send_messages
from bench.meters import ShopifyMeter, StoreApiCounts
from xerosync import push as pushing
from xerosync import sources
from xerosync.sources.port import StoreUnavailable
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


def shopify_backfill(
    history: shopify_workload.ShopifyShop,
    orders: list[int],
    *,
    name: str,
    options: Options,
    push: str = "webhook",
    log: Any = print,
) -> RunFigures:
    """A Shopify stack's backfill, batching on, measured until every queue is empty. ``push``:

    * ``webhook``: each of ``orders`` (final states) onto the orders queue as the message the
      Shopify ingress makes of its ``orders/updated`` delivery ("order X changed"): the sync
      functions read each order from the simulator's Admin GraphQL API (its cost-based limit on
      the simulated clock);
    * ``bulk``: what ``xerosync push`` of the history's days enqueues (``xerosync.push.records``:
      one bulk operation, each order whole in its envelope, ``StoreSource.message``): the sync
      reads only each refund's lines. The push's own queries are counted apart
      (``RunFigures.push_api``)."""
    bench = Bench(
        name,
        scale=options.scale,
        batching=True,
        validate=None if options.validate else False,
        minute_limit=options.minute_limit,
        day_limit=options.day_limit,
        start_at_midnight=True,
        source="shopify",
    )
    store = history.store
    store.clock.scale = options.scale  # the shop's cost bucket refills on the simulated clock
    store.start()
    meter = ShopifyMeter(store)
    bench.store_meter = meter
    try:
        settings = shopify_workload.settings(bench.org)
        existing = shopify_workload.precreate_contacts(history, bench.org, shopify_workload.keys_of(history, orders))
        bench.start(settings, store.app.client_secret, store_api=history.credentials())
        log(f"  {name}: {len(orders):,} Shopify orders, {existing:,} of their buyers already in Xero; pushing ({push})")
        statuses: dict[int, int] = {}
        if push == "bulk":
            for attempt in (1, 2, 3):  # as an operator runs xerosync push again when Shopify did not answer
                try:
                    listed, push_api = _bulk_push(history, orders, meter)
                    break
                except StoreUnavailable as exc:
                    if attempt == 3:
                        raise
                    log(f"  {name}: the push's bulk listing failed ({exc}); pushing again")
        else:
            deliveries = history.deliveries(orders)
        started = bench.begin()
        wall = time.monotonic()
        with bench.stack.hold_pollers():  # a push lands before the drain starts (bench/README.md)
            if push == "bulk":
                statuses = {200: send_messages(bench.stack, listed)}
            else:
                statuses = bench.enqueue(deliveries, store.app.client_secret)
        pushed = time.monotonic() - wall
        log(f"  {name}: pushed in {pushed:.0f} s; draining (clock x{options.scale:g})")
        drained = bench.wait_drained(options.timeout)
        figures = bench.figures(name, len(orders), started, pushed, drained, statuses)
        if push == "bulk":
            figures.push_api = push_api
        log(f"  {name}: drained={drained} in {figures.wall_seconds:.0f} s wall, {figures.sim_seconds:.0f} s simulated")
        return figures
    finally:
        meter.uninstall()
        bench.stop()
        store.stop()


def _bulk_push(
    history: shopify_workload.ShopifyShop, orders: list[int], meter: ShopifyMeter
) -> tuple[list[tuple[str, str, str]], StoreApiCounts]:
    """What ``xerosync push --start --end`` enqueues for the days of ``orders``: the adapter's own
    client over HTTP lists them with a bulk operation, each as its envelope; and what that asked of
    the shop."""
    source = sources.source("shopify")
    client = source.client(json.loads(history.credentials()))
    if client is None:
        raise RuntimeError("the Shopify adapter did not take the bench's credentials")
    wanted = {str(i) for i in orders}
    created = [history.store.orders[i].created_at for i in orders]
    zone = timezone(timedelta(hours=history.store.utc_offset))
    start, end = min(created).astimezone(zone).date(), max(created).astimezone(zone).date()
    meter.reset()
    listed = []
    for found in pushing.records(client, pushing.Selection("range", start=start, end=end)):
        message = source.message(found, store=client.url, origin="push")
        if message is not None and found.key.removeprefix("order:") in wanted:
            listed.append((message.queue, message.key, message.body))
    return listed, meter.snapshot()


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


@dataclass
class BurstChecks:
    """What the burst must leave in Xero: each order invoiced once and, being paid, paid in full once."""

    orders: int
    invoiced_once: int
    invoiced_twice_or_more: int
    missing: int
    paid_in_full: int
    payments_beyond_the_total: int
    neighbour_calls: int


NEIGHBOUR_ENDPOINT = "GET /Currencies"  # the neighbour's calls: an endpoint the sync never reads


def burst(
    shop: workload.Shop,
    orders: list[dict[str, Any]],
    *,
    name: str,
    per_minute: float,
    neighbour_share: float,
    scale: float,
    options: Options,
    log: Any = print,
) -> tuple[RunFigures, BurstChecks]:
    """A Black Friday burst: ``orders`` as signed webhooks through the HTTP API at ``per_minute``
    (simulated), while another app of the merchant spends ``neighbour_share`` of the
    organisation's minute; on a clock ``scale`` times the wall's. Each order's time from its
    webhook's POST to its invoice, in simulated seconds."""
    bench = Bench(
        name,
        scale=scale,
        batching=True,
        validate=None if options.validate else False,
        minute_limit=options.minute_limit,
        day_limit=options.day_limit,
    )
    rates = workload.tax_settings(shop, orders, bench.org)
    existing = workload.precreate_contacts(shop, bench.org, workload.keys_of(orders))
    bench.start(workload.settings_yaml(rates), workload.WEBHOOK_SECRET)
    neighbour = _Neighbour(bench, options.minute_limit * neighbour_share, scale)
    try:
        log(
            f"  {name}: {len(orders):,} orders at {per_minute:g} a minute (clock x{scale:g}), another app using "
            f"{neighbour_share:.0%} of the minute, {existing:,} of the customers already in Xero"
        )
        deliveries = shop.deliveries(orders)
        gap = 60.0 / per_minute / scale  # wall seconds between webhooks
        posted: dict[str, float] = {}
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        started = bench.begin()
        neighbour.start()
        began = time.monotonic()

        def send(i: int) -> None:
            time.sleep(max(0.0, began + i * gap - time.monotonic()))
            moment = time.monotonic()
            status = bench.post(deliveries[i])
            with lock:
                posted[f"WC-{orders[i]['number']}"] = moment
                statuses[status] = statuses.get(status, 0) + 1

        with bench.xero.watching_invoices(), ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(send, range(len(orders))))
            log(f"  {name}: {len(orders):,} webhooks posted in {time.monotonic() - began:.0f} s wall; draining")
            drained = bench.wait_drained(options.timeout)
        neighbour.stop()
        figures = bench.figures(name, len(orders), started, time.monotonic() - began, drained, statuses)
        created = bench.xero.invoice_created
        figures.latencies = [(created[n] - at) * scale for n, at in posted.items() if n in created]
        checks = _burst_checks(bench, orders, neighbour.calls)
        log(
            f"  {name}: drained={drained}; webhook -> invoice p50 {percentile(figures.latencies, 0.5):.0f} s, "
            f"p95 {percentile(figures.latencies, 0.95):.0f} s simulated; {checks}"
        )
        return figures, checks
    finally:
        neighbour.stop()
        bench.stop()


class _Neighbour(threading.Thread):
    """Another app of the merchant's on the same organisation: its own connection, calls spread
    evenly at ``per_minute`` simulated calls a minute (``NEIGHBOUR_ENDPOINT``)."""

    def __init__(self, bench: Bench, per_minute: float, scale: float) -> None:
        super().__init__(daemon=True, name="neighbour")
        from xerosync.xero.client import XeroClient, XeroCredentials

        app = bench.sandbox.add_client([bench.org.tenant_id])
        self.client = XeroClient(
            XeroCredentials(app.client_id, app.client_secret, bench.org.tenant_id),
            api_url=bench.sandbox.url,
            identity_url=bench.sandbox.url,
        )
        self.every = 60.0 / per_minute / scale if per_minute > 0 else 0.0
        self.calls = 0
        self.refused = 0
        self._stop = threading.Event()

    def run(self) -> None:
        while self.every and not self._stop.wait(self.every):
            try:
                self.client.get_list("get_currencies", "Currencies")
                self.calls += 1
            except Exception:  # a 429 included: the neighbour is not ours to pace
                self.refused += 1

    def stop(self) -> None:
        self._stop.set()


def _burst_checks(bench: Bench, orders: list[dict[str, Any]], neighbour_calls: int) -> BurstChecks:
    wanted = {f"WC-{o['number']}" for o in orders}
    by_number: dict[str, list[dict[str, Any]]] = {}
    with bench.org.lock:
        invoices = [dict(i) for i in bench.org.invoices.values()]
    for invoice in invoices:
        if invoice.get("Type") == "ACCREC" and invoice.get("Status") != "VOIDED":
            by_number.setdefault(str(invoice.get("InvoiceNumber")), []).append(invoice)
    once = sum(1 for n in wanted if len(by_number.get(n, [])) == 1)
    twice = sum(1 for n in wanted if len(by_number.get(n, [])) > 1)
    missing = sum(1 for n in wanted if n not in by_number)
    paid = over = 0
    for number in wanted:
        for invoice in by_number.get(number, []):
            total, due = Decimal(str(invoice.get("Total", 0))), Decimal(str(invoice.get("AmountDue", 0)))
            paid += int(due == 0 and total > 0 and invoice.get("Status") == "PAID")
            over += int(Decimal(str(invoice.get("AmountPaid", 0))) > total)
    return BurstChecks(len(wanted), once, twice, missing, paid, over, neighbour_calls)
