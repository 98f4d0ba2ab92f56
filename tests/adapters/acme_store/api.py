"""Acme's REST API (``/v1``, bearer key, JSON, cursor pages), as the port's StoreClient.

``GET /v1/{orders|customers|products}[/<id>]`` (lists take ``updatedSince``, ``placedFrom``,
``placedTo``, ``include=deleted``, ``cursor``; a page is ``{"data": [...], "next": <cursor>}``),
``PATCH`` of one record, and ``/v1/webhooks`` (``{"id", "type", "target", "active", "createdAt"}``).
Refunds, lines and all, are part of their order. Standard library only.
"""

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from xerosync.config import StoreSettings
from xerosync.domain import Refund, Sale
from xerosync.sources.port import (
    Found,
    Kind,
    ProductUpdate,
    StoreError,
    StoreNotFound,
    StoreProduct,
    StoreUnavailable,
    Subscriptions,
    WebhookAction,
)
from xerosync.timestamps import store_time

from . import mapping

COLLECTIONS: dict[Kind, str] = {"order": "orders", "customer": "customers", "product": "products"}
TOPICS: dict[Kind, tuple[str, ...]] = {
    "order": ("order.changed", "order.deleted"),
    "customer": ("customer.changed",),
    "product": ("product.changed",),
}


@dataclass
class AcmeClient:
    base: str  # https://acme.example/shops/<shop>
    api_key: str
    timeout: float = 10.0

    @property
    def url(self) -> str:
        return self.base

    def _call(self, method: str, path: str, query: Mapping[str, str] | None = None, body: Any = None) -> Any:
        target = self.base.rstrip("/") + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(target, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = f"acme: {method} {path} answered {exc.code}: {exc.read()[:300]!r}"
            if exc.code == 404:
                raise StoreNotFound(detail) from None
            raise (StoreUnavailable if exc.code == 429 or exc.code >= 500 else StoreError)(detail) from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise StoreUnavailable(f"acme: {method} {path}: {exc}") from None

    def _list(self, collection: str, query: Mapping[str, str] | None = None) -> Iterator[dict[str, Any]]:
        cursor = ""
        while True:
            page = self._call("GET", f"/v1/{collection}", {**(query or {}), **({"cursor": cursor} if cursor else {})})
            yield from page["data"]
            cursor = page.get("next") or ""
            if not cursor:
                return

    def _found(self, kind: Kind, raw: dict[str, Any]) -> Found:
        at = store_time(raw.get("updatedAt"))
        return Found(kind, f"{kind}:{raw['id']}", at, raw, COLLECTIONS[kind], gone=raw.get("deleted") is True)

    def refund(self, sale: Sale, refund_id: str) -> Refund:
        order = self._call("GET", f"/v1/orders/{urllib.parse.quote(sale.id)}")
        for raw in order.get("refunds") or ():
            if raw.get("id") == refund_id:
                return mapping.refund(raw, sale)
        raise StoreError(f"acme: order {sale.id} has no refund {refund_id}")

    def fetch(self, kind: Kind, record_id: str) -> Found:
        return self._found(kind, self._call("GET", f"/v1/{COLLECTIONS[kind]}/{urllib.parse.quote(record_id)}"))

    def changed_since(self, since: datetime, kinds: set[Kind]) -> Iterator[Found]:
        query = {"updatedSince": since.isoformat(), "include": "deleted"}
        for kind in ("order", "product", "customer"):
            if kind in kinds:
                for raw in self._list(COLLECTIONS[kind], query):
                    yield self._found(kind, raw)

    def customers(self) -> Iterator[Found]:
        for raw in self._list("customers"):
            yield self._found("customer", raw)

    def sales_created(self, start: date, end: date, *, deleted: bool = False) -> Iterator[Found]:
        query = {"placedFrom": start.isoformat(), "placedTo": end.isoformat()}
        for raw in self._list("orders", {**query, **({"include": "deleted"} if deleted else {})}):
            yield self._found("order", raw)

    def count_sales_created(self, start: date, end: date) -> int | None:
        return None  # Acme's lists do not say how long they are

    def catalogue(self) -> list[StoreProduct]:
        return [
            StoreProduct(
                key=f"product:{raw['id']}",
                sku=str(raw.get("sku") or "").strip(),
                name=str(raw.get("title") or ""),
                regular_price=mapping.money(raw["priceCents"], "priceCents") if raw.get("priceCents") else None,
                manage_stock=raw.get("stock") is not None,
                stock_quantity=raw.get("stock"),
                parent_key=f"product:{raw['variantOf']}" if raw.get("variantOf") else None,
            )
            for raw in self._list("products")
            if raw.get("archived") is not True
        ]

    def update_product(self, product: StoreProduct, update: ProductUpdate) -> None:
        fields: dict[str, Any] = {}
        if update.name is not None:
            fields["title"] = update.name
        if update.regular_price is not None:
            cents = update.regular_price * 100
            if cents != cents.to_integral_value():
                raise StoreError(f"acme: prices are whole cents, not {update.regular_price}")
            fields["priceCents"] = int(cents)
        if update.stock_quantity is not None:
            fields["stock"] = update.stock_quantity
        record_id = product.key.split(":", 1)[1]
        self._call("PATCH", f"/v1/products/{urllib.parse.quote(record_id)}", body=fields)

    def mark_paid(self, sale_key: str, settings: StoreSettings) -> str | None:
        order_id = sale_key.split(":", 1)[1]
        order = self._call("GET", f"/v1/orders/{urllib.parse.quote(order_id)}")
        state = str(order.get("state") or "")
        awaiting = mapping.acme_settings(settings.store).lifecycle(state, False) == "awaiting_payment"
        if not awaiting or (order.get("payment") or {}).get("settledAt"):
            return None
        self._call("PATCH", f"/v1/orders/{urllib.parse.quote(order_id)}", body={"state": "settled"})
        return f"order {state} -> settled"

    def subscriptions(
        self,
        url: str,
        secret: Callable[[], str],
        kinds: set[Kind],
        memory: dict[str, Any],
        now: datetime,
        repair: bool,
    ) -> Subscriptions:
        hooks = [h for h in self._call("GET", "/v1/webhooks")["data"] if h.get("target") == url]
        created = [t for t in (store_time(h.get("createdAt")) for h in hooks) if t is not None]
        result = Subscriptions(installed_at=min(created, default=None))
        if not repair or not url:  # as for WooCommerce: a check without repair reports the install only
            return result
        for kind in sorted(kinds):
            for topic in TOPICS[kind]:
                hook = next((h for h in hooks if h.get("type") == topic), None)
                if hook is not None and hook.get("active") is True:
                    result.actions.append(WebhookAction(topic, "ok", str(hook["id"])))
                elif hook is not None:
                    self._call("PATCH", f"/v1/webhooks/{hook['id']}", body={"active": True})
                    result.actions.append(WebhookAction(topic, "reenable", str(hook["id"])))
                else:
                    made = self._call("POST", "/v1/webhooks", body={"type": topic, "target": url, "secret": secret()})
                    result.actions.append(WebhookAction(topic, "create", str(made["id"])))
                    result.installed_at = result.installed_at or now
        return result
