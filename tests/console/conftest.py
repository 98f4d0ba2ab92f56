"""The console against the whole local stack (Xero sandbox, moto, the WooCommerce simulator and
template.yaml's functions, ConsoleFunction behind its HttpApi routes), over real HTTP. One stack
for every console test, plain HTTP and browser alike: starting one costs most of their time."""

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import Stack, operator, start, stop
from xerosync.aws.console_sessions import DynamoConsoleSessions
from xerosync.console.auth import COOKIE, mint_signin


@pytest.fixture(scope="package")
def site() -> Iterator[Stack]:
    # no batching window: a test's few records go at once instead of waiting 2 s a queue for batch-mates
    running = start("console", store=True, parameters={"SyncBatchWindow": "0", "SyncBatchSize": "10"})
    yield running
    stop(running)


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
