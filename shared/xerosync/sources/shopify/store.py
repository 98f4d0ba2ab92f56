"""The Shopify store's API as the port's :class:`~xerosync.sources.port.StoreClient`.

Shopify lists no deleted orders (its deletion events name products and collections only:
https://shopify.dev/docs/api/admin-graphql/latest/enums/DeletionEventSubjectType), so an order
deleted while its orders/delete webhook was lost is not found by the reconciliation.

Records come back in the Admin GraphQL API's shape: an order in full (:meth:`ShopifyStore.order`:
its lines page after page, each refund in full) or as a listing's summary (``changed_since``:
the sync reads the whole order when it applies it); a product's variants one by one (each is a
Xero item: a ``ProductVariant`` with its ``product``). History (``sales_created``) is one bulk
operation (:mod:`.bulk`).
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from xerosync.config import StoreSettings
from xerosync.domain import Refund, Sale
from xerosync.settlement import Settlement
from xerosync.sources.port import (
    Found,
    Kind,
    ProductUpdate,
    SettlementFound,
    StoreError,
    StoreProduct,
    StoreUnavailable,
    Subscriptions,
    WebhookAction,
)
from xerosync.sources.shopify import bulk, queries
from xerosync.sources.shopify.client import ShopifyGraphQL
from xerosync.sources.shopify.mapping import refund_from
from xerosync.sources.shopify.payouts import ShopifyPayouts
from xerosync.sources.shopify.settings import DEFAULT_FINANCIAL_STATUSES, shopify_settings
from xerosync.sources.shopify.values import Currency, legacy_id, nodes
from xerosync.sources.store_lists import Choice, StoreLists
from xerosync.timestamps import store_time

# Topics xerosync subscribes to, per kind of record (WebhookSubscriptionTopic enum:
# https://shopify.dev/docs/api/admin-graphql/latest/enums/WebhookSubscriptionTopic). The privacy
# topics are the app's compliance webhooks, set in its configuration, never by the API.
TOPICS: dict[Kind, tuple[str, ...]] = {
    "order": (
        "ORDERS_CREATE",
        "ORDERS_UPDATED",
        "ORDERS_PAID",
        "ORDERS_CANCELLED",
        "ORDERS_EDITED",
        "ORDERS_DELETE",
        "REFUNDS_CREATE",
    ),
    "customer": ("CUSTOMERS_CREATE", "CUSTOMERS_UPDATE"),
    "product": ("PRODUCTS_CREATE", "PRODUCTS_UPDATE"),
}
ALWAYS = ("APP_UNINSTALLED",)
SUBSCRIPTION_NAME = "xerosync"
PAGE = {"order": 250, "customer": 50, "product": 4}  # within Shopify's requested-cost cap


def gid(kind: str, record_id: str) -> str:
    return record_id if record_id.startswith("gid://") else f"gid://shopify/{kind}/{record_id}"


def search_after(since: datetime) -> str:
    return f"updated_at:>'{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def _at(*values: Any) -> datetime | None:
    times = [t for t in (store_time(v) for v in values) if t is not None]
    return max(times) if times else None


def variant_found(variant: dict[str, Any], product: dict[str, Any], label: str = "variants") -> Found:
    """A variant as the port's record: a ``ProductVariant`` with its ``product``."""
    raw = {**variant, "product": {k: v for k, v in product.items() if k != "variants"}}
    at = _at(variant.get("updatedAt"), product.get("updatedAt"))
    gone = str(product.get("status") or "").upper() == "ARCHIVED"
    return Found("product", f"product:{legacy_id(variant, 'variant')}", at, raw, label, gone=gone)


@dataclass
class ShopifyStore:
    api: ShopifyGraphQL
    sleep: Callable[[float], None] = field(default=time.sleep)  # only the bulk poll waits
    _zone: ZoneInfo | None = None
    _since: dict[str, datetime] = field(default_factory=dict)  # payout id -> its earliest row's time

    @property
    def url(self) -> str:
        return self.api.credentials.domain  # as X-Shopify-Shop-Domain names it in the envelopes

    @property
    def zone(self) -> ZoneInfo:
        """The shop's time zone (Shopify's answers are in UTC; the books want the shop's day)."""
        if self._zone is None:
            shop = self.api.query(queries.SHOP).get("shop") or {}
            self._zone = ZoneInfo(str(shop.get("ianaTimezone") or "UTC"))
        return self._zone

    # --- reading -----------------------------------------------------------------------------
    def order(self, order_id: str) -> dict[str, Any] | None:
        """An order in full: every line and shipping line (the first few with the order, the rest
        page by page) and every refund with its lines and money."""
        order = self.api.query(queries.ORDER, {"id": gid("Order", order_id)}).get("order")
        if not order:
            return None
        order = self._complete(order, "order", queries.ORDER_PAGES)
        refunds = [self._refund(legacy_id(r, "refund")) for r in nodes(order.get("refunds"))]
        return {**order, "refunds": [r for r in refunds if r]}

    def _refund(self, refund_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.api.query(queries.REFUND, {"id": gid("Refund", refund_id)}).get("refund")
        return self._complete(found, "refund", queries.REFUND_PAGES) if found else None

    def _complete(self, record: dict[str, Any], root: str, pages: dict[str, str]) -> dict[str, Any]:
        """``record`` with each connection in ``pages`` read to its end: while its ``pageInfo``
        says there is more, the next page from its follow-up query (the first page is sized to what
        records normally carry, to keep the requested cost low). Each comes back complete
        (``hasNextPage`` false), so nothing downstream books a part of it."""
        out = dict(record)
        for part, document in pages.items():
            connection = out.get(part) or {}
            found, info = list(connection.get("nodes") or ()), connection.get("pageInfo") or {}
            while info.get("hasNextPage"):
                if not info.get("endCursor"):
                    raise StoreError(f"Shopify said {root} {record.get('id')} has more {part} but gave no cursor")
                page = self.api.query(document, {"id": record["id"], "after": info["endCursor"]})
                more = (page.get(root) or {}).get(part) or {}
                found.extend(more.get("nodes") or ())
                info = more.get("pageInfo") or {}
            out[part] = {"nodes": found, "pageInfo": {"hasNextPage": False, "endCursor": None}}
        return out

    def refund(self, sale: Sale, refund_id: str) -> Refund:
        raw = self._refund(refund_id)
        if raw is None:
            raise StoreError(f"Shopify has no refund {refund_id} of order {sale.number}")
        shop_currency = _currency(raw)
        currency: Currency = "shop" if shop_currency in (None, sale.currency) else "presentment"
        return refund_from(raw, sale, currency, self.zone)

    def fetch(self, kind: Kind, record_id: str) -> Found:
        if kind == "order":
            order = self.order(record_id)
            if order is None:
                return Found("order", f"order:{record_id}", None, {"id": gid("Order", record_id)}, "orders", gone=True)
            return Found("order", f"order:{record_id}", store_time(order.get("updatedAt")), order, "orders")
        if kind == "customer":
            customer = self.api.query(queries.CUSTOMER, {"id": gid("Customer", record_id)}).get("customer")
            if not customer:
                raise StoreError(f"Shopify has no customer {record_id}")
            return Found(
                "customer", f"customer:{record_id}", store_time(customer.get("updatedAt")), customer, "customers"
            )
        variant = self.api.query(queries.VARIANT, {"id": gid("ProductVariant", record_id)}).get("productVariant")
        if variant:
            return variant_found(variant, variant.get("product") or {})
        product = self.api.query(queries.PRODUCT, {"id": gid("Product", record_id)}).get("product")
        if not product:
            raise StoreError(f"Shopify has no product or variant {record_id}")
        variants = nodes(product.get("variants"))
        if len(variants) != 1:
            raise StoreError(f"Shopify product {record_id} is sold as {len(variants)} variants: push each by its id")
        return variant_found(dict(variants[0]), product)

    # --- Shopify Payments payouts (the port's SettlementStore: .payouts) ------------------------
    def settlements(self, since: datetime, until: datetime | None = None) -> Iterator[SettlementFound]:
        return ShopifyPayouts(self.api, self.zone).settlements(since, until)

    def settlement(self, settlement_id: str) -> Settlement:
        payouts = ShopifyPayouts(self.api, self.zone)
        settlement = payouts.settlement(settlement_id)
        if payouts.earliest is not None:
            self._since[settlement_id] = payouts.earliest
        return settlement

    def settlement_sales(self, settlement: Settlement) -> Iterator[Found]:
        """The orders a payout carries (the port's :class:`~xerosync.sources.port.SettlementSales`),
        in full as :meth:`order` reads each: one bulk operation exports the orders in the id range
        of the payout's orders that changed since its earliest balance transaction (each of its
        orders was paid or refunded then, which changes the order), free of the cost limit that
        one query per order pays (about a hundred points kept each, of the 100 a second a Standard
        shop gets back); then each refund of those orders in full (:data:`queries.REFUND`: the
        export reads refunds as summaries). An order the export did not bring is read alone."""
        wanted = list(dict.fromkeys(k.split(":", 1)[1] for k in settlement.sale_keys() if k.startswith("order:")))
        if not wanted:
            return
        exported: dict[str, dict[str, Any]] = {}
        search = sales_search(wanted, self._since.get(settlement.id))
        keep = set(wanted)
        for row in bulk.orders(self.api, search, self.sleep):
            if legacy_id(row) in keep:
                exported[legacy_id(row)] = row
        for order_id in wanted:
            order = exported.pop(order_id) if order_id in exported else None
            if order is None:
                try:
                    yield self.fetch("order", order_id)
                except StoreUnavailable:
                    raise
                except StoreError:
                    continue  # the core books its money as one line, noted
                continue
            refunds = [self._refund(legacy_id(r, "refund")) for r in nodes(order.get("refunds"))]
            full = {**order, "refunds": [r for r in refunds if r]}
            yield Found("order", f"order:{order_id}", store_time(order.get("updatedAt")), full, "orders")

    def changed_since(self, since: datetime, kinds: set[Kind]) -> Iterator[Found]:
        query = search_after(since)
        if "order" in kinds:
            variables = {"first": PAGE["order"], "query": query}
            for order in self.api.pages(queries.ORDERS_UPDATED, variables, ("orders",)):
                yield Found("order", f"order:{legacy_id(order)}", store_time(order.get("updatedAt")), order, "orders")
        if "product" in kinds:
            for product in self.api.pages(
                queries.PRODUCTS_UPDATED, {"first": PAGE["product"], "query": query}, ("products",)
            ):
                for variant in nodes(product.get("variants")):
                    yield variant_found(dict(variant), product)
        if "customer" in kinds:
            variables = {"first": PAGE["customer"], "query": query}
            for customer in self.api.pages(queries.CUSTOMERS_UPDATED, variables, ("customers",)):
                at = store_time(customer.get("updatedAt"))
                yield Found("customer", f"customer:{legacy_id(customer)}", at, customer, "customers")

    def customers(self) -> Iterator[Found]:
        for customer in self.api.pages(queries.CUSTOMERS_UPDATED, {"first": PAGE["customer"]}, ("customers",)):
            at = store_time(customer.get("updatedAt"))
            yield Found("customer", f"customer:{legacy_id(customer)}", at, customer, "customers")

    def _created(self, start: date, end: date) -> str:
        return bulk.created_between(start, end, self.zone)

    def sales_created(self, start: date, end: date, *, deleted: bool = False) -> Iterator[Found]:
        for order in bulk.orders(self.api, self._created(start, end), self.sleep):
            yield Found("order", f"order:{legacy_id(order)}", store_time(order.get("updatedAt")), order, "orders")

    def count_sales_created(self, start: date, end: date) -> int | None:
        counted = self.api.query(queries.ORDERS_COUNT, {"query": self._created(start, end)}).get("ordersCount") or {}
        return int(counted["count"]) if counted.get("count") is not None else None

    # --- writing -----------------------------------------------------------------------------
    def catalogue(self) -> list[StoreProduct]:
        found = []
        for product in self.api.pages(queries.PRODUCTS_UPDATED, {"first": PAGE["product"]}, ("products",)):
            if str(product.get("status") or "").upper() == "ARCHIVED":
                continue
            parent = None if product.get("hasOnlyDefaultVariant") else f"product:{legacy_id(product)}"
            title = str(product.get("title") or "")
            for variant in nodes(product.get("variants")):
                quantity = variant.get("inventoryQuantity")
                price = variant.get("price")
                found.append(
                    StoreProduct(
                        key=f"product:{legacy_id(variant, 'variant')}",
                        sku=str(variant.get("sku") or "").strip(),
                        name=title if parent is None else str(variant.get("displayName") or title),
                        regular_price=bulk.decimal(price),
                        manage_stock=quantity is not None,
                        stock_quantity=int(quantity) if quantity is not None else None,
                        parent_key=parent,
                    )
                )
        return found

    def update_product(self, product: StoreProduct, update: ProductUpdate) -> None:
        variant_id = gid("ProductVariant", product.key.split(":", 1)[1])
        found = self.api.query(queries.VARIANT_INVENTORY, {"id": variant_id}).get("productVariant")
        if not found:
            raise StoreError(f"Shopify has no variant {product.key}")
        product_id = str((found.get("product") or {}).get("id"))
        if update.name is not None and product.parent_key is None:  # a variant's name is Shopify's
            self.api.mutate(
                queries.PRODUCT_UPDATE, {"product": {"id": product_id, "title": update.name}}, "productUpdate"
            )
        if update.regular_price is not None:
            variants = [{"id": variant_id, "price": f"{update.regular_price:f}"}]
            self.api.mutate(
                queries.PRODUCT_VARIANTS_BULK_UPDATE,
                {"productId": product_id, "variants": variants},
                "productVariantsBulkUpdate",
            )
        if update.stock_quantity is not None:
            item = found.get("inventoryItem") or {}
            locations = [n["location"]["id"] for n in nodes(item.get("inventoryLevels")) if n.get("location")]
            if len(locations) != 1:
                raise StoreError(
                    f"{product.key} is stocked at {len(locations)} Shopify locations: xerosync writes stock to one"
                )
            quantities = [
                {"inventoryItemId": item["id"], "locationId": locations[0], "quantity": update.stock_quantity}
            ]
            change = {
                "name": "available",
                "reason": "correction",
                "ignoreCompareQuantity": True,
                "quantities": quantities,
            }
            self.api.mutate(queries.INVENTORY_SET_QUANTITIES, {"input": change}, "inventorySetQuantities")

    def store_lists(self) -> StoreLists:
        """The financial statuses an order can have: the Admin API's ``OrderDisplayFinancialStatus``
        enum (https://shopify.dev/docs/api/admin-graphql/latest/enums/OrderDisplayFinancialStatus),
        what ``financial_statuses`` maps. The API lists no tax rates (Shopify computes the taxes of
        each order) and no payment gateways (an order names its own: ``paymentGatewayNames``), so
        those are typed as free text."""
        statuses = tuple(Choice(s, s.replace("_", " ").capitalize()) for s in DEFAULT_FINANCIAL_STATUSES)
        return StoreLists(statuses=statuses, status_setting="financial_statuses")

    def mark_paid(self, sale_key: str, settings: StoreSettings) -> str | None:
        order_id = sale_key.split(":", 1)[1]
        order = self.api.query(queries.ORDER_STATUS, {"id": gid("Order", order_id)}).get("order")
        if not order:
            raise StoreError(f"Shopify has no order {order_id}")
        status = str(order.get("displayFinancialStatus") or "")
        cfg = shopify_settings(settings.store)
        stage = cfg.lifecycle(status, cancelled=bool(order.get("cancelledAt")), test=bool(order.get("test")))
        if stage != "awaiting_payment":
            return None
        self.api.mutate(queries.ORDER_MARK_AS_PAID, {"input": {"id": order["id"]}}, "orderMarkAsPaid")
        return f"order {status} -> PAID"

    def subscriptions(
        self, url: str, secret: Callable[[], str], kinds: set[Kind], memory: dict[str, Any], now: datetime, repair: bool
    ) -> Subscriptions:
        """Shopify deletes an API-created subscription after 8 failed deliveries (over 4 hours:
        https://shopify.dev/docs/apps/build/webhooks/best-practices): what is missing is created
        again. Shopify signs with the app's secret, so ``secret`` is not sent."""
        hooks = list(self.api.pages(queries.WEBHOOK_SUBSCRIPTIONS, {"first": 100}, ("webhookSubscriptions",)))
        mine = [h for h in hooks if _same_url(str(h.get("uri") or ""), url)]
        created = [t for t in (store_time(h.get("createdAt")) for h in mine) if t is not None]
        result = Subscriptions(installed_at=min(created, default=None))
        if not repair or not url:
            return result
        topics = [t for kind in ("order", "customer", "product") if kind in kinds for t in TOPICS[kind]]
        for topic in (*topics, *ALWAYS):
            hook = next((h for h in mine if h.get("topic") == topic), None)
            if hook is not None:
                result.actions.append(WebhookAction(topic, "ok", legacy_id(hook, "webhook")))
                continue
            try:
                made = self.api.mutate(
                    queries.WEBHOOK_SUBSCRIPTION_CREATE,
                    {"topic": topic, "webhookSubscription": {"uri": url, "format": "JSON", "name": SUBSCRIPTION_NAME}},
                    "webhookSubscriptionCreate",
                )
            except StoreError as exc:  # one topic failing must not stop the others
                result.actions.append(WebhookAction(topic, "failed", None, f"create failed: {exc}"))
                continue
            subscription = made.get("webhookSubscription") or {}
            detail = "missing (Shopify removes a subscription after 8 failed deliveries): created"
            result.actions.append(WebhookAction(topic, "create", legacy_id(subscription, "webhook"), detail))
            result.installed_at = result.installed_at or now
        return result


def sales_search(order_ids: list[str], since: datetime | None) -> str:
    """Shopify's search for the orders of a payout: those in the range of its order ids (ids rise
    with creation) updated since its earliest balance transaction, when known
    (https://shopify.dev/docs/api/admin-graphql/latest/queries/orders: ``id`` and ``updated_at``)."""
    numbers = sorted(int(i) for i in order_ids if i.isdigit())
    if not numbers:
        raise StoreError(f"Shopify order ids are numbers, not {order_ids[:3]}")
    search = f"id:>={numbers[0]} AND id:<={numbers[-1]}"
    if since is not None:
        search += f" AND updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    return search


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


def _currency(raw: dict[str, Any]) -> str | None:
    """The shop's currency as a refund's money says it (None when it says nothing)."""
    for transaction in nodes(raw.get("transactions")):
        side = ((transaction.get("amountSet") or {}).get("shopMoney")) or {}
        if side.get("currencyCode"):
            return str(side["currencyCode"])
    return None
