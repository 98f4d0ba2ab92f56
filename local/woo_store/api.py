"""The REST API v3 (``/wp-json/wc/v3/...``) over a ``WooStore``, as WordPress + WooCommerce answer.

* Authentication (``WC_REST_Authentication``): HTTP Basic with the consumer key and secret,
  or ``consumer_key``/``consumer_secret`` query parameters. An unknown key authenticates no
  one, so the route's permission check answers 401 (``woocommerce_rest_cannot_view``, ...);
  a known key with the wrong secret is ``woocommerce_rest_authentication_error``. (Real
  WooCommerce accepts these two only over HTTPS and wants OAuth 1.0a over plain HTTP; the
  simulator serves plain HTTP and accepts them.)
* Parameters come from the query string and the JSON body (the body wins), as
  ``WP_REST_Request`` merges them.
* Collections: ``page``, ``per_page`` (1-100, default 10), ``offset``, ``order``,
  ``orderby``, ``include``, ``exclude``, ``search``; ``X-WP-Total``, ``X-WP-TotalPages`` and a
  ``Link`` header with ``rel="prev"``/``rel="next"``. Date filters (``after``, ``before``,
  ``modified_after``, ``modified_before``) compare whole seconds and exclude the bound
  (``WP_Date_Query``, ``inclusive`` false), in the site's time zone unless
  ``dates_are_gmt=true`` or the value carries an offset. The customers endpoint is a
  ``WP_User_Query`` with no date filters: ``modified_after`` there is ignored, as WooCommerce
  ignores it.
"""

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from local import woo
from local.woo_store.errors import RestError, invalid_id, invalid_param
from local.woo_store.gateways import gateway_json, order_totals
from local.woo_store.model import ORDER_STATUSES, WEBHOOK_STATUSES
from local.woo_store.money import parse
from local.woo_store.rest import (
    customer_json,
    order_json,
    product_json,
    refund_json,
    tax_rate_json,
    variation_json,
    webhook_json,
)
from local.woo_store.store import INVALID_URL, WooStore

PREFIX = "/wp-json/wc/v3"
INVALID_TOPIC = "Webhook topic is required and must be valid."
Response = tuple[int, dict[str, str], bytes]


class Request:
    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        url = urlsplit(target)
        self.method = method.upper()
        self.path = url.path.rstrip("/") or "/"
        self.query_text = url.query
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        self.body = body
        self.params: dict[str, Any] = {**self.query}
        for key, values in parse_qs(url.query, keep_blank_values=True).items():
            if key.endswith("[]"):
                self.params[key[:-2]] = values
        if body.strip():
            content_type = self.headers.get("content-type", "")
            if "application/x-www-form-urlencoded" in content_type:
                self.params.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()})
            else:
                try:
                    data = json.loads(body, parse_float=Decimal)
                except ValueError:
                    raise RestError(400, "rest_invalid_json", "Invalid JSON body passed.") from None
                if isinstance(data, dict):
                    self.params.update(data)

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def integer(self, name: str, default: int) -> int:
        value = self.params.get(name)
        if value in (None, ""):
            return default
        try:
            return int(str(value))
        except ValueError:
            raise invalid_param(name, f"{name} is not of type integer.") from None

    def ids(self, name: str) -> set[int] | None:
        value = self.params.get(name)
        if value in (None, "", []):
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return {int(str(v).strip()) for v in items if str(v).strip()}

    def strings(self, name: str) -> list[str] | None:
        value = self.params.get(name)
        if value in (None, "", []):
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(v).strip() for v in items if str(v).strip()]


Handler = Callable[..., tuple[int, Any] | tuple[int, Any, dict[str, str]]]


class RestApi:
    def __init__(self, store: WooStore) -> None:
        self.store = store
        self.routes: list[tuple[str, re.Pattern[str], Handler, str]] = []
        r = self._route
        r("GET", "/orders", self.list_orders, "list")
        r("POST", "/orders", self.create_order, "create")
        r("GET", "/orders/{id}", self.get_order, "view")
        r("PUT|POST|PATCH", "/orders/{id}", self.update_order, "edit")
        r("DELETE", "/orders/{id}", self.delete_order, "delete")
        r("GET", "/orders/{id}/refunds", self.list_refunds, "list")
        r("POST", "/orders/{id}/refunds", self.create_refund, "create")
        r("GET", "/orders/{id}/refunds/{refund_id}", self.get_refund, "view")
        r("GET", "/customers", self.list_customers, "list")
        r("POST", "/customers", self.create_customer, "create")
        r("GET", "/customers/{id}", self.get_customer, "view")
        r("PUT|POST|PATCH", "/customers/{id}", self.update_customer, "edit")
        r("DELETE", "/customers/{id}", self.delete_customer, "delete")
        r("GET", "/products", self.list_products, "list")
        r("POST", "/products", self.create_product, "create")
        r("GET", "/products/{id}", self.get_product, "view")
        r("PUT|POST|PATCH", "/products/{id}", self.update_product, "edit")
        r("DELETE", "/products/{id}", self.delete_product, "delete")
        r("GET", "/products/{id}/variations", self.list_variations, "list")
        r("POST", "/products/{id}/variations", self.create_variation, "create")
        r("GET", "/products/{id}/variations/{variation_id}", self.get_variation, "view")
        r("PUT|POST|PATCH", "/products/{id}/variations/{variation_id}", self.update_variation, "edit")
        r("GET", "/taxes", self.list_taxes, "list")
        r("POST", "/taxes", self.create_tax, "create")
        r("GET", "/taxes/{id}", self.get_tax, "view")
        r("GET", "/payment_gateways", self.list_gateways, "list")
        r("GET", "/reports/orders/totals", self.order_totals, "list")
        r("GET", "/webhooks", self.list_webhooks, "list")
        r("POST", "/webhooks", self.create_webhook, "create")
        r("GET", "/webhooks/{id}", self.get_webhook, "view")
        r("PUT|POST|PATCH", "/webhooks/{id}", self.update_webhook, "edit")
        r("DELETE", "/webhooks/{id}", self.delete_webhook, "delete")

    def _route(self, methods: str, template: str, handler: Handler, action: str) -> None:
        pattern = re.compile("^" + PREFIX + re.sub(r"\{(\w+)\}", r"(?P<\1>\\d+)", template) + "$")
        for method in methods.split("|"):
            self.routes.append((method, pattern, handler, action))

    # --- dispatch ---------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Response:
        extra: dict[str, str] = {}
        try:
            request = Request(method, target, headers, body)
            result = self._dispatch(request)
            status, payload = result[0], result[1]
            if len(result) == 3:
                extra = result[2]
        except RestError as err:
            status, payload = err.status, err.body()
        out = {"Content-Type": "application/json; charset=UTF-8", **extra}
        return status, out, woo.wp_json_encode(payload)

    def _dispatch(self, request: Request) -> tuple[int, Any] | tuple[int, Any, dict[str, str]]:
        for method, pattern, handler, action in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                self._authenticate(request, action)
                with self.store.lock:
                    return handler(request, **{k: int(v) for k, v in match.groupdict().items()})
        raise RestError(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _authenticate(self, request: Request, action: str) -> None:
        key = secret = None
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                key = None
        elif "consumer_key" in request.query:
            key, secret = request.query.get("consumer_key"), request.query.get("consumer_secret", "")
        if key is not None and key == self.store.consumer_key:
            if secret != self.store.consumer_secret:
                raise RestError(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
            return
        granted = self.store.api_key(key) if key else None  # made through /wc-auth/v1 (wc_auth.py)
        if granted is not None:
            if secret != granted.consumer_secret:
                raise RestError(401, "woocommerce_rest_authentication_error", "Consumer secret is invalid.")
            if not granted.allows(request.method):  # WC_REST_Authentication::check_permissions
                kind = "read" if request.method in ("GET", "HEAD") else "write"
                said = f"The API key provided does not have {kind} permissions."
                raise RestError(401, "woocommerce_rest_authentication_error", said)
            return
        code, message = {
            "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
            "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
            "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
            "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
            "delete": ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
        }[action]
        raise RestError(401, code, message)

    # --- collections ------------------------------------------------------------------------
    def _page(
        self, request: Request, records: list[Any], render: Callable[[Any], Any]
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = request.integer("per_page", 10)
        if not 1 <= per_page <= 100:
            raise invalid_param("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
        page = request.integer("page", 1)
        if page < 1:
            raise invalid_param("page", "page must be greater than or equal to 1")
        offset = request.integer("offset", 0)
        start = offset if offset else (page - 1) * per_page
        total = len(records)
        pages = math.ceil(total / per_page)
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        base_query = {k: v for k, v in request.query.items() if k not in ("page", "consumer_key", "consumer_secret")}
        base = self.store.state.home_url.rstrip("/") + request.path
        links = []
        if page > 1:
            links.append(f'<{base}?{urlencode({**base_query, "page": min(page - 1, max(pages, 1))})}>; rel="prev"')
        if pages > page:
            links.append(f'<{base}?{urlencode({**base_query, "page": page + 1})}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        return 200, [render(r) for r in records[start : start + per_page]], headers

    def _order_by(
        self, request: Request, records: list[Any], keys: dict[str, Callable[[Any], Any]], default: str, order: str
    ) -> list[Any]:
        orderby = str(request.get("orderby") or default)
        if orderby not in keys:
            raise invalid_param("orderby", f"orderby is not one of {', '.join(keys)}.")
        direction = str(request.get("order") or order).lower()
        if direction not in ("asc", "desc"):
            raise invalid_param("order", "order is not one of asc and desc.")
        if orderby == "include":
            wanted = list(request.ids("include") or [])
            return sorted(records, key=lambda r: wanted.index(r.id) if r.id in wanted else len(wanted))
        return sorted(records, key=keys[orderby], reverse=direction == "desc")

    def _dates(self, request: Request, records: Iterable[Any], created: str, modified: str) -> list[Any]:
        gmt = request.flag("dates_are_gmt")
        zone = self.store.settings.zone
        bounds = []
        for name, attr, after in (
            ("after", created, True),
            ("before", created, False),
            ("modified_after", modified, True),
            ("modified_before", modified, False),
        ):
            value = request.get(name)
            if value not in (None, ""):
                bounds.append((attr, _parse_date(name, str(value), gmt, zone), after))
        out = []
        for record in records:
            keep = True
            for attr, bound, after in bounds:
                when = getattr(record, attr).astimezone(UTC).replace(microsecond=0)
                keep = keep and (when > bound if after else when < bound)
            if keep:
                out.append(record)
        return out

    @staticmethod
    def _include_exclude(request: Request, records: Iterable[Any]) -> list[Any]:
        include, exclude = request.ids("include"), request.ids("exclude") or set()
        return [r for r in records if (include is None or r.id in include) and r.id not in exclude]

    # --- orders -----------------------------------------------------------------------------
    def list_orders(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        state = self.store.state
        statuses = request.strings("status") or ["any"]
        allowed = ("any", "trash", *ORDER_STATUSES)
        for i, status in enumerate(statuses):
            if status not in allowed:
                raise invalid_param("status", f"status[{i}] is not one of {', '.join(allowed)}.")
        records = list(state.orders.values())
        if "any" in statuses:
            records = [o for o in records if o.status not in ("trash", "draft", "auto-draft")]
        else:
            records = [o for o in records if o.status in statuses]
        records = self._dates(request, self._include_exclude(request, records), "date_created", "date_modified")
        if request.get("customer") not in (None, ""):
            customer = request.integer("customer", 0)
            records = [o for o in records if o.customer_id == customer]
        if request.get("product") not in (None, ""):
            product = request.integer("product", 0)
            records = [o for o in records if any(line.product_id == product for line in o.lines)]
        search = str(request.get("search") or "").strip().lower()
        if search:
            records = [o for o in records if search in _order_haystack(o)]
        records = self._order_by(
            request,
            records,
            {
                "date": lambda o: (o.date_created.replace(microsecond=0), o.id),
                "modified": lambda o: (o.date_modified.replace(microsecond=0), o.id),
                "id": lambda o: o.id,
                "include": lambda o: o.id,
                "title": lambda o: o.id,
                "slug": lambda o: o.id,
            },
            "date",
            "desc",
        )
        dp = request.integer("dp", self.store.settings.decimals)
        return self._page(request, records, lambda o: order_json(state, o, dp))

    def get_order(self, request: Request, id: int) -> tuple[int, Any]:
        dp = request.integer("dp", self.store.settings.decimals)
        return 200, order_json(self.store.state, self.store._order(id), dp)

    def create_order(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        if request.get("id"):
            raise RestError(400, "woocommerce_rest_shop_order_exists", "Cannot create existing order.")
        order = self.store.place_order(
            [_line_spec(item) for item in request.get("line_items") or []],
            customer_id=request.integer("customer_id", 0),
            billing=request.get("billing"),
            shipping=request.get("shipping"),
            shipping_lines=request.get("shipping_lines") or [],
            fees=request.get("fee_lines") or [],
            coupons=[str(c.get("code", "")) for c in request.get("coupon_lines") or []],
            status=str(request.get("status") or "pending"),
            paid=request.flag("set_paid"),
            payment_method=str(request.get("payment_method") or ""),
            payment_method_title=str(request.get("payment_method_title") or ""),
            transaction_id=str(request.get("transaction_id") or ""),
            customer_note=str(request.get("customer_note") or ""),
            created_via="rest-api",
        )
        location = {"Location": f"{self.store.state.home_url.rstrip('/')}{PREFIX}/orders/{order.id}"}
        return 201, order_json(self.store.state, order), location

    def update_order(self, request: Request, id: int) -> tuple[int, Any]:
        order = self.store._order(id)
        add, quantities = [], {}
        for item in request.get("line_items") or []:
            if item.get("id"):
                quantities[int(item["id"])] = int(item.get("quantity", 1))
            else:
                add.append(_line_spec(item))
        fields = {k: request.get(k) for k in ORDER_FIELDS if request.get(k) is not None}
        coupons = request.get("coupon_lines")
        self.store.update_order(
            order.id,
            add_lines=add,
            quantities=quantities,
            coupons=None if coupons is None else [str(c.get("code", "")) for c in coupons],
            fees=request.get("fee_lines"),
            shipping_lines=request.get("shipping_lines"),
            billing=request.get("billing"),
            shipping=request.get("shipping"),
            status=request.get("status"),
            **fields,
        )
        if request.flag("set_paid") and order.status in ("pending", "failed") and order.totals.total > 0:
            self.store.pay_order(order.id, str(request.get("transaction_id") or ""))
        return 200, order_json(self.store.state, order)

    def delete_order(self, request: Request, id: int) -> tuple[int, Any]:
        if request.flag("force"):
            before = order_json(self.store.state, self.store._order(id))
            self.store.delete_order(id)
            return 200, before
        return 200, order_json(self.store.state, self.store.trash_order(id))

    # --- refunds ----------------------------------------------------------------------------
    def list_refunds(self, request: Request, id: int) -> tuple[int, Any, dict[str, str]]:
        state = self.store.state
        order = self.store._order(id)
        records = [state.refunds[r] for r in reversed(order.refund_ids) if r in state.refunds]
        records = self._dates(request, self._include_exclude(request, records), "date_created", "date_created")
        dp = request.integer("dp", self.store.settings.decimals)
        return self._page(request, records, lambda r: refund_json(state, r, dp))

    def get_refund(self, request: Request, id: int, refund_id: int) -> tuple[int, Any]:
        refund = self.store.state.refunds.get(refund_id)
        if refund is None or refund.order_id != id:
            raise invalid_id("refund")
        return 200, refund_json(self.store.state, refund, request.integer("dp", self.store.settings.decimals))

    def create_refund(self, request: Request, id: int) -> tuple[int, Any]:
        amount = request.get("amount")
        if amount not in (None, "") and parse(amount) < 0:
            raise RestError(400, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.")
        refund = self.store.refund_order(
            id,
            amount,
            str(request.get("reason") or ""),
            line_items=request.get("line_items"),
            api_refund=request.flag("api_refund", True),
            restock=request.flag("api_restock", True),
        )
        return 201, refund_json(self.store.state, refund)

    # --- customers --------------------------------------------------------------------------
    def list_customers(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        state = self.store.state
        records = self._include_exclude(request, state.customers.values())
        role = str(request.get("role") or "customer")
        if role != "all":
            records = [c for c in records if c.role == role]
        email = str(request.get("email") or "").strip().lower()
        if email:
            records = [c for c in records if c.email.lower() == email]
        search = str(request.get("search") or "").strip().lower()
        if search:
            records = [c for c in records if search in f"{c.email} {c.username} {c.first_name} {c.last_name}".lower()]
        records = self._order_by(
            request,
            records,
            {
                "id": lambda c: c.id,
                "include": lambda c: c.id,
                "name": lambda c: (f"{c.first_name} {c.last_name}".strip() or c.username).lower(),
                "registered_date": lambda c: (c.date_created, c.id),
            },
            "name",
            "asc",
        )
        return self._page(request, records, lambda c: customer_json(state, c))

    def get_customer(self, request: Request, id: int) -> tuple[int, Any]:
        return 200, customer_json(self.store.state, self.store._customer(id))

    def create_customer(self, request: Request) -> tuple[int, Any]:
        if request.get("id"):
            raise RestError(400, "woocommerce_rest_customer_exists", "Cannot create existing resource.")
        customer = self.store.add_customer(
            str(request.get("email") or ""),
            str(request.get("first_name") or ""),
            str(request.get("last_name") or ""),
            username=str(request.get("username") or ""),
            billing=request.get("billing"),
            shipping=request.get("shipping"),
        )
        return 201, customer_json(self.store.state, customer)

    def update_customer(self, request: Request, id: int) -> tuple[int, Any]:
        fields = ("email", "first_name", "last_name", "username", "billing", "shipping", "meta_data")
        changes = {k: request.get(k) for k in fields if request.get(k) is not None}
        return 200, customer_json(self.store.state, self.store.update_customer(id, **changes))

    def delete_customer(self, request: Request, id: int) -> tuple[int, Any]:
        if not request.flag("force"):
            raise RestError(501, "woocommerce_rest_trash_not_supported", "Customers do not support trashing.")
        before = customer_json(self.store.state, self.store._customer(id))
        self.store.delete_customer(id)
        return 200, before

    # --- products ---------------------------------------------------------------------------
    def list_products(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        state = self.store.state
        status = str(request.get("status") or "any")
        records = [
            p for p in state.products.values() if p.status == status or (status == "any" and p.status != "trash")
        ]
        records = self._dates(request, self._include_exclude(request, records), "date_created", "date_modified")
        skus = request.strings("sku")
        if skus is not None:
            records = [p for p in records if p.sku in skus]
        if request.get("type"):
            records = [p for p in records if p.type == request.get("type")]
        search = str(request.get("search") or "").strip().lower()
        if search:
            records = [p for p in records if search in p.name.lower()]
        records = self._order_by(
            request,
            records,
            {
                "date": lambda p: (p.date_created.replace(microsecond=0), p.id),
                "modified": lambda p: (p.date_modified.replace(microsecond=0), p.id),
                "id": lambda p: p.id,
                "include": lambda p: p.id,
                "title": lambda p: p.name.lower(),
                "slug": lambda p: p.name.lower(),
                "price": lambda p: p.price or 0,
            },
            "date",
            "desc",
        )
        return self._page(request, records, lambda p: product_json(state, p))

    def get_product(self, request: Request, id: int) -> tuple[int, Any]:
        state = self.store.state
        if id in state.variations:  # WooCommerce answers /products/{variation id} with the variation
            return 200, variation_json(state, state.variations[id])
        return 200, product_json(state, self.store._product(id))

    def create_product(self, request: Request) -> tuple[int, Any]:
        fields = _product_fields(request)
        name = str(fields.pop("name", "") or "Product")
        product = self.store.add_product(name, fields.pop("regular_price", None), **fields)
        return 201, product_json(self.store.state, product)

    def update_product(self, request: Request, id: int) -> tuple[int, Any]:
        return 200, product_json(self.store.state, self.store.update_product(id, **_product_fields(request)))

    def delete_product(self, request: Request, id: int) -> tuple[int, Any]:
        state = self.store.state
        if request.flag("force"):
            before = product_json(state, self.store._product(id))
            self.store.delete_product(id)
            return 200, before
        return 200, product_json(state, self.store.trash_product(id))

    def list_variations(self, request: Request, id: int) -> tuple[int, Any, dict[str, str]]:
        state = self.store.state
        product = self.store._product(id)
        records = [state.variations[v] for v in product.variation_ids if v in state.variations]
        records = self._dates(request, self._include_exclude(request, records), "date_created", "date_modified")
        skus = request.strings("sku")
        if skus is not None:
            records = [v for v in records if v.sku in skus]
        records = self._order_by(
            request,
            records,
            {"date": lambda v: (v.date_created, v.id), "id": lambda v: v.id, "include": lambda v: v.id},
            "date",
            "desc",
        )
        return self._page(request, records, lambda v: variation_json(state, v))

    def get_variation(self, request: Request, id: int, variation_id: int) -> tuple[int, Any]:
        return 200, variation_json(self.store.state, self.store._variation(id, variation_id))

    def create_variation(self, request: Request, id: int) -> tuple[int, Any]:
        fields = _product_fields(request, variation=True)
        attributes = {str(a.get("name")): str(a.get("option")) for a in request.get("attributes") or []}
        fields.pop("attributes", None)
        variation = self.store.add_variation(id, attributes, fields.pop("regular_price", None), **fields)
        return 201, variation_json(self.store.state, variation)

    def update_variation(self, request: Request, id: int, variation_id: int) -> tuple[int, Any]:
        fields = _product_fields(request, variation=True)
        if "attributes" in fields:
            attributes = fields["attributes"]
            fields["attributes"] = [{"name": str(a.get("name")), "option": str(a.get("option"))} for a in attributes]
        return 200, variation_json(self.store.state, self.store.update_variation(id, variation_id, **fields))

    # --- taxes ------------------------------------------------------------------------------
    def list_taxes(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        state = self.store.state
        records = list(state.tax_rates.values())
        if request.get("class"):
            wanted = "" if request.get("class") == "standard" else str(request.get("class"))
            records = [r for r in records if r.tax_class == wanted]
        orderings = {"order": lambda r: (r.order, r.id), "id": lambda r: r.id, "priority": lambda r: r.priority}
        records = self._order_by(request, records, orderings, "order", "asc")
        return self._page(request, records, lambda r: tax_rate_json(state, r))

    def get_tax(self, request: Request, id: int) -> tuple[int, Any]:
        rate = self.store.state.tax_rates.get(id)
        if rate is None:
            raise invalid_id("tax")
        return 200, tax_rate_json(self.store.state, rate)

    def create_tax(self, request: Request) -> tuple[int, Any]:
        postcodes = request.get("postcodes") or ([request.get("postcode")] if request.get("postcode") else [])
        cities = request.get("cities") or ([request.get("city")] if request.get("city") else [])
        tax_class = str(request.get("class") or "")
        rate = self.store.add_tax_rate(
            request.get("rate") or "0",
            str(request.get("name") or "Tax"),
            country=str(request.get("country") or ""),
            state=str(request.get("state") or ""),
            postcodes=tuple(str(p) for p in postcodes),
            cities=tuple(str(c) for c in cities),
            priority=request.integer("priority", 1),
            compound=request.flag("compound"),
            shipping=request.flag("shipping", True),
            tax_class="" if tax_class == "standard" else tax_class,
        )
        return 201, tax_rate_json(self.store.state, rate)

    # --- payment gateways and order statuses ------------------------------------------------
    def list_gateways(self, request: Request) -> tuple[int, Any]:
        admin = self.store.state.home_url + "wp-admin/"
        return 200, [gateway_json(g, n, admin) for n, g in enumerate(self.store.state.gateways.values())]

    def order_totals(self, request: Request) -> tuple[int, Any]:
        return 200, order_totals([o.status for o in self.store.state.orders.values() if o.status != "trash"])

    # --- webhooks ---------------------------------------------------------------------------
    def list_webhooks(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        state = self.store.state
        records = self._include_exclude(request, state.webhooks.values())
        status = str(request.get("status") or "all")
        if status != "all":
            if status not in WEBHOOK_STATUSES:
                raise invalid_param("status", "status is not one of all, active, paused and disabled.")
            records = [w for w in records if w.status == status]
        records = self._order_by(
            request,
            records,
            {"date": lambda w: (w.date_created, w.id), "id": lambda w: w.id, "include": lambda w: w.id},
            "date",
            "desc",
        )
        return self._page(request, records, lambda w: webhook_json(state, w))

    def get_webhook(self, request: Request, id: int) -> tuple[int, Any]:
        return 200, webhook_json(self.store.state, self.store._webhook(id))

    def create_webhook(self, request: Request) -> tuple[int, Any]:
        if not request.get("topic"):
            raise RestError(400, "woocommerce_rest_webhook_invalid_topic", INVALID_TOPIC)
        if not request.get("delivery_url"):
            raise RestError(400, "woocommerce_rest_webhook_invalid_delivery_url", INVALID_URL)
        self.store.lock.release()  # the ping is an HTTP call: never hold the store while waiting on it
        try:
            webhook = self.store.add_webhook(
                str(request.get("topic")),
                str(request.get("delivery_url")),
                secret=str(request.get("secret") or "") or None,
                name=str(request.get("name") or "") or None,
                status=str(request.get("status") or "active"),
            )
        finally:
            self.store.lock.acquire()
        return 201, webhook_json(self.store.state, webhook, edit=True)

    def update_webhook(self, request: Request, id: int) -> tuple[int, Any]:
        fields = ("name", "status", "topic", "delivery_url", "secret")
        changes = {k: request.get(k) for k in fields if request.get(k) is not None}
        self.store.lock.release()
        try:
            webhook = self.store.update_webhook(id, **changes)
        finally:
            self.store.lock.acquire()
        return 200, webhook_json(self.store.state, webhook)

    def delete_webhook(self, request: Request, id: int) -> tuple[int, Any]:
        if not request.flag("force"):
            raise RestError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
        before = webhook_json(self.store.state, self.store._webhook(id))
        self.store.delete_webhook(id)
        return 200, before


def _parse_date(name: str, value: str, gmt: bool, zone: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_param(name, "Invalid date.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC if gmt else zone)
    return parsed.astimezone(UTC).replace(microsecond=0)


def _order_haystack(order: Any) -> str:
    b, s = order.billing, order.shipping
    parts = [str(order.id), *b.values(), *s.values(), *(line.name for line in order.lines)]
    return " ".join(parts).lower()


def _line_spec(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "product_id": item.get("product_id") or 0,
        "variation_id": item.get("variation_id") or 0,
        "sku": item.get("sku") or "",
        "quantity": item.get("quantity", 1),
    }


ORDER_FIELDS = ("customer_note", "payment_method", "payment_method_title", "transaction_id", "customer_id", "meta_data")
PRODUCT_FIELDS = (
    "name",
    "type",
    "sku",
    "regular_price",
    "sale_price",
    "tax_status",
    "tax_class",
    "manage_stock",
    "stock_quantity",
    "virtual",
    "status",
    "attributes",
)


def _product_fields(request: Request, *, variation: bool = False) -> dict[str, Any]:
    fields = {k: request.get(k) for k in PRODUCT_FIELDS if request.get(k) is not None}
    if variation:
        fields.pop("name", None)
        fields.pop("type", None)
    for key in ("manage_stock", "virtual"):
        if key in fields:
            fields[key] = request.flag(key)
    if "stock_quantity" in fields:
        fields["stock_quantity"] = request.integer("stock_quantity", 0)
    for key in ("regular_price", "sale_price"):
        if key in fields and fields[key] == "":
            fields[key] = None
    return fields
