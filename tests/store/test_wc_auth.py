"""WooCommerce's application authentication endpoint on the simulator (local/woo_store/wc_auth.py),
over HTTP: the approve page, Approve (a key made with the scope asked, POSTed to callback_url,
the browser sent to return_url with success=1), Deny (success=0, no key), a callback that does not
answer 200 (the key deleted), and what a granted key may do (WC_REST_Authentication's permissions)."""

import base64
import html
import json
import re
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from local.woo_store import Receiver, WooStore


def authorize(store: WooStore, callback: str, scope: str = "read_write", **extra: str) -> str:
    query = {
        "app_name": "xerosync",
        "scope": scope,
        "user_id": "nonce-123",
        "return_url": "http://127.0.0.1:9/back",
        "callback_url": callback,
        **extra,
    }
    return f"{store.url}/wc-auth/v1/authorize?{urlencode(query)}"


def get(url: str) -> tuple[int, dict[str, str], str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def href(page: str, id: str) -> str:
    found = re.search(rf'id="{id}"[^>]*href="([^"]*)"', page)
    assert found, page
    return html.unescape(found.group(1))


def rest(store: WooStore, method: str, path: str, key: str, secret: str) -> int:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    request = urllib.request.Request(
        store.api_url + path,
        method=method,
        data=b"{}" if method != "GET" else None,
        headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_approve_makes_a_key_posts_it_to_the_callback_and_returns_with_success(
    store: WooStore, receiver: Receiver
) -> None:
    status, _, page = get(authorize(store, receiver.url + "/keys"))
    assert status == 200
    assert "xerosync would like to connect to your store" in page and ">Read/Write<" in page
    assert "View and manage orders and sales reports" in page
    status, headers, _ = get(store.url + href(page, "wc-auth-approve"))
    assert status == 302
    back = urlsplit(headers["Location"])
    assert back.path == "/back" and parse_qs(back.query) == {"success": ["1"], "user_id": ["nonce-123"]}
    (sent,) = receiver.deliveries()
    body = json.loads(sent.body)
    assert set(body) == {"key_id", "user_id", "consumer_key", "consumer_secret", "key_permissions"}
    assert body["user_id"] == "nonce-123" and body["key_permissions"] == "read_write"
    assert body["consumer_key"].startswith("ck_") and body["consumer_secret"].startswith("cs_")
    assert rest(store, "GET", "/orders", body["consumer_key"], body["consumer_secret"]) == 200
    assert rest(store, "GET", "/orders", body["consumer_key"], "cs_wrong") == 401
    # the approve link is spent with its nonce: following it again makes no second key
    assert get(store.url + href(page, "wc-auth-approve"))[0] == 401
    assert len(store.api_keys) == 1


def test_deny_returns_with_success_0_and_makes_no_key(store: WooStore, receiver: Receiver) -> None:
    _, _, page = get(authorize(store, receiver.url + "/keys"))
    deny = urlsplit(href(page, "wc-auth-deny"))
    assert parse_qs(deny.query) == {"success": ["0"], "user_id": ["nonce-123"]}
    assert store.api_keys == {} and receiver.deliveries() == []


@pytest.mark.parametrize("answer", [201, 204, 500])
def test_a_callback_that_does_not_answer_200_fails_the_grant_and_the_key_is_deleted(
    store: WooStore, answer: int
) -> None:
    callback = Receiver(status=answer).start()
    try:
        _, _, page = get(authorize(store, callback.url + "/keys"))
        status, headers, said = get(store.url + href(page, "wc-auth-approve"))
        assert status == 401 and "unable to send the consumer data" in said and "Location" not in headers
        (sent,) = callback.deliveries()
        key = json.loads(sent.body)
        assert store.api_keys == {}
        assert rest(store, "GET", "/orders", key["consumer_key"], key["consumer_secret"]) == 401
    finally:
        callback.stop()


def test_the_request_is_validated_as_woocommerce_validates_it(store: WooStore, receiver: Receiver) -> None:
    assert "The callback_url needs to be over SSL" in get(authorize(store, "http://shop.example/keys"))[2]
    assert "Invalid scope admin" in get(authorize(store, receiver.url, scope="admin"))[2]
    assert "Missing parameter user_id" in get(authorize(store, receiver.url, user_id=""))[2]
    assert get(authorize(store, receiver.url, scope="admin"))[0] == 401
    assert get(authorize(store, "https://stack.example/keys"))[0] == 200  # https anywhere


@pytest.mark.parametrize(("scope", "reads", "writes"), [("read", 200, 401), ("write", 401, 400)])
def test_a_granted_key_may_do_what_its_scope_allows(
    store: WooStore, receiver: Receiver, scope: str, reads: int, writes: int
) -> None:
    _, _, page = get(authorize(store, receiver.url + "/keys", scope=scope))
    assert get(store.url + href(page, "wc-auth-approve"))[0] == 302
    key = json.loads(receiver.deliveries()[-1].body)
    assert key["key_permissions"] == scope
    assert rest(store, "GET", "/orders", key["consumer_key"], key["consumer_secret"]) == reads
    # a write with no fields: allowed means the endpoint's own validation answers (400), refused 401
    assert rest(store, "POST", "/webhooks", key["consumer_key"], key["consumer_secret"]) == writes
