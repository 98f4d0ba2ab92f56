"""Before a deletion voids anything the store is asked (issue 19, item 7: a webhook's topic is not
signed), and the store's API is reached over https only (item 9: its credentials travel to it)."""

from typing import Any

import pytest

from tests.fakes import FakeXero, InMemoryMappings
from tests.unit.test_sync_use_cases import INVOICE_ONLY, event
from tests.woo import sync_order_event
from xerosync.domain import SaleGone
from xerosync.sources.port import Found, StoreError, StoreNotFound
from xerosync.sources.shopify.client import Credentials
from xerosync.sources.woocommerce.rest import StoreCredentials
from xerosync.sync.orders import sync_sale


class Store:
    """The store's API as the order use case sees it: ``fetch`` answers what the store has now."""

    def __init__(self, answer: Found | Exception) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str]] = []

    def refund(self, sale: Any, refund_id: str) -> Any:
        raise NotImplementedError

    def fetch(self, kind: str, record_id: str) -> Found:
        self.asked.append((kind, record_id))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def invoiced() -> tuple[FakeXero, InMemoryMappings]:
    xero, mappings = FakeXero(), InMemoryMappings()
    outcome = sync_order_event(
        event("order-1001.json", "order.created"), settings=INVOICE_ONLY, xero=xero, mappings=mappings
    )
    assert outcome.action == "created"
    return xero, mappings


def status(xero: FakeXero, mappings: InMemoryMappings) -> str:
    known = mappings.get("order:1001")
    assert known is not None
    return str(xero.get_invoice(known.xero_id)["Status"])


def test_a_deletion_the_store_does_not_confirm_voids_nothing() -> None:
    xero, mappings = invoiced()
    before = status(xero, mappings)
    still_there = Found("order", "order:1001", None, {"id": 1001, "status": "processing"}, "orders")
    store = Store(still_there)
    outcome = sync_sale(
        SaleGone("order:1001", "order trashed in the store"),
        settings=INVOICE_ONLY,
        xero=xero,
        mappings=mappings,
        store=store,  # type: ignore[arg-type]
    )
    assert store.asked == [("order", "1001")]
    assert outcome.action == "skipped" and "store still has it" in outcome.reason
    assert status(xero, mappings) == before != "VOIDED"


@pytest.mark.parametrize(
    "answer",
    [
        Found("order", "order:1001", None, {"id": 1001, "status": "trash"}, "orders", gone=True),  # in the trash
        StoreNotFound("the store refused /orders/1001 (404)"),  # deleted for good
    ],
)
def test_a_deletion_the_store_confirms_takes_the_invoice_off_the_books(answer: Found | Exception) -> None:
    xero, mappings = invoiced()
    outcome = sync_sale(
        SaleGone("order:1001", "order trashed in the store"),
        settings=INVOICE_ONLY,
        xero=xero,
        mappings=mappings,
        store=Store(answer),  # type: ignore[arg-type]
    )
    assert outcome.action in ("voided", "deleted")
    assert status(xero, mappings) in ("VOIDED", "DELETED")


def test_a_store_that_cannot_say_keeps_the_deletion_waiting() -> None:
    xero, mappings = invoiced()
    with pytest.raises(StoreError):  # a refusal other than "no such order": parked with its reason
        sync_sale(
            SaleGone("order:1001", "order trashed in the store"),
            settings=INVOICE_ONLY,
            xero=xero,
            mappings=mappings,
            store=Store(StoreError("the store refused /orders/1001 (401)")),  # type: ignore[arg-type]
        )
    assert status(xero, mappings) not in ("VOIDED", "DELETED")


# --- store URLs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["http://shop.example", "http://10.0.0.5", "ftp://shop.example", "shop.example"])
def test_a_woocommerce_store_url_that_is_not_https_is_refused(url: str) -> None:
    with pytest.raises(StoreError, match="https"):
        StoreCredentials.from_dict({"url": url, "consumer_key": "ck", "consumer_secret": "cs"})


@pytest.mark.parametrize(
    "url", ["https://shop.example", "http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:80"]
)
def test_https_and_the_local_simulators_are_accepted(url: str) -> None:
    credentials = StoreCredentials.from_dict({"url": url, "consumer_key": "ck", "consumer_secret": "cs"})
    assert credentials is not None and credentials.url == url


def test_a_shopify_shop_given_with_http_is_refused_a_bare_domain_is_https() -> None:
    with pytest.raises(StoreError, match="https"):
        Credentials.from_dict({"shop": "http://jsmith.myshopify.com", "access_token": "shpat_x"})
    bare = Credentials.from_dict({"shop": "jsmith.myshopify.com", "access_token": "shpat_x"})
    assert bare is not None and bare.base == "https://jsmith.myshopify.com"
    local = Credentials.from_dict({"shop": "http://127.0.0.1:8001", "access_token": "shpat_x"})
    assert local is not None and local.base == "http://127.0.0.1:8001"
