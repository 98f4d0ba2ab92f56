"""A WooCommerce store simulator: the stand-in for a real WooCommerce site (REST API v3,
webhooks, order arithmetic) that xerosync's tests, demo, chaos test and benchmarks use.

    store = WooStore().start()                 # store.api_url, store.consumer_key/_secret
    store.add_tax_rate("10", "GST", country="AU", priority=1)
    mug = store.add_product("Enamel Mug", "33.00", sku="MUG-ENM")
    store.add_webhook("order.created", receiver_url, secret="s3cret")
    order = store.place_order([(mug.id, 2)], billing={...}, paid=True)
    store.flush_webhooks()

See README.md for what it reproduces of WooCommerce and what it does not.
"""

from local.woo_store.model import DeliveryRecord, Settings
from local.woo_store.receiver import Receiver
from local.woo_store.store import WooStore

__all__ = ["DeliveryRecord", "Receiver", "Settings", "WooStore"]
