"""Cold-start proxy: how long each function's handler module takes to import on this machine,
from the built artefacts (``sam build``: ``.aws-sam/build``), as a ratio to ``import boto3``
alone (the floor every function pays: the runtime's boto3).

Each figure comes from pairs of fresh interpreters, ``import boto3`` and then the handler module,
one pair after the other: the figure is the median of the pairs' ratios, so that the load of
other work on a shared machine, which comes and goes within minutes, weighs on both sides of each
ratio (a floor measured once, before the functions, made the same build read 1.0x or 1.2x). Each
time is the cumulative time ``python -X importtime`` reports for the top-level import; beside it,
the same interpreters' CPU time of the import (``time.process_time``: ``cpu_ratio``), which other
work on a loaded machine distorts far less than the wall clock (a core another process holds
stops both clocks' work, only the wall clock goes on). What a
first event loads on its own path (the store's adapter, xero-python, httpx) is not in it.

Beside the import, for the sync functions, a **cold start** figure (``cold_cpu_ratio``, CPU over
the same pair's ``import boto3``): the import and then the DynamoDB work a first batch of
``COLD_RECORDS`` records does before its first Xero call, one worker thread a record as the
handler runs them (``xerosync.handlers._record_pool``): each thread reads a mapping through
``xerosync.aws.table``, against a moto server this process starts. It is there so that work taken
off the import is seen not to reappear at the first invocation, and work removed from the first
invocation (a boto3 resource per thread, before one shared client) is seen at all.

``PYTHONPATH`` is laid out as Lambda lays it out: the function's built folder (``/var/task``),
then the layers' ``python/`` folders (``/opt/python``), byte-code as built (unchecked-hash
``.pyc``, layers/Makefile) and nothing written (``PYTHONDONTWRITEBYTECODE``: Lambda's ``/opt``
and ``/var/task`` are read-only). The built DepsLayer holds aarch64 binaries, which do not load
here: the same recipe builds it again for this machine beside it (``.aws-sam/build-host``), from
the same hashed lock. The floor's ``import boto3`` is the virtual environment's, whole, as the
runtime's is; the functions import the DepsLayer's, the same version (the lock pins the dev
environment's) with botocore's data trimmed to the services the code calls
(layers/deps/trim_botocore.py).
The environment variables a handler reads at import are set to placeholders. A first, unmeasured
pair warms the file cache.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.sam import ROOT

FUNCTIONS = {
    "ingress": "IngressFunction",
    "sync_orders": "SyncOrdersFunction",
    "sync_contacts": "SyncContactsFunction",
    "sync_items": "SyncItemsFunction",
    "xero_events": "XeroEventsFunction",
    "reconcile": "ReconcileFunction",
    "pull": "PullFunction",
    "settlements": "SettlementsFunction",
}
TARGETS = {"ingress": 1.1, "sync_orders": 1.3, "sync_contacts": 1.3, "sync_items": 1.3}  # the others: no target
BUILD = ROOT / ".aws-sam" / "build"
HOST_BUILD = ROOT / ".aws-sam" / "build-host"
PLACEHOLDER_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "xerosync",
    "POWERTOOLS_METRICS_NAMESPACE": "xerosync",
    "ORDERS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
    "CONTACTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/contacts",
    "ITEMS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/items",
    "WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook",
    "MAPPINGS_TABLE": "mappings",
    "IDEMPOTENCY_TABLE": "idempotency",
    "SYNC_LOG_TABLE": "synclog",
    "DEAD_LETTER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
    "XERO_CREDENTIALS_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:xero",
    "SETTINGS_PARAMETER": "/xerosync/bench/settings",
    "STORE_API_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:store",
}
COLD_FUNCTIONS = ("sync_orders", "sync_contacts", "sync_items")
COLD_RECORDS = 10  # a small batch
COLD = f"""
import os, time
_t = time.process_time()
import app
from xerosync import aws
from xerosync.handlers import _record_pool
def first(n):
    aws.table(os.environ["MAPPINGS_TABLE"]).get_item(Key={{"pk": f"bench#{{n}}", "sk": "mapping"}}, ConsistentRead=True)
list(_record_pool().map(first, range({COLD_RECORDS})))
print(time.process_time() - _t)
"""
LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


@dataclass(frozen=True)
class ImportFigure:
    name: str
    module: str
    median_ms: float
    runs_ms: tuple[float, ...]
    ratio: float = 0.0  # to import boto3 (the median of the pairs' ratios)
    boto3_ms: float = 0.0  # import boto3 in the pairs of this figure
    target: float | None = None  # the ratio to reach (issue 19, item 14)
    cpu_ratio: float = 0.0  # the same pairs' ratio of CPU time (time.process_time around the import)
    cold_cpu_ratio: float = 0.0  # import + a first batch's DynamoDB work, CPU over the pair's import boto3


def cumulative_ms(stderr: str, module: str) -> float:
    """The cumulative import time of ``module`` imported at top level (no indentation)."""
    for match in LINE.finditer(stderr):
        if match.group(4) == module and not match.group(3).strip(" "):
            return int(match.group(2)) / 1000.0
    raise ValueError(f"{module} not found in the -X importtime output")


def host_deps(build: Path = BUILD, host: Path = HOST_BUILD) -> Path:
    """The DepsLayer rebuilt for this machine by its own recipe and lock (once per build)."""
    target = host / "DepsLayer"
    lock = ROOT / "layers" / "deps" / "requirements.txt"
    built = build / "DepsLayer"
    if not built.is_dir():
        raise SystemExit(f"no build at {build}: run `make deploy-check` (or sam build) first")
    if not target.is_dir() or target.stat().st_mtime < max(lock.stat().st_mtime, built.stat().st_mtime):
        shutil.rmtree(target, ignore_errors=True)  # pip --target keeps what a folder already holds
        recipe = ["make", "--no-print-directory", "-f", "../Makefile", "build-DepsLayer", "PIP_TARGET="]
        subprocess.run(  # noqa: S603 - our own recipe
            [*recipe, f"PYTHON={sys.executable}", f"ARTIFACTS_DIR={target}"],
            cwd=ROOT / "layers" / "deps",
            check=True,
        )
    return target / "python"


def _env(function: str | None, deps: Path | None, endpoint: str = "") -> dict[str, str]:
    paths = []
    if function:
        paths = [str(BUILD / FUNCTIONS[function]), str(BUILD / "XerosyncLayer" / "python"), str(deps)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XEROSYNC_", "PYTHON"))}
    env = {**env, **PLACEHOLDER_ENV, "PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1"}
    return {**env, "AWS_ENDPOINT_URL": endpoint} if endpoint else env


def _timed(module: str) -> str:
    """A program importing ``module`` that prints the CPU seconds the import took."""
    return f"import time; _t = time.process_time(); import {module}; print(time.process_time() - _t)"


def _run(program: str, function: str | None, deps: Path | None, endpoint: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-X", "importtime", "-c", program],
        env=_env(function, deps, endpoint),
        cwd=BUILD / FUNCTIONS[function] if function else Path(ROOT),
        capture_output=True,
        text=True,
        check=True,
    )


def time_import(module: str, function: str | None, deps: Path | None = None) -> float:
    """``import module`` in a fresh interpreter (ms), laid out for ``function`` if any."""
    return time_import_both(module, function, deps)[0]


def time_import_both(module: str, function: str | None, deps: Path | None = None) -> tuple[float, float]:
    """``import module`` in a fresh interpreter: (wall ms as ``-X importtime`` says, CPU ms)."""
    done = _run(_timed(module), function, deps)
    return cumulative_ms(done.stderr, module), float(done.stdout.split()[-1]) * 1000


def cold_cpu_ms(function: str, deps: Path, endpoint: str) -> float:
    """CPU ms of the import and a first batch's DynamoDB work (``COLD``) in a fresh interpreter."""
    return float(_run(COLD, function, deps, endpoint).stdout.split()[-1]) * 1000


def _moto() -> tuple[Any, str]:
    """A moto server with the mapping table, for the cold-start figure."""
    import boto3

    from local.moto_ext import start_moto

    server = start_moto(0)
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    dynamodb = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's placeholder, as PLACEHOLDER_ENV
    )
    dynamodb.create_table(
        TableName=PLACEHOLDER_ENV["MAPPINGS_TABLE"],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return server, endpoint


def measure(runs: int = 7, functions: Iterable[str] = FUNCTIONS) -> list[ImportFigure]:
    """For each function, ``runs`` pairs of fresh interpreters, ``import boto3`` then the handler
    module, after a warm-up pair: each figure is the median of the pairs' ratios. For the sync
    functions each pair has a third interpreter, the cold start (``COLD``)."""
    deps = host_deps()
    figures = []
    floors: list[float] = []
    server, endpoint = _moto() if set(functions) & set(COLD_FUNCTIONS) else (None, "")
    try:
        for function in functions:
            figures.append(_figure(function, runs, deps, endpoint, floors))
    finally:
        if server is not None:
            server.stop()
    floor = statistics.median(floors)
    return [ImportFigure("boto3 alone", "boto3", floor, tuple(floors), 1.0), *figures]


def _figure(function: str, runs: int, deps: Path, endpoint: str, floors: list[float]) -> ImportFigure:
    pairs = []
    cpu_pairs = []
    cold_pairs = []
    for n in range(runs + 1):
        floor, floor_cpu = time_import_both("boto3", None)
        app, app_cpu = time_import_both("app", function, deps)
        cold = cold_cpu_ms(function, deps, endpoint) if function in COLD_FUNCTIONS else 0.0
        if n:  # the first pair warms the file cache
            pairs.append((floor, app))
            cpu_pairs.append((floor_cpu, app_cpu))
            cold_pairs.append((floor_cpu, cold))
    floors.extend(floor for floor, _ in pairs)
    return ImportFigure(
        function,
        "app",
        statistics.median(ms for _, ms in pairs),
        tuple(ms for _, ms in pairs),
        statistics.median(ms / floor for floor, ms in pairs),
        boto3_ms=statistics.median(floor for floor, _ in pairs),
        target=TARGETS.get(function),
        cpu_ratio=statistics.median(ms / floor for floor, ms in cpu_pairs),
        cold_cpu_ratio=statistics.median(ms / floor for floor, ms in cold_pairs),
    )
