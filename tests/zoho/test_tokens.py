"""Zoho access tokens kept in the stack (the mapping table on moto server, through the port's
token cache): minted once at the data centre's accounts server, then used by every container for
its hour. Zoho lets one refresh token mint ten access tokens in ten minutes, then blocks it."""

import time

import pytest

from local.zoho_crm import ZohoCRM as Simulator
from tests.integration.conftest import endpoint, mappings_table, moto_endpoint  # noqa: F401 - fixtures
from tests.zoho.conftest import client, credentials
from xerosync.aws.tokens import DynamoAccessTokens

pytestmark = pytest.mark.integration


def test_containers_share_one_token_through_the_stack(endpoint: str, crm: Simulator) -> None:  # noqa: F811
    table = mappings_table(endpoint, f"zoho-tokens-{time.monotonic_ns()}")
    creds = credentials(crm)
    [one] = [a["details"]["id"] for a in crm.store.create("Accounts", [{"Account_Name": "Zylker"}], (), crm.user)[0]]
    # Given twelve containers, each with a new client and nothing in memory
    for _ in range(12):
        api = client(crm, DynamoAccessTokens(table), creds=creds)
        assert api.get("Accounts", one)["id"] == one
    # Then one token was minted (a twelfth mint would have been refused by Zoho's ten-in-ten-minutes rule)
    assert crm.accounts.minted == 1
    # and after its hour the next container mints one, which the others then use
    crm.clock.advance(3600)
    for _ in range(3):
        assert client(crm, DynamoAccessTokens(table), creds=creds).get("Accounts", one)["id"] == one
    assert crm.accounts.minted == 2
