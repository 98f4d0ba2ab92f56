"""Authorization-code connections: rotating refresh tokens shared by several workers, against the
sandbox's identity server (rotation, 30-minute grace, invalid_grant) and DynamoDB on moto."""

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.xero_sandbox import XeroSandbox
from tests.integration.conftest import mappings_table
from xerosync.aws.tokens import DynamoTokenStore
from xerosync.xero.client import XeroClient, XeroCredentials
from xerosync.xero.errors import XeroAuthError
from xerosync.xero.tokens import (
    AuthorizationCode,
    InvalidGrant,
    TokenSet,
    exchange_code,
    seed_of,
    store_connection,
    store_disconnected,
    token_key,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def standard_app(endpoint: str) -> Any:
    clock = Clock()
    sandbox = XeroSandbox(clock=clock).start()
    org = sandbox.add_organisation("Standard App Co", limits={"minute": 10_000, "day": 100_000})
    app = sandbox.add_client([org.tenant_id], custom_connection=False)
    code = sandbox.authorize(app.client_id, [org.tenant_id])
    worker = XeroClient(
        XeroCredentials(app.client_id, app.client_secret), api_url=sandbox.url, identity_url=sandbox.url
    )
    first = exchange_code(worker.http, sandbox.url, app.client_id, app.client_secret, code)
    table = mappings_table(endpoint, f"tokens-{time.monotonic_ns()}")
    yield sandbox, org, app, first["refresh_token"], table, clock
    sandbox.stop()


def lambda_worker(sandbox: Any, org: Any, app: Any, refresh_token: str, table: str) -> XeroClient:
    """One Lambda's client: its own process state, the shared token store."""
    client = XeroClient(
        XeroCredentials(app.client_id, app.client_secret, org.tenant_id, refresh_token),
        api_url=sandbox.url,
        identity_url=sandbox.url,
    )
    client.tokens = AuthorizationCode(
        DynamoTokenStore(table), client.http, sandbox.url, app.client_id, app.client_secret, refresh_token
    )
    return client


def test_many_workers_refreshing_at_once_never_break_the_connection(standard_app: Any) -> None:
    sandbox, org, app, refresh_token, table, clock = standard_app
    workers = [lambda_worker(sandbox, org, app, refresh_token, table) for _ in range(6)]
    errors: list[BaseException] = []
    for _cycle in range(4):  # four token lifetimes, each ending with everyone calling at once
        clock.now += timedelta(minutes=31)

        def call(client: XeroClient) -> None:
            try:
                client.organisation()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=call, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert errors == []
    # one refresh per lifetime, whoever did it: the rotated token was always saved before use
    assert sum(w.tokens.refreshes for w in workers) == 4  # type: ignore[attr-defined]


def test_a_refused_connection_stops_every_worker_with_one_clear_error(standard_app: Any) -> None:
    sandbox, org, app, refresh_token, table, clock = standard_app
    first, second = (lambda_worker(sandbox, org, app, refresh_token, table) for _ in range(2))
    first.organisation()
    # the merchant disconnects the app in Xero: its refresh tokens stop working
    for token in list(sandbox.state.refresh_tokens):
        sandbox.state.refresh_tokens.pop(token)
    clock.now += timedelta(minutes=31)
    with pytest.raises(InvalidGrant, match="connect it again"):
        first.organisation()
    refreshes = second.tokens.refreshes  # type: ignore[attr-defined]
    with pytest.raises(XeroAuthError):
        second.organisation()
    assert second.tokens.refreshes == refreshes  # type: ignore[attr-defined]  # it did not ask Xero again


def test_a_cached_token_expires_on_the_clock_the_sync_runs_by(monkeypatch: pytest.MonkeyPatch) -> None:
    """Xero's token lives 30 minutes of the clock everything is paced by. On a simulated clock
    (the benchmark's), a token cached by wall time would outlive it and every call after would
    first be refused with a 401; renewed on that clock, it is fresh before it is used."""
    sandbox = XeroSandbox().start()
    try:
        org = sandbox.add_organisation("Clock Co", limits={"minute": 10_000, "day": 100_000})
        app = sandbox.add_client([org.tenant_id])
        client = XeroClient(
            XeroCredentials(app.client_id, app.client_secret), api_url=sandbox.url, identity_url=sandbox.url
        )
        monkeypatch.setenv("XEROSYNC_TIME_SCALE", "900")  # a quarter of an hour a second
        monkeypatch.setenv("XEROSYNC_TIME_EPOCH", f"{time.time():.6f}")
        first = client.tokens.access_token()
        assert client.tokens.access_token() == first  # cached while it lives
        time.sleep(2.0)  # 30 simulated minutes: expired, or within the renewal margin
        assert client.tokens.access_token() != first
    finally:
        sandbox.stop()


def test_a_reconnect_reaches_warm_workers_still_holding_the_old_secret(standard_app: Any) -> None:
    """The console stores a new consent (another organisation) while a warm worker still holds the
    secret it read before: at its next call it uses the new set and its organisation, not its
    spent refresh token and the old organisation; a disconnect then stops it with who did it."""
    sandbox, org, app, refresh_token, table, clock = standard_app
    warm = lambda_worker(sandbox, org, app, refresh_token, table)
    warm.organisation()
    other = sandbox.add_organisation("Reconnected Co", limits={"minute": 10_000, "day": 100_000})
    code = sandbox.authorize(app.client_id, [other.tenant_id])
    answer = exchange_code(warm.http, sandbox.url, app.client_id, app.client_secret, code)
    store = DynamoTokenStore(table)
    fresh = TokenSet(
        answer["access_token"],
        time.time() + 1800,
        answer["refresh_token"],
        seed_of(answer["refresh_token"]),
        tenant_id=other.tenant_id,
    )
    stored = store_connection(store, token_key(app.client_id), fresh)
    assert stored.supersedes == (seed_of(refresh_token),)
    for old in sandbox.state.refresh_tokens.values():  # the first consent's tokens no longer work
        if old.token != answer["refresh_token"]:
            old.revoked = True
    before = len(other.invoices)
    clock.now += timedelta(minutes=31)
    sandbox.state.calls.clear()
    assert warm.tenant_id() == other.tenant_id
    warm.organisation()
    assert [t for (t, _), n in sandbox.state.calls.items() if n] == [other.tenant_id]
    assert len(other.invoices) == before
    # a worker started after the secret was updated uses the same set (no second refresh chain)
    cold = lambda_worker(sandbox, other, app, answer["refresh_token"], table)
    cold.organisation()
    assert store.load(token_key(app.client_id)).refresh_token != answer["refresh_token"]  # type: ignore[union-attr]

    store_disconnected(store, token_key(app.client_id), "Xero was disconnected by someone@test")
    for worker in (warm, cold):
        with pytest.raises(InvalidGrant, match="disconnected by someone@test"):
            worker.access_token()
