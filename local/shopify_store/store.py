"""``ShopifyStore``: the simulated shop - its records, the merchant's actions on them, and the
webhooks each action triggers (https://shopify.dev/docs/api/webhooks/2026-07):

* customers/create, customers/update; products/create, products/update (a variant's change too);
* orders/create at checkout, and orders/paid when it is paid then or later; orders/updated on
  every change (payment, refund, cancellation, edit); refunds/create with the refund;
  orders/cancelled; orders/delete with ``{"id": N}``;
* app/uninstalled (the Shop), which also revokes the app's tokens and its subscriptions;
* the mandatory privacy topics customers/data_request, customers/redact and shop/redact, sent to
  the app's configured compliance URL (they are app configuration, not API subscriptions).

Every public method holds ``lock``; webhooks go out from a background runner (``webhooks.py``).
"""

import threading
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from local.shopify_store import orders as order_ops
from local.shopify_store import rest
from local.shopify_store.arithmetic import (
    IdSource,
    LineSpec,
    ShippingSpec,
    financial_status,
    price_order,
    refunded_quantity,
    totals,
)
from local.shopify_store.auth import DEFAULT_SCOPES, App, Tokens
from local.shopify_store.clock import Clock, ShopClock, system_clock
from local.shopify_store.cost import Limits, Throttle
from local.shopify_store.model import (
    Address,
    Customer,
    DiscountApplication,
    Order,
    OrderEdit,
    Product,
    Refund,
    Subscription,
    Transaction,
    Variant,
)
from local.shopify_store.money import NOTHING, Currencies
from local.shopify_store.webhooks import Delivery, DeliveryRecord, Dispatcher

VERSIONS = ("2025-10", "2026-01", "2026-04", "2026-07")  # supported stable versions, oldest first
RELEASE_CANDIDATE = "2026-10"
TOPIC_ENUM = {
    "ORDERS_CREATE": "orders/create", "ORDERS_UPDATED": "orders/updated", "ORDERS_PAID": "orders/paid",
    "ORDERS_CANCELLED": "orders/cancelled", "ORDERS_DELETE": "orders/delete", "ORDERS_EDITED": "orders/edited",
    "REFUNDS_CREATE": "refunds/create", "CUSTOMERS_CREATE": "customers/create",
    "CUSTOMERS_UPDATE": "customers/update", "CUSTOMERS_DELETE": "customers/delete",
    "PRODUCTS_CREATE": "products/create", "PRODUCTS_UPDATE": "products/update",
    "PRODUCTS_DELETE": "products/delete", "APP_UNINSTALLED": "app/uninstalled",
    "BULK_OPERATIONS_FINISH": "bulk_operations/finish", "ORDER_TRANSACTIONS_CREATE": "order_transactions/create",
}  # fmt: skip


@dataclass
class Records:
    customers: dict[int, Customer] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    subscriptions: dict[int, Subscription] = field(default_factory=dict)


class ShopifyStore:
    def __init__(
        self,
        *,
        shop: str = "xerosync-sim",
        currency: str = "USD",
        taxes_included: bool = False,
        client_id: str = "xerosync-sim-client-id",
        client_secret: str = "shopify_app_client_secret_test",  # noqa: S107 - the fixtures' test secret
        scopes: tuple[str, ...] = DEFAULT_SCOPES,
        legacy_token: str | None = None,
        clock: Clock = system_clock,
        scale: float = 1.0,
        limits: Limits | None = None,
        plan: order_ops.FeePlan | None = None,
        webhook_timeout: float = 5.0,
        duplicate_rate: float = 0.0,
        compliance_url: str | None = None,
        seed: int | None = None,
        utc_offset: int = 0,
    ) -> None:
        self.lock = threading.RLock()
        self.name = shop
        self.domain = f"{shop}.myshopify.com"
        self.shop_id = 548380009
        self.currency = currency
        self.taxes_included = taxes_included
        self.presentment_currencies = {currency}
        self.utc_offset = utc_offset
        self.clock = ShopClock(clock, scale)
        self.app = App(client_id, client_secret, scopes)
        self.tokens = Tokens(self.app, self.clock, legacy_token)
        self.throttle = Throttle(limits)
        self.plan = plan or order_ops.FeePlan()
        self.compliance_url = compliance_url
        self.installed = True
        self.ids = IdSource()
        self.records = Records()
        self.next_number = 1001
        self.versions = VERSIONS
        self.hooks = Dispatcher(
            self.clock, lambda: self.app.client_secret, self.domain, self._subscription_gone,
            timeout=webhook_timeout, duplicate_rate=duplicate_rate, seed=seed,
        )  # fmt: skip
        self.removed_subscriptions: list[Subscription] = []
        self.url = ""
        self._server: Any = None
        from local.shopify_store.bulk import BulkOperations
        from local.shopify_store.payouts import Payments

        self.bulk = BulkOperations(self)
        self.payments = Payments(self)

    # --- serving ------------------------------------------------------------------------------------
    @property
    def admin_url(self) -> str:
        return f"{self.url}/admin"

    def graphql_url(self, version: str = "2026-07") -> str:
        return f"{self.url}/admin/api/{version}/graphql.json"

    def start(self, port: int = 0, host: str = "127.0.0.1") -> "ShopifyStore":
        from local.shopify_store.server import serve

        self._server = serve(self, host, port)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.hooks.close()

    def now(self) -> datetime:
        return self.clock()

    @property
    def customers(self) -> dict[int, Customer]:
        return self.records.customers

    @property
    def products(self) -> dict[int, Product]:
        return self.records.products

    @property
    def orders(self) -> dict[int, Order]:
        return self.records.orders

    # --- webhooks -----------------------------------------------------------------------------------
    def trigger(self, topic: str, payload: Any) -> list[Delivery]:
        """Deliver ``payload`` to every subscription to ``topic`` (one merchant action)."""
        with self.lock:
            if not self.installed:
                return []
            targets: list[tuple[int | None, str, str, str | None]] = [
                (s.id, s.uri, s.api_version, s.name)
                for s in sorted(self.records.subscriptions.values(), key=lambda s: s.id)
                if TOPIC_ENUM.get(s.topic) == topic
            ]
            if topic in ("customers/data_request", "customers/redact", "shop/redact") and self.compliance_url:
                targets.append((None, self.compliance_url, self.versions[-1], None))
            if not targets:
                return []
            return self.hooks.send(topic, payload, targets)

    def order_delivery(self, order_id: int, uri: str, *, topic: str = "orders/updated") -> Delivery:
        """The delivery Shopify would make of order ``order_id`` as it stands now (REST body,
        signed with the app's secret, Shopify's headers) to ``uri``, made but not queued: a
        benchmark's historical push hands it to the ingress's decision itself."""
        with self.lock:
            return self.hooks.make(
                topic, rest.order(self.orders[order_id], self), [(None, uri, self.versions[-1], None)]
            )[0]

    def subscribe(self, topic: str, uri: str, *, version: str = "2026-07", name: str | None = None,
                  include_fields: list[str] | None = None) -> Subscription:  # fmt: skip
        with self.lock:
            now = self.now()
            sub = Subscription(self.ids.next(), topic, uri, self.app.client_id, version, now, now,
                               include_fields=include_fields or [], name=name)  # fmt: skip
            self.records.subscriptions[sub.id] = sub
            return sub

    def unsubscribe(self, subscription_id: int) -> bool:
        with self.lock:
            gone = self.records.subscriptions.pop(subscription_id, None)
            self.hooks.drop(subscription_id)
            return gone is not None

    def _subscription_gone(self, subscription_id: int) -> None:
        """After a delivery's last retry failed: Shopify deletes the API-created subscription."""
        with self.lock:
            gone = self.records.subscriptions.pop(subscription_id, None)
            if gone is not None:
                self.removed_subscriptions.append(gone)
        self.hooks.drop(subscription_id)

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        return self.hooks.wait(timeout)

    def delivery_log(self) -> list[DeliveryRecord]:
        with self.hooks.cond:
            return list(self.hooks.log)

    # --- customers and products -------------------------------------------------------------------
    def add_customer(
        self, email: str | None, first_name: str = "", last_name: str = "", *, phone: str | None = None,
        address: Address | None = None, note: str | None = None,
    ) -> Customer:  # fmt: skip
        with self.lock:
            now = self.now()
            c = Customer(self.ids.next(), email, first_name, last_name, now, now, phone, note, address=address)
            self.customers[c.id] = c
            self.trigger("customers/create", rest.customer(c, self))
            return c

    def update_customer(self, customer_id: int, **changes: Any) -> Customer:
        with self.lock:
            c = self.customers[customer_id]
            for key, value in changes.items():
                setattr(c, key, value)
            c.updated_at = self.now()
            self.trigger("customers/update", rest.customer(c, self))
            return c

    def add_product(
        self, title: str, variants: list[tuple[str, str, str | None]], *, product_type: str = "",
        vendor: str = "xerosync", gift_card: bool = False, stock: int | None = None,
    ) -> Product:  # fmt: skip
        """A product with variants given as (title, price, sku); ``stock`` tracks inventory."""
        with self.lock:
            now = self.now()
            p = Product(self.ids.next(), title, title.lower().replace(" ", "-"), now, now, product_type, vendor,
                        gift_card=gift_card)  # fmt: skip
            for position, (vtitle, price, sku) in enumerate(variants, 1):
                p.variants.append(Variant(self.ids.next(), p.id, vtitle, Decimal(price), sku, position,
                                          self.ids.next(), now, now, stock or 0, stock is not None,
                                          taxable=not gift_card))  # fmt: skip
            self.products[p.id] = p
            self.trigger("products/create", rest.product(p, self))
            return p

    def variant(self, variant_id: int) -> Variant | None:
        return next((v for p in self.products.values() for v in p.variants if v.id == variant_id), None)

    def touch_product(self, product: Product) -> None:
        product.updated_at = self.now()
        self.trigger("products/update", rest.product(product, self))

    # --- orders -------------------------------------------------------------------------------------
    def place_order(
        self,
        lines: list[LineSpec],
        *,
        customer_id: int | None = None,
        email: str | None = None,
        shipping: list[ShippingSpec] | None = None,
        discounts: list[tuple[DiscountApplication, list[int]]] | None = None,
        taxes_included: bool | None = None,
        presentment: str | None = None,
        rate: Decimal = Decimal(1),
        tip: Decimal = Decimal(0),
        address: Address | None = None,
        tax_exempt: bool = False,
        test: bool = False,
    ) -> Order:
        """Checkout: an order priced with Shopify's arithmetic (``arithmetic.py``), not yet paid."""
        with self.lock:
            now = self.now()
            money = Currencies(self.currency, presentment or self.currency, rate if presentment else Decimal(1))
            self.presentment_currencies.add(money.presentment)
            if customer_id is not None and email is None:
                email = self.customers[customer_id].email
            o = Order(self.ids.next(), self.next_number, money,
                      self.taxes_included if taxes_included is None else taxes_included, now, now, email=email,
                      customer_id=customer_id, billing_address=address, shipping_address=address,
                      processed_at=now, tax_exempt=tax_exempt, test=test)  # fmt: skip
            self.next_number += 1
            price_order(o, lines, shipping or [], discounts or [], self.ids)
            o.tip = money.bag(tip) if tip else NOTHING
            self.orders[o.id] = o
            self.trigger("orders/create", rest.order(o, self))
            return o

    def _changed(self, o: Order, *topics: str, was: str | None = None) -> None:
        o.updated_at = self.now()
        for topic in topics:
            self.trigger(topic, rest.order(o, self))
        if was is not None and was != "PAID" and financial_status(o) == "PAID":
            self.trigger("orders/paid", rest.order(o, self))
        self.trigger("orders/updated", rest.order(o, self))

    def pay(self, order_id: int, gateway: str = "shopify_payments", *, amount: Decimal | None = None,
            kind: str = "SALE", status: str = "SUCCESS") -> Transaction:  # fmt: skip
        """A payment (SALE, or AUTHORIZATION to capture later) of ``amount`` (presentment; default what
        is outstanding). A FAILURE records the attempt and moves no money."""
        with self.lock:
            o = self.orders[order_id]
            was = financial_status(o)
            owed = order_ops.outstanding(o)
            bag = owed if amount is None or amount == owed.presentment else o.currencies.bag(amount)
            if bag.presentment <= 0 or bag.presentment > owed.presentment:
                raise order_ops.OrderError("Amount must be greater than zero and at most what is outstanding.")
            t = order_ops.transact(o, self.ids, self.now(), kind, gateway, bag, status=status, plan=self.plan)  # type: ignore[arg-type]
            self._changed(o, was=was)
            return t

    def capture(self, order_id: int) -> Transaction:
        with self.lock:
            o = self.orders[order_id]
            auth = order_ops.capturable(o)
            if not auth:
                raise order_ops.OrderError("There is no authorized payment to capture.")
            was = financial_status(o)
            t = order_ops.transact(o, self.ids, self.now(), "CAPTURE", auth[0].gateway, auth[0].amount,
                                   parent=auth[0], plan=self.plan)  # fmt: skip
            self._changed(o, was=was)
            return t

    def mark_as_paid(self, order_id: int) -> Order:
        """``orderMarkAsPaid``: a manual SALE for what is outstanding."""
        with self.lock:
            o = self.orders[order_id]
            if o.cancelled_at is not None or order_ops.outstanding(o).presentment <= 0:
                raise order_ops.OrderError("Order cannot be marked as paid.")
            self.pay(order_id, "manual")
            return o

    def refund(self, order_id: int, *, lines: list[tuple[int, int]] | None = None, shipping: bool = False,
               amount: Decimal | None = None, note: str | None = None, restock: bool = False) -> Refund:  # fmt: skip
        with self.lock:
            o = self.orders[order_id]
            r = order_ops.make_refund(o, self.ids, self.now(), lines=lines or [], shipping=shipping, amount=amount,
                                      note=note, restock=restock)  # fmt: skip
            self.trigger("refunds/create", rest.refund(r, o, self.utc_offset))
            self._changed(o)
            return r

    def edit_order(self, order_id: int, removals: list[tuple[int, int]], *, note: str = "") -> OrderEdit:
        """Commit an order edit removing ``removals`` ((line item id, quantity)): orders/edited with
        Shopify's ``{"order_edit": {...}}`` body (https://shopify.dev/docs/api/webhooks/2026-07, its
        sample), then orders/updated with the order."""
        with self.lock:
            o = self.orders[order_id]
            change = order_ops.edit(o, self.ids, self.now(), removals, note)
            self.trigger("orders/edited", rest.order_edit(change, o, self.utc_offset))
            self._changed(o)
            return change

    def cancel(self, order_id: int, reason: str = "CUSTOMER", *, refund: bool = True) -> Order:
        """Cancel: void an open authorisation, and (``refund``) give back what was paid."""
        with self.lock:
            o = self.orders[order_id]
            for auth in order_ops.capturable(o):
                order_ops.transact(o, self.ids, self.now(), "VOID", auth.gateway, auth.amount, parent=auth)
            if refund and (t := totals(o)).net_payment.presentment > 0:
                left = [(li.id, li.quantity - refunded_quantity(o, li.id)) for li in o.line_items]
                self.refund(order_id, shipping=True, lines=[(i, n) for i, n in left if n > 0],
                            amount=t.net_payment.presentment, note="Order cancelled")  # fmt: skip
            o.cancelled_at, o.cancel_reason, o.closed_at = self.now(), reason, self.now()
            self._changed(o, "orders/cancelled")
            return o

    def delete_order(self, order_id: int) -> None:
        with self.lock:
            self.orders[order_id].deleted = True
            self.trigger("orders/delete", {"id": order_id})

    # --- the app ------------------------------------------------------------------------------------
    def uninstall(self) -> None:
        with self.lock:
            self.trigger("app/uninstalled", rest.shop(self))
            self.installed = False
            self.tokens.revoke_all()
            self.records.subscriptions.clear()

    def request_customer_data(self, customer_id: int) -> None:
        self._privacy("customers/data_request", customer_id)

    def redact_customer(self, customer_id: int) -> None:
        self._privacy("customers/redact", customer_id)

    def redact_shop(self) -> None:
        with self.lock:
            self.trigger("shop/redact", {"shop_id": self.shop_id, "shop_domain": self.domain})

    def _privacy(self, topic: str, customer_id: int) -> None:
        with self.lock:
            c = self.customers[customer_id]
            ids = sorted(o.id for o in self.orders.values() if o.customer_id == customer_id)
            payload: dict[str, Any] = {
                "shop_id": self.shop_id, "shop_domain": self.domain,
                "customer": {"id": c.id, "email": c.email, "phone": c.phone},
            }  # fmt: skip
            if topic == "customers/redact":
                payload["orders_to_redact"] = ids
            else:
                payload["orders_requested"] = ids
                payload["data_request"] = {"id": self.ids.next()}
            self.trigger(topic, payload)
