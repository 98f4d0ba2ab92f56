"""Fixtures shared by every suite.

``../shared`` (the team's reference folder: Xero's OpenAPI spec, WooCommerce fixtures) is
optional: tests that read it skip with the reason when it is absent.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.parallel import (  # noqa: F401 - pytest-xdist's hooks (tests/parallel.py says how the suite is spread)
    pytest_cmdline_main,
    pytest_collection_modifyitems,
    pytest_xdist_auto_num_workers,
    pytest_xdist_make_scheduler,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(os.environ.get("XEROSYNC_REFERENCE", ROOT.parent / "shared"))
EVENTS = ROOT / "events"

# The operator's command line prints with rich consoles made when xerosync.cli is imported, which keep
# the width COLUMNS gave them then (only without it do they read COLUMNS at each print); the tests give
# each invocation its width (CliRunner's env={"COLUMNS": ...}). A COLUMNS inherited from whatever ran
# pytest (pytest-xdist starts its workers with COLUMNS=80, a shell may export one) would pin them.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

# pytest-xdist's workers each start their own stacks: a stack of a name another worker may start too
# (a session-scoped one) must not empty that worker's log folder when it starts (local.stack.logs_root).
if "PYTEST_XDIST_WORKER" in os.environ:
    _logs = Path(os.environ.get("XEROSYNC_RUN_LOGS") or ROOT / "local" / ".run" / "logs")
    os.environ["XEROSYNC_RUN_LOGS"] = str(_logs / os.environ["PYTEST_XDIST_WORKER"])

# Handlers and adapters must never reach a real AWS account from a test.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_REGION", "us-east-1")


@pytest.fixture(autouse=True)
def _fresh_environment() -> Iterator[None]:
    """Each test reads the environment afresh (a container reads it once; a test may change it)."""
    from xerosync.environment import current

    current.cache_clear()
    yield
    current.cache_clear()


def reference_file(*parts: str) -> Path:
    """A file of ../shared, or a skip saying it is missing."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference file {path} is absent (../shared is not beside the repository)")
    return path


def load_event(*parts: str) -> Any:
    return json.loads(EVENTS.joinpath(*parts).read_text())


def loaded_by_handler_import(function: str, modules: tuple[str, ...], env: dict[str, str]) -> list[str]:
    """The modules of ``modules`` (each a package or a module, with its submodules) that importing
    ``functions/<function>/app.py`` loads, in a fresh interpreter laid out as Lambda lays out the
    function and the layer."""
    probe = (
        f"import sys, app; wanted = {modules!r}; "
        "print(','.join(sorted(m for m in sys.modules if any(m == w or m.startswith(w + '.') for w in wanted))))"
    )
    path = os.pathsep.join([str(ROOT / "functions" / function), str(ROOT / "shared")])
    result = subprocess.run(
        [sys.executable, "-c", probe], env={**os.environ, **env, "PYTHONPATH": path}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [m for m in result.stdout.strip().split(",") if m]


@pytest.fixture
def sandbox() -> Iterator[Any]:
    """A Xero sandbox on a free local port with one organisation and one custom connection."""
    from local.xero_sandbox import XeroSandbox

    box = XeroSandbox().start()
    box.org = box.add_organisation("Test Store Pty Ltd")
    box.connection = box.add_client([box.org.tenant_id])
    yield box
    box.stop()


@pytest.fixture
def xero(sandbox: Any) -> Any:
    """Our Xero client, connected to the sandbox over HTTP."""
    from xerosync.xero.client import XeroClient, XeroCredentials

    credentials = XeroCredentials(sandbox.connection.client_id, sandbox.connection.client_secret)
    return XeroClient(credentials, api_url=sandbox.url, identity_url=sandbox.url)
