"""The one composition root's input: every setting read from the environment once, typed and
checked, or from a deployed stack for the operator's commands; and nobody else reads it."""

import ast
from pathlib import Path

import pytest

from xerosync.aws.stack import Stack
from xerosync.environment import VARIABLES, ConfigurationError, Environment, current

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared" / "xerosync"
# the root itself; the simulated clock, read on every call (its docstring says why)
MAY_READ = {PACKAGE / "environment.py", PACKAGE / "clock.py"}


def test_an_empty_environment_takes_every_default() -> None:
    env = Environment.from_env({})
    assert env == Environment()
    assert (env.xero_api_url, env.xero_identity_url) == ("https://api.xero.com", "https://identity.xero.com")
    assert (env.xero_minute_limit, env.xero_day_limit, env.xero_headroom) == (60, 5000, 0.1)
    assert (env.batching, env.record_lease_seconds, env.sync_log_days) == (True, 90.0, 30)
    assert (env.service_name, env.metrics_namespace) == ("xerosync", "xerosync")
    assert env.mappings_table == env.settings_parameter == env.dead_letter_queue_url == ""
    assert env.queue_urls == {}


def test_a_functions_environment_typed() -> None:
    env = Environment.from_env(
        {
            "MAPPINGS_TABLE": "m",
            "SETTINGS_PARAMETER": "/xerosync/s/settings",
            "ORDERS_QUEUE_URL": "https://sqs/orders",
            "ITEMS_QUEUE_URL": "https://sqs/items",
            "STORE_WEBHOOK_URL": "https://api/webhooks/woocommerce",
            "XERO_API_URL": "http://sandbox",
            "XERO_MINUTE_LIMIT": "120",
            "XERO_HEADROOM": "0",
            "XERO_BATCHING": "OFF",
            "RECORD_LEASE_SECONDS": "25",
            "SYNC_LOG_DAYS": "7",
            "SYNC_LOG_TABLE": "",  # empty is unset
            "UNRELATED": "ignored",
        }
    )
    assert env.queue_urls == {"orders": "https://sqs/orders", "items": "https://sqs/items"}
    assert (env.mappings_table, env.xero_api_url, env.webhook_url) == (
        "m",
        "http://sandbox",
        "https://api/webhooks/woocommerce",
    )
    assert (env.xero_minute_limit, env.xero_headroom, env.batching) == (120, 0.0, False)
    assert (env.record_lease_seconds, env.sync_log_days, env.sync_log_table) == (25.0, 7, "")


def test_a_malformed_variable_fails_at_once_naming_each_one() -> None:
    bad = {
        "XERO_MINUTE_LIMIT": "sixty",
        "XERO_HEADROOM": "10",
        "XERO_BATCHING": "maybe",
        "RECORD_LEASE_SECONDS": "-1",
        "XERO_API_URL": "api.xero.com",
        "SYNC_LOG_DAYS": "0",
    }
    with pytest.raises(ConfigurationError) as caught:
        Environment.from_env(bad)
    message = str(caught.value)
    for variable, value in bad.items():
        assert f"{variable} must be" in message and repr(value) in message
    assert '"on" or "off"' in message and "a whole number above 0" in message


def test_a_missing_required_variable_is_named() -> None:
    env = Environment.from_env({"MAPPINGS_TABLE": "m"})
    assert env.require("MAPPINGS_TABLE") is env
    with pytest.raises(ConfigurationError) as caught:
        env.require("MAPPINGS_TABLE", "SETTINGS_PARAMETER", "IDEMPOTENCY_TABLE")
    message = str(caught.value)
    assert "SETTINGS_PARAMETER" in message and "IDEMPOTENCY_TABLE" in message
    assert "MAPPINGS_TABLE" not in message and "the function's environment" in message
    with pytest.raises(ValueError, match="no such setting: MAPPING_TABLE"):  # a typo in the code
        env.require("MAPPING_TABLE")


def test_a_deployed_stack_gives_the_same_object() -> None:
    stack = Stack(
        "s",
        {
            "MappingsTable": "m",
            "OrdersQueue": "q1",
            "ItemsQueue": "q3",
            "SyncLogTable": "l",
            "XeroCredentialsSecret": "arn:x",
        },
        {"WebhookUrl": "http://127.0.0.1:1/webhooks/woocommerce", "SettingsParameterName": "/xerosync/s/settings"},
        {"XeroApiUrl": "http://sandbox", "SyncLogDays": "7", "XeroBatching": "off", "RecordLeaseSeconds": "150"},
    )
    env = Environment.from_stack(stack)
    assert env.settings_parameter == "/xerosync/s/settings"  # an output: the stack never writes it
    assert env.queue_urls == {"orders": "q1", "items": "q3"}
    assert (env.webhook_url, env.sync_log_days, env.sync_log_table) == (
        "http://127.0.0.1:1/webhooks/woocommerce",
        7,
        "l",
    )
    assert (env.xero_api_url, env.xero_identity_url) == ("http://sandbox", "https://identity.xero.com")
    assert (env.xero_secret_arn, env.batching, env.record_lease_seconds) == ("arn:x", False, 150.0)
    assert env.origin == "stack s"
    # stacks deployed before there was a choice name no source: the registry's default serves them
    assert env.store_source == "" and Environment.from_env({"STORE_SOURCE": "acme_store"}).store_source == "acme_store"
    named = Stack("s", {}, {}, {"StoreSource": "acme_store"})
    assert Environment.from_stack(named).store_source == "acme_store"
    with pytest.raises(ConfigurationError, match=r"stack s: not set: STORE_API_SECRET_ARN \(the stack's resource"):
        env.require("STORE_API_SECRET_ARN")
    broken = Stack("s", {}, {}, {"XeroMinuteLimit": "lots"})
    with pytest.raises(
        ConfigurationError, match=r"XERO_MINUTE_LIMIT \(the stack.s parameter XeroMinuteLimit\) must be"
    ):
        Environment.from_stack(broken)


def test_every_variable_the_template_gives_a_function_is_a_setting() -> None:
    from local.sam import load

    source = load().source
    given: set[str] = set(source["Globals"]["Function"]["Environment"]["Variables"])
    for resource in source["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            given |= set(resource["Properties"].get("Environment", {}).get("Variables", {}))
    assert given - {"POWERTOOLS_LOG_LEVEL", "STORE_NAME"} <= set(VARIABLES)


def test_a_process_reads_its_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPPINGS_TABLE", "first")
    assert current().mappings_table == "first"
    monkeypatch.setenv("MAPPINGS_TABLE", "second")
    assert current() is current() and current().mappings_table == "first"


def _reads_the_environment(tree: ast.AST) -> list[int]:
    """Lines that touch ``os.environ``, ``os.getenv``/``putenv`` or import them from ``os``."""
    names = ("environ", "getenv", "putenv", "environb")
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names and isinstance(node.value, ast.Name):
            lines += [node.lineno] if node.value.id == "os" else []
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(a.name in names for a in node.names):
            lines.append(node.lineno)
    return lines


def test_nothing_but_the_composition_root_reads_the_environment() -> None:
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    readers = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in sources
        if path not in MAY_READ
        for line in _reads_the_environment(ast.parse(path.read_text(), str(path)))
    }
    assert readers == set(), "read the setting from xerosync.environment.Environment instead"


def test_the_check_finds_a_reader() -> None:
    assert _reads_the_environment(ast.parse("import os\nx = os.environ['A']\ny = os.getenv('B')")) == [2, 3]
    assert _reads_the_environment(ast.parse("from os import environ")) == [1]
