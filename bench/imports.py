"""Cold-start proxy: how long each function's handler module takes to import on this machine,
as a ratio to ``import boto3`` alone (the floor every function pays).

Each figure is the median, over several fresh interpreters, of the cumulative time
``python -X importtime`` reports for the top-level import, with ``PYTHONPATH`` laid out as
Lambda lays it out (the function's folder, then the xerosync layer ``shared/``; the pinned
third-party packages come from the virtual environment, as the deps layer would). The
environment variables a handler reads at import are set to placeholders. A first, unmeasured
run warms the bytecode caches.
"""

import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from local.sam import ROOT

FUNCTIONS = ("ingress", "sync_orders", "sync_contacts", "sync_items")
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


def _env(function: str | None) -> dict[str, str]:
    paths = [str(ROOT / "functions" / function)] if function else []
    paths.append(str(ROOT / "shared"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XEROSYNC_", "PYTHON"))}
    return {**env, **PLACEHOLDER_ENV, "PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": ""}


def time_import(module: str, function: str | None, runs: int) -> list[float]:
    cwd = ROOT / "functions" / function if function else Path(ROOT)
    times = []
    for n in range(runs + 1):
        done = subprocess.run(  # noqa: S603 - our own interpreter
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            env=_env(function),
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
        if n:  # the first run warms the caches
            times.append(cumulative_ms(done.stderr, module))
    return times


def measure(runs: int = 7) -> list[ImportFigure]:
    boto3 = time_import("boto3", None, runs)
    floor = statistics.median(boto3)
    figures = [ImportFigure("boto3 alone", "boto3", floor, tuple(boto3), 1.0)]
    for function in FUNCTIONS:
        times = time_import("app", function, runs)
        median = statistics.median(times)
        figures.append(ImportFigure(function, "app", median, tuple(times), median / floor))
    return figures
