"""One benchmark run: the Xero sandbox and the local stack started, configured and measured.

Every process agrees on one clock: the functions get ``XEROSYNC_TIME_SCALE`` and
``XEROSYNC_TIME_EPOCH`` through the stack's ``extra_env``, this process sets the same
variables for itself, and the sandbox's clock is ``xerosync.clock.now()`` read here.
"""

import json
import os
import statistics
import time
import urllib.error
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bench.meters import AwsSnapshot, RemoteAwsMeter, StoreApiCounts, XeroCounts, XeroMeter
from local.stack import LocalStack
from local.woo import Delivery, post
from local.xero_sandbox import Organisation, XeroSandbox
from xerosync import clock, sources
from xerosync.aws.queues import batches
from xerosync.webhooks import by_reference

WEBHOOK_PATH = "/webhooks/woocommerce"
DAY = 86_400.0
QUEUES = {"orders": "OrdersQueue", "contacts": "ContactsQueue", "items": "ItemsQueue"}


class Signed(Protocol):
    """A store's webhook delivery as it reaches the ingress (local.woo's or the Shopify simulator's)."""

    @property
    def headers(self) -> dict[str, str]: ...

    @property
    def body(self) -> bytes: ...


def enqueue(stack: LocalStack, source: str, deliveries: Iterable[Signed], secret: str) -> dict[int, int]:
    """Put deliveries on the entity queues the way a historical push does: every message the
    ingress function would send for each (its own decision, ``sources.decider(source)``: a
    product delivery is one message per variant besides its own, ``Decision.messages``), as the
    ingress sends it (``by_reference`` over SQS's size), ten to a request; returns the answers the
    ingress would have given, by status."""
    decide = sources.decider(source)
    answers: dict[int, int] = {}

    def decided() -> Iterator[tuple[str, str, str]]:
        for item in deliveries:
            headers = {k.lower(): v for k, v in item.headers.items()}
            decision = decide(headers, item.body, lambda: secret, None)
            answers[decision.status] = answers.get(decision.status, 0) + 1
            yield from ((m.queue, m.group, m.body) for m in decision.messages)

    send_messages(stack, decided())
    return answers


def send_messages(stack: LocalStack, messages: Iterable[tuple[str, str, str]]) -> int:
    """Send ``(queue, record, envelope)`` messages to the stack's entity queues as the ingress and
    ``xerosync push`` send them (``by_reference`` over SQS's size, the record as an attribute), ten
    (and at most SQS's bytes) to a request; returns how many."""
    sqs = stack.client("sqs")
    pending: dict[str, list[tuple[str, str, dict[str, str]]]] = {}
    sent = 0

    def send(queue: str, waiting: list[tuple[str, str, dict[str, str]]]) -> None:
        requests, too_large = batches(waiting)
        if too_large:
            raise RuntimeError(f"{len(too_large)} messages too large for SQS even by reference")
        for request in requests:
            entries = [
                {
                    "Id": str(i),
                    "MessageBody": waiting[n][1],
                    "MessageAttributes": {
                        k: {"DataType": "String", "StringValue": v} for k, v in waiting[n][2].items()
                    },
                }
                for i, n in enumerate(request)
            ]
            failed = sqs.send_message_batch(QueueUrl=queue, Entries=entries).get("Failed") or []
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} of a push's messages: {failed[0]}")

    for queue_name, group, body in messages:
        queue = stack.queue_url(QUEUES[queue_name])
        waiting = pending.setdefault(queue, [])
        waiting.append((str(len(waiting)), by_reference(body), {"record": group}))
        sent += 1
        if len(waiting) == 10:
            send(queue, waiting)
            pending[queue] = []
    for queue, waiting in pending.items():
        if waiting:
            send(queue, waiting)
    return sent


def set_clock(scale: float, *, start_at_midnight: bool = False) -> dict[str, str]:
    """Give this process the simulated clock; returns the variables for the functions.

    ``start_at_midnight``: the simulated clock starts a minute after the next UTC midnight, so
    that the governor's UTC day and the sandbox's day window (which opens with the first call)
    begin together, as they would for a backfill started early in the day, and any day
    boundary a long run crosses falls 24 simulated hours in."""
    now = time.time()
    epoch = now
    if start_at_midnight and scale > 1:
        start = (now // DAY + 1) * DAY + 60.0
        epoch = (scale * now - start) / (scale - 1)  # so that epoch + (now - epoch) * scale == start
    env = {"XEROSYNC_TIME_SCALE": f"{scale:g}", "XEROSYNC_TIME_EPOCH": f"{epoch:.6f}"}
    os.environ.update(env)
    return env


def sim_now() -> float:
    return clock.now()


@dataclass
class FunctionFigures:
    invocations: int
    errors: int
    cold_starts: int
    timeouts: int
    billed_ms: float
    memory_mb: int
    durations_ms: list[float] = field(repr=False)
    peak_memory_mb: float = 0.0

    @property
    def gb_seconds(self) -> float:
        return self.billed_ms / 1000.0 * self.memory_mb / 1024.0


@dataclass
class RunFigures:
    """What one run measured (the raw material of the report)."""

    label: str
    orders: int
    wall_seconds: float
    sim_seconds: float
    push_wall_seconds: float
    drained: bool
    xero: XeroCounts
    aws: AwsSnapshot
    functions: dict[str, FunctionFigures]
    pollers: dict[str, dict[str, int]]
    http_statuses: dict[int, int]
    outcomes: dict[str, int]
    retry_reasons: dict[str, int]
    dead_letters: dict[str, int]
    xero_documents: dict[str, int]
    log_bytes: dict[str, int]
    validation: str
    batch_sizes: list[int]
    batch_requests: list[int]
    flushes: tuple[int, int]  # batcher sends, and how many of them a slow worker forced (max_wait)
    held: tuple[int, int] = (0, 0)  # batches held on their queue for others to join (xero.pacing), their records
    latencies: list[float] = field(default_factory=list)
    source: str = "woocommerce"
    store_api: StoreApiCounts | None = None  # what the store's API was asked (when its simulator counts it)
    push_api: StoreApiCounts | None = None  # what the push itself asked of it (xerosync push's bulk listing)


class Bench:
    """A sandbox organisation and a local stack, with the meters on."""

    def __init__(
        self,
        name: str,
        *,
        scale: float,
        batching: bool,
        validate: bool | None,
        parameters: dict[str, str] | None = None,
        minute_limit: int = 60,
        day_limit: int = 5000,
        start_at_midnight: bool = False,
        organisation: dict[str, str] | None = None,
        source: str = "woocommerce",
    ) -> None:
        """``source``: the store the stack serves (its ``StoreSource``). A source whose functions
        read the store's API is given it by :meth:`start`, and its meter by :attr:`store_meter`."""
        self.name = name
        self.source = source
        self.store_meter: Any = None  # reset() and snapshot() -> StoreApiCounts, e.g. meters.ShopifyMeter
        self.scale = scale
        self.env = set_clock(scale, start_at_midnight=start_at_midnight)
        self.sandbox = XeroSandbox(clock=lambda: datetime.fromtimestamp(sim_now(), UTC), validate=validate)
        self.xero = XeroMeter(self.sandbox, sim_now)
        self.org: Organisation = self.sandbox.add_organisation(
            "Bench Outdoor Co Pty Ltd", limits={"minute": minute_limit, "day": day_limit}, **(organisation or {})
        )
        self.connection = self.sandbox.add_client([self.org.tenant_id])
        self.stack = LocalStack(
            stack_name=name,
            store_name="bench",
            parameters={
                "XeroBatching": "on" if batching else "off",
                "XeroMinuteLimit": str(minute_limit),
                "XeroDayLimit": str(day_limit),
                "StoreSource": source,
                **(parameters or {}),
            },
            extra_env=self.env,
            moto_process=True,  # its own interpreter lock: see bench/README.md, "What distorts the figures"
            moto_setup=RemoteAwsMeter.SETUP,
        )
        self.aws = RemoteAwsMeter(self.stack)

    def start(self, settings: str, webhook_secret: str, store_api: str | None = None) -> "Bench":
        """``store_api``: the StoreApiSecret (the store's API credentials), for sources whose
        functions read the store."""
        self.sandbox.start()
        self.stack.parameters.update({"XeroApiUrl": self.sandbox.url, "XeroIdentityUrl": self.sandbox.url})
        self.stack.start()
        self.stack.put_secret("WebhookSecret", webhook_secret)
        self.stack.put_secret(
            "XeroCredentialsSecret",
            json.dumps({"client_id": self.connection.client_id, "client_secret": self.connection.client_secret}),
        )
        if store_api is not None:
            self.stack.put_secret("StoreApiSecret", store_api)
        self.stack.put_settings(settings)
        return self

    def stop(self) -> None:
        self.stack.stop()
        self.sandbox.stop()

    # --- pushing ----------------------------------------------------------------------------------
    def post(self, item: Delivery) -> int:
        for attempt in range(3):
            try:
                status, _ = post(self.stack.api_url + WEBHOOK_PATH, item, timeout=120)
                return status
            except (urllib.error.URLError, TimeoutError, ConnectionError):
                if attempt == 2:
                    return 0
                time.sleep(0.5)
        return 0

    def enqueue(self, deliveries: Iterable[Signed], secret: str) -> dict[int, int]:
        """Put deliveries on the entity queues the way a historical push does (:func:`enqueue`)."""
        return enqueue(self.stack, self.source, deliveries, secret)

    def push(self, deliveries: list[Delivery], concurrency: int) -> dict[int, int]:
        statuses: dict[int, int] = {}
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for status in pool.map(self.post, deliveries):
                statuses[status] = statuses.get(status, 0) + 1
        return statuses

    # --- measuring --------------------------------------------------------------------------------
    def begin(self) -> tuple[AwsSnapshot, float, float]:
        self.xero.reset()
        if self.store_meter is not None:
            self.store_meter.reset()
        return self.aws.snapshot(), time.monotonic(), sim_now()

    def wait_drained(self, timeout: float) -> bool:
        return self.stack.wait_idle(timeout)

    def figures(
        self,
        label: str,
        orders: int,
        started: tuple[AwsSnapshot, float, float],
        push_seconds: float,
        drained: bool,
        statuses: dict[int, int],
    ) -> RunFigures:
        aws_before, wall0, sim0 = started
        wall, sim = time.monotonic() - wall0, sim_now() - sim0
        aws = self.aws.snapshot().minus(aws_before)  # before the benchmark's own reads below
        xero = self.xero.snapshot()
        store_api = self.store_meter.snapshot() if self.store_meter is not None else None
        functions = {
            logical: FunctionFigures(
                f.stats.invocations,
                f.stats.errors,
                f.stats.cold_starts,
                f.stats.timeouts,
                f.stats.billed_ms,
                f.config.memory_mb,
                list(f.stats.durations_ms),
                f.stats.peak_memory_mb,
            )
            for logical, f in self.stack.functions.items()
        }
        pollers = {k: dict(vars(v)) for k, v in self.stack.poller_stats.items()}
        outcomes, reasons = self._sync_log()
        dead = {k: v for k, v in self.stack.queue_depths().items() if k.endswith("DLQ")}
        sizes, requests, flushes, held = self._batches()
        return RunFigures(
            label=label,
            orders=orders,
            wall_seconds=wall,
            sim_seconds=sim,
            push_wall_seconds=push_seconds,
            drained=drained,
            xero=xero,
            aws=aws,
            functions=functions,
            pollers=pollers,
            http_statuses=statuses,
            outcomes=outcomes,
            retry_reasons=reasons,
            dead_letters=dead,
            xero_documents={
                "contacts": len(self.org.contacts),
                "invoices": len(self.org.invoices),
                "payments": len(self.org.payments),
                "credit_notes": len(self.org.credit_notes),
            },
            log_bytes={p.stem: p.stat().st_size for p in Path(self.stack.log_dir).glob("*.log")},
            validation=self.sandbox.validation,
            batch_sizes=sizes,
            batch_requests=requests,
            flushes=flushes,
            held=held,
            source=self.source,
            store_api=store_api,
        )

    def _sync_log(self) -> tuple[dict[str, int], dict[str, int]]:
        """Outcomes in the sync log (applied, skipped, retrying, failed...) and why records retried."""
        client = self.stack.client("dynamodb")
        outcomes: dict[str, int] = {}
        reasons: dict[str, int] = {}
        kwargs: dict[str, Any] = {"TableName": self.stack.resources["SyncLogTable"]}
        while True:
            page = client.scan(**kwargs)
            for item in page.get("Items", []):
                outcome = item["outcome"]["S"]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if outcome in ("retrying", "failed"):
                    reason = item.get("reason", {}).get("S", "")[:60]
                    reasons[f"{outcome}: {reason}"] = reasons.get(f"{outcome}: {reason}", 0) + 1
            if "LastEvaluatedKey" not in page:
                return outcomes, reasons
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _batches(self) -> tuple[list[int], list[int], tuple[int, int], tuple[int, int]]:
        """Records and Xero requests per sync invocation, the batcher's sends (all, forced by a
        slow worker), and the batches held for others to join (batches, records), from the
        functions' "batch done" and "batch held" lines."""
        sizes: list[int] = []
        requests: list[int] = []
        sends = forced = held = held_records = 0
        for path in Path(self.stack.log_dir).glob("Sync*.log"):
            with path.open("rb") as lines:
                for raw in lines:
                    if b'"batch done"' not in raw and b'"batch held"' not in raw:
                        continue
                    try:
                        entry = json.loads(raw)
                    except ValueError:
                        continue
                    if entry.get("message") == "batch held":
                        held += 1
                        held_records += int(entry.get("records", 0))
                        continue
                    sizes.append(int(entry.get("records", 0)))
                    if entry.get("xero_requests") is not None:
                        requests.append(int(entry["xero_requests"]))
                    if entry.get("xero_flushes"):
                        sends += int(entry["xero_flushes"][0])
                        forced += int(entry["xero_flushes"][1])
        return sizes, requests, (sends, forced), (held, held_records)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1), nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return ordered[rank - 1]
