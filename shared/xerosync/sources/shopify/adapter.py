"""Shopify behind the store port (:mod:`xerosync.sources.port`): ``SOURCE``.

Two shapes of record arrive: webhook bodies (REST-shaped, :mod:`.rest` puts them in the GraphQL
shape) and the Admin GraphQL API's answers (:mod:`.store`). An order event only says "order X
changed": with the store's API (credentials filled in), :meth:`Shopify.command` reads the order
in full (transactions, refunds and their money, both currencies); without it, the webhook body
is read as it is, which loses the payments (:mod:`.rest` says what else), and a refunds/create
body alone says nothing of its order, so it waits (parked) for the credentials. A full order an
envelope already carries (``xerosync push``: the bulk history) is read as it is.

Customers and products are read from their webhook bodies (they carry the whole record). A
product is sold as its variants, each a Xero item: listings give one record per variant, and a
products/* webhook is enqueued as one envelope per variant and one for the product itself, which
says which variants it has now (:func:`xerosync.sources.shopify.webhook.product_envelopes`).
"""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from xerosync.config import StoreSettings
from xerosync.domain import (
    Command,
    CustomerChanged,
    CustomerDataRequest,
    Ignored,
    Party,
    Product,
    ProductChanged,
    RedactCustomer,
    Refund,
    Sale,
    SaleChanged,
    SaleGone,
    StopSync,
)
from xerosync.envelopes import Message
from xerosync.events import StoreEvent
from xerosync.settlement import Settlement
from xerosync.sources.port import Found, Kind, StoreClient, StoreError, StoreSource, TokenCache
from xerosync.sources.shopify import payouts, rest
from xerosync.sources.shopify.client import Credentials, ShopifyGraphQL
from xerosync.sources.shopify.mapping import refund_from, sale_from_order
from xerosync.sources.shopify.parties import party_from_customer, product_of
from xerosync.sources.shopify.settings import API_VERSION, ShopifySettings, problems, shopify_settings
from xerosync.sources.shopify.store import ShopifyStore
from xerosync.sources.shopify.values import legacy_id
from xerosync.sources.shopify.webhook import PRIVACY
from xerosync.sources.shopify.webhook import SOURCE as NAME
from xerosync.timestamps import store_time
from xerosync.webhooks import envelope

KINDS: dict[str, Kind | Literal["refund"]] = {
    "Order": "order",
    "Refund": "refund",
    "Customer": "customer",
    "Product": "product",
    "ProductVariant": "product",
}
TOPICS: dict[Kind, str] = {"order": "orders/updated", "customer": "customers/update", "product": "products/update"}


def _load(payload: str) -> dict[str, Any]:
    from decimal import Decimal

    record = json.loads(payload, parse_float=Decimal)
    if not isinstance(record, dict):
        raise ValueError(f"a Shopify event carries a JSON object, not {type(record).__name__}")
    return record


def encode(record: Mapping[str, Any]) -> bytes:
    """A record as an envelope carries it: compact JSON, keys sorted (equal state, equal hash)."""
    return json.dumps(record, separators=(",", ":"), sort_keys=True, default=str).encode()


class Shopify:
    """The Shopify source."""

    name = NAME
    settings_defaults: Mapping[str, Any] = {"invoice_prefix": "SH-"}
    lists_customer_changes = True  # customers(query: "updated_at:>...")

    def check_settings(self, settings: StoreSettings) -> list[str]:
        return problems(settings.store)

    def _cfg(self, settings: StoreSettings) -> ShopifySettings:
        return shopify_settings(settings.store)

    def command(self, event: StoreEvent, settings: StoreSettings, store: StoreClient | None) -> Command:
        key, modified = event.key, store_time(event.modified)
        deleted = event.event == "deleted"
        if event.resource == "order":
            return SaleGone(key, "order deleted in Shopify") if deleted else self._sale(event, settings, store)
        if event.resource == "customer":
            if deleted:
                return Ignored(key, "customer deleted in Shopify; the Xero contact is kept")
            return CustomerChanged(self._party(_load(event.payload)), modified)
        if event.resource == "product":
            if deleted:
                return Ignored(key, "product deleted in Shopify; the Xero item is kept")
            return ProductChanged(self._product(_load(event.payload), event.id), modified)
        if event.resource == PRIVACY:
            return _privacy(event.event, event.id, _load(event.payload))
        raise ValueError(f"Shopify {event.resource} events are not synced")

    def _sale(self, event: StoreEvent, settings: StoreSettings, store: StoreClient | None) -> SaleChanged | SaleGone:
        record = _load(event.payload)
        cfg = self._cfg(settings)
        if not rest.is_rest(record) and "lineItems" in record:
            return SaleChanged(sale_from_order(record, cfg))  # a whole order (the bulk history)
        if store is not None:
            found = store.fetch("order", event.id)
            if found.gone:
                return SaleGone(event.key, "order no longer in Shopify")
            return SaleChanged(sale_from_order(found.raw, cfg))
        if event.topic == "refunds/create" or not rest.is_rest(record):
            raise StoreError(
                f"Shopify {event.topic} names order {event.id} only: reading it needs the store's API credentials "
                "(StoreApiSecret)"
            )
        return SaleChanged(sale_from_order(rest.order(record), cfg, own_offsets=True))

    def _party(self, raw: Mapping[str, Any]) -> Party:
        return party_from_customer(rest.customer_of(raw) if rest.is_rest(raw) else raw)

    def _product(self, raw: Mapping[str, Any], record_id: str | None = None) -> Product:
        return product_of(rest.product(raw) if rest.is_rest(raw) else raw, record_id)

    def read(self, kind: Kind, raw: Mapping[str, Any], settings: StoreSettings) -> Sale | Party | Product:
        if kind == "order":
            if rest.is_rest(raw):
                return sale_from_order(rest.order(raw), self._cfg(settings), own_offsets=True)
            return sale_from_order(raw, self._cfg(settings))
        if kind == "customer":
            return self._party(raw)
        return self._product(raw)

    def kind_of(self, raw: Mapping[str, Any]) -> Kind | Literal["refund"]:
        gid = str(raw.get("admin_graphql_api_id") or raw.get("id") or "")
        parts = gid.split("/")
        if gid.startswith("gid://shopify/") and len(parts) > 3 and parts[3] in KINDS:
            return KINDS[parts[3]]
        if "refund_line_items" in raw or "refundLineItems" in raw:
            return "refund"
        if "line_items" in raw or "lineItems" in raw:
            return "order"
        if "variants" in raw:
            return "product"
        if "email" in raw or "defaultEmailAddress" in raw:
            return "customer"
        raise ValueError("not a Shopify order, refund, customer or product")

    def read_refund(self, raw: Mapping[str, Any], sale: Sale) -> Refund:
        record = rest.refund(raw) if rest.is_rest(raw) else raw
        # a REST body's times carry the shop's offset; its money is the shop's unless the sale is not
        return refund_from(record, sale, "shop", None if rest.is_rest(raw) else _utc())

    def message(self, found: Found, *, store: str, origin: str, now: datetime | None = None) -> Message | None:
        raw = found.raw
        record_id = legacy_id(raw, found.kind) if raw.get("id") or raw.get("legacyResourceId") else ""
        if not record_id:
            raise ValueError(f"a Shopify {found.kind} without an id cannot be enqueued")
        payload: Mapping[str, Any] = {"id": raw.get("id")} if found.gone else raw
        made = envelope(
            source=NAME,
            store=store,
            topic="orders/delete" if found.gone and found.kind == "order" else TOPICS[found.kind],
            resource=found.kind,
            event="deleted" if found.gone else "updated",
            record_id=record_id,
            modified=None if found.gone else (found.changed_at.isoformat() if found.changed_at else None),
            raw=encode(payload),
            delivery_id=origin,
            now=now,
        )
        return Message(made.queue, made.group, made.body)

    def read_settlement(self, raw: Mapping[str, Any]) -> Settlement:
        """A payout file (REST or GraphQL shape): :func:`.payouts.read_settlement`."""
        return payouts.read_settlement(raw)

    def client(self, credentials: Mapping[str, Any], tokens: TokenCache | None = None) -> ShopifyStore | None:
        """``tokens``: where the stack keeps minted access tokens (the composition root gives the
        mapping table's; without it each process mints and keeps its own)."""
        parsed = Credentials.from_dict(credentials)
        if parsed is None:
            return None
        version = str(credentials.get("api_version") or API_VERSION)
        return ShopifyStore(ShopifyGraphQL(parsed, api_version=version, tokens=tokens))


def _utc() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("UTC")


SOURCE: StoreSource = Shopify()  # what the registry reads (typed: mypy holds it to the port)


def _privacy(event: str, request: str, body: dict[str, Any]) -> Command:
    """A privacy request as Shopify sends it (``{customer: {id, email, phone}, orders_to_redact |
    orders_requested}``; the shop's and the uninstall's bodies say nothing the core needs):
    https://shopify.dev/docs/apps/build/privacy-law-compliance."""
    if event == "uninstalled":
        return StopSync("the app was uninstalled in Shopify", request=request)
    if event == "shop_redact":
        return StopSync("the shop asked for its data to be erased (shop/redact)", erase=True, request=request)
    found = body.get("customer")
    customer: dict[str, Any] = found if isinstance(found, dict) else {}
    keys = (f"customer:{customer['id']}",) if customer.get("id") else ()
    emails = (str(customer["email"]),) if customer.get("email") else ()
    details = (str(customer["phone"]),) if customer.get("phone") else ()
    if event == "redact":
        orders = tuple(str(o) for o in body.get("orders_to_redact") or ())
        return RedactCustomer(request, keys, emails, orders, details)
    if event == "data_request":
        orders = tuple(str(o) for o in body.get("orders_requested") or ())
        return CustomerDataRequest(request, keys, emails, orders, details)
    raise ValueError(f"Shopify privacy event {event!r} is not one xerosync knows")
