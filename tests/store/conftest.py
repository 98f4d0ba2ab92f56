"""Fixtures for the store simulator's tests: a served store, a webhook receiver, a REST client."""

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from local.woo_store import Receiver, Settings, WooStore

ADDRESS = {
    "first_name": "Jane",
    "last_name": "Citizen",
    "address_1": "12 Collins Street",
    "city": "Melbourne",
    "state": "VIC",
    "postcode": "3000",
    "country": "AU",
    "email": "jane@example.com",
}


def gst_store(settings: Settings | None = None, **kwargs: Any) -> WooStore:
    """A shop with AU GST (10 %, shipping too) in the standard class and 0 % in zero-rate."""
    store = WooStore(settings or Settings(), **kwargs)
    store.add_tax_rate("10", "GST", country="AU", priority=1)
    store.add_tax_rate("0", "GST free", country="AU", priority=1, tax_class="zero-rate")
    return store


@pytest.fixture
def store() -> Iterator[WooStore]:
    shop = gst_store(delivery_timeout=2.0).start()
    yield shop
    shop.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver().start()
    yield box
    box.stop()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class Api:
    """A REST client as xerosync's would call WooCommerce: Basic auth, JSON in and out."""

    def __init__(self, store: WooStore, key: str | None = None, secret: str | None = None) -> None:
        self.base = store.api_url
        self.key = store.consumer_key if key is None else key
        self.secret = store.consumer_secret if secret is None else secret

    def call(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth:
            token = base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, dict(response.headers), json.loads(response.read(), parse_float=Decimal))
        except urllib.error.HTTPError as err:
            return Reply(err.code, dict(err.headers), json.loads(err.read(), parse_float=Decimal))

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.call("POST", path, body if body is not None else {}, **kwargs)

    def put(self, path: str, body: Any) -> Reply:
        return self.call("PUT", path, body)

    def delete(self, path: str) -> Reply:
        return self.call("DELETE", path)


@pytest.fixture
def api(store: WooStore) -> Api:
    return Api(store)
