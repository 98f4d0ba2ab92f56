"""Acme behind the store port (:class:`xerosync.sources.port.StoreSource`): ``SOURCE``.

An envelope carries the record itself (the webhook module unwraps Acme's event and re-encodes the
record canonically), so commands, ``read`` and ``message`` all read one representation: the
record as Acme's API returns it (:mod:`.mapping`). Its API is :mod:`.api`.
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
from xerosync.sources.port import Found, Kind, StoreClient, StoreSource, TokenCache
from xerosync.timestamps import store_time
from xerosync.webhooks import envelope

from . import mapping
from .api import AcmeClient
from .webhook import CART, canonical
from .webhook import SOURCE as NAME

ID_PREFIXES: dict[str, Kind | Literal["refund"]] = {
    "ord_": "order",
    "cus_": "customer",
    "prd_": "product",
    "rf_": "refund",
}


class AcmeStore:
    name = NAME
    settings_defaults: Mapping[str, Any] = {"invoice_prefix": "ACME-"}
    lists_customer_changes = True  # Acme lists customers by updatedSince

    def check_settings(self, settings: StoreSettings) -> list[str]:
        return mapping.problems(settings.store)

    def command(self, event: StoreEvent, settings: StoreSettings, store: StoreClient | None) -> Command:
        record = json.loads(event.payload)
        if not isinstance(record, dict):
            raise ValueError(f"an Acme {event.resource} event carries a JSON object, not {type(record).__name__}")
        key, modified = event.key, store_time(event.modified)
        deleted = event.event == "deleted"
        if event.resource == "order":
            if deleted:
                return SaleGone(key, "order deleted in Acme")
            return SaleChanged(mapping.sale(record, mapping.acme_settings(settings.store)))
        if event.resource == "customer":
            if deleted:
                return Ignored(key, "customer deleted in Acme; the Xero contact is kept")
            return CustomerChanged(mapping.party(record), modified)
        if event.resource == "product":
            if deleted:
                return Ignored(key, "product deleted in Acme; the Xero item is kept")
            return ProductChanged(mapping.product(record), modified)
        if event.resource == "privacy":
            return _privacy(event.event, event.id, record)
        raise ValueError(f"Acme {event.resource} events are not synced")

    def read(self, kind: Kind, raw: Mapping[str, Any], settings: StoreSettings) -> Sale | Party | Product:
        if kind == "order":
            return mapping.sale(raw, mapping.acme_settings(settings.store))
        if kind == "customer":
            return mapping.party(raw)
        return mapping.product(raw)

    def kind_of(self, raw: Mapping[str, Any]) -> Kind | Literal["refund"]:
        record_id = str(raw.get("id") or "")
        for prefix, kind in ID_PREFIXES.items():
            if record_id.startswith(prefix):
                return kind
        raise ValueError("not an Acme order, refund, customer or product (their ids start ord_, rf_, cus_, prd_)")

    def read_refund(self, raw: Mapping[str, Any], sale: Sale) -> Refund:
        return mapping.refund(raw, sale)

    def message(self, found: Found, *, store: str, origin: str, now: datetime | None = None) -> Message | None:
        raw = dict(found.raw)
        if found.kind == "order" and raw.get("state") == CART:
            return None
        record_id = str(raw.get("id") or "")
        if not record_id:
            raise ValueError(f"an Acme {found.kind} without an id cannot be enqueued")
        payload = {"id": record_id} if found.gone else raw
        made = envelope(
            source=NAME,
            store=store,
            resource=found.kind,
            event="deleted" if found.gone else "updated",
            topic=f"{found.kind}.{'deleted' if found.gone else 'changed'}",
            record_id=record_id,
            modified=None if found.gone else raw.get("updatedAt"),
            raw=canonical(payload),
            delivery_id=origin,
            now=now,
        )
        return Message(made.queue, made.group, made.body)

    def client(self, credentials: Mapping[str, Any], tokens: TokenCache | None = None) -> AcmeClient | None:
        url, key = str(credentials.get("url") or ""), str(credentials.get("apiKey") or "")
        return AcmeClient(url, key) if url and key else None


SOURCE: StoreSource = AcmeStore()  # what the registry reads (typed: mypy checks it against the port)


def _privacy(event: str, request: str, body: dict[str, Any]) -> Command:
    """A privacy request, in Shopify's shape: ``{customer: {id, email, phone}, orders_to_redact |
    orders_requested}``; the shop's and the uninstall's bodies say nothing the core needs."""
    if event == "uninstalled":
        return StopSync("the app was uninstalled in the store", request=request)
    if event == "shop_redact":
        return StopSync("the shop asked for its data to be erased", erase=True, request=request)
    customer = body.get("customer") or {}
    keys = (f"customer:{customer['id']}",) if customer.get("id") else ()
    emails = (str(customer["email"]),) if customer.get("email") else ()
    details = (str(customer["phone"]),) if customer.get("phone") else ()
    if event == "redact":
        orders = tuple(str(o) for o in body.get("orders_to_redact") or ())
        return RedactCustomer(request, keys, emails, orders, details)
    if event == "data_request":
        orders = tuple(str(o) for o in body.get("orders_requested") or ())
        return CustomerDataRequest(request, keys, emails, orders, details)
    raise ValueError(f"Acme privacy event {event!r} is not one we know")
