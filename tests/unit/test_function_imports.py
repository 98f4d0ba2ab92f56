"""Cold start: the functions that call Xero load xero-python on the path that calls it, not
when Lambda imports their handler module (the ingress function's own check is in
test_ingress_handler)."""

import pytest

from tests.conftest import loaded_by_handler_import


@pytest.mark.parametrize("function", ["sync_orders", "sync_contacts", "sync_items", "xero_events"])
def test_functions_that_call_xero_do_not_import_xero_python_with_their_handler(function: str) -> None:
    # Given a fresh interpreter laid out as Lambda lays out the function and the layer
    env = {"IDEMPOTENCY_TABLE": "idempotency", "MAPPINGS_TABLE": "mappings", "SYNC_LOG_TABLE": "sync-log"}
    # When the handler module is imported
    loaded = loaded_by_handler_import(function, ("xero_python",), env)
    # Then it imported, and xero-python waits for the first call to Xero
    assert loaded == []
