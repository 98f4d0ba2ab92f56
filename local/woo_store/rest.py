"""REST API v3 representations (``/wp-json/wc/v3/...``), which are also the webhook payloads.

Shapes follow the WooCommerce REST API docs (``woocommerce-rest-api-docs`` v3) and the
controllers: ``WC_REST_Orders_V2_Controller::get_formatted_item_data`` /
``get_order_item_data`` (order and line money printed with ``dp`` places, default the price
decimals; per-rate ``taxes`` as stored, six places trimmed; coupon ``discount`` as stored;
line ``price`` = stored line total / quantity, a JSON number; ``refunds[].total`` negative),
the refunds, customers, products, variations, taxes and webhooks controllers. Dates: the
site's local time in ``date_*`` and UTC in ``date_*_gmt``, ``Y-m-d\\TH:i:s``.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from local.woo_store.model import Coupon, Customer, Order, Product, Refund, RefundLine, Variation, Webhook
from local.woo_store.money import HALF_DOWN, HALF_UP, ZERO, fixed, php_round, raw
from local.woo_store.state import State
from local.woo_store.taxes import TaxRate

API = "wp-json/wc/v3"

# WC_Webhook::get_default_topic_hooks()
TOPIC_HOOKS: dict[str, list[str]] = {
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
    "customer.created": ["user_register", "woocommerce_created_customer", "woocommerce_new_customer"],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "order.created": ["woocommerce_new_order"],
    "order.updated": ["woocommerce_update_order", "woocommerce_order_refunded", "woocommerce_delete_order_refund"],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
}


def local_date(state: State, when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(state.settings.zone).strftime("%Y-%m-%dT%H:%M:%S")


def gmt_date(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _dates(state: State, name: str, when: datetime | None) -> dict[str, str | None]:
    return {name: local_date(state, when), f"{name}_gmt": gmt_date(when)}


def links(state: State, path: str, collection: str, **extra: str) -> dict[str, list[dict[str, str]]]:
    base = state.home_url + API
    out = {"self": [{"href": f"{base}/{path}"}], "collection": [{"href": f"{base}/{collection}"}]}
    for rel, target in extra.items():
        out[rel] = [{"href": f"{base}/{target}"}]
    return out


def number(value: Decimal) -> int | float:
    """A PHP number as ``json_encode`` prints it: an integer when whole, else the double."""
    return int(value) if value == value.to_integral_value() else float(value)


def _item_price(total_text: str, quantity: int) -> int | float:
    """``$item->get_total() / $item->get_quantity()``: the stored string divided in PHP."""
    if not quantity:
        return 0
    exact = Decimal(total_text) / quantity
    return int(exact) if exact == exact.to_integral_value() else float(total_text) / quantity


def _taxes(taxes: dict[int, Decimal], subtotals: dict[int, Decimal] | None, decimals: int) -> list[dict[str, Any]]:
    return [
        {
            "id": rate_id,
            "total": raw(tax, decimals),
            "subtotal": raw(subtotals[rate_id], decimals) if subtotals is not None and rate_id in subtotals else "",
        }
        for rate_id, tax in taxes.items()
    ]


def _product_of(state: State, product_id: int, variation_id: int) -> tuple[Product | None, Variation | None]:
    product = state.products.get(product_id)
    variation = state.variations.get(variation_id) if variation_id else None
    return product, variation


def _sku(state: State, product_id: int, variation_id: int) -> str | None:
    product, variation = _product_of(state, product_id, variation_id)
    if variation_id:
        if variation is None:
            return None
        return variation.sku or (product.sku if product else "")
    return product.sku if product else None


def _tax_rounding(order: Order) -> str:
    return HALF_DOWN if order.prices_include_tax else HALF_UP


# --- orders ---------------------------------------------------------------------------------
def order_json(state: State, order: Order, dp: int | None = None) -> dict[str, Any]:
    decimals = state.settings.decimals
    dp = decimals if dp is None else dp
    t = order.totals
    items = {i.key: i for i in t.items}
    fees = {f.key: f for f in t.fees}
    ships = {s.key: s for s in t.shipping}
    home = state.home_url
    line_items = []
    for line in order.lines:
        it = items[line.id]
        product, variation = _product_of(state, line.product_id, line.variation_id)
        line_items.append(
            {
                "id": line.id,
                "name": line.name,
                "product_id": line.product_id,
                "variation_id": line.variation_id,
                "quantity": line.quantity,
                "tax_class": line.tax_class,
                "subtotal": fixed(it.subtotal, dp),
                "subtotal_tax": fixed(it.subtotal_tax, dp),
                "total": fixed(it.total, dp),
                "total_tax": fixed(it.total_tax, dp),
                "taxes": _taxes(it.taxes, it.subtotal_taxes, decimals),
                "meta_data": line.meta_data,
                "sku": _sku(state, line.product_id, line.variation_id),
                "price": _item_price(raw(it.total, decimals), line.quantity),
                "image": {"id": "", "src": ""},
                "parent_name": product.name if variation is not None and product is not None else None,
            }
        )
    rates = state.tax_rates
    tax_lines = []
    for tl in t.tax_lines:
        rate = rates.get(tl.rate_id) or TaxRate(tl.rate_id, ZERO)
        tax_lines.append(
            {
                "id": order.tax_line_ids.get(tl.rate_id, 0),
                "rate_code": rate.code,
                "rate_id": tl.rate_id,
                "label": rate.label,
                "compound": rate.compound,
                "tax_total": fixed(tl.tax_total, dp),
                "shipping_tax_total": fixed(tl.shipping_tax_total, dp),
                "rate_percent": number(rate.rate),
                "meta_data": [],
            }
        )
    shipping_lines = [
        {
            "id": s.id,
            "method_title": s.method_title,
            "method_id": s.method_id,
            "instance_id": s.instance_id,
            "total": fixed(ships[s.id].total, dp),
            "total_tax": fixed(ships[s.id].total_tax, dp),
            "taxes": _taxes(ships[s.id].taxes, None, decimals),
            "meta_data": [],
        }
        for s in order.shipping_lines
    ]
    fee_lines = [
        {
            "id": f.id,
            "name": f.name,
            "tax_class": f.tax_class if f.taxable else "",
            "tax_status": "taxable" if f.taxable else "none",
            "amount": raw(f.amount, decimals),
            "total": fixed(fees[f.id].total, dp),
            "total_tax": fixed(fees[f.id].total_tax, dp),
            "taxes": _taxes(fees[f.id].taxes, None, decimals),
            "meta_data": [],
        }
        for f in order.fees
    ]
    coupon_totals = {c.code: c for c in t.coupons}
    coupon_lines: list[dict[str, Any]] = [
        {
            "id": c.id,
            "code": c.code,
            "discount": raw(coupon_totals[c.code].discount, decimals),
            "discount_tax": raw(coupon_totals[c.code].discount_tax, decimals),
            "discount_type": c.discount_type,
            "nominal_amount": number(c.amount),
            "free_shipping": False,
            "meta_data": [],
        }
        for c in order.coupons
        if c.code in coupon_totals
    ]
    refunds = [state.refunds[r] for r in reversed(order.refund_ids) if r in state.refunds]
    extra_links = {"customer": f"customers/{order.customer_id}"} if order.customer_id else {}
    return {
        "id": order.id,
        "parent_id": 0,
        "number": order.number,
        "order_key": order.order_key,
        "created_via": order.created_via,
        "version": "9.4.2",
        "status": order.status,
        "currency": order.currency,
        **_dates(state, "date_created", order.date_created),
        **_dates(state, "date_modified", order.date_modified),
        "discount_total": fixed(t.discount_total, dp),
        "discount_tax": fixed(t.discount_tax, dp),
        "shipping_total": fixed(t.shipping_total, dp),
        "shipping_tax": fixed(t.shipping_tax, dp),
        "cart_tax": fixed(t.cart_tax, dp),
        "total": fixed(t.total, dp),
        "total_tax": fixed(t.total_tax, dp),
        "prices_include_tax": order.prices_include_tax,
        "customer_id": order.customer_id,
        "customer_ip_address": order.customer_ip_address,
        "customer_user_agent": order.customer_user_agent,
        "customer_note": order.customer_note,
        "billing": dict(order.billing),
        "shipping": dict(order.shipping),
        "payment_method": order.payment_method,
        "payment_method_title": order.payment_method_title,
        "transaction_id": order.transaction_id,
        **_dates(state, "date_paid", order.date_paid),
        **_dates(state, "date_completed", order.date_completed),
        "cart_hash": "",
        "meta_data": order.meta_data,
        "line_items": line_items,
        "tax_lines": tax_lines,
        "shipping_lines": shipping_lines,
        "fee_lines": fee_lines,
        "coupon_lines": coupon_lines,
        "refunds": [{"id": r.id, "reason": r.reason, "total": "-" + fixed(r.amount, dp)} for r in refunds],
        "payment_url": f"{home}checkout/order-pay/{order.id}/?pay_for_order=true&key={order.order_key}",
        "is_editable": order.status in ("pending", "on-hold", "auto-draft", "checkout-draft"),
        "needs_payment": order.status in ("pending", "failed") and t.total > 0,
        "needs_processing": any(line.needs_shipping for line in order.lines),
        "currency_symbol": state.settings.currency_symbol,
        "_links": links(state, f"orders/{order.id}", "orders", **extra_links),
    }


# --- refunds --------------------------------------------------------------------------------
def _refund_line(state: State, refund: Refund, line: RefundLine, dp: int, mode: str) -> dict[str, Any]:
    decimals = state.settings.decimals
    taxes = {k: -v for k, v in line.taxes.items()}
    tax_total = sum((php_round(v, decimals, mode) for v in taxes.values()), ZERO)
    if state.settings.tax_round_at_subtotal:
        tax_total = sum(taxes.values(), ZERO)
    meta = [{"id": line.meta_id, "key": "_refunded_item_id", "value": str(line.refunded_item_id)}]
    common = {"total": fixed(-line.total, dp), "total_tax": fixed(tax_total, dp)}
    if line.kind == "shipping":
        return {
            "id": line.id,
            "method_title": line.name,
            "method_id": "",
            "instance_id": "",
            **common,
            "taxes": _taxes(taxes, None, decimals),
            "meta_data": meta,
        }
    if line.kind == "fee":
        return {
            "id": line.id,
            "name": line.name,
            "tax_class": line.tax_class,
            "tax_status": "taxable",
            **common,
            "taxes": _taxes(taxes, None, decimals),
            "meta_data": meta,
        }
    product, variation = _product_of(state, line.product_id, line.variation_id)
    return {
        "id": line.id,
        "name": line.name,
        "product_id": line.product_id,
        "variation_id": line.variation_id,
        "quantity": -line.quantity,
        "tax_class": line.tax_class,
        "subtotal": fixed(-line.total, dp),
        "subtotal_tax": fixed(tax_total, dp),
        **common,
        "taxes": _taxes(taxes, taxes, decimals),
        "meta_data": meta,
        "sku": _sku(state, line.product_id, line.variation_id),
        "price": _item_price(raw(-line.total, decimals), -line.quantity),
        "image": {"id": "", "src": ""},
        "parent_name": product.name if variation is not None and product is not None else None,
    }


def refund_json(state: State, refund: Refund, dp: int | None = None) -> dict[str, Any]:
    dp = state.settings.decimals if dp is None else dp
    order = state.orders.get(refund.order_id)
    mode = _tax_rounding(order) if order else HALF_UP
    kinds: dict[str, list[dict[str, Any]]] = {"line_item": [], "shipping": [], "fee": []}
    for line in refund.lines:
        kinds[line.kind].append(_refund_line(state, refund, line, dp, mode))
    return {
        "id": refund.id,
        **_dates(state, "date_created", refund.date_created),
        "amount": fixed(refund.amount, dp),
        "reason": refund.reason,
        "refunded_by": refund.refunded_by,
        "refunded_payment": refund.refunded_payment,
        "meta_data": [],
        "line_items": kinds["line_item"],
        "shipping_lines": kinds["shipping"],
        "tax_lines": [],
        "fee_lines": kinds["fee"],
        "_links": links(
            state,
            f"orders/{refund.order_id}/refunds/{refund.id}",
            f"orders/{refund.order_id}/refunds",
            up=f"orders/{refund.order_id}",
        ),
    }


# --- customers ------------------------------------------------------------------------------
def customer_json(state: State, customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        **_dates(state, "date_created", customer.date_created),
        **_dates(state, "date_modified", customer.date_modified),
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "role": customer.role,
        "username": customer.username,
        "billing": dict(customer.billing),
        "shipping": dict(customer.shipping),
        "is_paying_customer": customer.is_paying_customer,
        "avatar_url": "https://secure.gravatar.com/avatar/?s=96&d=mm&r=g",
        "meta_data": customer.meta_data,
        "_links": links(state, f"customers/{customer.id}", "customers"),
    }


# --- products -------------------------------------------------------------------------------
def _money_text(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _stock_status(manage: bool, quantity: int | None) -> str:
    return "outofstock" if manage and (quantity or 0) <= 0 else "instock"


def _slug(name: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def product_json(state: State, product: Product) -> dict[str, Any]:
    variations = [state.variations[v] for v in product.variation_ids if v in state.variations]
    if product.type == "variable":
        prices = [v.price for v in variations if v.price is not None]
        price = min(prices) if prices else None
        regular, sale = None, None
    else:
        price, regular, sale = product.price, product.regular_price, product.sale_price
    slug = _slug(product.name)
    return {
        "id": product.id,
        "name": product.name,
        "slug": slug,
        "permalink": f"{state.home_url}product/{slug}/",
        **_dates(state, "date_created", product.date_created),
        **_dates(state, "date_modified", product.date_modified),
        "type": product.type,
        "status": product.status,
        "featured": False,
        "catalog_visibility": "visible",
        "description": "",
        "short_description": "",
        "sku": product.sku,
        "price": _money_text(price),
        "regular_price": _money_text(regular),
        "sale_price": _money_text(sale),
        "on_sale": sale is not None,
        "purchasable": price is not None,
        "total_sales": product.total_sales,
        "virtual": product.virtual,
        "downloadable": False,
        "tax_status": product.tax_status,
        "tax_class": product.tax_class,
        "manage_stock": product.manage_stock,
        "stock_quantity": product.stock_quantity if product.manage_stock else None,
        "stock_status": _stock_status(product.manage_stock, product.stock_quantity),
        "backorders": "no",
        "backorders_allowed": False,
        "backordered": False,
        "sold_individually": False,
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_required": not product.virtual,
        "shipping_taxable": not product.virtual and product.tax_status in ("taxable", "shipping"),
        "parent_id": 0,
        "categories": [],
        "tags": [],
        "images": [],
        "attributes": product.attributes,
        "default_attributes": [],
        "variations": [v.id for v in variations],
        "menu_order": 0,
        "meta_data": [],
        "_links": links(state, f"products/{product.id}", "products"),
    }


def variation_json(state: State, variation: Variation) -> dict[str, Any]:
    parent = state.products.get(variation.parent_id)
    tax_class = (parent.tax_class if parent else "") if variation.tax_class == "parent" else variation.tax_class
    return {
        "id": variation.id,
        "type": "variation",
        "name": variation_name(parent.name if parent else "", variation),
        "parent_id": variation.parent_id,
        **_dates(state, "date_created", variation.date_created),
        **_dates(state, "date_modified", variation.date_modified),
        "description": "",
        "permalink": f"{state.home_url}?p={variation.id}",
        "sku": variation.sku,
        "price": _money_text(variation.price),
        "regular_price": _money_text(variation.regular_price),
        "sale_price": _money_text(variation.sale_price),
        "on_sale": variation.sale_price is not None,
        "status": variation.status,
        "purchasable": variation.price is not None,
        "virtual": variation.virtual,
        "downloadable": False,
        "tax_status": variation.tax_status,
        "tax_class": tax_class,
        "manage_stock": variation.manage_stock,
        "stock_quantity": variation.stock_quantity if variation.manage_stock else None,
        "stock_status": _stock_status(variation.manage_stock, variation.stock_quantity),
        "backorders": "no",
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "image": None,
        "attributes": [{"id": 0, "name": a["name"], "option": a["option"]} for a in variation.attributes],
        "menu_order": 0,
        "meta_data": [],
        "_links": links(
            state,
            f"products/{variation.parent_id}/variations/{variation.id}",
            f"products/{variation.parent_id}/variations",
            up=f"products/{variation.parent_id}",
        ),
    }


def variation_name(parent_name: str, variation: Variation) -> str:
    """``wc_get_formatted_variation`` in a title: "Parent - Red, Large" (&ndash; as WordPress writes it)."""
    options = ", ".join(a["option"] for a in variation.attributes if a.get("option"))
    return f"{parent_name} &ndash; {options}" if options else parent_name


# --- taxes and webhooks ---------------------------------------------------------------------
def tax_rate_json(state: State, rate: TaxRate) -> dict[str, Any]:
    return {
        "id": rate.id,
        "country": rate.country,
        "state": rate.state,
        "postcode": rate.postcodes[0] if rate.postcodes else "",
        "city": rate.cities[0] if rate.cities else "",
        "postcodes": list(rate.postcodes),
        "cities": list(rate.cities),
        "rate": format(php_round(rate.rate, 4), "f"),
        "name": rate.name,
        "priority": rate.priority,
        "compound": rate.compound,
        "shipping": rate.shipping,
        "order": rate.order,
        "class": rate.tax_class or "standard",
        "_links": links(state, f"taxes/{rate.id}", "taxes"),
    }


def webhook_json(state: State, webhook: Webhook, *, edit: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": webhook.id,
        "name": webhook.name,
        "status": webhook.status,
        "topic": webhook.topic,
        "resource": webhook.resource,
        "event": webhook.event,
        "hooks": TOPIC_HOOKS.get(webhook.topic, []),
        "delivery_url": webhook.delivery_url,
        **_dates(state, "date_created", webhook.date_created),
        **_dates(state, "date_modified", webhook.date_modified),
        "_links": links(state, f"webhooks/{webhook.id}", "webhooks"),
    }
    if edit:
        out["secret"] = webhook.secret
    return out


def coupon_json(state: State, coupon: Coupon) -> dict[str, Any]:
    return {
        "id": coupon.id,
        "code": coupon.code,
        "amount": format(php_round(coupon.amount, 2), "f"),
        **_dates(state, "date_created", coupon.date_created),
        **_dates(state, "date_modified", coupon.date_modified),
        "discount_type": coupon.discount_type,
        "usage_count": coupon.usage_count,
        "product_ids": list(coupon.product_ids),
        "excluded_product_ids": list(coupon.excluded_product_ids),
        "_links": links(state, f"coupons/{coupon.id}", "coupons"),
    }
