"""Cold start: what each function's handler module leaves for later or never loads, checked in a
fresh interpreter laid out as Lambda lays out the function and the layer (the ingress function's
own check is in test_ingress_handler). The figures are bench/README's; these checks fail when a
module named here comes back into a handler's import, whatever the machine's speed."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, loaded_by_handler_import

SYNC_FUNCTIONS = ["sync_orders", "sync_contacts", "sync_items", "xero_events"]
ENV = {"IDEMPOTENCY_TABLE": "idempotency", "MAPPINGS_TABLE": "mappings", "SYNC_LOG_TABLE": "sync-log"}


@pytest.mark.parametrize("function", SYNC_FUNCTIONS)
def test_functions_that_call_xero_do_not_import_xero_python_with_their_handler(function: str) -> None:
    # Given a fresh interpreter laid out as Lambda lays out the function and the layer
    # When the handler module is imported
    loaded = loaded_by_handler_import(function, ("xero_python",), ENV)
    # Then it imported, and xero-python waits for the first call to Xero
    assert loaded == []


@pytest.mark.parametrize("function", SYNC_FUNCTIONS)
def test_sync_handlers_import_neither_powertools_event_classes_nor_what_only_some_paths_use(function: str) -> None:
    # Given a fresh interpreter laid out as Lambda lays out the function and the layer
    # When the handler module is imported
    loaded = loaded_by_handler_import(
        function,
        (
            "aws_lambda_powertools.utilities.data_classes",  # every event class Powertools has; SQSRecord is ours
            "yaml",  # YAML settings only, read at the first batch
            "httpx",  # the store's API client, on the paths that call the store
            "pydantic",  # the settings are read by xerosync.schema (a store's payload models may use it)
            "xerosync.sync.privacy",  # a store's privacy requests and a stopped sync
            "xerosync.sync.quotes",  # quotes and purchases, on the orders' queue
        ),
        ENV,
    )
    # Then none of them was loaded
    assert loaded == []


def test_the_idempotency_layer_shares_the_functions_boto3_session() -> None:
    # Given the orders function's handler imported in a fresh interpreter, and the client the
    # first batch makes through xerosync.aws
    probe = (
        "import gc, app, botocore.session; from xerosync import aws; aws.client('sqs'); "
        "gc.unfreeze(); print(sum(isinstance(o, botocore.session.Session) for o in gc.get_objects()))"
    )  # unfreeze: gc.get_objects() leaves out what the import left frozen (xerosync.coldstart)
    path = os.pathsep.join([str(ROOT / "functions" / "sync_orders"), str(ROOT / "shared")])
    env = {**os.environ, **ENV, "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    # Then one botocore session serves both (a second one loads the endpoints and models again)
    assert done.stdout.split()[-1] == "1"


EVERY_FUNCTION_BUT_THE_CONSOLE = sorted(
    p.name for p in (ROOT / "functions").iterdir() if p.is_dir() and p.name != "console"
)
HANDLER_ENV = {
    **ENV,
    "ORDERS_QUEUE_URL": "https://sqs/orders",
    "CONTACTS_QUEUE_URL": "https://sqs/contacts",
    "ITEMS_QUEUE_URL": "https://sqs/items",
    "WEBHOOK_SECRET_ARN": "arn:secret",
}


@pytest.mark.parametrize("function", EVERY_FUNCTION_BUT_THE_CONSOLE)
def test_no_function_but_the_console_loads_the_console(function: str) -> None:
    # Given a fresh interpreter laid out as Lambda lays out the function and the layer
    # When the handler module is imported
    loaded = loaded_by_handler_import(function, ("xerosync.console",), HANDLER_ENV)
    # Then nothing of the console came with it: it adds nothing to their cold start
    assert loaded == []


def test_the_console_function_loads_the_console() -> None:
    # the probe above can see the console when a handler loads it
    assert "xerosync.console.app" in loaded_by_handler_import("console", ("xerosync.console",), HANDLER_ENV)
