"""Zoho's limits held for the whole stack, not per container, through the mapping table on moto
server: containers starting together mint one access token (under the token item's lock, a lease
a crashed container's copy of runs out), and credits one container finds spent stop every
container before it spends a request. Each thread stands for a container: its own client, its
own process lock and its own governor, sharing nothing but the table."""

import threading
import time

import pytest

from local.zoho_crm import ZohoCRM as Simulator
from local.zoho_crm.records import ALL_TRIGGERS
from tests.integration.conftest import endpoint, mappings_table, moto_endpoint  # noqa: F401 - fixtures
from tests.zoho.conftest import credentials
from xerosync.aws.tokens import DynamoAccessTokens
from xerosync.sources import minting
from xerosync.sources.port import StoreUnavailable
from xerosync.sources.zoho.client import Credentials, ZohoCRM
from xerosync.sources.zoho.governor import ZohoGovernor

pytestmark = pytest.mark.integration


def container(crm: Simulator, table: str, creds: Credentials) -> ZohoCRM:
    """A new container's client: nothing in memory, nothing shared but the stack's table."""
    clock = lambda: crm.now().timestamp()  # noqa: E731
    return ZohoCRM(
        creds,
        DynamoAccessTokens(table),
        governor=ZohoGovernor(5, backoff=0.01, clock=clock),
        clock=clock,
        minting=threading.Lock(),
    )


def an_account(crm: Simulator) -> str:
    done, _ = crm.store.create("Accounts", [{"Account_Name": "Zylker"}], ALL_TRIGGERS, crm.user)
    return str(done[0]["details"]["id"])


def test_containers_starting_together_mint_one_token(endpoint: str, crm: Simulator) -> None:  # noqa: F811
    table, creds, one = mappings_table(endpoint, f"zoho-mint-{time.monotonic_ns()}"), credentials(crm), an_account(crm)
    # Given eight containers that start at the same moment with an empty token cache
    apis = [container(crm, table, creds) for _ in range(8)]
    start, got, failed = threading.Barrier(len(apis)), [], []

    def run(api: ZohoCRM) -> None:
        start.wait()
        try:
            got.append((api.token()[0], api.get("Accounts", one)["id"]))
        except Exception as exc:  # reported by the assertion below
            failed.append(repr(exc))

    threads = [threading.Thread(target=run, args=(api,)) for api in apis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then one of them minted, and every one called Zoho with that token
    assert failed == []
    assert crm.accounts.minted == 1 and sum(api.minted for api in apis) == 1
    assert {token for token, _ in got} == {apis[0].token()[0]} and {i for _, i in got} == {one}
    # and the lock was given back: nothing is left in the token's item but the token
    item = DynamoAccessTokens(table).table.get_item(Key={"pk": apis[0]._key, "sk": "access-token"})["Item"]
    assert "lock_owner" not in item and "lock_until" not in item


def test_a_lock_left_by_a_crashed_container_runs_out(endpoint: str, crm: Simulator) -> None:  # noqa: F811
    table, creds = mappings_table(endpoint, f"zoho-crash-{time.monotonic_ns()}"), credentials(crm)
    api = container(crm, table, creds)
    # Given a container that took the mint lock for a second and died before minting
    assert DynamoAccessTokens(table).lock(api._key, "crashed", time.time() + 1.0)
    # When another container needs a token
    began = time.monotonic()
    token, _ = api.token()
    # Then it waited for the lease to run out, then minted the one token
    assert time.monotonic() - began >= 0.8
    assert token and crm.accounts.minted == 1 and api.minted == 1


def test_a_container_waits_for_the_minter_then_gives_the_record_back(
    endpoint: str,  # noqa: F811
    crm: Simulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table, creds = mappings_table(endpoint, f"zoho-held-{time.monotonic_ns()}"), credentials(crm)
    api = container(crm, table, creds)
    monkeypatch.setattr(minting, "WAIT_SECONDS", 0.6)
    # Given another container holding the mint lock (alive: its lease runs 30 s)
    assert DynamoAccessTokens(table).lock(api._key, "minting", time.time() + 30.0)
    # Then this one does not mint beside it: after its wait, the record goes back to its queue
    with pytest.raises(StoreUnavailable, match="another container has been minting") as raised:
        api.token()
    assert raised.value.retry_after == 5.0 and crm.accounts.minted == 0
    # And when the holder's token lands in the cache, the waiting container takes it
    holder = container(crm, table, creds)
    DynamoAccessTokens(table).unlock(api._key, "minting")
    token, _ = holder.token()
    assert DynamoAccessTokens(table).lock(api._key, "minting-again", time.time() + 30.0)
    assert api.token()[0] == token and crm.accounts.minted == 1


def test_credits_one_container_finds_spent_stop_every_container(endpoint: str, crm: Simulator) -> None:  # noqa: F811
    table, creds, one = (
        mappings_table(endpoint, f"zoho-credits-{time.monotonic_ns()}"),
        credentials(crm),
        an_account(crm),
    )
    first, second = container(crm, table, creds), container(crm, table, creds)
    assert first.get("Accounts", one)["id"] == one and second.get("Accounts", one)["id"] == one
    # Given the organisation's credits spent (by these calls and the CRM's other apps)
    crm.limits.credits = crm.limits.used(crm.now())
    # When one container is refused them by Zoho
    with pytest.raises(StoreUnavailable, match=r"credits .* exhausted") as refused:
        first.get("Accounts", one)
    assert crm.limits.refused_credits == 1
    # Then the other refuses at once, without spending a request, for as long
    with pytest.raises(StoreUnavailable, match=r"credits .* exhausted") as held:
        second.get("Accounts", one)
    assert crm.limits.refused_credits == 1 and second.governor.credits == 1
    assert abs(held.value.retry_after - refused.value.retry_after) < 5
    # and so does a container started later
    with pytest.raises(StoreUnavailable, match=r"credits .* exhausted"):
        container(crm, table, creds).get("Accounts", one)
    assert crm.limits.refused_credits == 1
    # until the credits reset
    crm.clock.advance(refused.value.retry_after + 1)
    crm.limits.credits = 10**6
    assert container(crm, table, creds).get("Accounts", one)["id"] == one
