"""``WooStore``: the simulated WooCommerce site: its records, what each change fires, and the
webhook deliveries that follow.

Webhooks, as ``WC_Webhook`` and ``wc-webhook-functions.php`` run them (https://github.com/woocommerce/woocommerce/blob/trunk/plugins/woocommerce/includes/class-wc-webhook.php):

* A change fires WooCommerce's hooks; every **active** webhook whose topic listens to the
  hook queues a delivery of ``(webhook, resource id)``, at most once per operation
  (``is_already_processed``) and not again while the same delivery is still pending.
  Orders in ``draft``/``auto-draft`` are skipped (``is_valid_resource``); ``checkout-draft``
  is not: creating one fires nothing (``woocommerce_new_order`` is not fired for drafts since
  WC PR #47422) but updating one fires ``order.updated`` (WC issue #66995), and leaving the
  draft status fires ``order.created``.
* Topics: order.created/updated/deleted (= moved to the trash)/restored, a refund is an
  ``order.updated``; customer.created/updated/deleted (users with the customer role);
  product.created/updated/deleted (trash)/restored, variations firing ``product.*`` with
  their own id; coupon.created/updated. Deleting permanently (``force=true``) fires nothing.
* A background runner delivers in order. The payload is built **at delivery time**: the
  resource's REST v3 representation then (``{"id": N}`` for ``deleted``; the REST error body
  if the resource is gone), encoded by ``wp_json_encode`` and signed with the webhook's secret
  (HTML-entity-decoded), POSTed with a 60 s timeout and no redirects (``local.woo``).
* ``200 <= status < 303`` resets ``failure_count``. Anything else, a timeout or a refused
  connection counts a failure: while the count is 5 or less it is incremented; when a
  delivery fails with the count already above 5 the webhook is ``disabled`` (so failures
  1-6 count and the 7th consecutive one disables; the count stays 6). Re-enabling through
  the REST API does not reset the count: until a delivery succeeds, the next failure
  disables again (``WC_Webhook::failed_delivery``). Nothing is retried.
* Creating a webhook (or activating one still ``pending_delivery``) sends the ping: a form
  body ``webhook_id=N``, no signature; only an exact 200 clears ``pending_delivery``.
"""

import random
import secrets
import string
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from http.client import HTTPException
from http.server import ThreadingHTTPServer
from typing import Any

from local import woo
from local.woo_store import orders as order_ops
from local.woo_store.errors import RestError, invalid_id, invalid_param
from local.woo_store.gateways import Gateway
from local.woo_store.model import (
    BILLING_FIELDS,
    DRAFT_STATUSES,
    ORDER_STATUSES,
    SHIPPING_FIELDS,
    WEBHOOK_EVENTS,
    WEBHOOK_RESOURCES,
    WEBHOOK_STATUSES,
    Coupon,
    Customer,
    DeliveryRecord,
    FeeLine,
    LineItem,
    Order,
    Product,
    Refund,
    Settings,
    ShippingLine,
    Variation,
    Webhook,
    address,
)
from local.woo_store.money import parse
from local.woo_store.queue import DeliveryQueue, Pending
from local.woo_store.rest import coupon_json, customer_json, order_json, product_json, refund_json, variation_json
from local.woo_store.state import Clock, State, system_clock
from local.woo_store.taxes import TaxRate
from local.woo_store.wc_auth import ApiKey

INVALID_URL = "Webhook delivery URL must be a valid URL starting with http:// or https://."
LineSpec = tuple[int, int] | tuple[int, int, int] | dict[str, Any]


def _secret(length: int = 50) -> str:
    """``wp_generate_password(50, true, true)``-like; ampersands and angle brackets included."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*()-_[]{}<>~+=,.;:/?|"
    return "".join(secrets.choice(alphabet) for _ in range(length))


class WooStore:
    """A WooCommerce site in memory. Thread-safe: every public method holds ``lock``.

    ``clock`` (UTC ``datetime``) stamps every date; assign another one at any time (the
    generator does, to write history). ``outage`` makes every delivery fail as if the site
    could not reach the receiver; ``set_outage(True, webhook_id)`` does it for one webhook.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock = system_clock,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
        delivery_timeout: float = 60.0,
        ping_timeout: float = 5.0,
    ) -> None:
        self.lock = threading.RLock()
        self.state = State(settings=settings or Settings())
        self.clock = clock
        self.consumer_key = consumer_key or "ck_" + secrets.token_hex(20)
        self.consumer_secret = consumer_secret or "cs_" + secrets.token_hex(20)
        self.delivery_timeout = delivery_timeout
        self.ping_timeout = ping_timeout
        self.outage = False
        self.rng = random.Random()  # order keys; the generator seeds it
        self._log: list[DeliveryRecord] = []
        self._queue = DeliveryQueue(self._deliver)
        self._processed: set[tuple[int, int]] | None = None
        self._server: ThreadingHTTPServer | None = None
        self.url = ""
        # keys made through /wc-auth/v1 (local.woo_store.wc_auth), beside the store's own key
        self.api_keys: dict[int, ApiKey] = {}
        self.auth_log: list[dict[str, object]] = []  # each key's callback: url, status, key_id
        self._auth_nonces: set[str] = set()

    @property
    def settings(self) -> Settings:
        return self.state.settings

    def now(self) -> datetime:
        return self.clock()

    # --- serving ----------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        """The REST base: ``{url}/wp-json/wc/v3``."""
        return f"{self.url}/wp-json/wc/v3"

    def start(self, port: int = 0, host: str = "127.0.0.1") -> "WooStore":
        from local.woo_store.server import serve

        self._server = serve(self, host, port)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        with self.lock:
            self.state.server_url = self.url
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._queue.close()

    # --- REST API keys granted through /wc-auth/v1 (local.woo_store.wc_auth) ---------------------
    def add_api_key(self, permissions: str, app_name: str) -> ApiKey:
        from local.woo_store.wc_auth import new_key

        with self.lock:
            when = self.now().strftime("%Y-%m-%d %H:%M:%S")
            key = new_key(max(self.api_keys, default=1) + 1, permissions, app_name, when)
            self.api_keys[key.key_id] = key
            return key

    def delete_api_key(self, key_id: int) -> None:
        with self.lock:
            self.api_keys.pop(key_id, None)

    def api_key(self, consumer_key: str) -> ApiKey | None:
        with self.lock:
            return next((k for k in self.api_keys.values() if k.consumer_key == consumer_key), None)

    def auth_nonce(self) -> str:
        nonce = secrets.token_hex(5)
        with self.lock:
            self._auth_nonces.add(nonce)
        return nonce

    def spend_auth_nonce(self, nonce: str) -> bool:
        with self.lock:
            if nonce in self._auth_nonces:
                self._auth_nonces.discard(nonce)
                return True
            return False

    # --- hooks and deliveries -----------------------------------------------------------------
    @contextmanager
    def _operation(self) -> Iterator[None]:
        """One "request": a webhook processes a resource once within it."""
        with self.lock:
            outer = self._processed is None
            if outer:
                self._processed = set()
            try:
                yield
            finally:
                if outer:
                    self._processed = None

    def _fire(self, resource: str, event: str, arg: int) -> None:
        assert self._processed is not None, "hooks fire inside an operation"
        if resource == "order":
            order = self.state.orders.get(arg)
            if order is None or order.status in (*DRAFT_STATUSES, "new"):
                return
        topic = f"{resource}.{event}"
        for webhook in sorted(self.state.webhooks.values(), key=lambda w: w.id):
            if webhook.status != "active" or webhook.topic != topic or (webhook.id, arg) in self._processed:
                continue
            self._processed.add((webhook.id, arg))
            self._queue.add(Pending(webhook.id, topic, arg))

    def payload(self, resource: str, event: str, arg: int) -> Any:
        """``WC_Webhook::build_payload``: what a delivery of this topic carries right now."""
        with self.lock:
            if event == "deleted":
                return {"id": arg}
            state = self.state
            if resource == "order":
                order = state.orders.get(arg)
                return order_json(state, order) if order else invalid_id("order").body()
            if resource == "customer":
                customer = state.customers.get(arg)
                return customer_json(state, customer) if customer else invalid_id("customer").body()
            if resource == "product":
                product = state.products.get(arg)
                if product is not None:
                    return product_json(state, product)
                variation = state.variations.get(arg)
                return variation_json(state, variation) if variation else invalid_id("product").body()
            if resource == "coupon":
                coupon = state.coupons.get(arg)
                return coupon_json(state, coupon) if coupon else invalid_id("coupon").body()
            return {}

    def _deliver(self, pending: Pending) -> None:
        with self.lock:
            webhook = self.state.webhooks.get(pending.webhook_id)
            if webhook is None:  # deleted since: WooCommerce cannot load it and delivers nothing useful
                return
            resource, _, event = pending.topic.partition(".")
            item = woo.delivery(
                pending.topic,
                self.payload(resource, event, pending.arg),
                woo.wp_specialchars_decode(webhook.secret),
                webhook_id=webhook.id,
                store_url=self.state.home_url,
            )
            url, unreachable = webhook.delivery_url, self.outage or webhook.outage
        started = time.perf_counter()
        status: int | None = None
        error = ""
        if unreachable:
            error = "cURL error 7: Failed to connect (simulated outage)"
        else:
            try:
                status, _ = woo.post(url, item, timeout=self.delivery_timeout)
            except (OSError, HTTPException, ValueError) as err:
                error = f"{type(err).__name__}: {err}"
        duration = time.perf_counter() - started
        with self.lock:
            current = self.state.webhooks.get(pending.webhook_id)
            if current is not None:
                if status is not None and 200 <= status < 303:
                    current.failure_count = 0
                elif current.failure_count > 5:  # woocommerce_max_webhook_delivery_failures
                    current.status = "disabled"
                else:
                    current.failure_count += 1
            self._log.append(
                DeliveryRecord(
                    webhook_id=pending.webhook_id,
                    topic=pending.topic,
                    resource_id=pending.arg,
                    status=status,
                    error=error,
                    at=self.now(),
                    duration=duration,
                    delivery_id=item.headers["X-WC-Webhook-Delivery-ID"],
                    failure_count=current.failure_count if current else 0,
                    webhook_status=current.status if current else "deleted",
                )
            )

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery has been attempted; False if ``timeout`` ran out."""
        return self._queue.wait(timeout)

    def hold_webhooks(self, held: bool = True) -> None:
        """Let deliveries pile up (a stalled WP-Cron) or release them."""
        self._queue.hold(held)

    def pending_deliveries(self) -> list[Pending]:
        return self._queue.pending()

    def delivery_log(self) -> list[DeliveryRecord]:
        with self.lock:
            return list(self._log)

    def set_outage(self, on: bool, webhook_id: int | None = None) -> None:
        with self.lock:
            if webhook_id is None:
                self.outage = on
            else:
                self._webhook(webhook_id).outage = on

    # --- taxes and coupons ------------------------------------------------------------------
    def add_tax_rate(self, rate: Any, name: str = "Tax", **fields: Any) -> TaxRate:
        with self.lock:
            rate_id = self.state.next_tax_rate_id
            self.state.next_tax_rate_id += 1
            fields.setdefault("order", rate_id)
            country, state = str(fields.pop("country", "")).upper(), str(fields.pop("state", "")).upper()
            made = TaxRate(id=rate_id, rate=parse(rate), name=name, country=country, state=state, **fields)
            self.state.tax_rates[rate_id] = made
            return made

    def add_gateway(self, gateway_id: str, title: str, *, enabled: bool = True, method_title: str = "") -> Gateway:
        """A payment gateway installed (a plugin activated), last in the checkout order."""
        with self.lock:
            made = Gateway(gateway_id, title, method_title or title, enabled)
            self.state.gateways[gateway_id] = made
            return made

    def add_coupon(self, code: str, discount_type: str = "percent", amount: Any = 0, **fields: Any) -> Coupon:
        if discount_type not in ("percent", "fixed_cart", "fixed_product"):
            raise RestError(400, "woocommerce_rest_invalid_coupon_type", f"Invalid discount type {discount_type!r}.")
        with self._operation():
            now = self.now()
            coupon = Coupon(
                self.state.post_id(),
                code.strip().lower(),
                discount_type,
                parse(amount),
                date_created=now,
                date_modified=now,
                **fields,
            )
            self.state.coupons[coupon.id] = coupon
            self._fire("coupon", "created", coupon.id)
            return coupon

    # --- customers --------------------------------------------------------------------------
    def add_customer(
        self,
        email: str,
        first_name: str = "",
        last_name: str = "",
        *,
        username: str = "",
        billing: dict[str, Any] | None = None,
        shipping: dict[str, Any] | None = None,
        role: str = "customer",
    ) -> Customer:
        with self._operation():
            if not email or "@" not in email:
                raise RestError(400, "registration-error-invalid-email", "Please provide a valid email address.")
            if self.state.customer_by_email(email):
                raise RestError(
                    400,
                    "registration-error-email-exists",
                    "An account is already registered with your email address. Please log in.",
                )
            now = self.now()
            billing_values = {"first_name": first_name, "last_name": last_name, "email": email, **(billing or {})}
            customer = Customer(
                id=self.state.user_id(),
                email=email.strip().lower(),
                first_name=first_name,
                last_name=last_name,
                username=username or email.split("@")[0].lower(),
                role=role,
                billing=address(BILLING_FIELDS, billing_values),
                shipping=address(SHIPPING_FIELDS, shipping or {}),
                date_created=now,
                date_modified=now,
            )
            self.state.customers[customer.id] = customer
            self._fire("customer", "created", customer.id)
            return customer

    def update_customer(self, customer_id: int, **changes: Any) -> Customer:
        with self._operation():
            customer = self._customer(customer_id)
            for key, value in changes.items():
                if key in ("billing", "shipping"):
                    target = getattr(customer, key)
                    target.update({k: str(v) for k, v in (value or {}).items() if k in target})
                elif key in ("email", "first_name", "last_name", "username", "role"):
                    setattr(customer, key, str(value))
                elif key == "meta_data":
                    customer.meta_data = list(value)
            customer.date_modified = self.now()
            self._fire("customer", "updated", customer.id)
            return customer

    def delete_customer(self, customer_id: int) -> Customer:
        """``wp_delete_user``: ``customer.deleted`` for the customer role; their orders keep no customer."""
        with self._operation():
            customer = self._customer(customer_id)
            if customer.role == "customer":
                self._fire("customer", "deleted", customer.id)
            del self.state.customers[customer.id]
            for order in self.state.orders.values():
                if order.customer_id == customer.id:
                    order.customer_id = 0  # wc_reset_order_customer_id_on_deleted_user
            return customer

    # --- products ---------------------------------------------------------------------------
    def add_product(self, name: str, regular_price: Any = None, **fields: Any) -> Product:
        with self._operation():
            now = self.now()
            for key in ("regular_price", "sale_price"):
                if fields.get(key) is not None:
                    fields[key] = parse(fields[key])
            product = Product(
                id=self.state.post_id(),
                name=name,
                regular_price=parse(regular_price) if regular_price is not None else None,
                date_created=now,
                date_modified=now,
                **fields,
            )
            self._check_sku(product.sku, product.id)
            self.state.products[product.id] = product
            self._fire("product", "created", product.id)
            return product

    def add_variation(
        self, product_id: int, attributes: dict[str, str], regular_price: Any, **fields: Any
    ) -> Variation:
        with self._operation():
            parent = self._product(product_id)
            if parent.type != "variable":
                raise RestError(400, "woocommerce_rest_invalid_product_id", "Variations belong to variable products.")
            now = self.now()
            if fields.get("sale_price") is not None:
                fields["sale_price"] = parse(fields["sale_price"])
            variation = Variation(
                id=self.state.post_id(),
                parent_id=parent.id,
                attributes=[{"name": k, "option": v} for k, v in attributes.items()],
                regular_price=parse(regular_price),
                date_created=now,
                date_modified=now,
                **fields,
            )
            self._check_sku(variation.sku, variation.id)
            self.state.variations[variation.id] = variation
            parent.variation_ids.append(variation.id)
            names = {a["name"] for a in parent.attributes}
            for key, value in attributes.items():
                if key not in names:
                    parent.attributes.append({"id": 0, "name": key, "variation": True, "visible": True, "options": []})
                    names.add(key)
                options = next(a for a in parent.attributes if a["name"] == key)["options"]
                if value not in options:
                    options.append(value)
            self._fire("product", "created", variation.id)
            return variation

    def update_product(self, product_id: int, **changes: Any) -> Product:
        with self._operation():
            product = self._product(product_id)
            if "sku" in changes:
                self._check_sku(str(changes["sku"]), product.id)
            for key, value in changes.items():
                if key in ("regular_price", "sale_price"):
                    value = None if value in (None, "") else parse(value)
                if not hasattr(product, key) or key in ("id", "variation_ids", "date_created"):
                    raise RestError(400, "rest_invalid_param", f"Cannot set {key}.")
                setattr(product, key, value)
            product.date_modified = self.now()
            self._fire("product", "updated", product.id)
            return product

    def update_variation(self, product_id: int, variation_id: int, **changes: Any) -> Variation:
        with self._operation():
            variation = self._variation(product_id, variation_id)
            if "sku" in changes:
                self._check_sku(str(changes["sku"]), variation.id)
            for key, value in changes.items():
                if key in ("regular_price", "sale_price"):
                    value = None if value in (None, "") else parse(value)
                if not hasattr(variation, key) or key in ("id", "parent_id", "date_created"):
                    raise RestError(400, "rest_invalid_param", f"Cannot set {key}.")
                setattr(variation, key, value)
            variation.date_modified = self.now()
            self._fire("product", "updated", variation.id)
            return variation

    def trash_product(self, product_id: int) -> Product:
        with self._operation():
            product = self._product(product_id)
            if product.status == "trash":
                message = f"The product with ID {product_id} has already been deleted."
                raise RestError(410, "woocommerce_rest_already_trashed", message)
            product.status = "trash"
            product.date_modified = self.now()
            self._fire("product", "deleted", product.id)
            return product

    def delete_product(self, product_id: int) -> Product:
        """Permanent deletion (``force=true``): WooCommerce fires no webhook for it."""
        with self._operation():
            product = self._product(product_id)
            for vid in product.variation_ids:
                self.state.variations.pop(vid, None)
            del self.state.products[product.id]
            return product

    def _check_sku(self, sku: str, own_id: int) -> None:
        if not sku:
            return
        found = self.state.product_by_sku(sku)
        if found is not None and found.id != own_id:
            raise RestError(
                400, "product_invalid_sku", "Invalid or duplicated SKU.", resource_id=found.id, unique_sku=sku
            )

    # --- orders -----------------------------------------------------------------------------
    def _lines(self, specs: Sequence[LineSpec]) -> list[LineItem]:
        lines = []
        for spec in specs:
            if isinstance(spec, dict):
                product_id, variation_id = int(spec.get("product_id") or 0), int(spec.get("variation_id") or 0)
                quantity, sku = int(spec.get("quantity", 1)), str(spec.get("sku") or "")
            else:
                product_id, quantity = spec[0], spec[1]
                variation_id, sku = (spec[2] if len(spec) > 2 else 0), ""
            if quantity <= 0:
                raise RestError(400, "woocommerce_rest_invalid_quantity", "Quantity must be positive.")
            product, variation = order_ops.resolve_product(self.state, product_id, variation_id, sku)
            lines.append(order_ops.buy(self.state, product, variation, quantity, self.state.item_id()))
        return lines

    def _fee_lines(self, specs: Sequence[dict[str, Any]]) -> list[FeeLine]:
        return [
            order_ops.fee(
                self.state,
                str(f.get("name") or "Fee"),
                f.get("amount", f.get("total", 0)),
                taxable=f.get("tax_status", "taxable" if f.get("taxable", True) else "none") == "taxable",
                tax_class=str(f.get("tax_class") or ""),
            )
            for f in specs
        ]

    def _shipping_lines(self, specs: Sequence[dict[str, Any] | Any]) -> list[ShippingLine]:
        out = []
        for s in specs:
            spec = s if isinstance(s, dict) else {"total": s}
            out.append(
                order_ops.shipping(
                    self.state,
                    spec.get("cost", spec.get("total", 0)),
                    method_id=str(spec.get("method_id") or "flat_rate"),
                    title=str(spec.get("method_title") or "Flat rate"),
                    taxable=spec.get("taxable", True),
                )
            )
        return out

    def place_order(
        self,
        lines: Sequence[LineSpec],
        *,
        customer_id: int = 0,
        billing: dict[str, Any] | None = None,
        shipping: dict[str, Any] | None = None,
        shipping_lines: Sequence[dict[str, Any] | Any] = (),
        fees: Sequence[dict[str, Any]] = (),
        coupons: Sequence[str] = (),
        status: str = "pending",
        paid: bool = False,
        payment_method: str = "bacs",
        payment_method_title: str = "",
        transaction_id: str = "",
        customer_note: str = "",
        created_via: str = "checkout",
    ) -> Order:
        """An order as the checkout (``created_via`` "checkout") or the REST API makes it.

        ``lines``: ``(product_id, quantity)``, ``(product_id, quantity, variation_id)`` or
        ``{"product_id"|"variation_id"|"sku", "quantity"}``. ``paid`` runs
        ``payment_complete`` after creation (``order.created`` then ``order.updated``)."""
        if status not in (*ORDER_STATUSES, *DRAFT_STATUSES):
            raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
        with self._operation():
            state = self.state
            customer = state.customers.get(customer_id) if customer_id else None
            if customer_id and customer is None:
                raise RestError(400, "woocommerce_rest_invalid_customer_id", "Customer ID is invalid.")
            bill = address(BILLING_FIELDS, {**(customer.billing if customer else {}), **(billing or {})})
            ship_source = shipping or (customer.shipping if customer and customer.shipping.get("country") else None)
            ship = address(SHIPPING_FIELDS, ship_source or {k: v for k, v in bill.items() if k != "email"})
            now = self.now()
            order = Order(
                id=state.post_id(),
                order_key=order_ops.new_order_key(self.rng),
                status=status,
                currency=state.settings.currency.upper(),
                prices_include_tax=state.settings.calc_taxes and state.settings.prices_include_tax,
                date_created=now,
                date_modified=now,
                customer_id=customer_id,
                billing=bill,
                shipping=ship,
                payment_method=payment_method,
                payment_method_title=payment_method_title or _gateway_title(state, payment_method),
                transaction_id=transaction_id if not paid else "",
                customer_note=customer_note,
                created_via=created_via,
                customer_ip_address="203.0.113.7" if created_via == "checkout" else "",
                customer_user_agent="Mozilla/5.0" if created_via == "checkout" else "",
            )
            order.lines = self._lines(lines)
            order.shipping_lines = self._shipping_lines(shipping_lines)
            order.fees = self._fee_lines(fees)
            order.coupons = [order_ops.coupon_line(state, code, state.item_id()) for code in coupons]
            order_ops.recalculate(state, order)
            status_wanted = order.status
            order.status = "pending" if status_wanted not in (*DRAFT_STATUSES, "checkout-draft") else status_wanted
            order_ops.set_status(state, order, status_wanted, now)
            state.orders[order.id] = order
            for line in order.coupons:
                if (coupon := state.coupons.get(line.coupon_id)) is not None:
                    coupon.usage_count += 1
            if order.status not in (*DRAFT_STATUSES, "checkout-draft"):
                self._fire("order", "created", order.id)
                if order.status != "pending":  # the checkout saves it again with its status (on-hold, ...)
                    self._fire("order", "updated", order.id)
            if paid:
                self._pay(order, transaction_id)
            return order

    def _pay(self, order: Order, transaction_id: str) -> None:
        now = self.now()
        if order_ops.payment_complete(self.state, order, transaction_id, now):
            order.date_modified = now
            self._fire("order", "updated", order.id)
            customer = self.state.customers.get(order.customer_id)
            if customer is not None and not customer.is_paying_customer:
                customer.is_paying_customer = True  # wc_paying_customer saves the customer
                customer.date_modified = now
                self._fire("customer", "updated", customer.id)

    def pay_order(self, order_id: int, transaction_id: str = "") -> Order:
        with self._operation():
            order = self._order(order_id)
            self._pay(order, transaction_id)
            return order

    def set_order_status(self, order_id: int, status: str) -> Order:
        if status not in (*ORDER_STATUSES, *DRAFT_STATUSES):
            raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
        with self._operation():
            order = self._order(order_id)
            self._change_status(order, status)
            order.date_modified = self.now()
            self._fire("order", "updated", order.id)
            return order

    def _change_status(self, order: Order, status: str) -> None:
        was_draft = order.status in (*DRAFT_STATUSES, "checkout-draft")
        order_ops.set_status(self.state, order, status, self.now())
        if was_draft and status not in (*DRAFT_STATUSES, "checkout-draft"):
            self._fire("order", "created", order.id)  # woocommerce_new_order when a draft becomes an order

    def update_order(
        self,
        order_id: int,
        *,
        add_lines: Sequence[LineSpec] = (),
        quantities: dict[int, int] | None = None,
        coupons: Sequence[str] | None = None,
        fees: Sequence[dict[str, Any]] | None = None,
        shipping_lines: Sequence[dict[str, Any] | Any] | None = None,
        billing: dict[str, Any] | None = None,
        shipping: dict[str, Any] | None = None,
        status: str | None = None,
        recalculate: bool = True,
        **fields: Any,
    ) -> Order:
        """Edit an order (admin or REST): lines added, quantities changed (0 removes the line),
        coupons/fees/shipping replaced, addresses merged, then totals recomputed and
        ``order.updated`` fired. Other fields: customer_note, payment_method,
        payment_method_title, transaction_id, customer_id, meta_data."""
        with self._operation():
            state = self.state
            order = self._order(order_id)
            items_changed = bool(add_lines or quantities or coupons is not None or fees is not None)
            items_changed = items_changed or shipping_lines is not None or billing is not None or shipping is not None
            for item_id, quantity in (quantities or {}).items():
                line = next((x for x in order.lines if x.id == item_id), None)
                if line is None:
                    raise RestError(400, "woocommerce_rest_invalid_item_id", f"Order item ID {item_id} is invalid.")
                if quantity <= 0:
                    order.lines.remove(line)
                else:
                    line.quantity = quantity
            order.lines.extend(self._lines(add_lines))
            if coupons is not None:
                order.coupons = [order_ops.coupon_line(state, code, state.item_id()) for code in coupons]
            if fees is not None:
                order.fees = self._fee_lines(fees)
            if shipping_lines is not None:
                order.shipping_lines = self._shipping_lines(shipping_lines)
            if billing:
                order.billing.update({k: str(v) for k, v in billing.items() if k in order.billing})
            if shipping:
                order.shipping.update({k: str(v) for k, v in shipping.items() if k in order.shipping})
            for key, value in fields.items():
                if key == "customer_id":
                    if value and int(value) not in state.customers:
                        raise RestError(400, "woocommerce_rest_invalid_customer_id", "Customer ID is invalid.")
                    order.customer_id = int(value or 0)
                elif key in ("customer_note", "payment_method", "payment_method_title", "transaction_id"):
                    setattr(order, key, str(value))
                elif key == "meta_data":
                    order.meta_data = list(value)
                else:
                    raise RestError(400, "rest_invalid_param", f"Cannot set {key}.")
            if items_changed and recalculate:
                order_ops.recalculate(state, order)
            if status:
                if status not in (*ORDER_STATUSES, *DRAFT_STATUSES):
                    raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
                self._change_status(order, status)
            order.date_modified = self.now()
            self._fire("order", "updated", order.id)
            return order

    def refund_order(
        self,
        order_id: int,
        amount: Any = None,
        reason: str = "",
        *,
        line_items: list[dict[str, Any]] | None = None,
        api_refund: bool = True,
        restock: bool = True,
    ) -> Refund:
        """``POST /orders/{id}/refunds``. ``line_items``: ``[{"id": item id, "quantity": n,
        "refund_total": ex-tax amount, "refund_tax": [{"id": rate id, "refund_total": tax}]}]``;
        without ``amount`` the refund is the sum of those."""
        with self._operation():
            order = self._order(order_id)
            refund, _ = order_ops.create_refund(
                self.state,
                order,
                self.now(),
                amount=amount,
                reason=reason,
                line_items=line_items,
                refund_payment=api_refund,
                restock=restock,
            )
            order.date_modified = self.now()
            self._fire("order", "updated", order.id)  # woocommerce_order_refunded
            return refund

    def trash_order(self, order_id: int) -> Order:
        with self._operation():
            order = self._order(order_id)
            if order.status == "trash":
                raise RestError(410, "woocommerce_rest_already_trashed", "The order has already been deleted.")
            order.previous_status, order.status = order.status, "trash"
            order.date_modified = self.now()
            self._fire("order", "deleted", order.id)
            return order

    def untrash_order(self, order_id: int) -> Order:
        with self._operation():
            order = self._order(order_id)
            if order.status != "trash":
                raise RestError(400, "woocommerce_rest_order_not_trashed", "The order is not in the trash.")
            order.status = order.previous_status or "pending"
            order.date_modified = self.now()
            self._fire("order", "restored", order.id)
            return order

    def delete_order(self, order_id: int) -> Order:
        """Permanent deletion (``force=true``): gone, refunds too; WooCommerce fires no webhook."""
        with self._operation():
            order = self._order(order_id)
            for refund_id in order.refund_ids:
                self.state.refunds.pop(refund_id, None)
            del self.state.orders[order.id]
            return order

    # --- webhooks ---------------------------------------------------------------------------
    def add_webhook(
        self,
        topic: str,
        delivery_url: str,
        *,
        secret: str | None = None,
        name: str | None = None,
        status: str = "active",
    ) -> Webhook:
        """``POST /webhooks``: saved, then the ping is sent (and its answer only clears
        ``pending_delivery``)."""
        _check_topic(topic)
        if status not in WEBHOOK_STATUSES:
            raise invalid_param("status", f"status is not one of {', '.join(ORDER_STATUSES)}.")
        if not delivery_url.startswith(("http://", "https://")):
            raise RestError(400, "woocommerce_rest_webhook_invalid_delivery_url", INVALID_URL)
        with self.lock:
            now = self.now()
            webhook = Webhook(
                id=self.state.next_webhook_id,
                name=name or f"Webhook created on {now:%b %d, %Y @ %I:%M %p}",
                topic=topic,
                delivery_url=delivery_url,
                secret=secret if secret else _secret(),
                status=status,
                pending_delivery=status == "active",
                date_created=now,
                date_modified=now,
            )
            self.state.next_webhook_id += 1
            self.state.webhooks[webhook.id] = webhook
        if webhook.pending_delivery:
            self.ping(webhook.id)
        return webhook

    def update_webhook(self, webhook_id: int, **changes: Any) -> Webhook:
        """Change status (``active`` re-enables a disabled webhook), topic, delivery_url,
        secret or name. An active webhook still ``pending_delivery`` is pinged again."""
        with self.lock:
            webhook = self._webhook(webhook_id)
            for key, value in changes.items():
                if key == "status":
                    if value not in WEBHOOK_STATUSES:
                        raise invalid_param("status", "status is not one of active, paused and disabled.")
                    webhook.status = value
                elif key == "topic":
                    _check_topic(str(value))
                    webhook.topic = str(value)
                elif key in ("delivery_url", "secret", "name"):
                    setattr(webhook, key, str(value))
                else:
                    raise RestError(400, "rest_invalid_param", f"Cannot set {key}.")
            webhook.date_modified = self.now()
            ping = webhook.status == "active" and webhook.pending_delivery
        if ping:
            self.ping(webhook_id)
        return webhook

    def delete_webhook(self, webhook_id: int) -> Webhook:
        with self.lock:
            return self.state.webhooks.pop(self._webhook(webhook_id).id)

    def ping(self, webhook_id: int) -> int | None:
        """``WC_Webhook::deliver_ping``: the answer's status (None if unreachable)."""
        with self.lock:
            webhook = self._webhook(webhook_id)
            url, unreachable = webhook.delivery_url, self.outage or webhook.outage
        status: int | None = None
        if not unreachable:
            try:
                status, _ = woo.post(url, woo.ping(webhook_id), timeout=self.ping_timeout)
            except (OSError, HTTPException, ValueError):
                status = None
        if status == 200:
            with self.lock:
                if (current := self.state.webhooks.get(webhook_id)) is not None:
                    current.pending_delivery = False
        return status

    # --- reading ----------------------------------------------------------------------------
    def order(self, order_id: int) -> Order:
        with self.lock:
            return self._order(order_id)

    def order_json(self, order_id: int) -> dict[str, Any]:
        with self.lock:
            return order_json(self.state, self._order(order_id))

    def refund_json(self, refund_id: int) -> dict[str, Any]:
        with self.lock:
            refund = self.state.refunds.get(refund_id)
            if refund is None:
                raise invalid_id("refund")
            return refund_json(self.state, refund)

    def customer_json(self, customer_id: int) -> dict[str, Any]:
        with self.lock:
            return customer_json(self.state, self._customer(customer_id))

    def product_json(self, product_id: int) -> dict[str, Any]:
        with self.lock:
            return product_json(self.state, self._product(product_id))

    def webhook(self, webhook_id: int) -> Webhook:
        with self.lock:
            return replace(self._webhook(webhook_id))

    def _order(self, order_id: int) -> Order:
        order = self.state.orders.get(int(order_id))
        if order is None:
            raise invalid_id("order")
        return order

    def _customer(self, customer_id: int) -> Customer:
        customer = self.state.customers.get(int(customer_id))
        if customer is None:
            raise invalid_id("customer")
        return customer

    def _product(self, product_id: int) -> Product:
        product = self.state.products.get(int(product_id))
        if product is None:
            raise invalid_id("product")
        return product

    def _variation(self, product_id: int, variation_id: int) -> Variation:
        variation = self.state.variations.get(int(variation_id))
        if variation is None or variation.parent_id != int(product_id):
            raise invalid_id("variation")
        return variation

    def _webhook(self, webhook_id: int) -> Webhook:
        webhook = self.state.webhooks.get(int(webhook_id))
        if webhook is None:
            raise invalid_id("webhook")
        return webhook


GATEWAY_TITLES = {
    "bacs": "Direct bank transfer",
    "cheque": "Check payments",
    "cod": "Cash on delivery",
    "stripe": "Credit card (Stripe)",
    "ppcp-gateway": "PayPal",
    "woocommerce_payments": "Credit card / debit card",
}


def _gateway_title(state: State, method: str) -> str:
    installed = state.gateways.get(method)
    return installed.title if installed is not None else GATEWAY_TITLES.get(method, method)


def _check_topic(topic: str) -> None:
    resource, _, event = topic.partition(".")
    if resource not in WEBHOOK_RESOURCES or event not in WEBHOOK_EVENTS:
        raise RestError(400, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is required and must be valid.")
