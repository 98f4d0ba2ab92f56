"""The WooCommerce adapter in front of the use cases, as the sync functions put it: an envelope
read by the adapter into a domain command, then the use case (for tests that start from a store
event rather than a domain command)."""

from typing import Any

from xerosync import sources
from xerosync.config import StoreSettings
from xerosync.events import StoreEvent
from xerosync.sync.base import Outcome
from xerosync.sync.contacts import sync_customer
from xerosync.sync.items import sync_product
from xerosync.sync.orders import sync_sale
from xerosync.sync.ports import Mappings, Store, Xero

WOO = sources.source("woocommerce")


def sync_order_event(
    event: StoreEvent, *, settings: StoreSettings, xero: Xero, mappings: Mappings, store: Store | None = None
) -> Outcome:
    command: Any = WOO.command(event, settings)
    return sync_sale(command, settings=settings, xero=xero, mappings=mappings, store=store)


def sync_customer_event(
    event: StoreEvent, *, xero: Xero, mappings: Mappings, settings: StoreSettings | None = None
) -> Outcome:
    command: Any = WOO.command(event, settings or StoreSettings())
    return sync_customer(command, xero=xero, mappings=mappings, settings=settings)


def sync_product_event(event: StoreEvent, *, settings: StoreSettings, xero: Xero, mappings: Mappings) -> Outcome:
    command: Any = WOO.command(event, settings)
    return sync_product(command, settings=settings, xero=xero, mappings=mappings)
