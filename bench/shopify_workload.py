"""The benchmark's Shopify shop, seeded: its order history in the Shopify simulator, the settings
that map it, and the Xero organisation it lands in (half of its buyers already there as contacts).

The history comes from the simulator's generator (``local.shopify_store.generate``): five markets
(taxes included and not, one to three rates a line, the buyer's currency), discounts, shipping,
duties, tips, gift cards, captured and voided authorisations, declined cards, manual payments,
partial and goodwill refunds, cancellations, registered customers buying again and guests. Each
order is pushed in its final state, as the ``orders/updated`` delivery Shopify would make of it
now; the stack's functions read the order itself from the simulator's Admin GraphQL API, as they
read a real shop.
"""

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from local.shopify import prepare_organisation, settings_text, shop
from local.shopify_store import ShopifyStore
from local.shopify_store import rest as rest_view
from local.shopify_store.arithmetic import financial_status
from local.shopify_store.generate import populate
from local.shopify_store.webhooks import Delivery
from local.xero_sandbox.contacts import create as create_contact
from local.xero_sandbox.contacts import name_taken
from local.xero_sandbox.state import Organisation
from xerosync.domain import Party
from xerosync.sources.shopify.parties import party_from_order
from xerosync.sources.shopify.rest import order as graphql_shape
from xerosync.xero.payloads import contact as contact_body

WEBHOOK_URI = "https://stack.example/webhooks/shopify"  # where the deliveries say they went (never posted)
DAYS = 30  # the history's span, ending an hour before the shop's now


@dataclass
class ShopifyShop:
    """A generated Shopify history in a (not yet serving) simulator."""

    seed: int
    store: ShopifyStore
    orders: list[int]  # order ids, in creation order
    statuses: Counter[str] = field(default_factory=Counter)  # displayFinancialStatus, or CANCELLED
    parties: dict[str, Party] = field(default_factory=dict)  # party key -> the buyer as first seen
    order_parties: dict[int, str] = field(default_factory=dict)  # order id -> party key
    existing: set[str] = field(default_factory=set)  # party keys pre-created in Xero
    refunded: int = 0  # orders with a refund

    def deliveries(self, orders: list[int] | None = None) -> list[Delivery]:
        """Each order's ``orders/updated`` delivery of its final state, signed with the app's secret."""
        return [self.store.order_delivery(i, WEBHOOK_URI) for i in (self.orders if orders is None else orders)]

    def credentials(self) -> str:
        """The stack's StoreApiSecret: the shop and its app's client credentials (the functions
        mint their own access tokens). The simulator must be serving (``store.start()``)."""
        app = self.store.app
        return json.dumps({"shop": self.store.url, "client_id": app.client_id, "client_secret": app.client_secret})


def generate(seed: int, orders: int, customers: int, *, scale: float = 1.0) -> ShopifyShop:
    """``orders`` orders over :data:`DAYS` days by ``customers`` registered customers (and the
    guests the generator adds, about one order in seven); the shop's clock runs ``scale`` times
    the wall's once written (its cost bucket refills on it)."""
    store = shop(seed=seed, scale=scale)
    end = datetime.now(UTC) - timedelta(hours=1)
    made = populate(store, seed=seed, customers=customers, orders=orders, start=end - timedelta(days=DAYS), end=end)
    history = ShopifyShop(seed, store, list(made.orders))
    for order_id in history.orders:
        order = store.orders[order_id]
        history.statuses["CANCELLED" if order.cancelled_at else financial_status(order)] += 1
        history.refunded += bool(order.refunds)
        party = party_from_order(graphql_shape(rest_view.order(order, store)))
        history.parties.setdefault(party.key, party)
        history.order_parties[order_id] = party.key
    return history


def choose_existing(history: ShopifyShop, share: float = 0.5) -> None:
    """The buyers already in Xero (seeded): ``share`` of them."""
    keys = sorted(history.parties)
    history.existing = set(random.Random(history.seed).sample(keys, round(len(keys) * share)))


def keys_of(history: ShopifyShop, orders: list[int]) -> set[str]:
    return {history.order_parties[i] for i in orders}


def precreate_contacts(history: ShopifyShop, org: Organisation, keys: set[str] | None = None) -> int:
    """The existing buyers as Xero contacts, as xerosync would have created them (found by
    ContactNumber or e-mail, not created again). Returns how many."""
    now = datetime.now(UTC)
    made = 0
    for key in sorted(history.existing if keys is None else keys & history.existing):
        body = contact_body(history.parties[key])
        if name_taken(org, body["Name"]):
            body["Name"] = f"{body['Name']} ({body.get('EmailAddress') or key})"
        with org.lock:
            create_contact(org, body, now)
        made += 1
    return made


def settings(org: Organisation, prefix: str = "SH-") -> str:
    """The local Shopify settings (``local/shopify-settings.yaml``: the markets' tax lines to Xero
    tax types, gateways to clearing accounts) after making what they name in ``org``."""
    overrides: dict[str, Any] = {"invoice_prefix": prefix}
    return settings_text(prepare_organisation(org), overrides=overrides)
