"""The shop's records as GraphQL objects: dictionaries whose keys are Shopify's field names and whose
callables (``lambda info, **args``) resolve fields that take arguments or cost a lookup (graphql-core's
default resolver calls them). Money is a ``MoneyBag``; ids are gids with ``legacyResourceId``."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from local.shopify_store.arithmetic import (
    financial_status,
    gone_quantity,
    line_discount,
    line_total,
    order_tax_lines,
    refund_money,
    removed_by_edits,
    totals,
)
from local.shopify_store.model import (
    Address,
    Customer,
    DiscountAllocation,
    DiscountApplication,
    LineItem,
    Order,
    Product,
    Refund,
    ShippingLine,
    Subscription,
    TaxLine,
    Transaction,
    Variant,
    gid,
)
from local.shopify_store.money import NOTHING, Bag, Currencies, cents, money_bag, money_v2, total
from local.shopify_store.orders import capturable
from local.shopify_store.search import connection

if TYPE_CHECKING:
    from local.shopify_store.auth import Grant
    from local.shopify_store.store import ShopifyStore

LOCATION_ID = 655441491
WINDOW = timedelta(days=60)


@dataclass
class Ctx:
    store: "ShopifyStore"
    grant: "Grant | None"
    version: str = "2026-07"
    bulk: bool = False
    search: list[dict[str, Any]] = field(default_factory=list)

    def page(self, items: Any, args: dict[str, Any], key: Any, node: Any) -> dict[str, Any]:
        return connection(items, args, key, node, bulk=self.bulk)

    def visible(self, o: Order) -> bool:
        """Deleted orders are gone; without ``read_all_orders`` only the last 60 days are there."""
        if o.deleted:
            return False
        scopes = self.grant.app.scopes if self.grant else ()
        return "read_all_orders" in scopes or o.created_at >= self.store.now() - WINDOW


def by_id(item: Any) -> tuple[int, int]:
    return (item.id, item.id)


def _bag(bag: Bag, c: Currencies) -> dict[str, Any]:
    return money_bag(bag, c)


def tax_line(t: TaxLine, c: Currencies) -> dict[str, Any]:
    return {"title": t.title, "rate": float(t.rate), "ratePercentage": float(t.rate * 100),
            "priceSet": _bag(t.price, c), "channelLiable": t.channel_liable}  # fmt: skip


def address(a: Address | None, owner: int) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "id": gid("MailingAddress", owner) + "?model_name=CustomerAddress", "firstName": a.first_name,
        "lastName": a.last_name, "name": f"{a.first_name} {a.last_name}".strip(), "company": a.company,
        "address1": a.address1, "address2": None, "city": a.city, "province": a.province,
        "provinceCode": a.province_code, "country": a.country, "countryCodeV2": a.country_code or None,
        "zip": a.zip, "phone": a.phone,
    }  # fmt: skip


def discount_application(d: DiscountApplication, c: Currencies) -> dict[str, Any]:
    value: dict[str, Any] = (
        {"__typename": "PricingPercentageValue", "percentage": float(d.value)}
        if d.value_type == "percentage"
        else money_v2(d.value, c.presentment)
    )
    out: dict[str, Any] = {"__typename": d.kind, "allocationMethod": d.allocation_method, "index": d.index,
           "targetSelection": d.target_selection, "targetType": d.target_type, "value": value}  # fmt: skip
    out["code" if d.kind == "DiscountCodeApplication" else "title"] = d.label
    return out


def allocations(items: list[DiscountAllocation], o: Order) -> list[dict[str, Any]]:
    apps = {d.index: d for d in o.discount_applications}
    return [{"allocatedAmountSet": _bag(a.amount, o.currencies),
             "discountApplication": discount_application(apps[a.application_index], o.currencies)}
            for a in items]  # fmt: skip


def line_item(ctx: Ctx, o: Order, li: LineItem) -> dict[str, Any]:
    c = o.currencies
    after = line_total(li) - line_discount(li)
    per_unit = Bag(cents(after.shop / li.quantity, c.shop), cents(after.presentment / li.quantity, c.presentment))
    left = li.quantity - gone_quantity(o, li.id)
    store = ctx.store
    return {
        "id": gid("LineItem", li.id), "name": li.title + (f" - {li.variant_title}" if li.variant_title else ""),
        "title": li.title, "sku": li.sku, "quantity": li.quantity, "currentQuantity": left,
        "refundableQuantity": left, "variantTitle": li.variant_title, "vendor": li.vendor, "isGiftCard": li.gift_card,
        "taxable": li.taxable, "requiresShipping": li.requires_shipping,
        "originalUnitPriceSet": _bag(li.unit_price, c), "originalTotalSet": _bag(line_total(li), c),
        "discountedUnitPriceSet": _bag(li.unit_price, c), "discountedUnitPriceAfterAllDiscountsSet": _bag(per_unit, c),
        "discountedTotalSet": _bag(after, c), "totalDiscountSet": _bag(line_discount(li), c),
        "taxLines": lambda info, first=None: [tax_line(t, c) for t in li.tax_lines][:first],
        "discountAllocations": allocations(li.discount_allocations, o),
        "duties": [{"id": gid("Duty", d.id), "countryCodeOfOrigin": d.country_code_of_origin,
                    "harmonizedSystemCode": d.harmonized_system_code, "price": _bag(d.price, c), "taxLines": []}
                   for d in li.duties],
        "variant": lambda info: variant(ctx, store.variant(li.variant_id)) if li.variant_id else None,
        "product": lambda info: product(ctx, store.products[li.product_id])
        if li.product_id in store.products else None,
    }  # fmt: skip


def shipping_line(sl: ShippingLine, o: Order) -> dict[str, Any]:
    c = o.currencies
    after = sl.price - total(a.amount for a in sl.discount_allocations)
    return {"id": gid("ShippingLine", sl.id), "title": sl.title, "code": sl.code, "source": "shopify",
            "isRemoved": False, "originalPriceSet": _bag(sl.price, c), "discountedPriceSet": _bag(after, c),
            "currentDiscountedPriceSet": _bag(after, c), "taxLines": [tax_line(t, c) for t in sl.tax_lines],
            "discountAllocations": allocations(sl.discount_allocations, o)}  # fmt: skip


def transaction(ctx: Ctx, o: Order, t: Transaction) -> dict[str, Any]:
    c = o.currencies
    every = {x.id: x for x in o.transactions} | {x.id: x for r in o.refunds for x in r.transactions}
    parent = every.get(t.parent_id) if t.parent_id else None
    return {
        "id": gid("OrderTransaction", t.id), "kind": t.kind, "status": t.status, "gateway": t.gateway,
        "formattedGateway": t.formatted_gateway, "amountSet": _bag(t.amount, c), "processedAt": t.processed_at,
        "createdAt": t.processed_at, "test": t.test, "errorCode": t.error_code, "authorizationCode": None,
        "manualPaymentGateway": t.gateway == "manual",
        "parentTransaction": (lambda info: transaction(ctx, o, parent)) if parent else None,
        "fees": [{"id": gid("TransactionFee", f.id), "amount": money_v2(f.amount, c.shop),
                  "flatFee": money_v2(f.flat_fee, c.shop), "flatFeeName": None, "rate": f.rate, "rateName": None,
                  "taxAmount": money_v2(f.tax_amount, c.shop), "type": f.type} for f in t.fees],
        "order": lambda info: order(ctx, o),
    }  # fmt: skip


def refund(ctx: Ctx, o: Order, r: Refund) -> dict[str, Any]:
    c = o.currencies
    lines = {li.id: li for li in o.line_items}
    ships = {s.id: s for s in o.shipping_lines}

    def refund_line(x: Any) -> dict[str, Any]:
        unit = Bag(x.subtotal.shop / x.quantity, x.subtotal.presentment / x.quantity)
        return {"id": gid("RefundLineItem", x.id), "lineItem": line_item(ctx, o, lines[x.line_item_id]),
                "quantity": x.quantity, "restockType": x.restock_type, "restocked": x.restock_type != "NO_RESTOCK",
                "priceSet": _bag(Bag(cents(unit.shop, c.shop), cents(unit.presentment, c.presentment)), c),
                "subtotalSet": _bag(x.subtotal, c), "totalTaxSet": _bag(x.total_tax, c)}  # fmt: skip

    return {
        "id": gid("Refund", r.id), "legacyResourceId": r.id, "createdAt": r.created_at, "updatedAt": r.created_at,
        "note": r.note, "order": lambda info: order(ctx, o), "totalRefundedSet": _bag(refund_money(r), c),
        "duties": [],
        "refundLineItems": lambda info, **a: ctx.page(r.line_items, a, by_id, refund_line),
        "refundShippingLines": lambda info, **a: ctx.page(r.shipping_lines, a, by_id, lambda s: {
            "id": gid("RefundShippingLine", s.id), "shippingLine": shipping_line(ships[s.shipping_line_id], o),
            "subtotalAmountSet": _bag(s.subtotal, c), "taxAmountSet": _bag(s.tax, c)}),
        "orderAdjustments": lambda info, **a: ctx.page(r.adjustments, a, by_id, lambda x: {
            "id": gid("OrderAdjustment", x.id), "amountSet": _bag(x.amount, c),
            "taxAmountSet": _bag(x.tax_amount, c), "reason": x.reason}),
        "transactions": lambda info, **a: ctx.page(r.transactions, a, by_id, lambda t: transaction(ctx, o, t)),
    }  # fmt: skip


def order(ctx: Ctx, o: Order) -> dict[str, Any]:
    c, t, store = o.currencies, totals(o), ctx.store
    removed = total(x.subtotal + (NOTHING if o.taxes_included else x.total_tax) for r in o.refunds
                    for x in r.line_items)  # fmt: skip
    removed_tax = total(x.total_tax for r in o.refunds for x in r.line_items) + total(
        s.tax for r in o.refunds for s in r.shipping_lines
    )
    # an edit's removals leave the plain totals (as ordered) and come off the current ones
    edited, edited_tax = removed_by_edits(o)
    removed += edited + (NOTHING if o.taxes_included else edited_tax)
    removed_tax += edited_tax
    subtotal_now = t.subtotal - removed + (NOTHING if o.taxes_included else edited_tax)
    open_auth = total(a.amount for a in capturable(o))
    money = {
        "subtotalPriceSet": t.subtotal, "currentSubtotalPriceSet": subtotal_now, "totalDiscountsSet":
        t.discounts, "currentTotalDiscountsSet": t.discounts, "totalShippingPriceSet": t.shipping,
        "currentShippingPriceSet": t.shipping - t.shipping_discounts - t.refunded_shipping, "totalTaxSet": t.tax,
        "currentTotalTaxSet": t.tax - removed_tax, "totalPriceSet": t.total,
        "currentTotalPriceSet": t.total - removed - t.refunded_shipping, "totalRefundedSet": t.refunded,
        "totalRefundedShippingSet": t.refunded_shipping, "totalReceivedSet": t.received,
        "netPaymentSet": t.net_payment, "totalOutstandingSet": t.outstanding, "totalCapturableSet": open_auth,
        "totalTipReceivedSet": t.tip,
    }  # fmt: skip
    out: dict[str, Any] = {key: _bag(value, c) for key, value in money.items()}
    duties = None if t.duties.is_zero else _bag(t.duties, c)
    out |= {
        "id": gid("Order", o.id), "legacyResourceId": o.id, "name": o.name, "email": o.email, "phone": None,
        "note": o.note, "tags": o.tags, "createdAt": o.created_at, "processedAt": o.processed_at or o.created_at,
        "updatedAt": o.updated_at, "cancelledAt": o.cancelled_at, "cancelReason": o.cancel_reason,
        "closed": o.closed_at is not None, "closedAt": o.closed_at, "test": o.test, "confirmed": True,
        "sourceName": o.source_name, "displayFinancialStatus": financial_status(o),
        "paymentGatewayNames": sorted({x.gateway for x in o.transactions}), "currencyCode": c.shop,
        "presentmentCurrencyCode": c.presentment, "taxesIncluded": o.taxes_included, "taxExempt": o.tax_exempt,
        "dutiesIncluded": o.duties_included, "originalTotalDutiesSet": duties, "currentTotalDutiesSet": duties,
        "discountCodes": [d.label for d in o.discount_applications if d.kind == "DiscountCodeApplication"],
        "taxLines": [tax_line(x, c) for x in order_tax_lines(o)],
        "discountApplications": lambda info, **a: ctx.page(
            o.discount_applications, a, lambda d: (d.index, d.index), lambda d: discount_application(d, c)),
        "lineItems": lambda info, **a: ctx.page(o.line_items, a, by_id, lambda li: line_item(ctx, o, li)),
        "shippingLines": lambda info, includeRemovals=False, **a: ctx.page(
            o.shipping_lines, a, by_id, lambda s: shipping_line(s, o)),
        "shippingLine": shipping_line(o.shipping_lines[0], o) if o.shipping_lines else None,
        "transactions": lambda info, first=None, capturable=None, manuallyResolvable=None: [
            transaction(ctx, o, x) for x in (o.transactions + [y for r in o.refunds for y in r.transactions])
            if not capturable or x in _open(o)][:first],
        "refunds": lambda info, first=None: [refund(ctx, o, r) for r in o.refunds][:first],
        "customer": (lambda info: customer(ctx, store.customers[o.customer_id or 0]))
        if o.customer_id in store.customers else None,
        "billingAddress": address(o.billing_address, o.id), "shippingAddress": address(o.shipping_address, o.id + 1),
    }  # fmt: skip
    return out


def _open(o: Order) -> list[Transaction]:
    return capturable(o)


def customer(ctx: Ctx, cu: Customer) -> dict[str, Any]:
    mine = [o for o in ctx.store.orders.values() if o.customer_id == cu.id and not o.deleted]
    spent = sum((totals(o).net_payment.shop for o in mine), Decimal(0))
    return {
        "id": gid("Customer", cu.id), "legacyResourceId": cu.id, "firstName": cu.first_name or None,
        "lastName": cu.last_name or None, "displayName": f"{cu.first_name} {cu.last_name}".strip() or (cu.email or ""),
        "email": cu.email, "phone": cu.phone,
        "defaultEmailAddress": {"emailAddress": cu.email} if cu.email else None,
        "defaultPhoneNumber": {"phoneNumber": cu.phone} if cu.phone else None,
        "defaultAddress": address(cu.address, cu.id), "addresses": lambda info, first=None: [
            a for a in [address(cu.address, cu.id)] if a][:first],
        "note": cu.note, "state": cu.state, "taxExempt": cu.tax_exempt, "createdAt": cu.created_at,
        "updatedAt": cu.updated_at, "numberOfOrders": len(mine), "amountSpent": money_v2(spent, ctx.store.currency),
    }  # fmt: skip


def location(store: "ShopifyStore") -> dict[str, Any]:
    return {"id": gid("Location", LOCATION_ID), "legacyResourceId": LOCATION_ID, "name": "Shop location",
            "isActive": True}  # fmt: skip


def inventory_item(ctx: Ctx, v: Variant) -> dict[str, Any]:
    level = {"id": gid("InventoryLevel", v.inventory_item_id) + f"?inventory_item_id={v.inventory_item_id}",
             "location": location(ctx.store),
             "quantities": lambda info, names: [
                 {"name": n, "quantity": v.inventory_quantity} for n in names]}  # fmt: skip
    return {"id": gid("InventoryItem", v.inventory_item_id), "legacyResourceId": v.inventory_item_id, "sku": v.sku,
            "tracked": v.tracked, "inventoryLevels": lambda info, **a: ctx.page(
                [level] if v.tracked else [], a, lambda x: (0, 0), lambda x: x),
            "variant": lambda info: variant(ctx, v)}  # fmt: skip


def variant(ctx: Ctx, v: Variant | None) -> dict[str, Any] | None:
    if v is None:
        return None
    p = ctx.store.products[v.product_id]
    return {
        "id": gid("ProductVariant", v.id), "legacyResourceId": v.id, "title": v.title,
        "displayName": f"{p.title} - {v.title}", "sku": v.sku, "barcode": v.barcode, "price": v.price,
        "compareAtPrice": v.compare_at_price, "taxable": v.taxable, "position": v.position,
        "inventoryQuantity": v.inventory_quantity if v.tracked else None,
        "inventoryItem": lambda info: inventory_item(ctx, v), "product": lambda info: product(ctx, p),
        "createdAt": v.created_at, "updatedAt": v.updated_at,
    }  # fmt: skip


def product(ctx: Ctx, p: Product) -> dict[str, Any]:
    return {
        "id": gid("Product", p.id), "legacyResourceId": p.id, "title": p.title, "handle": p.handle,
        "description": "", "hasOnlyDefaultVariant": len(p.variants) == 1 and p.variants[0].title == "Default Title",
        "productType": p.product_type, "vendor": p.vendor, "status": p.status, "isGiftCard": p.gift_card,
        "tracksInventory": any(v.tracked for v in p.variants),
        "totalInventory": sum(v.inventory_quantity for v in p.variants if v.tracked),
        "createdAt": p.created_at, "updatedAt": p.updated_at,
        "variants": lambda info, **a: ctx.page(p.variants, a, lambda v: (v.position, v.id),
                                               lambda v: variant(ctx, v)),
    }  # fmt: skip


def subscription(s: Subscription) -> dict[str, Any]:
    return {
        "id": gid("WebhookSubscription", s.id), "legacyResourceId": s.id, "topic": s.topic, "uri": s.uri,
        "name": s.name, "format": s.format, "includeFields": s.include_fields, "metafieldNamespaces": [],
        "filter": None, "apiVersion": {"handle": s.api_version, "displayName": s.api_version, "supported": True},
        "createdAt": s.created_at, "updatedAt": s.updated_at,
    }  # fmt: skip
