"""Webhook bodies: Shopify serialises webhooks in the REST Admin API's representation (snake_case,
money as strings with a ``*_set`` in both currencies, numeric ids beside ``admin_graphql_api_id``),
the shapes of the docs samples in ../shared/fixtures/shopify/ (webhook reference 2026-07).

Kept: every field of the samples a sync could read; left out: fulfilment, marketing and browser
fields (README). ``refund_line_items[].subtotal``/``total_tax`` are JSON numbers, as in the sample.
"""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local.shopify_store.arithmetic import (
    financial_status,
    line_discount,
    order_tax_lines,
    removed_by_edits,
    removed_quantity,
    totals,
)
from local.shopify_store.model import (
    Address,
    Customer,
    LineItem,
    Order,
    OrderEdit,
    Product,
    Refund,
    TaxLine,
    Transaction,
    Variant,
    gid,
)
from local.shopify_store.money import Bag, Currencies, rest_set, rest_text

if TYPE_CHECKING:
    from local.shopify_store.store import ShopifyStore


def when(value: datetime | None, offset_hours: int = 0) -> str | None:
    """A REST date: the shop's time zone with its offset ("2021-12-31T19:00:00-05:00")."""
    if value is None:
        return None
    return value.astimezone(timezone(timedelta(hours=offset_hours))).isoformat(timespec="seconds")


def _money(bag: Bag, c: Currencies) -> tuple[str, dict[str, Any]]:
    return rest_text(bag.shop, c.shop), rest_set(bag, c)


def address(a: Address | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "first_name": a.first_name, "last_name": a.last_name, "name": f"{a.first_name} {a.last_name}".strip(),
        "address1": a.address1, "address2": None, "city": a.city, "province": a.province,
        "province_code": a.province_code, "country": a.country, "country_code": a.country_code, "zip": a.zip,
        "phone": a.phone, "company": a.company, "latitude": None, "longitude": None,
    }  # fmt: skip


def tax_line(t: TaxLine, c: Currencies) -> dict[str, Any]:
    price, price_set = _money(t.price, c)
    return {"title": t.title, "price": price, "rate": float(t.rate), "channel_liable": t.channel_liable,
            "price_set": price_set}  # fmt: skip


def line_item(li: LineItem, c: Currencies, refunded: int = 0) -> dict[str, Any]:
    price, price_set = _money(li.unit_price, c)
    discount, discount_set = _money(line_discount(li), c)
    return {
        "id": li.id, "admin_graphql_api_id": gid("LineItem", li.id), "name": li.title
        + (f" - {li.variant_title}" if li.variant_title else ""), "title": li.title, "price": price,
        "price_set": price_set, "quantity": li.quantity, "current_quantity": li.quantity - refunded,
        "fulfillable_quantity": li.quantity - refunded, "sku": li.sku, "variant_id": li.variant_id,
        "product_id": li.product_id, "product_exists": li.product_id is not None, "variant_title": li.variant_title,
        "vendor": li.vendor, "taxable": li.taxable, "gift_card": li.gift_card,
        "requires_shipping": li.requires_shipping,
        "total_discount": discount, "total_discount_set": discount_set, "fulfillment_status": None, "properties": [],
        "tax_lines": [tax_line(t, c) for t in li.tax_lines],
        "discount_allocations": [
            {"amount": rest_text(a.amount.shop, c.shop), "amount_set": rest_set(a.amount, c),
             "discount_application_index": a.application_index}
            for a in li.discount_allocations
        ],
        "duties": [
            {"id": str(d.id), "harmonized_system_code": d.harmonized_system_code,
             "country_code_of_origin": d.country_code_of_origin, "shop_money": rest_set(d.price, c)["shop_money"],
             "presentment_money": rest_set(d.price, c)["presentment_money"], "tax_lines": [],
             "admin_graphql_api_id": gid("Duty", d.id)}
            for d in li.duties
        ],
    }  # fmt: skip


def transaction(t: Transaction, order: Order, tz: int) -> dict[str, Any]:
    c = order.currencies
    return {
        "id": t.id, "order_id": order.id, "kind": t.kind.lower(), "gateway": t.gateway, "status": t.status.lower(),
        "message": None, "created_at": when(t.processed_at, tz), "processed_at": when(t.processed_at, tz),
        "test": t.test, "authorization": None, "location_id": None, "user_id": None, "parent_id": t.parent_id,
        "device_id": None, "error_code": t.error_code.lower() if t.error_code else None, "source_name": "web",
        "receipt": {}, "amount": rest_text(t.amount.presentment, c.presentment), "currency": c.presentment,
        "payment_id": f"{order.name}.{t.id % 1000}", "manual_payment_gateway": t.gateway == "manual",
        "admin_graphql_api_id": gid("OrderTransaction", t.id),
    }  # fmt: skip


def refund(r: Refund, order: Order, tz: int) -> dict[str, Any]:
    c = order.currencies
    lines = {li.id: li for li in order.line_items}
    return {
        "id": r.id, "order_id": order.id, "created_at": when(r.created_at, tz), "note": r.note, "user_id": None,
        "processed_at": when(r.created_at, tz), "restock": r.restock, "duties": [], "return": None,
        "total_duties_set": rest_set(Bag(Decimal(0), Decimal(0)), c),
        "admin_graphql_api_id": gid("Refund", r.id),
        "refund_line_items": [
            {"id": x.id, "quantity": x.quantity, "line_item_id": x.line_item_id, "location_id": None,
             "restock_type": x.restock_type.lower(), "subtotal": float(x.subtotal.shop),
             "total_tax": float(x.total_tax.shop), "subtotal_set": rest_set(x.subtotal, c),
             "total_tax_set": rest_set(x.total_tax, c), "line_item": line_item(lines[x.line_item_id], c)}
            for x in r.line_items
        ],
        "refund_shipping_lines": [
            {"id": s.id, "shipping_line_id": s.shipping_line_id, "subtotal_amount_set": rest_set(s.subtotal, c),
             "tax_amount_set": rest_set(s.tax, c)}
            for s in r.shipping_lines
        ],
        "order_adjustments": [
            {"id": a.id, "order_id": order.id, "refund_id": r.id, "amount": rest_text(a.amount.shop, c.shop),
             "tax_amount": rest_text(a.tax_amount.shop, c.shop), "kind": "refund_discrepancy",
             "reason": "Refund discrepancy", "amount_set": rest_set(a.amount, c),
             "tax_amount_set": rest_set(a.tax_amount, c)}
            for a in r.adjustments
        ],
        "transactions": [transaction(t, order, tz) for t in r.transactions],
    }  # fmt: skip


def order_edit(e: OrderEdit, o: Order, tz: int) -> dict[str, Any]:
    """The orders/edited body: the edit, not the order (the docs' sample)."""
    return {
        "order_edit": {
            "id": e.id, "app_id": None, "created_at": when(e.committed_at, tz),
            "committed_at": when(e.committed_at, tz), "notify_customer": False, "order_id": o.id,
            "staff_note": e.staff_note, "user_id": None,
            "line_items": {"additions": [], "removals": [{"id": x.line_item_id, "delta": x.quantity}
                                                         for x in e.removals]},
            "discounts": {"line_item": {"additions": [], "removals": []}},
            "shipping_lines": {"additions": [], "removals": []},
        }
    }  # fmt: skip


def order(o: Order, store: "ShopifyStore") -> dict[str, Any]:
    c, tz, t = o.currencies, store.utc_offset, totals(o)
    refunded_lines: dict[int, int] = {}
    for r in o.refunds:
        for x in r.line_items:
            refunded_lines[x.line_item_id] = refunded_lines.get(x.line_item_id, 0) + x.quantity
    for li in o.line_items:  # units an order edit removed are gone from current_quantity too
        refunded_lines[li.id] = refunded_lines.get(li.id, 0) + removed_quantity(o, li.id)
    edited, edited_tax = removed_by_edits(o)
    removed = edited + (Bag(Decimal(0), Decimal(0)) if o.taxes_included else edited_tax) + sum(
        (x.subtotal + (Bag(Decimal(0), Decimal(0)) if o.taxes_included else x.total_tax) for r in o.refunds
         for x in r.line_items), Bag(Decimal(0), Decimal(0)),
    ) + t.refunded_shipping  # fmt: skip
    out: dict[str, Any] = {
        "id": o.id, "admin_graphql_api_id": gid("Order", o.id), "name": o.name, "number": o.number - 1000,
        "order_number": o.number, "email": o.email, "contact_email": o.email, "created_at": when(o.created_at, tz),
        "updated_at": when(o.updated_at, tz), "processed_at": when(o.processed_at or o.created_at, tz),
        "cancelled_at": when(o.cancelled_at, tz), "cancel_reason": o.cancel_reason.lower() if o.cancel_reason else None,
        "closed_at": when(o.closed_at, tz), "currency": c.shop, "presentment_currency": c.presentment,
        "financial_status": financial_status(o).lower(), "fulfillment_status": None, "confirmed": True,
        "taxes_included": o.taxes_included, "tax_exempt": o.tax_exempt, "duties_included": o.duties_included,
        "test": o.test, "note": o.note, "tags": ", ".join(o.tags), "source_name": o.source_name,
        "payment_gateway_names": sorted({x.gateway for x in o.transactions}),
        "discount_codes": [
            {"code": d.label, "amount": rest_text(sum((a.amount.shop for li in o.line_items
                                                          for a in li.discount_allocations
                                                          if a.application_index == d.index), Decimal(0)), c.shop),
             "type": d.value_type}
            for d in o.discount_applications if d.kind == "DiscountCodeApplication"
        ],
        "discount_applications": [
            {"type": {"DiscountCodeApplication": "discount_code", "ManualDiscountApplication": "manual",
                      "AutomaticDiscountApplication": "automatic"}[d.kind],
             "code" if d.kind == "DiscountCodeApplication" else "title": d.label,
             "value": rest_text(d.value, c.presentment), "value_type": d.value_type,
             "allocation_method": d.allocation_method.lower(), "target_selection": d.target_selection.lower(),
             "target_type": d.target_type.lower()}
            for d in o.discount_applications
        ],
        "tax_lines": [tax_line(x, c) for x in order_tax_lines(o)],
        "line_items": [line_item(li, c, refunded_lines.get(li.id, 0)) for li in o.line_items],
        "shipping_lines": [
            {"id": s.id, "title": s.title, "code": s.code, "source": "shopify",
             "price": rest_text(s.price.shop, c.shop),
             "price_set": rest_set(s.price, c),
             "discounted_price": rest_text((s.price - sum_alloc(s)).shop, c.shop),
             "discounted_price_set": rest_set(s.price - sum_alloc(s), c), "is_removed": False,
             "tax_lines": [tax_line(x, c) for x in s.tax_lines], "carrier_identifier": None,
             "discount_allocations": [
                 {"amount": rest_text(a.amount.shop, c.shop), "amount_set": rest_set(a.amount, c),
                  "discount_application_index": a.application_index} for a in s.discount_allocations]}
            for s in o.shipping_lines
        ],
        "refunds": [refund(r, o, tz) for r in o.refunds],
        "customer": customer(store.customers[o.customer_id], store, brief=True)
        if o.customer_id in store.customers else None,
        "billing_address": address(o.billing_address), "shipping_address": address(o.shipping_address),
        "original_total_duties_set": rest_set(t.duties, c) if not t.duties.is_zero else None,
        "current_total_duties_set": rest_set(t.duties, c) if not t.duties.is_zero else None,
        "total_tip_received": rest_text(t.tip.presentment, c.presentment),
        "total_shipping_price_set": rest_set(t.shipping, c),  # before shipping discounts, as the sample
    }  # fmt: skip
    for key, bag in (("total_price", t.total), ("subtotal_price", t.subtotal), ("total_tax", t.tax),
                     ("total_discounts", t.discounts), ("total_line_items_price", t.line_items),
                     ("current_total_price", t.total - removed), ("current_subtotal_price", t.subtotal - removed),
                     ("total_outstanding", t.outstanding)):  # fmt: skip
        out[key], out[f"{key}_set"] = _money(bag, c)
    del out["total_outstanding_set"]  # the sample has the string only
    return out


def sum_alloc(s: Any) -> Bag:
    return sum((a.amount for a in s.discount_allocations), Bag(Decimal(0), Decimal(0)))


def customer(cu: Customer, store: "ShopifyStore", brief: bool = False) -> dict[str, Any]:
    tz = store.utc_offset
    out: dict[str, Any] = {
        "id": cu.id, "email": cu.email, "created_at": when(cu.created_at, tz), "updated_at": when(cu.updated_at, tz),
        "first_name": cu.first_name, "last_name": cu.last_name, "state": cu.state.lower(), "note": cu.note,
        "verified_email": True, "multipass_identifier": None, "tax_exempt": cu.tax_exempt, "phone": cu.phone,
        "currency": store.currency, "tax_exemptions": [], "admin_graphql_api_id": gid("Customer", cu.id),
        "default_address": None,
    }  # fmt: skip
    if cu.address is not None:
        out["default_address"] = {
            "id": cu.id + 1, "customer_id": cu.id, **(address(cu.address) or {}),
            "country_name": cu.address.country, "default": True,
        }  # fmt: skip
    if not brief:
        out["addresses"] = [out["default_address"]] if out["default_address"] else []
    return out


def variant(v: Variant, tz: int) -> dict[str, Any]:
    return {
        "admin_graphql_api_id": gid("ProductVariant", v.id), "barcode": v.barcode,
        "compare_at_price": str(v.compare_at_price) if v.compare_at_price is not None else None,
        "created_at": when(v.created_at, tz), "id": v.id, "inventory_policy": "deny", "position": v.position,
        "price": str(v.price), "product_id": v.product_id, "sku": v.sku, "taxable": v.taxable, "title": v.title,
        "updated_at": when(v.updated_at, tz), "option1": v.title, "option2": None, "option3": None,
        "image_id": None, "inventory_item_id": v.inventory_item_id, "inventory_quantity": v.inventory_quantity,
        "old_inventory_quantity": v.inventory_quantity,
    }  # fmt: skip


def product(p: Product, store: "ShopifyStore") -> dict[str, Any]:
    tz = store.utc_offset
    return {
        "admin_graphql_api_id": gid("Product", p.id), "body_html": "", "created_at": when(p.created_at, tz),
        "handle": p.handle, "id": p.id, "product_type": p.product_type, "published_at": when(p.created_at, tz),
        "template_suffix": None, "title": p.title, "updated_at": when(p.updated_at, tz), "vendor": p.vendor,
        "status": p.status.lower(), "published_scope": "web", "tags": "",
        "variants": [variant(v, tz) for v in p.variants], "options": [], "images": [], "image": None, "media": [],
        "variant_gids": [
            {"admin_graphql_api_id": gid("ProductVariant", v.id), "updated_at": v.updated_at.isoformat()}
            for v in p.variants
        ],
        "has_variants_that_requires_components": False, "category": None,
    }  # fmt: skip


def shop(store: "ShopifyStore") -> dict[str, Any]:
    """The Shop object (app/uninstalled carries it)."""
    return {
        "id": store.shop_id, "name": store.name, "email": f"owner@{store.domain}", "domain": store.domain,
        "myshopify_domain": store.domain, "country": "US", "currency": store.currency,
        "iana_timezone": "UTC", "timezone": "(GMT+00:00) UTC", "shop_owner": "Simulated Owner",
        "taxes_included": store.taxes_included, "plan_name": "basic", "plan_display_name": "Basic",
        "enabled_presentment_currencies": sorted(store.presentment_currencies), "created_at": None,
        "updated_at": None, "primary_locale": "en", "has_gift_cards": True, "eligible_for_payments": True,
    }  # fmt: skip
