"""Shopify's REST-shaped records (webhook bodies, the docs samples) in the Admin GraphQL API's
shape, so :mod:`.mapping` reads one shape (pure).

Webhook bodies are "serialised at the subscription's API version" in the REST representation
(https://shopify.dev/docs/api/webhooks/2026-07). What they lack, and what is lost when the sync
must read one without the Admin API (no credentials yet):

* an order body has **no transactions**: no payments by gateway and no paid date, so a paid
  order is invoiced and its payment waits until the order is read from the API;
* a refund's transactions carry one amount in the currency they name (``currency``; the
  presentment currency): both sides of the money bag get it;
* a customer body has no ``updated_at`` on its addresses (the default address is used).
"""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

Record = Mapping[str, Any]


def _gid(kind: str, value: Any) -> str | None:
    return f"gid://shopify/{kind}/{value}" if value not in (None, "") else None


def _ref(kind: str, value: Any, **more: Any) -> dict[str, Any] | None:
    gid = _gid(kind, value)
    return {"id": gid, "legacyResourceId": str(value), **more} if gid else None


def bag(value_set: Any, amount: Any = None) -> dict[str, Any] | None:
    """A REST ``*_set`` (``{shop_money: {amount, currency_code}, presentment_money}``) as a
    GraphQL MoneyBag; a bare amount fills both sides."""
    if isinstance(value_set, Mapping):
        sides = {}
        for rest, graph in (("shop_money", "shopMoney"), ("presentment_money", "presentmentMoney")):
            side = value_set.get(rest) or {}
            sides[graph] = {"amount": str(side.get("amount")), "currencyCode": side.get("currency_code")}
        return sides
    if amount in (None, ""):
        return None
    side = {"amount": str(amount), "currencyCode": None}
    return {"shopMoney": side, "presentmentMoney": dict(side)}


def _times(value_set: Any, price: Any, quantity: int) -> dict[str, Any] | None:
    unit = bag(value_set, price)
    if unit is None:
        return None
    return {
        k: {"amount": str(Decimal(str(v["amount"])) * quantity), "currencyCode": v["currencyCode"]}
        for k, v in unit.items()
    }


def _tax_lines(lines: Any) -> list[dict[str, Any]]:
    return [
        {"title": t.get("title"), "rate": t.get("rate"), "priceSet": bag(t.get("price_set"), t.get("price"))}
        for t in lines or ()
    ]


def _allocations(allocations: Any) -> list[dict[str, Any]]:
    return [
        {
            "allocatedAmountSet": bag(a.get("amount_set"), a.get("amount")),
            "discountApplication": {"index": a.get("discount_application_index")},
        }
        for a in allocations or ()
    ]


def address(a: Any) -> dict[str, Any] | None:
    if not isinstance(a, Mapping):
        return None
    return {
        "firstName": a.get("first_name"),
        "lastName": a.get("last_name"),
        "company": a.get("company"),
        "address1": a.get("address1"),
        "address2": a.get("address2"),
        "city": a.get("city"),
        "province": a.get("province"),
        "provinceCode": a.get("province_code"),
        "zip": a.get("zip"),
        "country": a.get("country"),
        "countryCodeV2": a.get("country_code"),
        "phone": a.get("phone"),
    }


def transaction(t: Record) -> dict[str, Any]:
    return {
        "id": t.get("admin_graphql_api_id") or _gid("OrderTransaction", t.get("id")),
        "kind": str(t.get("kind") or "").upper(),
        "status": str(t.get("status") or "").upper(),
        "gateway": t.get("gateway"),
        "formattedGateway": t.get("gateway"),
        "authorizationCode": t.get("authorization"),
        "processedAt": t.get("processed_at") or t.get("created_at"),
        "createdAt": t.get("created_at"),
        "amountSet": bag(t.get("amount_set"), t.get("amount")),
    }


def _line_item(item: Record) -> dict[str, Any]:
    quantity = int(item.get("quantity") or 0)
    return {
        "id": item.get("admin_graphql_api_id") or _gid("LineItem", item.get("id")),
        "legacyResourceId": str(item.get("id")),
        "name": item.get("name"),
        "title": item.get("title"),
        "sku": item.get("sku"),
        "quantity": quantity,
        "currentQuantity": item.get("current_quantity", quantity),
        "isGiftCard": bool(item.get("gift_card")),
        "requiresShipping": bool(item.get("requires_shipping")),
        "taxable": bool(item.get("taxable")),
        "variant": _ref("ProductVariant", item.get("variant_id"), sku=item.get("sku")),
        "product": _ref("Product", item.get("product_id")),
        "originalUnitPriceSet": bag(item.get("price_set"), item.get("price")),
        "originalTotalSet": _times(item.get("price_set"), item.get("price"), quantity),
        "discountAllocations": _allocations(item.get("discount_allocations")),
        "taxLines": _tax_lines(item.get("tax_lines")),
        "duties": [
            {
                "id": d.get("admin_graphql_api_id") or _gid("Duty", d.get("id")),
                "price": bag(d.get("price_set")),
                "taxLines": _tax_lines(d.get("tax_lines")),
            }
            for d in item.get("duties") or ()
        ],
    }


def _shipping_line(line: Record) -> dict[str, Any]:
    return {
        "id": _gid("ShippingLine", line.get("id")),
        "legacyResourceId": str(line.get("id")),
        "title": line.get("title"),
        "code": line.get("code"),
        "isRemoved": bool(line.get("is_removed")),
        "originalPriceSet": bag(line.get("price_set"), line.get("price")),
        "discountedPriceSet": bag(line.get("discounted_price_set"), line.get("discounted_price")),
        "discountAllocations": _allocations(line.get("discount_allocations")),
        "taxLines": _tax_lines(line.get("tax_lines")),
    }


def refund(r: Record) -> dict[str, Any]:
    """A REST refund (refunds/create, or an order's ``refunds``) in the GraphQL shape."""
    return {
        "id": r.get("admin_graphql_api_id") or _gid("Refund", r.get("id")),
        "legacyResourceId": str(r.get("id")),
        "createdAt": r.get("created_at"),
        "note": r.get("note"),
        "refundLineItems": {
            "nodes": [
                {
                    "id": _gid("RefundLineItem", i.get("id")),
                    "quantity": i.get("quantity"),
                    "restockType": str(i.get("restock_type") or "").upper(),
                    "lineItem": {
                        **(_ref("LineItem", i.get("line_item_id")) or {}),
                        "name": (i.get("line_item") or {}).get("name"),
                        "isGiftCard": bool((i.get("line_item") or {}).get("gift_card")),
                    },
                    "subtotalSet": bag(i.get("subtotal_set"), i.get("subtotal")),
                    "totalTaxSet": bag(i.get("total_tax_set"), i.get("total_tax")),
                }
                for i in r.get("refund_line_items") or ()
            ]
        },
        "refundShippingLines": {
            "nodes": [
                {
                    "id": _gid("RefundShippingLine", s.get("id")),
                    "shippingLine": _ref("ShippingLine", s.get("shipping_line_id")),
                    "subtotalAmountSet": bag(s.get("subtotal_amount_set")),
                    "taxAmountSet": bag(s.get("tax_amount_set") or s.get("total_tax_set")),
                }
                for s in r.get("refund_shipping_lines") or ()
            ]
        },
        "orderAdjustments": {
            "nodes": [
                {
                    "id": _gid("OrderAdjustment", a.get("id")),
                    "reason": a.get("reason") or a.get("kind"),
                    "amountSet": bag(a.get("amount_set"), a.get("amount")),
                    "taxAmountSet": bag(a.get("tax_amount_set"), a.get("tax_amount")),
                }
                for a in r.get("order_adjustments") or ()
            ]
        },
        "duties": [
            {"originalDuty": {"id": _gid("Duty", d.get("duty_id"))}, "amountSet": bag(d.get("amount_set"))}
            for d in r.get("duties") or ()
        ],
        "transactions": {"nodes": [transaction(t) for t in r.get("transactions") or ()]},
    }


def order(o: Record) -> dict[str, Any]:
    """A REST order (an orders/* webhook body) in the GraphQL shape (no transactions: above)."""
    customer = o.get("customer") if isinstance(o.get("customer"), Mapping) else None
    return {
        "id": o.get("admin_graphql_api_id") or _gid("Order", o.get("id")),
        "legacyResourceId": str(o.get("id")),
        "name": o.get("name"),
        "createdAt": o.get("created_at"),
        "processedAt": o.get("processed_at"),
        "updatedAt": o.get("updated_at"),
        "cancelledAt": o.get("cancelled_at"),
        "test": bool(o.get("test")),
        "displayFinancialStatus": str(o.get("financial_status") or "").upper(),
        "currencyCode": o.get("currency"),
        "presentmentCurrencyCode": o.get("presentment_currency") or o.get("currency"),
        "taxesIncluded": bool(o.get("taxes_included")),
        "email": o.get("email") or o.get("contact_email"),
        "phone": o.get("phone"),
        "paymentGatewayNames": list(o.get("payment_gateway_names") or ()),
        "customer": customer_of(customer) if customer else None,
        "billingAddress": address(o.get("billing_address")),
        "subtotalPriceSet": bag(o.get("subtotal_price_set"), o.get("subtotal_price")),
        "totalPriceSet": bag(o.get("total_price_set"), o.get("total_price")),
        "totalTaxSet": bag(o.get("total_tax_set"), o.get("total_tax")),
        "totalDiscountsSet": bag(o.get("total_discounts_set"), o.get("total_discounts")),
        "totalShippingPriceSet": bag(o.get("total_shipping_price_set")),
        "totalTipReceivedSet": bag(None, o.get("total_tip_received")),
        "totalOutstandingSet": bag(None, o.get("total_outstanding")),
        "taxLines": _tax_lines(o.get("tax_lines")),
        "transactions": [],
        "lineItems": {"nodes": [_line_item(i) for i in o.get("line_items") or ()]},
        "shippingLines": {"nodes": [_shipping_line(s) for s in o.get("shipping_lines") or ()]},
        "refunds": [refund(r) for r in o.get("refunds") or ()],
    }


def customer_of(c: Record) -> dict[str, Any]:
    """A REST customer (customers/* body, or an order's ``customer``) in the GraphQL shape."""
    return {
        "id": c.get("admin_graphql_api_id") or _gid("Customer", c.get("id")),
        "legacyResourceId": str(c.get("id")),
        "firstName": c.get("first_name"),
        "lastName": c.get("last_name"),
        "createdAt": c.get("created_at"),
        "updatedAt": c.get("updated_at"),
        "defaultEmailAddress": {"emailAddress": c.get("email")} if c.get("email") else None,
        "defaultPhoneNumber": {"phoneNumber": c.get("phone")} if c.get("phone") else None,
        "defaultAddress": address(c.get("default_address")),
    }


def product(p: Record) -> dict[str, Any]:
    """A REST product (products/* body) in the GraphQL shape."""
    variants = list(p.get("variants") or ())
    only_default = len(variants) == 1 and variants[0].get("title") == "Default Title"
    return {
        "id": p.get("admin_graphql_api_id") or _gid("Product", p.get("id")),
        "legacyResourceId": str(p.get("id")),
        "title": p.get("title"),
        "description": " ".join(re.sub(r"<[^>]+>", " ", str(p.get("body_html") or "")).split()),
        "status": str(p.get("status") or "").upper(),
        "updatedAt": p.get("updated_at"),
        "hasOnlyDefaultVariant": only_default,
        "variants": {
            "nodes": [
                {
                    "id": v.get("admin_graphql_api_id") or _gid("ProductVariant", v.get("id")),
                    "legacyResourceId": str(v.get("id")),
                    "title": v.get("title"),
                    "sku": v.get("sku"),
                    "price": v.get("price"),
                    "inventoryQuantity": v.get("inventory_quantity"),
                    "updatedAt": v.get("updated_at"),
                }
                for v in variants
            ]
        },
    }


def is_rest(record: Record) -> bool:
    """True for a REST-shaped record (snake_case: ``admin_graphql_api_id``, ``line_items``...)."""
    return any(k in record for k in ("admin_graphql_api_id", "line_items", "refund_line_items", "created_at"))
