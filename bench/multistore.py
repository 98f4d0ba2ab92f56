"""Several stores, one Xero organisation: two local stacks, each a WooCommerce shop's history
pushed at once, into one sandbox organisation through one custom connection.

Xero counts its limits per organisation (and app): two stacks that each kept their own rate
budget would each spend all of it. Here the second stack's ``XeroBudgetTable`` names the first's
MappingsTable, so both governors share one budget; the run measures what the sandbox saw (429s,
the most calls in any 60 s, the most in flight) and checks every order landed once.

``python -m bench.multistore --orders 200`` (``make multi-store``); tests/integration/
test_multistore.py runs a light one in ``make test``. ``--unshared`` runs the stacks each on its
own budget, to see what the parameter prevents.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench import workload
from bench.harness import set_clock, sim_now
from bench.meters import XeroMeter, max_in_window
from local.stack import LocalStack
from local.xero_sandbox import XeroSandbox
from xerosync.sources.woocommerce.webhook import decide as decide_woocommerce

MINUTE_LIMIT = 60
CONCURRENT_LIMIT = 5
CLOCK_VARIABLES = ("XEROSYNC_TIME_SCALE", "XEROSYNC_TIME_EPOCH")  # what bench.harness.set_clock sets


@dataclass
class MultiStoreFigures:
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

    def summary(self) -> str:
        return (
            f"{sum(self.orders.values())} orders over {len(self.orders)} stacks "
            f"({'drained' if self.drained else 'NOT drained'}), {self.calls} Xero calls in "
            f"{self.sim_seconds / 60:.1f} simulated min ({self.wall_seconds:.0f} s wall): "
            f"429s {sum(self.rejected.values())}, max {self.max_minute} in a minute, "
            f"max {self.peak_in_flight} in flight, invoices {self.invoices}, dead letters {self.dead_letters}, "
            f"failed {self.failed}, governor items {self.budget_items}"
        )


def _settings(shop: workload.Shop, rates: dict[str, str], prefix: str) -> str:
    settings = json.loads(workload.settings_yaml(rates))
    settings["invoice_prefix"] = prefix  # one organisation: each store's invoice numbers its own
    return json.dumps(settings)


def _enqueue(stack: LocalStack, shop: workload.Shop, orders: list[dict[str, Any]]) -> None:
    """Onto the orders queue as a historical push does: the ingress's own message for each."""
    sqs = stack.client("sqs")
    url = stack.queue_url("OrdersQueue")
    batch: list[dict[str, Any]] = []
    for item in shop.deliveries(orders):
        decision = decide_woocommerce(
            {k.lower(): v for k, v in item.headers.items()}, item.body, lambda: workload.WEBHOOK_SECRET
        )
        if decision.enqueue is None:
            continue
        attributes = {"record": {"DataType": "String", "StringValue": decision.enqueue.group}}
        batch.append({"Id": str(len(batch)), "MessageBody": decision.enqueue.body, "MessageAttributes": attributes})
        if len(batch) == 10:
            sqs.send_message_batch(QueueUrl=url, Entries=batch)
            batch = []
    if batch:
        sqs.send_message_batch(QueueUrl=url, Entries=batch)


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
    log: Any = print,
) -> MultiStoreFigures:
    """``batching`` off: one document per Xero request, several calls per order - demand far
    above the organisation's minute, which only the shared governor holds back. The simulated
    clock this process takes for the run is given back afterwards (a test runs this)."""
    saved = {k: os.environ.get(k) for k in CLOCK_VARIABLES}
    try:
        return _run(orders, scale=scale, shared=shared, batching=batching, timeout=timeout, log=log)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(orders: int, *, scale: float, shared: bool, batching: bool, timeout: float, log: Any) -> MultiStoreFigures:
    env = set_clock(scale, start_at_midnight=True)
    sandbox = XeroSandbox(clock=lambda: datetime.fromtimestamp(sim_now(), UTC), validate=False)
    meter = XeroMeter(sandbox, sim_now)
    org = sandbox.add_organisation(
        "Two Stores Pty Ltd", limits={"minute": MINUTE_LIMIT, "day": 5000, "concurrent": CONCURRENT_LIMIT}
    )
    connection = sandbox.add_client([org.tenant_id])  # one custom connection, used by both stacks
    shops = {name: workload.generate(seed, orders, max(30, orders // 3)) for name, seed in (("a", 101), ("b", 202))}
    stacks: dict[str, LocalStack] = {}
    sandbox.start()
    try:
        for name, shop in shops.items():
            parameters = {
                "XeroApiUrl": sandbox.url,
                "XeroIdentityUrl": sandbox.url,
                "XeroMinuteLimit": str(MINUTE_LIMIT),
                "XeroBatching": "on" if batching else "off",
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
            stack.put_secret("WebhookSecret", workload.WEBHOOK_SECRET)
            credentials = {"client_id": connection.client_id, "client_secret": connection.client_secret}
            stack.put_secret("XeroCredentialsSecret", json.dumps(credentials))
            rates = workload.tax_settings(shop, shop.orders, org)
            stack.put_settings(_settings(shop, rates, f"W{name.upper()}-"))
        log(f"  two stacks up ({'one shared' if shared else 'separate'} Xero budget); pushing {orders} orders each")
        meter.reset()
        wall, sim = time.monotonic(), sim_now()
        for name, stack in stacks.items():
            with stack.hold_pollers():
                _enqueue(stack, shops[name], shops[name].orders)
        deadline = time.monotonic() + timeout
        drained = all(stack.wait_idle(max(1.0, deadline - time.monotonic())) for stack in stacks.values())
        wall, sim = time.monotonic() - wall, sim_now() - sim
        counts = meter.snapshot()
        invoices: dict[str, int] = {}
        for invoice in org.invoices.values():
            prefix = str(invoice.get("InvoiceNumber", "")).split("-")[0]
            invoices[prefix] = invoices.get(prefix, 0) + 1
        logs = [i for stack in stacks.values() for i in _scan(stack, "SyncLogTable")]
        figures = MultiStoreFigures(
            orders={name: len(shop.orders) for name, shop in shops.items()},
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
        )
        log("  " + figures.summary())
        return figures
    finally:
        for stack in reversed(list(stacks.values())):  # the first owns the moto the second uses
            stack.stop()
        sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.multistore", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="orders per store (default 200)")
    parser.add_argument("--scale", type=float, default=2.0, help="simulated seconds per wall second (default 2)")
    parser.add_argument("--timeout", type=float, default=2400.0, help="wall seconds to wait for the queues to drain")
    parser.add_argument("--unshared", action="store_true", help="each stack on its own budget (what not to do)")
    parser.add_argument(
        "--batching", choices=("on", "off"), default="off", help="off (default): several calls per order"
    )
    args = parser.parse_args(argv)
    figures = run(
        args.orders, scale=args.scale, shared=not args.unshared, batching=args.batching == "on", timeout=args.timeout
    )
    within = not figures.rejected and figures.max_minute <= MINUTE_LIMIT and figures.peak_in_flight <= CONCURRENT_LIMIT
    verdict = "OK" if within and figures.drained else "LIMITS BROKEN" if not within else "NOT DRAINED"
    print(f"multi-store: {verdict}: {figures.summary()}")
    return 0 if (within and figures.drained) or args.unshared else 1


if __name__ == "__main__":
    sys.exit(main())
