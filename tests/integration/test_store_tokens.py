"""A store's minted access tokens kept in the stack (the mapping table on moto server), against
the Shopify simulator's token endpoint over HTTP: one token for every function and container for
its 24 hours, minted again when less than the margin is left or when Shopify answers 401."""

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.shopify_store import ShopifyStore
from tests.integration.conftest import boto, mappings_table
from xerosync import wiring
from xerosync.aws.tokens import DynamoAccessTokens
from xerosync.sources.port import AccessToken
from xerosync.sources.shopify import queries
from xerosync.sources.shopify.client import REMINT_BEFORE, Credentials, ShopifyGraphQL
from xerosync.sources.shopify.store import ShopifyStore as ShopifyClient

DAY = 24 * 3600


@pytest.fixture
def shop() -> Iterator[ShopifyStore]:
    store = ShopifyStore().start()
    yield store
    store.stop()


@pytest.fixture
def table(endpoint: str) -> str:
    return mappings_table(endpoint, f"store-tokens-{time.monotonic_ns()}")


def container(shop: ShopifyStore, table: str) -> ShopifyGraphQL:
    """One Lambda container's client: nothing in memory, the stack's table for tokens, the shop's clock."""
    return ShopifyGraphQL(
        Credentials(shop.url, shop.app.client_id, shop.app.client_secret),
        tokens=DynamoAccessTokens(table),
        clock=lambda: shop.clock().timestamp(),
    )


def stored(endpoint: str, table: str) -> list[dict[str, Any]]:
    found = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1").Table(table).scan()["Items"]
    return list(found)


def test_a_second_container_uses_the_stored_token_without_minting(
    endpoint: str, shop: ShopifyStore, table: str
) -> None:
    # Given one container that minted a token
    first = container(shop, table)
    assert first.query(queries.SHOP)["shop"]
    assert shop.tokens.minted == 1
    # When two more containers, and the first again, call the Admin API
    for api in (container(shop, table), container(shop, table), first):
        assert api.query(queries.SHOP)["shop"]
    # Then none of them minted: one token, one item holding it with its expiry
    assert shop.tokens.minted == 1
    [item] = stored(endpoint, table)
    assert item["pk"] == f"shopify-token:{shop.url.split('://')[1]}:{shop.app.client_id}"
    assert str(item["access_token"]).startswith("shpat_")
    left = float(item["access_expires_at"]) - shop.clock().timestamp()
    assert DAY - 120 < left <= DAY


def test_a_token_with_less_than_the_margin_left_is_minted_again_once(shop: ShopifyStore, table: str) -> None:
    old = container(shop, table)
    old.query(queries.SHOP)
    shop.clock.advance(DAY - REMINT_BEFORE - 300)  # more than the margin left: kept
    container(shop, table).query(queries.SHOP)
    assert shop.tokens.minted == 1
    shop.clock.advance(600)  # less than the margin left (the token still works): a new one
    container(shop, table).query(queries.SHOP)
    assert shop.tokens.minted == 2
    old.query(queries.SHOP)  # the container holding the old token takes the new one from the table
    assert shop.tokens.minted == 2


def test_a_401_takes_the_token_another_container_minted_or_mints_one(
    endpoint: str, shop: ShopifyStore, table: str
) -> None:
    first, second = container(shop, table), container(shop, table)
    first.query(queries.SHOP)
    second.query(queries.SHOP)
    assert shop.tokens.minted == 1
    shop.tokens.revoke_all()  # Shopify no longer accepts the token, long before its expiry
    # the first container to be refused mints a new token and stores it
    assert first.query(queries.SHOP)["shop"]
    assert shop.tokens.minted == 2
    # the other, refused too, takes that one from the table instead of minting a third
    assert second.query(queries.SHOP)["shop"]
    assert shop.tokens.minted == 2
    [item] = stored(endpoint, table)
    assert shop.tokens.check(str(item["access_token"])) is not None


def test_the_table_keeps_the_token_that_expires_last(table: str) -> None:
    cache = DynamoAccessTokens(table)
    cache.put("k", AccessToken("shpat_later", 2_000.0))
    cache.put("k", AccessToken("shpat_earlier", 1_000.0))  # minted at the same time elsewhere, stored after
    assert cache.get("k") == AccessToken("shpat_later", 2_000.0)
    assert "shpat_later" not in repr(cache.get("k"))  # a token never shows in a repr (nor in a log line)
    assert cache.get("other") is None


def test_the_composition_root_gives_the_store_client_the_stack_s_token_table(
    endpoint: str, shop: ShopifyStore, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = {"shop": shop.url, "client_id": shop.app.client_id, "client_secret": shop.app.client_secret}
    arn = boto("secretsmanager", endpoint).create_secret(
        Name=f"store-api-{time.monotonic_ns()}", SecretString=json.dumps(credentials)
    )["ARN"]
    monkeypatch.setenv("STORE_SOURCE", "shopify")
    monkeypatch.setenv("STORE_API_SECRET_ARN", arn)
    monkeypatch.setenv("MAPPINGS_TABLE", table)
    for _container in range(3):  # three cold starts: nothing kept in the process but the code
        monkeypatch.setattr(wiring, "_store_cache", None)
        client = wiring._store()
        assert isinstance(client, ShopifyClient)
        assert isinstance(client.api.tokens, DynamoAccessTokens)
        assert client.api.query(queries.SHOP)["shop"]
    assert shop.tokens.minted == 1
