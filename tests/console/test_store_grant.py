"""Connect the store from its own approve page, over real HTTP on the local stack: the console's
"Connect the store" (a single-use nonce tied to the signed-in session), the WooCommerce simulator's
/wc-auth/v1 approve page, its server-to-server POST of the key to the stack's public callback, and
the browser's return. Approve: the key is checked with one REST call, stored in StoreApiSecret and
works; Deny: nothing stored; a replayed or forged nonce: refused, nothing stored.

The callback and the return are requested without the session cookie: the first comes from the
store's server, the second is a cross-site redirect (no SameSite=Strict cookie comes with it)."""

import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.console.conftest import OnStack, signed_in
from tests.console.test_connect import moves_on_to
from tests.e2e.conftest import Stack
from tests.forms import FORM, encoded, read

pytestmark = pytest.mark.e2e

JSON = {"content-type": "application/json;charset=UTF-8"}


def secret(site: Stack) -> dict[str, Any]:
    return OnStack(site).secret("StoreApiSecret")


def log(site: Stack) -> list[str]:
    return [entry.get("reason", "") for entry in OnStack(site).log("store:credentials")]


def href(page: str, id: str) -> str:
    found = re.search(rf'id="{id}"[^>]*href="([^"]*)"', page) or re.search(rf'href="([^"]*)"[^>]*id="{id}"', page)
    assert found, page
    return html.unescape(found.group(1))


def to_the_store(site: Stack, who: str) -> tuple[httpx.Client, str, str]:
    """Connect the store, signed in as ``who``: the store's approve page, and the nonce sent there."""
    assert site.store is not None
    merchant = signed_in(site, who)
    page = merchant.get("/console/connect")
    form = read(page.text).form_with("connect-store")
    assert form.control("grant-address").value == site.store.url  # the stored URL, offered
    going = merchant.post(form.action, content=encoded(form.submission("connect-store")), headers=FORM)
    assert going.status_code == 200, going.text
    approve_url = href(going.text, "connect-store-continue")
    assert approve_url.startswith(site.store.url + "/wc-auth/v1/authorize?")
    query = {k: v[-1] for k, v in parse_qs(urlsplit(approve_url).query).items()}
    assert query["scope"] == "read_write" and query["app_name"] == "xerosync"
    assert query["callback_url"] == site.stack.api_url + "/connect/store/callback"
    assert query["return_url"] == site.stack.api_url + "/connect/store/return"
    screen = httpx.get(approve_url)
    assert screen.status_code == 200 and "xerosync would like to connect to your store" in screen.text
    return merchant, screen.text, query["user_id"]


def test_approve_stores_a_checked_key_that_works_and_is_never_shown(site: Stack) -> None:
    woo = site.store
    assert woo is not None
    keys = len(woo.api_keys)  # the browser tests may have granted one already (one stack for the package)
    merchant, screen, nonce = to_the_store(site, "grant@test")
    approved = httpx.get(woo.url + href(screen, "wc-auth-approve"))  # the store POSTs the key, then redirects
    assert approved.status_code == 302, approved.text
    back = approved.headers["location"]
    assert back == f"{site.stack.api_url}/connect/store/return?success=1&user_id={nonce}"
    landing = httpx.get(back)  # cross-site: no session cookie
    assert moves_on_to(landing) == "/console/connect?done=store"
    (granted,) = list(woo.api_keys.values())[keys:]
    assert granted.permissions == "read_write"
    stored = secret(site)
    assert stored["consumer_key"] == granted.consumer_key and stored["consumer_secret"] == granted.consumer_secret
    assert stored["url"] == woo.url
    works = httpx.get(woo.api_url + "/orders", auth=(stored["consumer_key"], stored["consumer_secret"]))
    assert works.status_code == 200
    said = [r for r in log(site) if "grant@test (approved at the store)" in r]
    assert said and "accepted the key" in said[0]
    shown = merchant.get("/console/connect?done=store").text
    assert granted.consumer_key not in shown and granted.consumer_secret not in shown
    assert "credentials are saved" in shown

    # the same key, sent again with the spent nonce (a replay), is refused; the return too
    replay = {
        "key_id": granted.key_id,
        "user_id": nonce,
        "consumer_key": granted.consumer_key,
        "consumer_secret": granted.consumer_secret,
        "key_permissions": "read_write",
    }
    before = secret(site)
    refused = httpx.post(site.stack.api_url + "/connect/store/callback", content=json.dumps(replay), headers=JSON)
    assert refused.status_code == 403
    assert httpx.get(back).status_code == 400
    assert secret(site) == before


def test_deny_stores_nothing_and_spends_the_nonce(site: Stack) -> None:
    woo = site.store
    assert woo is not None
    before, keys = secret(site), len(woo.api_keys)
    merchant, screen, nonce = to_the_store(site, "deny@test")
    deny = href(screen, "wc-auth-deny")
    assert deny == f"{site.stack.api_url}/connect/store/return?success=0&user_id={nonce}"
    landing = httpx.get(deny)
    assert moves_on_to(landing) == "/console/connect?error=storedenied"
    assert secret(site) == before and len(woo.api_keys) == keys
    assert any("deny@test" in r and "denied" in r for r in log(site))
    assert "denied on the store" in merchant.get("/console/connect?error=storedenied").text
    # the nonce is spent: a key sent with it now is refused
    late = {
        "key_id": 99,
        "user_id": nonce,
        "consumer_key": woo.consumer_key,
        "consumer_secret": woo.consumer_secret,
        "key_permissions": "read_write",
    }
    answer = httpx.post(site.stack.api_url + "/connect/store/callback", content=json.dumps(late), headers=JSON)
    assert answer.status_code == 403 and secret(site) == before


def test_a_forged_nonce_is_refused_and_nothing_is_stored(site: Stack) -> None:
    woo = site.store
    assert woo is not None
    before = secret(site)
    forged = {
        "key_id": 7,
        "user_id": "not-a-nonce-the-stack-made",
        "consumer_key": woo.consumer_key,
        "consumer_secret": woo.consumer_secret,
        "key_permissions": "read_write",
    }
    answer = httpx.post(site.stack.api_url + "/connect/store/callback", content=json.dumps(forged), headers=JSON)
    assert answer.status_code == 403
    assert httpx.post(site.stack.api_url + "/connect/store/callback", content="{", headers=JSON).status_code == 400
    assert httpx.get(site.stack.api_url + "/connect/store/return?success=1&user_id=guess").status_code == 400
    assert httpx.get(site.stack.api_url + "/connect/store/return?success=0&user_id=guess").status_code == 400
    assert secret(site) == before


def test_a_key_the_store_refuses_is_not_stored_and_the_store_is_told(site: Stack) -> None:
    """A callback with a live nonce but a key the store does not know: the one REST call refuses
    it, nothing is saved, the answer is not 200 (so WooCommerce deletes the key it made)."""
    before = secret(site)
    _, _, nonce = to_the_store(site, "wrongkey@test")
    sent = {
        "key_id": 8,
        "user_id": nonce,
        "consumer_key": "ck_unknown",
        "consumer_secret": "cs_unknown",
        "key_permissions": "read_write",
    }
    answer = httpx.post(site.stack.api_url + "/connect/store/callback", content=json.dumps(sent), headers=JSON)
    assert answer.status_code == 400
    assert secret(site) == before
    assert any("wrongkey@test" in r and "refused the key" in r and "ck_unknown" not in r for r in log(site))
    back = httpx.get(f"{site.stack.api_url}/connect/store/return?success=1&user_id={nonce}")
    assert moves_on_to(back) == "/console/connect?error=store"
