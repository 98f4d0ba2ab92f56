"""The Zoho CRM client against the Zoho CRM simulator over HTTP: one organisation in the ``eu``
data centre, on a clock that moves only when a test advances it."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from local.zoho_crm import ZohoCRM as Simulator
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import TokenCache
from xerosync.sources.zoho.client import Credentials, ZohoCRM
from xerosync.sources.zoho.governor import ZohoGovernor

NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def crm() -> Iterator[Simulator]:
    simulator = Simulator(dc="eu", base_clock=lambda: NOW).start()
    yield simulator
    simulator.stop()


def credentials(crm: Simulator, dc: str = "eu") -> Credentials:
    """What the credentials secret holds: the Self Client, a refresh token, the data centre; the
    accounts server is the simulator's (the one place a test overrides the DC table)."""
    secret = {
        "data_centre": dc,
        "client_id": crm.accounts.client.client_id,
        "client_secret": crm.accounts.client.client_secret,
        "refresh_token": crm.refresh_token(),
        "accounts_server": f"{crm.url}/accounts/{{dc}}",
    }
    found = Credentials.from_dict(secret)
    assert found is not None
    return found


def client(
    crm: Simulator,
    tokens: TokenCache | None = None,
    *,
    creds: Credentials | None = None,
    governor: ZohoGovernor | None = None,
) -> ZohoCRM:
    """One container's client: the simulator's clock, its own governor unless given one."""
    clock = lambda: crm.now().timestamp()  # noqa: E731
    return ZohoCRM(
        creds or credentials(crm),
        tokens if tokens is not None else MemoryTokens(),
        governor=governor or ZohoGovernor(5, backoff=0.01, clock=clock),
        clock=clock,
    )
