"""The token endpoint, token expiry on the shop's clock, legacy tokens, and API versions.
https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant
https://shopify.dev/docs/api/usage/versioning"""

import json
import time

from local.shopify_store import ShopifyStore
from local.shopify_store.auth import INVALID_TOKEN
from tests.shopify_store.conftest import Admin, mint, post

SHOP = "{ shop { name currencyCode } }"


def test_client_credentials_mint_a_24_hour_token_that_the_admin_api_accepts(store: ShopifyStore) -> None:
    reply = mint(store)
    assert reply.status == 200
    assert reply.body["access_token"].startswith("shpat_") and reply.body["expires_in"] == 86399
    assert "read_all_orders" in reply.body["scope"].split(",")
    by_json = post(store.url + "/admin/oauth/access_token", json.dumps({
        "grant_type": "client_credentials", "client_id": store.app.client_id,
        "client_secret": store.app.client_secret}).encode(), {"Content-Type": "application/json"})  # fmt: skip
    assert by_json.status == 200 and by_json.body["access_token"] != reply.body["access_token"]
    admin = Admin(store, token=reply.body["access_token"])
    assert admin.data(SHOP)["shop"]["currencyCode"] == "USD"
    store.clock.advance(24 * 3600 - 60)
    assert admin.call(SHOP).status == 200
    store.clock.advance(120)
    expired = admin.call(SHOP)
    assert expired.status == 401 and expired.body["errors"].startswith("[API] Invalid API key or access token")


def test_wrong_credentials_get_an_oauth_error_and_no_token(store: ShopifyStore) -> None:
    for client_id, secret in ((None, "wrong"), ("someone-else", None)):
        reply = mint(store, client_id, secret)
        assert reply.status == 400 and reply.body["error"] == "invalid_client" and "access_token" not in reply.body
    assert Admin(store, token="shpat_not_a_token").call(SHOP).status == 401
    assert store.tokens.minted == 0


def test_a_legacy_static_token_never_expires_until_the_app_is_uninstalled() -> None:
    store = ShopifyStore(legacy_token="shpat_legacy_0123456789abcdef").start()
    try:
        admin = Admin(store, token="shpat_legacy_0123456789abcdef")
        store.clock.advance(400 * 86400)
        assert admin.call(SHOP).status == 200
        store.uninstall()
        assert admin.call(SHOP).status == 401
    finally:
        store.stop()


def test_an_unsupported_version_falls_forward_and_a_non_version_is_not_found(admin: Admin) -> None:
    pinned = admin.call(SHOP, version="2026-07")
    assert pinned.headers["X-Shopify-API-Version"] == "2026-07"
    old = admin.call(SHOP, version="2023-04")
    assert old.status == 200 and old.headers["X-Shopify-API-Version"] == admin.store.versions[0]
    assert admin.call(SHOP, version="2026-13").status == 404
    assert admin.call(SHOP, version="latest").status == 404


def test_a_scaled_clock_compresses_the_24_hours() -> None:
    store = ShopifyStore(scale=200_000).start()  # a day in under half a second
    try:
        admin = Admin(store)
        assert admin.call(SHOP).status == 200
        deadline = time.monotonic() + 10
        while admin.call(SHOP).status == 200:
            assert time.monotonic() < deadline, "the token did not expire"
            time.sleep(0.05)
        assert admin.call(SHOP).body == INVALID_TOKEN
    finally:
        store.stop()
