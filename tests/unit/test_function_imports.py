"""Cold start: the functions that call Xero load xero-python on the path that calls it, not
when Lambda imports their handler module (the ingress function's own check is in
test_ingress_handler)."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("function", ["sync_orders", "sync_contacts", "sync_items", "xero_events"])
def test_functions_that_call_xero_do_not_import_xero_python_with_their_handler(function: str) -> None:
    # Given a fresh interpreter laid out as Lambda lays out the function and the layer
    probe = "import sys, app; print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'xero_python')))"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions" / function), str(ROOT / "shared")]),
        "IDEMPOTENCY_TABLE": "idempotency",
        "MAPPINGS_TABLE": "mappings",
        "SYNC_LOG_TABLE": "sync-log",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # When the handler module is imported
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    # Then it imported, and xero-python waits for the first call to Xero
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ""
