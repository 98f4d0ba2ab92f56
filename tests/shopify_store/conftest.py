"""Fixtures for the Shopify simulator's tests: a served shop, a webhook receiver, and an Admin API
client that talks to it over HTTP as xerosync's adapter does (token, then GraphQL)."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from local.shopify_store import LineSpec, Receiver, ShippingSpec, ShopifyStore
from local.shopify_store.model import Order

D = Decimal
CA_TAXES = (("CA State Tax", D("0.06")), ("Los Angeles County Tax", D("0.0025")))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def post(url: str, data: bytes, headers: dict[str, str]) -> Reply:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), json.loads(response.read()))
    except urllib.error.HTTPError as err:
        return Reply(err.code, dict(err.headers), json.loads(err.read()))


def mint(store: ShopifyStore, client_id: str | None = None, secret: str | None = None) -> Reply:
    form = (
        f"grant_type=client_credentials&client_id={client_id or store.app.client_id}"
        f"&client_secret={secret or store.app.client_secret}"
    )
    return post(store.url + "/admin/oauth/access_token", form.encode(),
                {"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip


class Admin:
    """The Admin GraphQL API over HTTP with a minted token."""

    def __init__(self, store: ShopifyStore, version: str = "2026-07", token: str | None = None) -> None:
        self.store = store
        self.version = version
        self.token = token or mint(store).body["access_token"]

    def call(self, query: str, variables: dict[str, Any] | None = None, version: str | None = None) -> Reply:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json", "X-Shopify-Access-Token": self.token}
        return post(self.store.graphql_url(version or self.version), body, headers)

    def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        reply = self.call(query, variables)
        assert reply.status == 200 and "errors" not in reply.body, reply.body
        return reply.body["data"]


@pytest.fixture
def store() -> Iterator[ShopifyStore]:
    shop = ShopifyStore(webhook_timeout=2.0).start()
    yield shop
    shop.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver().start()
    yield box
    box.stop()


@pytest.fixture
def admin(store: ShopifyStore) -> Admin:
    return Admin(store)


def simple_order(store: ShopifyStore, *, paid: bool = True, quantity: int = 2) -> Order:
    """Two mugs at 20.00 with two Californian rates, 5.00 shipping taxed at 6 %."""
    mug = store.add_product("Mug", [("Default Title", "20.00", "MUG-1")], stock=10)
    customer = store.add_customer("jane@example.com", "Jane", "Citizen")
    order = store.place_order(
        [LineSpec("Mug", D("20.00"), quantity, CA_TAXES, "MUG-1", mug.variants[0].id, mug.id)],
        customer_id=customer.id,
        shipping=[ShippingSpec("Standard", D("5.00"), (("CA State Tax", D("0.06")),))],
    )
    if paid:
        store.pay(order.id)
    return order
