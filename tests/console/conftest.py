"""The console against the whole local stack (Xero sandbox, moto, the WooCommerce simulator and
template.yaml's functions, ConsoleFunction behind its HttpApi routes), over real HTTP. One stack
for every console test, plain HTTP and browser alike: starting one costs most of their time."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from local.stack import LocalStack
from tests.e2e.conftest import Stack, operator, start, stop
from xerosync.aws.console_sessions import DynamoConsoleSessions
from xerosync.console.auth import COOKIE, mint_signin


@pytest.fixture(scope="package")
def site() -> Iterator[Stack]:
    # no batching window: a test's few records go at once instead of waiting 2 s a queue for batch-mates
    running = start("console", store=True, parameters={"SyncBatchWindow": "0", "SyncBatchSize": "10"})
    yield running
    stop(running)


@dataclass
class OnStack:
    """A console test's view of its local stack: a secret and a record's sync log entries as the
    console wrote them (each module's own fixture adds what it needs beside ``site``)."""

    site: Stack

    @property
    def stack(self) -> LocalStack:
        return self.site.stack

    def secret(self, logical_id: str) -> dict[str, Any]:
        raw = self.stack.client("secretsmanager").get_secret_value(SecretId=self.stack.secret_arn(logical_id))
        value: dict[str, Any] = json.loads(raw["SecretString"])
        return value

    def item(self, table: str, pk: str, sk: str) -> dict[str, Any] | None:
        """An item of the stack's table ``table`` (a logical id), read consistently, as DynamoDB gives it."""
        found = self.stack.client("dynamodb").get_item(
            TableName=self.stack.resources[table], Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
        )
        return dict(found["Item"]) if "Item" in found else None

    def log(self, key: str) -> list[dict[str, str]]:
        """The sync log's entries of the record ``key`` (``xero:connection``, ``settings``, ...),
        their attributes as strings."""
        items = self.stack.client("dynamodb").query(
            TableName=self.stack.resources["SyncLogTable"],
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"record#{key}"}},
        )["Items"]
        return [{k: v.get("S", "") for k, v in i.items()} for i in items]


def mint(site: Stack, who: str = "operator@test") -> str:
    """A sign-in token, minted as ``xerosync console link`` mints it (into the stack's table)."""
    with operator(site.stack):
        return mint_signin(DynamoConsoleSessions(site.stack.resources["SyncLogTable"]), who)


def signed_in(site: Stack, who: str = "operator@test") -> httpx.Client:
    """An HTTP client holding a live session, signed in with a fresh link."""
    client = httpx.Client(base_url=site.stack.api_url, follow_redirects=False, timeout=30)
    answer = client.post("/console/signin", params={"token": mint(site, who)}, headers=own_origin(site))
    assert answer.status_code == 303, answer.text
    # httpx keeps a Secure cookie for https only: carry it by hand, as a browser does on localhost
    client.cookies.set(COOKIE, answer.cookies[COOKIE])
    return client


def own_origin(site: Stack) -> dict[str, str]:
    """What a browser sends with a POST from the console's own page."""
    return {"Origin": site.stack.api_url, "Sec-Fetch-Site": "same-origin"}


def csrf_of(page: str) -> str:
    """The synchronizer token of a page's forms."""
    marker = 'name="csrf" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]
