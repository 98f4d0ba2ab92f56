"""A Shopify product sold as several variants: the simulator's signed products/create and
products/update webhooks through the real ingress function (its queues on moto server), one
message per variant and one for the product; each variant a Xero item in the sandbox over HTTP
(SKU -> Code), the mappings in moto's DynamoDB; a variant removed in Shopify keeps its Xero item,
and the sync log says so."""

import importlib
import sys
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from local.shopify_store import Receiver, ShopifyStore
from tests.conftest import ROOT
from tests.integration.conftest import boto, mappings_table
from tests.integration.test_hardening_moto import drain, queue
from tests.unit.test_ingress_handler import Context
from xerosync import sources
from xerosync.aws.mappings import DynamoMappings
from xerosync.config import StoreSettings
from xerosync.domain import ProductChanged
from xerosync.events import StoreEvent, parse_envelope
from xerosync.sync.base import Outcome
from xerosync.sync.items import sync_product
from xerosync.xero.client import XeroClient

SHOPIFY = sources.source("shopify")


@pytest.fixture
def shop() -> Iterator[tuple[ShopifyStore, Receiver]]:
    store, receiver = ShopifyStore().start(), Receiver().start()
    for topic in ("PRODUCTS_CREATE", "PRODUCTS_UPDATE"):
        store.subscribe(topic, receiver.url + "/webhooks/shopify")
    yield store, receiver
    store.stop()
    receiver.stop()


@pytest.fixture
def ingress(
    endpoint: str, shop: tuple[ShopifyStore, Receiver], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ModuleType, str]]:
    """The ingress function as the template configures it for a Shopify stack, its queues in moto."""
    store, _ = shop
    items = queue(endpoint, f"items-variants-{time.monotonic_ns()}")
    for name in ("ORDERS_QUEUE_URL", "CONTACTS_QUEUE_URL"):
        monkeypatch.setenv(name, queue(endpoint, f"{name.lower()}-{time.monotonic_ns()}"))
    monkeypatch.setenv("ITEMS_QUEUE_URL", items)
    monkeypatch.setenv("STORE_SOURCE", "shopify")
    secret = boto("secretsmanager", endpoint).create_secret(
        Name=f"webhook-{time.monotonic_ns()}", SecretString=store.app.client_secret
    )
    monkeypatch.setenv("WEBHOOK_SECRET_ARN", secret["ARN"])
    monkeypatch.syspath_prepend(str(ROOT / "functions" / "ingress"))
    sys.modules.pop("app", None)
    yield importlib.import_module("app"), items
    sys.modules.pop("app", None)


def deliver(app: ModuleType, shop: tuple[ShopifyStore, Receiver], topic: str) -> int:
    """The simulator's latest delivery of ``topic``, signed as Shopify signs it, to the ingress."""
    store, receiver = shop
    assert store.flush_webhooks(10)
    got = receiver.deliveries(topic)[-1]
    event = {
        "routeKey": "POST /webhooks/{source}",
        "pathParameters": {"source": "shopify"},
        "headers": got.headers,
        "body": got.body.decode(),
        "isBase64Encoded": False,
    }
    return int(app.lambda_handler(event, Context())["statusCode"])


def apply(events: list[StoreEvent], xero: XeroClient, mappings: DynamoMappings) -> dict[str, Outcome]:
    outcomes = {}
    for event in events:
        command = SHOPIFY.command(event, StoreSettings(), None)
        assert isinstance(command, ProductChanged)
        outcomes[event.key] = sync_product(command, settings=StoreSettings(), xero=xero, mappings=mappings)
    return outcomes


def test_each_variant_is_an_item_and_a_removed_one_keeps_its_item(
    ingress: tuple[ModuleType, str], shop: tuple[ShopifyStore, Receiver], endpoint: str, xero: XeroClient, sandbox: Any
) -> None:
    app, items = ingress
    store, _ = shop
    mappings = DynamoMappings(mappings_table(endpoint, f"variants-{time.monotonic_ns()}"))
    # Given a product sold in three sizes, created in Shopify
    tee = store.add_product(
        "Organic Tee",
        [
            ("Small", "19.99", "TEE-S"),
            ("Medium", "19.99", "TEE-M"),
            ("Large", "21.00", "TEE-ORGANIC-COTTON-LARGE-2026-EDN"),
        ],
    )
    small, medium, large = (f"product:{v.id}" for v in tee.variants)
    # When its products/create webhook goes through the ingress
    assert deliver(app, shop, "products/create") == 200
    created = [parse_envelope(m["Body"]) for m in drain(endpoint, items)]
    # Then one message per variant, and one for the product, each on its own record
    assert sorted(e.key for e in created) == sorted([f"product:{tee.id}", small, medium, large])
    outcomes = apply(created, xero, mappings)
    assert {k: o.action for k, o in outcomes.items()} == {
        f"product:{tee.id}": "skipped",
        small: "created",
        medium: "created",
        large: "created",
    }
    codes = {item["Code"]: item for item in xero.items_by_code(["TEE-S", "TEE-M"])}
    assert codes["TEE-S"]["Name"] == "Organic Tee - Small" and codes["TEE-M"]["Name"] == "Organic Tee - Medium"
    long_code = mappings.get(large)
    assert long_code is not None and long_code.xero_number is not None and len(long_code.xero_number) <= 30
    assert long_code.xero_number != "TEE-ORGANIC-COTTON-LARGE-2026-EDN"  # 33 characters: Xero's 30 enforced

    # When the merchant deletes the Large variant (products/update lists the other two)
    tee.variants.pop()
    store.clock.advance(60)
    store.touch_product(tee)
    assert deliver(app, shop, "products/update") == 200
    events = [parse_envelope(m["Body"]) for m in drain(endpoint, items)]
    assert sorted(e.key for e in events) == sorted([f"product:{tee.id}", small, medium])
    outcomes = apply(events, xero, mappings)
    # Then the two remaining items are unchanged, the Large one is kept, and the sync log says so
    assert outcomes[small].action == outcomes[medium].action == "unchanged"
    said = outcomes[f"product:{tee.id}"].reason
    assert f"{large} (Xero item {long_code.xero_number})" in said and "never deleted" in said
    assert xero.items_by_code([long_code.xero_number])  # still in Xero
    # and the create delivered again late (Shopify retries) does not put it back in the product's list
    late = apply([e for e in created if e.key == f"product:{tee.id}"], xero, mappings)[f"product:{tee.id}"]
    assert late.action == "superseded"
    again = apply([e for e in events if e.key == f"product:{tee.id}"], xero, mappings)[f"product:{tee.id}"]
    assert again.action == "skipped" and large not in again.reason  # said once, when it was removed
