"""Cold-start proxy: how long each function's handler module takes to import on this machine,
from the built artefacts (``sam build``: ``.aws-sam/build``), as a ratio to ``import boto3``
alone (the floor every function pays: the runtime's boto3).

Each figure is the median, over several fresh interpreters, of the cumulative time
``python -X importtime`` reports for the top-level import, with ``PYTHONPATH`` laid out as
Lambda lays it out: the function's built folder (``/var/task``), then the layers' ``python/``
folders (``/opt/python``), byte-code as built (unchecked-hash ``.pyc``, layers/Makefile) and
nothing written (``PYTHONDONTWRITEBYTECODE``: Lambda's ``/opt`` and ``/var/task`` are
read-only). The built DepsLayer holds aarch64 binaries, which do not load here: the same recipe
builds it again for this machine beside it (``.aws-sam/build-host``), from the same hashed lock.
boto3 comes from the virtual environment, as the runtime provides its own. The environment
variables a handler reads at import are set to placeholders. A first, unmeasured run warms the
file cache.
"""

import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from local.sam import ROOT

FUNCTIONS = {
    "ingress": "IngressFunction",
    "sync_orders": "SyncOrdersFunction",
    "sync_contacts": "SyncContactsFunction",
    "sync_items": "SyncItemsFunction",
}
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
    ratio: float = 0.0  # to import boto3


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


def time_import(module: str, function: str | None, runs: int, deps: Path | None = None) -> list[float]:
    cwd = BUILD / FUNCTIONS[function] if function else Path(ROOT)
    times = []
    for n in range(runs + 1):
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            env=_env(function, deps),
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
        if n:  # the first run warms the file cache
            times.append(cumulative_ms(done.stderr, module))
    return times


def measure(runs: int = 7) -> list[ImportFigure]:
    deps = host_deps()
    boto3 = time_import("boto3", None, runs)
    floor = statistics.median(boto3)
    figures = [ImportFigure("boto3 alone", "boto3", floor, tuple(boto3), 1.0)]
    for function in FUNCTIONS:
        times = time_import("app", function, runs, deps)
        median = statistics.median(times)
        figures.append(ImportFigure(function, "app", median, tuple(times), median / floor))
    return figures
