"""Several stores, one Xero organisation: two local stacks, each a shop's history pushed at once,
into one sandbox organisation through one custom connection.

Xero counts its limits per organisation (and app): two stacks that each kept their own rate
budget would each spend all of it. Here the second stack's ``XeroBudgetTable`` names the first's
MappingsTable, so both governors share one budget; the run measures what the sandbox saw (429s,
the most calls in any 60 s, the most in flight) and checks every order landed once.

Each stack serves one store source (``--sources``, default ``woocommerce,shopify``: a merchant with
a WooCommerce store and a Shopify store). A WooCommerce shop is a seeded history
(``bench.workload``) pushed as the WooCommerce ingress's messages; a Shopify shop is a seeded
history in the Shopify simulator (``bench.shopify_workload``) pushed as the Shopify ingress's
messages, its stack reading each order from the simulator's Admin GraphQL API.

``python -m bench.multistore --orders 200`` (``make multi-store``); ``make bench`` runs it as its
``multistore`` part; tests/integration/test_multistore.py runs a light one in ``make test``.
``--unshared`` runs the stacks each on its own budget, to see what the parameter prevents.
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench import shopify_workload, workload
from bench.harness import Signed, enqueue, set_clock, sim_now
from bench.meters import ShopifyMeter, XeroMeter, max_in_window
from local.stack import LocalStack
from local.xero_sandbox import Organisation, XeroSandbox

MINUTE_LIMIT = 60
CONCURRENT_LIMIT = 5
LOADED = 0.8  # a run whose busiest minute reached this share of the limit was under load
CLOCK_VARIABLES = ("XEROSYNC_TIME_SCALE", "XEROSYNC_TIME_EPOCH")  # what bench.harness.set_clock sets


@dataclass
class MultiStoreFigures:
    sources: dict[str, str]  # per stack: the store it serves
    orders: dict[str, int]  # per stack
    invoices: dict[str, int]  # per invoice prefix, in the organisation
    calls: int
    rejected: dict[str, int]  # 429s by X-Rate-Limit-Problem
    max_minute: int  # the most calls any 60 simulated seconds held
    peak_in_flight: int
    drained: bool
    dead_letters: int
    failed: int  # failed outcomes in the sync logs
    budget_items: dict[str, int]  # governor items per stack's table
    wall_seconds: float
    sim_seconds: float
    store_api_calls: int | None = None  # Admin GraphQL queries the Shopify stack made (None: no Shopify stack)
    store_api_throttled: int | None = None  # THROTTLED answers it got

    def within_limits(self) -> bool:
        return not self.rejected and self.max_minute <= MINUTE_LIMIT and self.peak_in_flight <= CONCURRENT_LIMIT

    def verdict(self) -> str:
        if not self.within_limits():
            return "LIMITS BROKEN"
        if not self.drained:
            return "NOT DRAINED"
        if self.dead_letters or self.failed:
            return "RECORDS FAILED"
        return "OK"

    def summary(self) -> str:
        api = "" if self.store_api_calls is None else f", Shopify API {self.store_api_calls} queries"
        return (
            f"{sum(self.orders.values())} orders over {len(self.orders)} stacks "
            f"({' + '.join(self.sources.values())}; {'drained' if self.drained else 'NOT drained'}), "
            f"{self.calls} Xero calls in "
            f"{self.sim_seconds / 60:.1f} simulated min ({self.wall_seconds:.0f} s wall): "
            f"429s {sum(self.rejected.values())}, max {self.max_minute} in a minute, "
            f"max {self.peak_in_flight} in flight, invoices {self.invoices}, dead letters {self.dead_letters}, "
            f"failed {self.failed}, governor items {self.budget_items}{api}"
        )

    def as_results(self) -> dict[str, Any]:
        """The figures as bench/results.json keeps them."""
        return {
            "sources": list(self.sources.values()),
            "orders": self.orders,
            "orders_total": sum(self.orders.values()),
            "invoices": self.invoices,
            "calls": self.calls,
            "rejected_429": sum(self.rejected.values()),
            "rejected_by_limit": self.rejected,
            "max_minute": self.max_minute,
            "peak_in_flight": self.peak_in_flight,
            "drained": self.drained,
            "dead_letters": self.dead_letters,
            "failed": self.failed,
            "budget_items": self.budget_items,
            "wall_seconds": self.wall_seconds,
            "sim_seconds": self.sim_seconds,
            "store_api_calls": self.store_api_calls,
            "store_api_throttled": self.store_api_throttled,
            "verdict": self.verdict(),
            # the two stacks asked for more than the minute holds: the shared governor was what kept them to it
            "under_load": self.max_minute >= LOADED * MINUTE_LIMIT,
        }


SOURCES = ("woocommerce", "shopify")
SEEDS = {"a": 101, "b": 202}


@dataclass
class _Shop:
    """One stack's store: its history, how it is pushed, and what its stack is given."""

    source: str
    orders: int
    secret: str  # the webhook secret its deliveries are signed with
    deliveries: Callable[[], Sequence[Signed]]
    settings: Callable[[Organisation, str], str]  # (organisation, invoice prefix) -> settings
    store_api: str | None = None  # the StoreApiSecret, for a source whose functions read the store
    parameters: dict[str, str] = field(default_factory=dict)
    meter: ShopifyMeter | None = None
    stop: Callable[[], None] = lambda: None


def _woocommerce(seed: int, orders: int, scale: float) -> _Shop:
    shop = workload.generate(seed, orders, max(30, orders // 3))

    def settings(org: Organisation, prefix: str) -> str:
        document = json.loads(workload.settings_yaml(workload.tax_settings(shop, shop.orders, org)))
        document["invoice_prefix"] = prefix  # one organisation: each store's invoice numbers its own
        return json.dumps(document)

    return _Shop("woocommerce", len(shop.orders), workload.WEBHOOK_SECRET, shop.deliveries, settings)


def _shopify(seed: int, orders: int, scale: float) -> _Shop:
    history = shopify_workload.generate(seed, orders, max(20, orders // 4), scale=scale)
    store = history.store.start()
    meter = ShopifyMeter(store)

    def stop() -> None:
        meter.uninstall()
        store.stop()

    return _Shop(
        "shopify",
        len(history.orders),
        store.app.client_secret,
        history.deliveries,
        lambda org, prefix: shopify_workload.settings(org, prefix),
        store_api=history.credentials(),
        parameters={"StoreSource": "shopify"},
        meter=meter,
        stop=stop,
    )


SHOPS: dict[str, Callable[[int, int, float], _Shop]] = {"woocommerce": _woocommerce, "shopify": _shopify}


def _scan(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    client = stack.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": stack.resources[table]}
    while True:
        page = client.scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run(
    orders: int = 200,
    *,
    scale: float = 10.0,
    shared: bool = True,
    batching: bool = True,
    timeout: float = 600.0,
    sources: Sequence[str] = ("woocommerce", "woocommerce"),
    log: Any = print,
) -> MultiStoreFigures:
    """``batching`` off: one document per Xero request, several calls per order - demand far
    above the organisation's minute, which only the shared governor holds back. ``sources``: the
    store of stack ``a`` and of stack ``b`` (the first holds the shared budget). The simulated
    clock this process takes for the run is given back afterwards (a test runs this)."""
    if len(sources) != 2 or any(s not in SHOPS for s in sources):
        raise ValueError(f"two stores from {', '.join(SHOPS)}, not {list(sources)}")
    saved = {k: os.environ.get(k) for k in CLOCK_VARIABLES}
    try:
        return _run(orders, scale=scale, shared=shared, batching=batching, timeout=timeout, sources=sources, log=log)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(
    orders: int, *, scale: float, shared: bool, batching: bool, timeout: float, sources: Sequence[str], log: Any
) -> MultiStoreFigures:
    env = set_clock(scale, start_at_midnight=True)
    sandbox = XeroSandbox(clock=lambda: datetime.fromtimestamp(sim_now(), UTC), validate=False)
    meter = XeroMeter(sandbox, sim_now)
    org = sandbox.add_organisation(
        "Two Stores Pty Ltd", limits={"minute": MINUTE_LIMIT, "day": 5000, "concurrent": CONCURRENT_LIMIT}
    )
    connection = sandbox.add_client([org.tenant_id])  # one custom connection, used by both stacks
    shops: dict[str, _Shop] = {}
    stacks: dict[str, LocalStack] = {}
    sandbox.start()
    try:
        for name, source in zip(SEEDS, sources, strict=True):
            shops[name] = SHOPS[source](SEEDS[name], orders, scale)
        for name, shop in shops.items():
            parameters = {
                "XeroApiUrl": sandbox.url,
                "XeroIdentityUrl": sandbox.url,
                "XeroMinuteLimit": str(MINUTE_LIMIT),
                "XeroBatching": "on" if batching else "off",
                **shop.parameters,
            }
            first = stacks.get("a")
            if first is not None and shared:
                parameters["XeroBudgetTable"] = first.resources["MappingsTable"]
            stack = LocalStack(
                stack_name=f"multi-{name}",
                store_name=f"shop-{name}",
                parameters=parameters,
                extra_env=env,
                share_aws_with=first,
            ).start()
            stacks[name] = stack
            stack.put_secret("WebhookSecret", shop.secret)
            credentials = {"client_id": connection.client_id, "client_secret": connection.client_secret}
            stack.put_secret("XeroCredentialsSecret", json.dumps(credentials))
            if shop.store_api is not None:
                stack.put_secret("StoreApiSecret", shop.store_api)
            stack.put_settings(shop.settings(org, f"{shop.source[0].upper()}{name.upper()}-"))
        log(
            f"  two stacks up ({' + '.join(sources)}, {'one shared' if shared else 'separate'} Xero budget(s)); "
            f"pushing {orders} orders each"
        )
        pushes = {name: shop.deliveries() for name, shop in shops.items()}
        meter.reset()
        for shop in shops.values():
            if shop.meter is not None:
                shop.meter.reset()
        wall, sim = time.monotonic(), sim_now()
        for name, stack in stacks.items():
            with stack.hold_pollers():
                enqueue(stack, shops[name].source, pushes[name], shops[name].secret)
        deadline = time.monotonic() + timeout
        drained = all(stack.wait_idle(max(1.0, deadline - time.monotonic())) for stack in stacks.values())
        wall, sim = time.monotonic() - wall, sim_now() - sim
        counts = meter.snapshot()
        invoices: dict[str, int] = {}
        for invoice in org.invoices.values():
            prefix = str(invoice.get("InvoiceNumber", "")).split("-")[0]
            invoices[prefix] = invoices.get(prefix, 0) + 1
        logs = [i for stack in stacks.values() for i in _scan(stack, "SyncLogTable")]
        api = [shop.meter.snapshot() for shop in shops.values() if shop.meter is not None]
        figures = MultiStoreFigures(
            sources={name: shop.source for name, shop in shops.items()},
            orders={name: shop.orders for name, shop in shops.items()},
            invoices=invoices,
            calls=len(counts.call_times),
            rejected=dict(counts.rejected),
            max_minute=max_in_window(counts.call_times),
            peak_in_flight=counts.peak_in_flight,
            drained=drained,
            dead_letters=sum(
                n for stack in stacks.values() for q, n in stack.queue_depths().items() if q.endswith("DLQ")
            ),
            failed=sum(1 for i in logs if i["outcome"]["S"] == "failed"),
            budget_items={
                name: sum(1 for i in _scan(stack, "MappingsTable") if i["pk"]["S"].startswith("governor#"))
                for name, stack in stacks.items()
            },
            wall_seconds=wall,
            sim_seconds=sim,
            store_api_calls=sum(sum(a.calls.values()) for a in api) if api else None,
            store_api_throttled=sum(sum(a.refused.values()) for a in api) if api else None,
        )
        log("  " + figures.summary())
        return figures
    finally:
        for stack in reversed(list(stacks.values())):  # the first owns the moto the second uses
            stack.stop()
        for shop in shops.values():
            shop.stop()
        sandbox.stop()


def parse_sources(text: str) -> tuple[str, str]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if len(names) != 2 or any(n not in SHOPS for n in names):
        raise argparse.ArgumentTypeError(f"two of {', '.join(SHOPS)}, comma-separated (not {text!r})")
    return names[0], names[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.multistore", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per store (default 200)")
    parser.add_argument("--scale", type=float, default=2.0, help="simulated seconds per wall second (default 2)")
    parser.add_argument("--timeout", type=float, default=2400.0, help="wall seconds to wait for the queues to drain")
    parser.add_argument("--unshared", action="store_true", help="each stack on its own budget (what not to do)")
    parser.add_argument(
        "--batching", choices=("on", "off"), default="off", help="off (default): several calls per order"
    )
    parser.add_argument(
        "--sources",
        type=parse_sources,
        default=SOURCES,
        help="the two stacks' stores, the first holding the shared budget (default woocommerce,shopify)",
    )
    args = parser.parse_args(argv)
    figures = run(
        args.orders,
        scale=args.scale,
        shared=not args.unshared,
        batching=args.batching == "on",
        timeout=args.timeout,
        sources=args.sources,
    )
    print(f"multi-store: {figures.verdict()}: {figures.summary()}")
    return 0 if figures.verdict() == "OK" or args.unshared else 1


if __name__ == "__main__":
    sys.exit(main())
