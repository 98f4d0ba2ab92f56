"""WooCommerce's key grant as the adapter reads it (xerosync.sources.woocommerce.credentials.GRANT):
the approve URL it builds, the callback body it accepts (nothing else), the return it recognises."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from xerosync import sources
from xerosync.sources.port import StoreError
from xerosync.sources.woocommerce.credentials import GRANT

BODY = {
    "key_id": 3,
    "user_id": "n0nce",
    "consumer_key": "ck_1",
    "consumer_secret": "cs_1",
    "key_permissions": "read_write",
}


def test_the_source_offers_it_and_the_approve_url_asks_read_write() -> None:
    assert sources.key_grant("woocommerce") is GRANT
    url = urlsplit(
        GRANT.approve_url(
            "https://shop.example/",
            app_name="xerosync",
            nonce="n0nce",
            return_url="https://api.example/r",
            callback_url="https://api.example/c",
        )
    )
    assert (url.scheme, url.netloc, url.path) == ("https", "shop.example", "/wc-auth/v1/authorize")
    assert parse_qs(url.query) == {
        "app_name": ["xerosync"],
        "scope": ["read_write"],
        "user_id": ["n0nce"],
        "return_url": ["https://api.example/r"],
        "callback_url": ["https://api.example/c"],
    }


def test_a_callback_body_gives_the_nonce_and_the_secret_s_fields_only() -> None:
    granted = GRANT.granted(json.dumps(BODY))
    assert granted.nonce == "n0nce"
    assert dict(granted.fields) == {"consumer_key": "ck_1", "consumer_secret": "cs_1"}


@pytest.mark.parametrize(
    "body",
    [
        "",
        "{",
        "[]",
        json.dumps({**BODY, "consumer_secret": ""}),
        json.dumps({**BODY, "user_id": 5}),
        json.dumps({**BODY, "key_permissions": "read"}),
    ],
)
def test_anything_else_is_refused(body: str) -> None:
    with pytest.raises(StoreError):
        GRANT.granted(body)


def test_the_return_says_the_nonce_and_whether_it_was_approved() -> None:
    assert GRANT.returned({"success": "1", "user_id": "n"}) == ("n", True)
    assert GRANT.returned({"success": "0", "user_id": "n"}) == ("n", False)
    assert GRANT.returned({"success": "yes", "user_id": "n"}) is None
    assert GRANT.returned({"success": "1"}) is None
