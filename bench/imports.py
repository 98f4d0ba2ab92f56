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

``PYTHONPATH`` is laid out as Lambda lays it out: the function's built folder (``/var/task``),
then the layers' ``python/`` folders (``/opt/python``), byte-code as built (unchecked-hash
``.pyc``, layers/Makefile) and nothing written (``PYTHONDONTWRITEBYTECODE``: Lambda's ``/opt``
and ``/var/task`` are read-only). The built DepsLayer holds aarch64 binaries, which do not load
here: the same recipe builds it again for this machine beside it (``.aws-sam/build-host``), from
the same hashed lock. boto3 comes from the virtual environment, as the runtime provides its own.
The environment variables a handler reads at import are set to placeholders. A first, unmeasured
pair warms the file cache.
"""

import os
import re
import statistics
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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
        recipe = ["make", "--no-print-directory", "-f", "../Makefile", "build-DepsLayer", "PIP_TARGET="]
        subprocess.run(  # noqa: S603 - our own recipe
            [*recipe, f"PYTHON={sys.executable}", f"ARTIFACTS_DIR={target}"],
            cwd=ROOT / "layers" / "deps",
            check=True,
        )
    return target / "python"


def _env(function: str | None, deps: Path | None) -> dict[str, str]:
    paths = []
    if function:
        paths = [str(BUILD / FUNCTIONS[function]), str(BUILD / "XerosyncLayer" / "python"), str(deps)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XEROSYNC_", "PYTHON"))}
    return {**env, **PLACEHOLDER_ENV, "PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1"}


def _timed(module: str) -> str:
    """A program importing ``module`` that prints the CPU seconds the import took."""
    return f"import time; _t = time.process_time(); import {module}; print(time.process_time() - _t)"


def _run(program: str, function: str | None, deps: Path | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-X", "importtime", "-c", program],
        env=_env(function, deps),
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


def measure(runs: int = 7, functions: Iterable[str] = FUNCTIONS) -> list[ImportFigure]:
    """For each function, ``runs`` pairs of fresh interpreters, ``import boto3`` then the handler
    module, after a warm-up pair: each figure is the median of the pairs' ratios."""
    deps = host_deps()
    figures = []
    floors: list[float] = []
    for function in functions:
        pairs = []
        cpu_pairs = []
        for n in range(runs + 1):
            floor, floor_cpu = time_import_both("boto3", None)
            app, app_cpu = time_import_both("app", function, deps)
            if n:  # the first pair warms the file cache
                pairs.append((floor, app))
                cpu_pairs.append((floor_cpu, app_cpu))
        floors.extend(floor for floor, _ in pairs)
        figures.append(
            ImportFigure(
                function,
                "app",
                statistics.median(ms for _, ms in pairs),
                tuple(ms for _, ms in pairs),
                statistics.median(ms / floor for floor, ms in pairs),
                boto3_ms=statistics.median(floor for floor, _ in pairs),
                target=TARGETS.get(function),
                cpu_ratio=statistics.median(ms / floor for floor, ms in cpu_pairs),
            )
        )
    floor = statistics.median(floors)
    return [ImportFigure("boto3 alone", "boto3", floor, tuple(floors), 1.0), *figures]
