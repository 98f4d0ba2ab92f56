"""A Shopify store simulator: the stand-in for a real shop (client-credentials tokens, the Admin
GraphQL API with its cost-based throttle, bulk operations, signed webhooks with Shopify's retries,
Shopify Payments payouts, and orders whose money adds up the way Shopify's does) that xerosync's
tests and local stack talk to over HTTP.

    store = ShopifyStore().start()           # store.graphql_url(), store.app.client_id/client_secret
    store.add_customer("jane@example.com", "Jane", "Citizen")
    order = store.place_order([LineSpec("Mug", Decimal("20.00"), 2, (("GST", Decimal("0.1")),))])
    store.pay(order.id)
    store.flush_webhooks()

See README.md for what it reproduces of Shopify and what it does not.
"""

from local.shopify_store.arithmetic import LineSpec, ShippingSpec
from local.shopify_store.receiver import Receiver
from local.shopify_store.store import ShopifyStore
from local.shopify_store.webhooks import sign, verify

__all__ = ["LineSpec", "Receiver", "ShippingSpec", "ShopifyStore", "sign", "verify"]
