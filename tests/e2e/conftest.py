"""The whole local stack: the Xero sandbox, moto, and template.yaml's functions wired by the runner;
with ``store=True`` also the WooCommerce store simulator, wired as a merchant wires a real store
(its REST API key in StoreApiSecret, its webhooks pointing at the stack), and the sandbox's Xero
webhooks pointing at the stack too."""

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from local.sam import ROOT
from local.stack import LocalStack
from local.woo import SampleSet, sample_deliveries
from local.woo_store import Settings as StoreOptions
from local.woo_store import WooStore
from local.xero_sandbox import Organisation, XeroSandbox
from local.xero_sandbox.state import Limits
from xerosync.sources.woocommerce.subscriptions import TOPICS

XERO_WEBHOOK_KEY = "e2e-xero-webhook-key"
# limits high enough that a test about something else never waits for Xero's quota
ROOMY = Limits(concurrent=5, minute=100_000, day=1_000_000)


@dataclass
class Stack:
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation
    samples: SampleSet
    store: WooStore | None = None

    def writes(self) -> int:
        return sum(n for (_, endpoint), n in self.sandbox.state.calls.items() if not endpoint.startswith("GET"))

    def mappings(self) -> dict[str, dict[str, Any]]:
        items = self.stack.client("dynamodb").scan(TableName=self.stack.resources["MappingsTable"])["Items"]
        return {i["pk"]["S"]: i for i in items if i["sk"]["S"] == "mapping" and "xero_id" in i}


def start(
    name: str,
    settings: str | None = None,
    *,
    store: bool = False,
    limits: Limits | None = None,
    store_options: StoreOptions | None = None,
    history: Callable[[WooStore], Any] | None = None,
    parameters: dict[str, str] | None = None,
) -> Stack:
    """``parameters``: stack parameters besides the Xero URLs (template.yaml's defaults otherwise)."""
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("E2E Outdoor Co", limits=limits or Limits())
    connection = sandbox.add_client([org.tenant_id])
    samples = sample_deliveries()
    stack = LocalStack(
        stack_name=name,
        store_name="e2e",
        parameters={"XeroApiUrl": sandbox.url, "XeroIdentityUrl": sandbox.url, **(parameters or {})},
    ).start()
    stack.put_secret("WebhookSecret", samples.secret)
    stack.put_secret(
        "XeroCredentialsSecret",
        json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
    )
    stack.put_settings(settings if settings is not None else (ROOT / "local" / "demo-settings.yaml").read_text())
    running = Stack(stack, sandbox, org, samples)
    if store:
        running.store = wire_store(stack, samples.secret, store_options, history)
        stack.put_secret("XeroWebhookKeySecret", XERO_WEBHOOK_KEY)
        subscription = sandbox.subscribe_webhooks(stack.api_url + "/webhooks/xero", XERO_WEBHOOK_KEY)
        assert subscription.intent is not None and subscription.intent.passed, subscription.intent
    return running


def wire_store(
    stack: LocalStack,
    secret: str,
    options: StoreOptions | None = None,
    history: Callable[[WooStore], Any] | None = None,
) -> WooStore:
    """A store simulator whose REST API key is in StoreApiSecret and whose webhooks (the topics
    xerosync needs, added by hand as the README tells a merchant) deliver to the stack. ``history``
    runs first: what the shop did before xerosync was installed."""
    woo = WooStore(options or StoreOptions()).start()
    if history is not None:
        history(woo)
    else:
        woo.add_tax_rate("10", "GST", country="AU", priority=1)  # rate 1: OUTPUT in the demo settings
    stack.put_secret(
        "StoreApiSecret",
        json.dumps({"url": woo.url, "consumer_key": woo.consumer_key, "consumer_secret": woo.consumer_secret}),
    )
    for topics in TOPICS.values():
        for topic in topics:
            woo.add_webhook(topic, stack.api_url + "/webhooks/woocommerce", secret=secret)
    return woo


def stop(running: Stack) -> None:
    if running.store is not None:
        running.store.stop()
    running.stack.stop()
    running.sandbox.stop()


@pytest.fixture(scope="session")
def e2e() -> Iterator[Stack]:
    running = start("e2e-main")
    yield running
    running.stack.stop()
    running.sandbox.stop()


@contextlib.contextmanager
def operator(stack: LocalStack) -> Iterator[None]:
    """The operator's machine pointed at the local stack: boto3 (the CLI's, the jobs') reaches moto."""
    from xerosync import aws
    from xerosync.aws import secrets

    wanted = {
        "AWS_ENDPOINT_URL": stack.aws_endpoint,
        "XEROSYNC_STACK": stack.stack_name,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    aws.reset()
    secrets.clear_cache()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        aws.reset()
        secrets.clear_cache()
