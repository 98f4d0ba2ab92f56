"""What the benchmark counts, taken where it happens rather than estimated.

* :class:`AwsMeter` counts every request moto answers (installed in moto's own process by
  :func:`install`, so one hook sees the functions, the runner's queue pollers and the tooling
  alike; :class:`RemoteAwsMeter` reads it from the benchmark's process), and prices DynamoDB
  requests in request units the way on-demand tables are billed: writes by 1 KB of the larger
  of the item before and after (conditional failures included), plus one write per global
  secondary index the item is in; reads by 4 KB, strongly consistent reads at 1 unit and
  eventually consistent ones at half. SQS requests are counted per
  64 KB of payload, as SQS bills them, and empty receives are kept apart.
* :class:`XeroMeter` wraps the sandbox's rate limiter and request handler: calls counted by
  Xero, 429s by limit, calls in flight (peak), every counted call's time on the simulated
  clock, answers by status, and when each invoice number was first created.
"""

import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
WRITE_UNIT = 1024
READ_UNIT = 4096
SQS_CHUNK = 64 * 1024

# SQS actions a queue's work costs; the rest (GetQueueAttributes, GetQueueUrl, ...) is the
# runner's and the benchmark's own bookkeeping, which a deployed stack does not do.
SQS_WORK = {
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
}
DYNAMO_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
DYNAMO_READS = {"GetItem", "Query", "Scan"}


# --- DynamoDB item sizes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)
def _value_size(value: dict[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = str(inner).lstrip("-").replace(".", "").strip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(inner) if isinstance(inner, bytes | bytearray) else math.ceil(len(str(inner)) * 3 / 4)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in inner.items())
    if kind in ("SS", "NS", "BS"):
        sub = kind[0]
        return sum(_value_size({sub: v}) for v in inner)
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    """Bytes of an item in DynamoDB's low-level JSON (attribute names plus values)."""
    if not item:
        return 0
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


@dataclass
class DynamoUsage:
    requests: Counter[str] = field(default_factory=Counter)  # action -> requests
    read_units: float = 0.0
    write_units: float = 0.0
    by_table: dict[str, list[float]] = field(default_factory=dict)  # table -> [read units, write units]
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # "table|key kind" -> [read, write units]

    def add(self, table: str, reads: float, writes: float, kind: str = "") -> None:
        self.read_units += reads
        self.write_units += writes
        for key, book in ((table, self.by_table), (f"{table}|{kind}", self.by_kind)):
            units = book.setdefault(key, [0.0, 0.0])
            units[0] += reads
            units[1] += writes


def key_kind(params: dict[str, Any]) -> str:
    """What an item is about, from its partition key: ``governor``, ``order``, ``customer``,
    ``payment``... (the text before the first ``#`` or ``:``), or ``other``."""
    key = params.get("Key") or params.get("Item") or {}
    for name in ("pk", "id"):
        value = key.get(name)
        if isinstance(value, dict) and "S" in value:
            text = str(value["S"])
            for sep in ("#", ":"):
                text = text.split(sep, 1)[0]
            return text if text.isidentifier() and len(text) < 20 else "other"
    return "other"


@dataclass
class SqsUsage:
    requests: Counter[str] = field(default_factory=Counter)  # action -> requests
    billable: int = 0  # requests counted per 64 KB of payload, as SQS bills
    empty_receives: int = 0
    messages_received: int = 0


@dataclass
class AwsSnapshot:
    requests: Counter[tuple[str, str]]
    dynamo: DynamoUsage
    sqs: SqsUsage

    def minus(self, earlier: "AwsSnapshot") -> "AwsSnapshot":
        def diff(now: dict[str, list[float]], then: dict[str, list[float]]) -> dict[str, list[float]]:
            return {k: [u[0] - then.get(k, [0.0, 0.0])[0], u[1] - then.get(k, [0.0, 0.0])[1]] for k, u in now.items()}

        return AwsSnapshot(
            self.requests - earlier.requests,
            DynamoUsage(
                self.dynamo.requests - earlier.dynamo.requests,
                self.dynamo.read_units - earlier.dynamo.read_units,
                self.dynamo.write_units - earlier.dynamo.write_units,
                diff(self.dynamo.by_table, earlier.dynamo.by_table),
                diff(self.dynamo.by_kind, earlier.dynamo.by_kind),
            ),
            SqsUsage(
                self.sqs.requests - earlier.sqs.requests,
                self.sqs.billable - earlier.sqs.billable,
                self.sqs.empty_receives - earlier.sqs.empty_receives,
                self.sqs.messages_received - earlier.sqs.messages_received,
            ),
        )

    def service_requests(self, service: str) -> int:
        return sum(n for (s, _), n in self.requests.items() if s == service)


class AwsMeter:
    """Counts moto's requests; install once, before the local stack starts moto."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[tuple[str, str]] = Counter()
        self.dynamo = DynamoUsage()
        self.sqs = SqsUsage()
        self._installed = False

    def install(self) -> "AwsMeter":
        from moto.core.responses import BaseResponse

        if self._installed:
            return self
        original = BaseResponse.call_action
        meter = self

        def counted(response: Any) -> Any:
            return meter._observe(response, original)

        BaseResponse.call_action = counted  # type: ignore[method-assign,assignment]
        self._installed = True
        return self

    def snapshot(self) -> AwsSnapshot:
        with self._lock:
            return AwsSnapshot(
                Counter(self.requests),
                DynamoUsage(
                    Counter(self.dynamo.requests),
                    self.dynamo.read_units,
                    self.dynamo.write_units,
                    {t: list(u) for t, u in self.dynamo.by_table.items()},
                    {k: list(u) for k, u in self.dynamo.by_kind.items()},
                ),
                SqsUsage(
                    Counter(self.sqs.requests), self.sqs.billable, self.sqs.empty_receives, self.sqs.messages_received
                ),
            )

    # --- the hook ---------------------------------------------------------------------------------
    def _observe(self, response: Any, original: Callable[[Any], Any]) -> Any:
        service = str(getattr(response, "service_name", "") or "")
        try:
            action = str(response._get_action())
        except Exception:
            action = "?"
        if service == "dynamodb" and action in DYNAMO_WRITES:
            before = self._stored(response)
            result = original(response)
            self._dynamo_write(response, action, before, result)
        else:
            result = original(response)
            if service == "dynamodb" and action in DYNAMO_READS:
                self._dynamo_read(response, action, result)
            elif service == "sqs" and action in SQS_WORK:
                self._sqs(response, action, result)
        with self._lock:
            self.requests[(service, action)] += 1
        return result

    @staticmethod
    def _body(result: Any) -> dict[str, Any]:
        try:
            body = result[2] if isinstance(result, tuple) else result
            if isinstance(body, bytes):
                body = body.decode()
            parsed = json.loads(body) if body else {}
            return parsed if isinstance(parsed, dict) else {}
        except (ValueError, TypeError, IndexError):
            return {}

    @staticmethod
    def _params(response: Any) -> dict[str, Any]:
        params = getattr(response, "body", None)
        if isinstance(params, dict):
            return params
        params = getattr(response, "params", None)
        return params if isinstance(params, dict) else {}

    def _table(self, name: str) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[ACCOUNT][REGION].get_table(name)

    def _stored(self, response: Any) -> dict[str, Any] | None:
        """The item a write is about, as stored now (low-level JSON), or None."""
        from moto.dynamodb.models import dynamodb_backends

        params = self._params(response)
        name = params.get("TableName")
        key = params.get("Key") or params.get("Item")
        if not name or not key:
            return None
        try:
            table = self._table(name)
            keys = {k: key[k] for k in table.schema_key_attrs if k in key}
            stored = dynamodb_backends[ACCOUNT][REGION].get_item(name, keys)
        except Exception:
            return None
        if stored is None:
            return None
        attributes: dict[str, Any] = stored.to_json()["Attributes"]
        return attributes

    def _dynamo_write(self, response: Any, action: str, before: dict[str, Any] | None, result: Any) -> None:
        params = self._params(response)
        name = str(params.get("TableName", "?"))
        failed = isinstance(result, tuple) and int(result[0]) >= 400
        if action == "PutItem" and not failed:
            after: dict[str, Any] | None = params.get("Item")
        elif action == "UpdateItem" and not failed:
            after = self._stored(response)
        else:
            after = None if action == "DeleteItem" or failed else before
        size = max(item_size(before), item_size(after))
        units = float(max(1, math.ceil(size / WRITE_UNIT)))
        if not failed:
            units += self._index_writes(name, before, after)
        with self._lock:
            self.dynamo.requests[action] += 1
            self.dynamo.add(name, 0.0, units, key_kind(params))

    def _index_writes(self, name: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> float:
        """Writes to global secondary indexes (projection ALL: the item's size)."""
        try:
            indexes = self._table(name).global_indexes
        except Exception:
            return 0.0
        units = 0.0
        for index in indexes:
            keys = [k["AttributeName"] for k in index.schema]

            def key_of(item: dict[str, Any] | None, keys: list[str] = keys) -> tuple[str, ...] | None:
                if not item or any(k not in item for k in keys):
                    return None
                return tuple(json.dumps(item[k], sort_keys=True) for k in keys)

            old, new = key_of(before), key_of(after)
            if new is not None:
                units += max(1, math.ceil(item_size(after) / WRITE_UNIT))
            if old is not None and old != new:
                units += max(1, math.ceil(item_size(before) / WRITE_UNIT))
        return units

    def _dynamo_read(self, response: Any, action: str, result: Any) -> None:
        params = self._params(response)
        body = self._body(result)
        consistent = bool(params.get("ConsistentRead"))
        if action == "GetItem":
            size = item_size(body.get("Item"))
        else:
            size = sum(item_size(i) for i in body.get("Items") or [])
        units = max(1, math.ceil(size / READ_UNIT)) * (1.0 if consistent else 0.5)
        with self._lock:
            self.dynamo.requests[action] += 1
            self.dynamo.add(str(params.get("TableName", "?")), units, 0.0, key_kind(params))

    def _sqs(self, response: Any, action: str, result: Any) -> None:
        params = self._params(response)
        if not params:
            try:
                params = json.loads(response.body) if isinstance(response.body, str | bytes) else {}
            except (ValueError, TypeError):
                params = {}
        payload = 0
        received = 0
        if action == "SendMessage":
            payload = len(str(params.get("MessageBody", "")).encode())
        elif action == "SendMessageBatch":
            payload = sum(len(str(e.get("MessageBody", "")).encode()) for e in params.get("Entries") or [])
        elif action == "ReceiveMessage":
            messages = self._body(result).get("Messages") or []
            received = len(messages)
            payload = sum(len(str(m.get("Body", "")).encode()) for m in messages)
        with self._lock:
            self.sqs.requests[action] += 1
            self.sqs.billable += max(1, math.ceil(payload / SQS_CHUNK))
            self.sqs.messages_received += received
            if action == "ReceiveMessage" and not received:
                self.sqs.empty_receives += 1


# --- the meter in moto's process (local.moto_process) -----------------------------------------------
_METER: AwsMeter | None = None


def install() -> None:
    """Called in moto's process before it serves (``LocalStack(moto_setup=...)``)."""
    global _METER
    _METER = AwsMeter().install()


def snapshot() -> AwsSnapshot:
    if _METER is None:
        raise RuntimeError("no AWS meter installed in this process")
    return _METER.snapshot()


class RemoteAwsMeter:
    """The :class:`AwsMeter` of a stack whose moto runs in a process of its own."""

    SETUP = ("bench.meters:install",)

    def __init__(self, stack: Any) -> None:
        self.stack = stack

    def snapshot(self) -> AwsSnapshot:
        taken: AwsSnapshot = self.stack.in_moto("bench.meters:snapshot")
        return taken


# --- Xero ---------------------------------------------------------------------------------------------
@dataclass
class XeroCounts:
    calls: Counter[str] = field(default_factory=Counter)  # "METHOD /Resource" -> counted calls
    rejected: Counter[str] = field(default_factory=Counter)  # 429s by X-Rate-Limit-Problem
    statuses: Counter[int] = field(default_factory=Counter)
    peak_in_flight: int = 0
    call_times: list[float] = field(default_factory=list)  # simulated epoch seconds of each counted call
    # counted calls by the Idempotency-Key the client sent ("" for reads, which send none): the
    # settlements part tells each deposit's calls apart by the key's settlement (``settlement_of``)
    keys: Counter[str] = field(default_factory=Counter)


class XeroMeter:
    """Wraps one sandbox's limiter and handler (see the module docstring)."""

    def __init__(self, sandbox: Any, sim_now: Callable[[], float]) -> None:
        self.sandbox = sandbox
        self.sim_now = sim_now
        self._lock = threading.Lock()
        self.counts = XeroCounts()
        self.in_flight = 0
        self.invoice_created: dict[str, float] = {}  # InvoiceNumber -> wall monotonic time
        self.watch_invoices = False
        limiter = sandbox.limits
        acquire, release, handle = limiter.acquire, limiter.release, sandbox.handle
        meter = self

        def counted_acquire(tenant: str, client_id: str, limits: Any) -> dict[str, str]:
            try:
                headers: dict[str, str] = acquire(tenant, client_id, limits)
            except Exception as err:
                if getattr(err, "status", None) == 429:
                    problem = str((getattr(err, "headers", None) or {}).get("X-Rate-Limit-Problem", "?"))
                    with meter._lock:
                        meter.counts.rejected[problem] += 1
                raise
            with meter._lock:
                meter.in_flight += 1
                meter.counts.peak_in_flight = max(meter.counts.peak_in_flight, meter.in_flight)
                meter.counts.call_times.append(meter.sim_now())
            return headers

        def counted_release(tenant: str) -> None:
            with meter._lock:
                meter.in_flight = max(0, meter.in_flight - 1)
            release(tenant)

        def counted_handle(method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Any:
            answer = handle(method, target, headers, body)
            status = int(answer[0])
            path = target.split("?", 1)[0]
            with meter._lock:
                meter.counts.statuses[status] += 1
            if "/api.xro/2.0/" in path and status != 429:
                resource = path.split("/api.xro/2.0/", 1)[1].split("/", 1)[0]
                key = next((str(v) for k, v in headers.items() if k.lower() == "idempotency-key"), "")
                with meter._lock:
                    meter.counts.calls[f"{method} /{resource}"] += 1
                    meter.counts.keys[key] += 1
            if meter.watch_invoices and method in ("PUT", "POST") and path.endswith("/Invoices") and status == 200:
                meter._note_invoices(answer[2])
            return answer

        limiter.acquire, limiter.release, sandbox.handle = counted_acquire, counted_release, counted_handle

    def _note_invoices(self, body: bytes) -> None:
        now = time.monotonic()
        try:
            invoices = json.loads(body).get("Invoices") or []
        except ValueError:
            return
        with self._lock:
            for invoice in invoices:
                number = invoice.get("InvoiceNumber")
                if number and invoice.get("StatusAttributeString", "OK") != "ERROR":
                    self.invoice_created.setdefault(str(number), now)

    @contextmanager
    def watching_invoices(self) -> Iterator[None]:
        self.watch_invoices = True
        try:
            yield
        finally:
            self.watch_invoices = False

    def reset(self) -> None:
        with self._lock:
            self.counts = XeroCounts()
            self.invoice_created.clear()

    def snapshot(self) -> XeroCounts:
        with self._lock:
            return XeroCounts(
                Counter(self.counts.calls),
                Counter(self.counts.rejected),
                Counter(self.counts.statuses),
                self.counts.peak_in_flight,
                list(self.counts.call_times),
                Counter(self.counts.keys),
            )


def max_in_window(times: list[float], window: float = 60.0) -> int:
    """The most calls any ``window`` seconds held (a sliding window over sorted times)."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def settlement_of(idempotency_key: str) -> str:
    """The settlement an Idempotency-Key of the settlements code belongs to: ``payout:42`` of
    ``payout:42:invoice:<claim>``, ``payout:42#payment:<claim>`` or ``settlement:9#2026-08:...``
    (xerosync.sync.settlements makes them from the settlement's mapping key); "" for none."""
    if not idempotency_key:
        return ""
    kind, _, rest = idempotency_key.partition(":")
    return f"{kind}:{rest.split(':', 1)[0].split('#', 1)[0]}"


# --- the stores' APIs (the settlements part) ------------------------------------------------------------
@dataclass
class StoreApiCounts:
    calls: Counter[str] = field(default_factory=Counter)  # operation -> requests answered
    refused: Counter[str] = field(default_factory=Counter)  # operation -> throttled / 429
    requested_points: int = 0  # Shopify: the cost each query asked for
    actual_points: int = 0  # Shopify: the cost Shopify kept (what its restore rate pays back)
    downloads: int = 0  # report documents or bulk files fetched
    download_bytes: int = 0


class ShopifyMeter:
    """Counts what the Shopify simulator answers: queries by operation name, the points each asked
    for and kept (``extensions.cost``), throttled refusals, and bulk files downloaded. Wraps the
    simulator's GraphQL handler (``local.shopify_store.server.graphql``, looked up per request) for
    as long as it is installed; one store at a time."""

    def __init__(self, store: Any) -> None:
        import re

        from local.shopify_store import server as module

        server: Any = module  # its handler is replaced for as long as the meter is installed
        self.store = store
        self.counts = StoreApiCounts()
        self._lock = threading.Lock()
        self._server = server
        self._handle = server.graphql
        name = re.compile(r"\b(?:query|mutation)\s+(\w+)")
        meter = self
        handle = self._handle

        def counted(shop: Any, version: str, headers: dict[str, str], body: bytes) -> Any:
            answer = handle(shop, version, headers, body)
            if shop is not meter.store:
                return answer
            try:
                found = name.search(str(json.loads(body or b"{}").get("query") or ""))
            except (ValueError, AttributeError):
                found = None
            operation = found.group(1) if found else "?"
            payload = answer[2] if isinstance(answer[2], dict) else {}
            cost = (payload.get("extensions") or {}).get("cost") or {}
            errors = payload.get("errors")  # a list, or one string (401: an expired token; 404)
            errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
            throttled = any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors)
            with meter._lock:
                meter.counts.calls[operation] += 1
                if throttled:
                    meter.counts.refused[operation] += 1
                meter.counts.requested_points += int(cost.get("requestedQueryCost") or 0)
                meter.counts.actual_points += int(cost.get("actualQueryCost") or 0)
            return answer

        files = store.bulk.file

        def downloaded(number: int) -> bytes | None:
            content: bytes | None = files(number)
            with meter._lock:
                meter.counts.downloads += 1
                meter.counts.download_bytes += len(content or b"")
            return content

        server.graphql = counted
        store.bulk.file = downloaded

    def uninstall(self) -> None:
        self._server.graphql = self._handle

    def reset(self) -> None:
        with self._lock:
            self.counts = StoreApiCounts()

    def snapshot(self) -> StoreApiCounts:
        with self._lock:
            c = self.counts
            return StoreApiCounts(
                Counter(c.calls), Counter(c.refused), c.requested_points, c.actual_points, c.downloads, c.download_bytes
            )


class AmazonMeter:
    """Counts what the SP-API simulator answers: Reports API operations (``local.amazon_sp.server.
    reports_api``, looked up per request), their 429s, and report documents downloaded."""

    def __init__(self, sp: Any) -> None:
        from local.amazon_sp import server as module

        server: Any = module  # its Reports API is wrapped for as long as the meter is installed
        self.sp = sp
        self.counts = StoreApiCounts()
        self._lock = threading.Lock()
        self._server = server
        self._reports_api = server.reports_api
        meter = self
        reports_api = self._reports_api

        def counted(seller: Any, path: str, query: Any, headers: dict[str, str]) -> Any:
            answer = reports_api(seller, path, query, headers)
            if seller is not meter.sp:
                return answer
            operation = "getReports" if path.endswith("/reports") else "other"
            if server.REPORT.match(path):
                operation = "getReport"
            elif server.DOCUMENT.match(path):
                operation = "getReportDocument"
            with meter._lock:
                meter.counts.calls[operation] += 1
                if int(answer[0]) == 429:
                    meter.counts.refused[operation] += 1
            return answer

        download = sp.reports.download

        def downloaded(document_id: str, query: Any, now: Any) -> tuple[int, bytes]:
            status, content = download(document_id, query, now)
            with meter._lock:
                meter.counts.downloads += 1
                meter.counts.download_bytes += len(content) if status == 200 else 0
            return status, content

        server.reports_api = counted
        sp.reports.download = downloaded

    def uninstall(self) -> None:
        self._server.reports_api = self._reports_api

    def snapshot(self) -> StoreApiCounts:
        with self._lock:
            c = self.counts
            return StoreApiCounts(
                Counter(c.calls), Counter(c.refused), c.requested_points, c.actual_points, c.downloads, c.download_bytes
            )
