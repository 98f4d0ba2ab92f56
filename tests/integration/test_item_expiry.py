"""Nothing long-lived in the mapping table can be deleted by a DynamoDB TTL (issue 19, item 1).

DynamoDB deletes an item within days of the time in its TTL attribute (moto never does, so only
a look at the items can tell). The token set holds the only copy of the rotated Xero refresh
token: had it carried ``expires_at`` (the access token's expiry), DynamoDB would have deleted it
and every sync would stop at ``invalid_grant``. A store's minted access token (Shopify's, 24 h)
keeps its expiry under the same name as the Xero token set's, never the TTL attribute. Each kind
of item each adapter writes is checked here for every TTL attribute name the template's tables use.
"""

import time
from decimal import Decimal
from typing import Any

import boto3

from local.sam import load
from tests.integration.conftest import mappings_table
from xerosync.aws.governor import DynamoBudget
from xerosync.aws.jobstate import DynamoJobState
from xerosync.aws.mappings import DynamoMappings
from xerosync.aws.tokens import DynamoAccessTokens, DynamoTokenStore
from xerosync.sources.port import AccessToken
from xerosync.sync.ports import Mapping
from xerosync.xero.tokens import TokenSet, from_item


def ttl_attributes() -> set[str]:
    """Every attribute name a table of the template expires items by (enabled or not)."""
    tables = [r for r in load().source["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    return {t["Properties"]["TimeToLiveSpecification"]["AttributeName"] for t in tables}


def items(endpoint: str, name: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1").Table(name)
    return list(table.scan()["Items"])


def kind(item: dict[str, Any]) -> str:
    pk, sk = str(item["pk"]), str(item["sk"])
    if pk.startswith("governor#"):
        return "governor " + sk.split("#")[0]
    if pk.startswith("job#"):
        return "job " + sk
    if pk.startswith("xero-token#"):
        return "token set"
    if sk == "access-token":
        return "store access token"
    return sk  # mapping, lock


def test_the_mapping_table_expires_nothing() -> None:
    spec = load().source["Resources"]["MappingsTable"]["Properties"]["TimeToLiveSpecification"]
    assert spec["Enabled"] is False  # explicit: a stack deployed with TTL on has it turned off
    assert {"expires_at", "expiration"} <= ttl_attributes()  # the sync log and idempotency tables still expire


def test_no_long_lived_item_carries_a_ttl_attribute(endpoint: str) -> None:
    name = mappings_table(endpoint, f"expiry-{time.monotonic_ns()}")
    now = time.time()

    tokens = DynamoTokenStore(name)
    assert tokens.lock("xero-token#app", "me", now + 30)
    assert tokens.save("xero-token#app", TokenSet("access", now + 1800, "refresh", "seed"), "me")
    tokens.unlock("xero-token#app", "me")
    DynamoAccessTokens(name).put("shopify-token:shop.myshopify.com:app", AccessToken("shpat_1", now + 86_400))

    mappings = DynamoMappings(name)
    mappings.claim("order:1", "claim-1")
    mappings.put(Mapping("order:1", "INV-1", "hash"), claim="claim-1")
    mappings.claim("order:2", "claim-2")  # a claim left pending (its worker died)
    mappings.lock("order:1", "lock-1")  # a record lock held while a worker changes it

    jobs = DynamoJobState(name)
    jobs.save("reconcile", {"watermark": "2026-12-01T00:00:00"}, 0)
    assert jobs.acquire("reconcile", "run-1", 300)

    budget = DynamoBudget(name)
    assert budget.take_slot("tenant", 0, "call-1", now + 30, now)
    assert budget.take_minute("tenant", 60, now) == 0.0
    assert budget.count_day("tenant", "2026-12-02", 5000, now) == 0.0
    budget.block_day("tenant", "2026-12-02", now + 60)
    assert budget.log_arrivals("tenant", "orders-queue", 3, 30.0, now, lambda log: True) == ({int(now): 3}, now)

    found = items(endpoint, name)
    kinds = {kind(i) for i in found}
    assert kinds == {
        "token set",
        "store access token",
        "mapping",
        "lock",
        "job state",
        "job lease",
        "governor slot",
        "governor minute",
        "governor day",
        "governor arrivals",
    }
    forbidden = ttl_attributes()
    for item in found:
        assert not forbidden & set(item), f"{kind(item)} {item['pk']} carries {forbidden & set(item)}"


def test_a_token_set_saved_by_an_earlier_version_loses_its_ttl_attribute(endpoint: str) -> None:
    name = mappings_table(endpoint, f"legacy-{time.monotonic_ns()}")
    table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1").Table(name)
    old = {"access_token": "a", "refresh_token": "r1", "seed": "s", "broken": "", "expires_at": Decimal(1_700_000_000)}
    table.put_item(Item={"pk": "xero-token#app", "sk": "tokens", **old})
    store = DynamoTokenStore(name)
    loaded = store.load("xero-token#app")
    assert loaded is not None and loaded.expires_at == 1_700_000_000  # still read where it was

    assert store.lock("xero-token#app", "me", time.time() + 30)
    assert store.save("xero-token#app", TokenSet("a2", 1_800_000_000.0, "r2", "s"), "me")
    [item] = items(endpoint, name)
    assert "expires_at" not in item
    assert from_item(item) == TokenSet("a2", 1_800_000_000.0, "r2", "s")


def test_a_token_set_never_prints_its_tokens() -> None:
    tokens = TokenSet("the-access-token", 1.0, "the-refresh-token", "seed", "")
    for shown in (repr(tokens), str(tokens), f"{tokens}", str([tokens])):
        assert "the-access-token" not in shown and "the-refresh-token" not in shown
        assert "expires_at=1.0" in shown
