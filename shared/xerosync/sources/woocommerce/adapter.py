"""WooCommerce behind the store port (:mod:`xerosync.sources.port`).

Payloads and REST answers share one representation (the REST API v3's), so one mapping
(:mod:`.mapping`) reads both into the domain. What is WooCommerce's own here: its order
statuses (:mod:`.settings`), its listings (orders by ``modified_after``, trashed ones apart;
variations per variable product; customers only by registration date, so changed customers are
found by a periodic sweep), its webhooks (:mod:`.subscriptions`) and how it encodes a webhook body.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from xerosync.config import StoreSettings
from xerosync.domain import (
    Command,
    CustomerChanged,
    Ignored,
    Party,
    Product,
    ProductChanged,
    Refund,
    Sale,
    SaleChanged,
    SaleGone,
)
from xerosync.envelopes import Message
from xerosync.events import StoreEvent
from xerosync.sources.port import (
    Found,
    Kind,
    ProductUpdate,
    StoreClient,
    StoreProduct,
    StoreSource,
    Subscriptions,
    TokenCache,
)
from xerosync.sources.store_lists import StoreLists
from xerosync.sources.woocommerce import subscriptions, words
from xerosync.sources.woocommerce.mapping import (
    parse_customer,
    parse_order,
    parse_product,
    parse_refund,
    party_from_customer,
    product_from_payload,
    refund_from_payload,
    sale_from_order,
    text,
)
from xerosync.sources.woocommerce.rest import StoreCredentials, WooClient
from xerosync.sources.woocommerce.settings import problems, woo_settings
from xerosync.sources.woocommerce.webhook import DRAFT_ORDER_STATUSES, resource_of
from xerosync.sources.woocommerce.webhook import SOURCE as NAME
from xerosync.timestamps import store_time
from xerosync.webhooks import envelope

COLLECTIONS: dict[Kind, str] = {"order": "orders", "customer": "customers", "product": "products"}
# Orders still waiting for their money, which an invoice paid in Xero may mark paid.
AWAITING_PAYMENT = ("pending", "on-hold", "failed")


def wp_json_encode(record: Any) -> bytes:
    """PHP ``json_encode`` with WordPress's default flags, as WooCommerce encodes a webhook body
    (compact, ``/`` escaped, non-ASCII as ``\\uXXXX``): a state a webhook delivered already then
    hashes the same, and the sync drops it as a duplicate without touching Xero."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode("ascii")


def _window(since: datetime) -> dict[str, Any]:
    """A ``modified_after`` filter (UTC, whole seconds: WooCommerce's date filters take no zone)."""
    at = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return {"modified_after": at, "dates_are_gmt": "true", "orderby": "id", "order": "asc"}


def _created_window(start: date, end: date) -> dict[str, Any]:
    return {
        "after": f"{start - timedelta(days=1)}T23:59:59",  # exclusive bounds, in the site's time
        "before": f"{end + timedelta(days=1)}T00:00:00",
        "orderby": "id",
        "order": "asc",
    }


class WooCommerce:
    """The WooCommerce source: one instance serves every stack (it holds no state)."""

    name = NAME
    settings_defaults: Mapping[str, Any] = {"invoice_prefix": "WC-"}
    lists_customer_changes = False  # the REST API lists customers by registration, not by change

    def check_settings(self, settings: StoreSettings) -> list[str]:
        return problems(settings.store)

    def command(self, event: StoreEvent, settings: StoreSettings, store: StoreClient | None) -> Command:
        # a WooCommerce webhook carries the record's whole state: the store is not asked
        key = event.key
        modified = store_time(event.modified)
        if event.resource == "order":
            if event.event == "deleted":  # trashed: the payload is {"id": N}
                return SaleGone(key, "order trashed in the store")
            return SaleChanged(sale_from_order(parse_order(event.payload), woo_settings(settings.store)))
        if event.resource == "customer":
            if event.event == "deleted":
                return Ignored(key, "customer deleted in the store; the Xero contact is kept")
            return CustomerChanged(party_from_customer(parse_customer(event.payload)), _naive(modified))
        if event.resource == "product":
            if event.event == "deleted":
                return Ignored(key, "product deleted in the store; the Xero item is kept")
            return ProductChanged(product_from_payload(parse_product(event.payload)), _naive(modified))
        raise ValueError(f"WooCommerce {event.resource} events are not synced")

    def read(self, kind: Kind, raw: Mapping[str, Any], settings: StoreSettings) -> Sale | Party | Product:
        record = dict(raw)
        if kind == "order":
            return sale_from_order(parse_order(record), woo_settings(settings.store))
        if kind == "customer":
            return party_from_customer(parse_customer(record))
        return product_from_payload(parse_product(record))

    def kind_of(self, raw: Mapping[str, Any]) -> Kind | Literal["refund"]:
        if "line_items" in raw and ("billing" in raw or "total" in raw) and "refunded_payment" not in raw:
            return "order"
        if "refunded_payment" in raw or ("amount" in raw and "refunded_by" in raw):
            return "refund"
        if "sku" in raw or "regular_price" in raw:
            return "product"
        if "email" in raw and ("username" in raw or "role" in raw):
            return "customer"
        raise ValueError("not a WooCommerce order, refund, product or customer payload")

    def read_refund(self, raw: Mapping[str, Any], sale: Sale) -> Refund:
        return refund_from_payload(sale, parse_refund(dict(raw)))

    def message(self, found: Found, *, store: str, origin: str, now: datetime | None = None) -> Message | None:
        raw = found.raw
        status = raw.get("status")
        if found.kind == "order" and status in DRAFT_ORDER_STATUSES:
            return None
        event, payload = "updated", dict(raw)
        if found.gone:
            event, payload = "deleted", {"id": raw["id"]}
        record_id = str(raw.get("id", ""))
        if not record_id:
            raise ValueError(f"a {found.kind} record without an id cannot be enqueued")
        enqueue = envelope(
            source=NAME,
            store=store,
            resource=resource_of(found.kind),
            event=event,
            record_id=record_id,
            modified=raw.get("date_modified_gmt") if event != "deleted" else None,
            raw=wp_json_encode(payload),
            delivery_id=origin,
            now=now,
        )
        return Message(enqueue.queue, enqueue.group, enqueue.body)

    def client(self, credentials: Mapping[str, Any], tokens: TokenCache | None = None) -> "WooStore | None":
        """WooCommerce's REST API takes a static key pair: ``tokens`` is not used."""
        parsed = StoreCredentials.from_dict(dict(credentials))
        return WooStore(WooClient(parsed)) if parsed else None


def _naive(moment: datetime | None) -> datetime | None:
    """WooCommerce's ``*_gmt`` times as it writes them (no zone), as the mapping table keeps them."""
    return moment.replace(tzinfo=None) if moment is not None else None


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@dataclass
class WooStore:
    """The store's REST API, as the port's :class:`~xerosync.sources.port.StoreClient`."""

    rest: WooClient

    @property
    def url(self) -> str:
        return self.rest.credentials.url + "/"

    def _found(self, kind: Kind, raw: dict[str, Any], label: str, at_field: str = "date_modified_gmt") -> Found:
        key = f"{kind}:{raw.get('id')}"
        gone = raw.get("status") == "trash"
        modified = store_time(raw.get("date_modified_gmt"))
        return Found(kind, key, store_time(raw.get(at_field)), raw, label, gone=gone, modified=modified)

    def refund(self, sale: Sale, refund_id: str) -> Refund:
        return refund_from_payload(sale, parse_refund(self.rest.refund(int(sale.id), int(refund_id))))

    def fetch(self, kind: Kind, record_id: str) -> Found:
        return self._found(kind, self.rest.get(COLLECTIONS[kind], int(record_id)), COLLECTIONS[kind])

    def changed_since(self, since: datetime, kinds: set[Kind]) -> Iterator[Found]:
        window = _window(since)
        if "order" in kinds:
            for status in ("any", "trash"):  # "any" leaves the trashed ones out
                for order in self.rest.records("orders", {**window, "status": status}):
                    yield self._found("order", order, "orders")
        if "product" in kinds:
            for product in self.rest.records("products", window):
                yield self._found("product", product, "products")
            # a variation's change need not touch its product's date: the variations of every
            # variable product changed since then are listed (one call per variable product)
            variable = {"type": "variable", "orderby": "id", "order": "asc"}
            parents = [int(p["id"]) for p in self.rest.records("products", variable)]
            for parent in parents:
                for variation in self.rest.records(f"products/{parent}/variations", window):
                    yield self._found("product", variation, "variations")
        if "customer" in kinds:
            # newest first by registration; WooCommerce cannot list customers by modification
            for customer in self.rest.records("customers", {"orderby": "registered_date", "order": "desc"}):
                registered = store_time(customer.get("date_created_gmt"))
                if registered is not None and registered <= since:
                    return  # everyone after this registered before the window
                yield self._found("customer", customer, "customers", "date_created_gmt")

    def customers(self) -> Iterator[Found]:
        for customer in self.rest.records("customers", {"orderby": "id", "order": "asc"}):
            yield self._found("customer", customer, "customers")

    def sales_created(self, start: date, end: date, *, deleted: bool = False) -> Iterator[Found]:
        window = _created_window(start, end)
        for status in ("any", "trash") if deleted else ("any",):
            for order in self.rest.records("orders", {**window, "status": status}):
                day = str(order.get("date_created") or "")[:10]  # the store's own date
                if start.isoformat() <= day <= end.isoformat():
                    yield self._found("order", order, "orders")

    def count_sales_created(self, start: date, end: date) -> int | None:
        return self.rest.total("orders", {**_created_window(start, end), "status": "any"})

    def catalogue(self) -> list[StoreProduct]:
        found: list[StoreProduct] = []
        for record in self.rest.records("products", {"orderby": "id", "order": "asc"}):
            if record.get("type") == "variable":
                variations = f"products/{record['id']}/variations"
                for variation in self.rest.records(variations, {"orderby": "id", "order": "asc"}):
                    found.append(_store_product(variation, parent=f"product:{record['id']}"))
            elif record.get("status") != "trash":
                found.append(_store_product(record))
        return found

    def update_product(self, product: StoreProduct, update: ProductUpdate) -> None:
        fields: dict[str, Any] = {}
        if update.name is not None:
            fields["name"] = update.name
        if update.regular_price is not None:
            fields["regular_price"] = _price_text(update.regular_price)
        if update.stock_quantity is not None:
            fields.update({"manage_stock": True, "stock_quantity": update.stock_quantity})
        parent = int(product.parent_key.split(":", 1)[1]) if product.parent_key else 0
        self.rest.update_product(int(product.key.split(":", 1)[1]), fields, parent_id=parent)

    def store_lists(self) -> StoreLists:
        """Its tax rates, payment gateways and order statuses (:mod:`.words`)."""
        return words.store_lists(self.rest)

    def mark_paid(self, sale_key: str, settings: StoreSettings) -> str | None:
        order_id = int(sale_key.split(":", 1)[1])
        order = self.rest.get("orders", order_id)
        status = str(order.get("status", ""))
        if order.get("date_paid_gmt") or status not in AWAITING_PAYMENT:
            return None
        paid_status = woo_settings(settings.store).paid_status
        self.rest.update_order(order_id, {"status": paid_status})
        return f"order {status} -> {paid_status}"

    def subscriptions(
        self,
        url: str,
        secret: Any,
        kinds: set[Kind],
        memory: dict[str, Any],
        now: datetime,
        repair: bool,
    ) -> Subscriptions:
        hooks = self.rest.webhooks()
        result = Subscriptions(installed_at=subscriptions.install_time(hooks, url))
        if not repair or not url:
            return result
        actions = subscriptions.plan(hooks, url, subscriptions.wanted_topics(kinds), memory, now)
        if any(a.repair for a in actions):
            actions, created = subscriptions.apply(actions, self.rest, url, secret(), memory, now)
            installed = subscriptions.install_time(hooks + created, url)
            result.installed_at = installed
        result.actions = actions
        return result


def _store_product(record: dict[str, Any], parent: str | None = None) -> StoreProduct:
    quantity = record.get("stock_quantity")
    return StoreProduct(
        key=f"product:{record['id']}",
        sku=str(record.get("sku") or "").strip(),
        name=text(str(record.get("name") or "")),
        regular_price=_money(record.get("regular_price")),
        manage_stock=record.get("manage_stock") is True,
        stock_quantity=int(quantity) if quantity is not None else None,
        parent_key=parent,
    )


def _price_text(price: Decimal) -> str:
    """A price as WooCommerce shows it: to the cent, or to its own precision when finer."""
    cents = price.quantize(Decimal("0.01"))
    return f"{cents:f}" if cents == price else f"{price.normalize():f}"


SOURCE: StoreSource = WooCommerce()  # what the registry reads (typed: mypy holds it to the port)
