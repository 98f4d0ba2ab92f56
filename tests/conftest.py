"""Fixtures shared by every suite.

``../shared`` (the team's reference folder: Xero's OpenAPI spec, WooCommerce fixtures) is
optional: tests that read it skip with the reason when it is absent.
"""

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(os.environ.get("XEROSYNC_REFERENCE", ROOT.parent / "shared"))
EVENTS = ROOT / "events"

# Handlers and adapters must never reach a real AWS account from a test.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_REGION", "us-east-1")


def reference_file(*parts: str) -> Path:
    """A file of ../shared, or a skip saying it is missing."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference file {path} is absent (../shared is not beside the repository)")
    return path


def load_event(*parts: str) -> Any:
    return json.loads(EVENTS.joinpath(*parts).read_text())


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
