"""The bench's historical push (bench.harness.enqueue) puts on moto's SQS every message the store's
ingress would send: a product delivery as its own message and one per variant (Decision.also),
each on its queue; a delivery the ingress refuses, nothing."""

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from bench.harness import enqueue
from local.shopify_store import LineSpec, ShopifyStore
from local.shopify_store import rest as shop_rest
from tests.integration.conftest import boto

QUEUES = ("OrdersQueue", "ContactsQueue", "ItemsQueue")


class Queues:
    """The part of a LocalStack the push uses: its SQS client and its queues' URLs (real queues in
    moto's server)."""

    def __init__(self, endpoint: str, prefix: str) -> None:
        self.sqs = boto("sqs", endpoint)
        self.urls = {q: self.sqs.create_queue(QueueName=f"{prefix}-{q}")["QueueUrl"] for q in QUEUES}

    def client(self, service: str) -> Any:
        assert service == "sqs"
        return self.sqs

    def queue_url(self, logical: str) -> str:
        return self.urls[logical]

    def drain(self, logical: str) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(
            QueueUrl=self.urls[logical], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages"):
            got += batch
            self.sqs.delete_message_batch(
                QueueUrl=self.urls[logical],
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)],
            )
        return got


@pytest.fixture
def store() -> Iterator[ShopifyStore]:
    shop = ShopifyStore()  # not served: the push only needs its deliveries
    yield shop


def test_a_product_delivery_is_pushed_as_every_message_the_ingress_makes_of_it(
    moto_endpoint: str, store: ShopifyStore
) -> None:
    queues = Queues(moto_endpoint, "push-product")
    product = store.add_product("Beanie", [("Grey", "33.00", "BEANIE-GRY"), ("Navy", "33.00", "BEANIE-NVY")])
    grey = product.variants[0]
    order = store.place_order([LineSpec("Beanie", Decimal("33.00"), 1, (), grey.sku, grey.id, product.id)])
    targets: list[tuple[int | None, str, str, str | None]] = [(None, "https://stack.example", "2026-07", None)]
    [product_delivery] = store.hooks.make("products/update", shop_rest.product(product, store), targets)
    order_delivery = store.order_delivery(order.id, "https://stack.example")
    forged = store.order_delivery(order.id, "https://stack.example")
    forged.headers["X-Shopify-Hmac-Sha256"] = "not-the-signature"

    answers = enqueue(queues, "shopify", [product_delivery, order_delivery, forged], store.app.client_secret)  # type: ignore[arg-type]

    assert answers == {200: 2, 401: 1}
    items = queues.drain("ItemsQueue")
    groups = sorted(m["MessageAttributes"]["record"]["StringValue"] for m in items)
    variants = sorted(f"product:{v.id}" for v in product.variants)
    assert groups == sorted([f"product:{product.id}", *variants])  # the product and each variant
    orders = queues.drain("OrdersQueue")
    assert [m["MessageAttributes"]["record"]["StringValue"] for m in orders] == [f"order:{order.id}"]
    assert json.loads(orders[0]["Body"])["source"] == "shopify"
    assert queues.drain("ContactsQueue") == []
