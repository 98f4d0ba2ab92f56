"""The whole local stack: the Xero sandbox, moto, and template.yaml's functions wired by the runner."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from local.sam import ROOT
from local.stack import LocalStack
from local.woo import SampleSet, sample_deliveries
from local.xero_sandbox import Organisation, XeroSandbox


@dataclass
class Stack:
    stack: LocalStack
    sandbox: XeroSandbox
    org: Organisation
    samples: SampleSet

    def writes(self) -> int:
        return sum(n for (_, endpoint), n in self.sandbox.state.calls.items() if not endpoint.startswith("GET"))

    def mappings(self) -> dict[str, dict[str, Any]]:
        items = self.stack.client("dynamodb").scan(TableName=self.stack.resources["MappingsTable"])["Items"]
        return {i["pk"]["S"]: i for i in items if i["sk"]["S"] == "mapping" and "xero_id" in i}


def start(name: str, settings: str | None = None) -> Stack:
    sandbox = XeroSandbox().start()
    org = sandbox.add_organisation("E2E Outdoor Co")
    connection = sandbox.add_client([org.tenant_id])
    samples = sample_deliveries()
    stack = LocalStack(
        stack_name=name, store_name="e2e", parameters={"XeroApiUrl": sandbox.url, "XeroIdentityUrl": sandbox.url}
    ).start()
    stack.put_secret("WebhookSecret", samples.secret)
    stack.put_secret(
        "XeroCredentialsSecret",
        json.dumps({"client_id": connection.client_id, "client_secret": connection.client_secret}),
    )
    stack.put_settings(settings if settings is not None else (ROOT / "local" / "demo-settings.yaml").read_text())
    return Stack(stack, sandbox, org, samples)


@pytest.fixture(scope="session")
def e2e() -> Iterator[Stack]:
    running = start("e2e-main")
    yield running
    running.stack.stop()
    running.sandbox.stop()
