"""The query root and the mutations (``schema/root.graphql``) over the shop's records.

Search fields per resource (``query:``): orders ``updated_at``, ``created_at``, ``processed_at``,
``id``, ``name``, ``email``, ``financial_status``, ``status`` (open/closed/cancelled), ``customer_id``,
``test``; customers ``updated_at``, ``created_at``, ``id``, ``email``; products ``updated_at``,
``created_at``, ``id``, ``title``, ``sku``, ``status``, ``product_type``; variants ``sku``, ``id``,
``product_id``, ``updated_at``; payouts ``status``, ``issued_at``, ``id``; balance transactions
``payments_transfer_id``/``payout_id``, ``payout_status``, ``payout_date``, ``processed_at``,
``transaction_type``. User errors use Shopify's words where the docs give them.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError

from local.shopify_store import views
from local.shopify_store.arithmetic import financial_status, totals
from local.shopify_store.model import Product, gid, parse_gid
from local.shopify_store.orders import OrderError
from local.shopify_store.search import filtered
from local.shopify_store.views import Ctx

ORDER_SORT = {
    "CREATED_AT": lambda o: o.created_at, "ID": lambda o: o.id, "ORDER_NUMBER": lambda o: o.number,
    "PROCESSED_AT": lambda o: o.processed_at or o.created_at, "UPDATED_AT": lambda o: o.updated_at,
    "TOTAL_PRICE": lambda o: totals(o).total.shop,
}  # fmt: skip
ORDER_FIELDS = {
    "updated_at": lambda o: o.updated_at, "created_at": lambda o: o.created_at,
    "processed_at": lambda o: o.processed_at or o.created_at, "id": lambda o: o.id, "name": lambda o: o.name,
    "email": lambda o: o.email, "financial_status": lambda o: financial_status(o).lower(),
    "status": lambda o: "cancelled" if o.cancelled_at else ("closed" if o.closed_at else "open"),
    "customer_id": lambda o: o.customer_id, "test": lambda o: o.test,
}  # fmt: skip
STAMPS = {"updated_at": lambda r: r.updated_at, "created_at": lambda r: r.created_at, "id": lambda r: r.id}


def _sorted_by(sort: dict[str, Any], name: str) -> Any:
    get = sort.get(name, sort["ID"])
    return lambda r: (get(r), r.id)


def _number(value: str, kind: str) -> int:
    found = parse_gid(value, kind)
    if found is None:
        raise GraphQLError(f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"})
    return found


def query_root(ctx: Ctx) -> dict[str, Any]:
    store = ctx.store

    def orders(info: Any, query: str | None = None, sortKey: str = "PROCESSED_AT", **a: Any) -> Any:
        found = filtered([o for o in store.orders.values() if ctx.visible(o)], query, ORDER_FIELDS, ctx.search)
        return ctx.page(found, a, _sorted_by(ORDER_SORT, sortKey), lambda o: views.order(ctx, o))

    def order(info: Any, id: str) -> Any:
        o = store.orders.get(_number(id, "Order"))
        return views.order(ctx, o) if o is not None and ctx.visible(o) else None

    def orders_count(info: Any, query: str | None = None, limit: int | None = 10000) -> Any:
        found = filtered([o for o in store.orders.values() if ctx.visible(o)], query, ORDER_FIELDS, ctx.search)
        capped = limit is not None and len(found) > limit
        return {"count": min(len(found), limit) if capped and limit is not None else len(found),
                "precision": "AT_LEAST" if capped else "EXACT"}  # fmt: skip

    def refund(info: Any, id: str) -> Any:
        number = _number(id, "Refund")
        for o in store.orders.values():
            for r in o.refunds:
                if r.id == number and ctx.visible(o):
                    return views.refund(ctx, o, r)
        return None

    def customers(info: Any, query: str | None = None, sortKey: str = "ID", **a: Any) -> Any:
        fields = STAMPS | {"email": lambda c: c.email}
        sort = {"ID": lambda c: c.id, "CREATED_AT": lambda c: c.created_at, "UPDATED_AT": lambda c: c.updated_at,
                "NAME": lambda c: f"{c.first_name} {c.last_name}".lower()}  # fmt: skip
        found = filtered(list(store.customers.values()), query, fields, ctx.search)
        return ctx.page(found, a, _sorted_by(sort, sortKey), lambda c: views.customer(ctx, c))

    def products(info: Any, query: str | None = None, sortKey: str = "ID", **a: Any) -> Any:
        fields = STAMPS | {"title": lambda p: p.title, "status": lambda p: p.status.lower(),
                           "sku": lambda p: [v.sku for v in p.variants if v.sku],
                           "product_type": lambda p: p.product_type}  # fmt: skip
        sort = {"ID": lambda p: p.id, "CREATED_AT": lambda p: p.created_at, "UPDATED_AT": lambda p: p.updated_at,
                "TITLE": lambda p: p.title.lower()}  # fmt: skip
        found = filtered(list(store.products.values()), query, fields, ctx.search)
        return ctx.page(found, a, _sorted_by(sort, sortKey), lambda p: views.product(ctx, p))

    def product_variants(info: Any, query: str | None = None, sortKey: str = "ID", **a: Any) -> Any:
        every = [v for p in store.products.values() for v in p.variants]
        fields = {"sku": lambda v: v.sku, "id": lambda v: v.id, "product_id": lambda v: v.product_id,
                  "updated_at": lambda v: v.updated_at}  # fmt: skip
        sort = {"ID": lambda v: v.id, "SKU": lambda v: v.sku or "", "TITLE": lambda v: v.title,
                "POSITION": lambda v: v.position}  # fmt: skip
        found = filtered(every, query, fields, ctx.search)
        return ctx.page(found, a, _sorted_by(sort, sortKey), lambda v: views.variant(ctx, v))

    def subscriptions(info: Any, topics: list[str] | None = None, format: str | None = None,
                      query: str | None = None, sortKey: str = "CREATED_AT", **a: Any) -> Any:  # fmt: skip
        mine = [s for s in store.records.subscriptions.values()
                if (not topics or s.topic in topics) and (format is None or s.format == format)]  # fmt: skip
        found = filtered(mine, query, {"id": lambda s: s.id, "topic": lambda s: s.topic.lower()}, ctx.search)
        sort = {"ID": lambda s: s.id, "CREATED_AT": lambda s: s.created_at}
        return ctx.page(found, a, _sorted_by(sort, sortKey), views.subscription)

    def inventory_item(info: Any, id: str) -> Any:
        number = _number(id, "InventoryItem")
        v = next((v for p in store.products.values() for v in p.variants if v.inventory_item_id == number), None)
        return views.inventory_item(ctx, v) if v else None

    return {
        "shop": {"id": gid("Shop", store.shop_id), "name": store.name, "myshopifyDomain": store.domain,
                 "currencyCode": store.currency, "taxesIncluded": store.taxes_included, "ianaTimezone": "UTC",
                 "enabledPresentmentCurrencies": sorted(store.presentment_currencies)},
        "publicApiVersions": [{"handle": v, "displayName": v, "supported": True} for v in store.versions]
        + [{"handle": "2026-10", "displayName": "2026-10 (Release candidate)", "supported": False}],
        "currentAppInstallation": {"id": gid("AppInstallation", 1),
                                   "accessScopes": [{"handle": s} for s in store.app.scopes]},
        "node": lambda info, id: node(ctx, id),
        "nodes": lambda info, ids: [node(ctx, i) for i in ids],
        "order": order, "orders": orders, "ordersCount": orders_count, "refund": refund,
        "customer": lambda info, id: views.customer(ctx, c)
        if (c := store.customers.get(_number(id, "Customer"))) else None,
        "customers": customers,
        "product": lambda info, id: views.product(ctx, p)
        if (p := store.products.get(_number(id, "Product"))) else None,
        "products": products,
        "productVariant": lambda info, id: views.variant(ctx, store.variant(_number(id, "ProductVariant"))),
        "productVariants": product_variants, "inventoryItem": inventory_item,
        "locations": lambda info, **a: ctx.page([0], a, lambda x: (0, views.LOCATION_ID),
                                                lambda x: views.location(store)),
        "webhookSubscription": lambda info, id: views.subscription(s)
        if (s := store.records.subscriptions.get(_number(id, "WebhookSubscription"))) else None,
        "webhookSubscriptions": subscriptions,
        "currentBulkOperation": lambda info, type="QUERY": store.bulk.current(ctx, type),
        "bulkOperation": lambda info, id: store.bulk.view(ctx, _number(id, "BulkOperation")),
        "shopifyPaymentsAccount": lambda info: store.payments.account(ctx),
    }  # fmt: skip


def node(ctx: Ctx, value: str) -> Any:
    store = ctx.store
    kind = value.removeprefix("gid://shopify/").split("/")[0]
    number = parse_gid(value, kind)
    if number is None:
        raise GraphQLError(f"Invalid global id '{value}'")
    if kind == "Order":
        o = store.orders.get(number)
        return {"__typename": "Order", **views.order(ctx, o)} if o and ctx.visible(o) else None
    if kind == "Customer" and number in store.customers:
        return {"__typename": "Customer", **views.customer(ctx, store.customers[number])}
    if kind == "Product" and number in store.products:
        return {"__typename": "Product", **views.product(ctx, store.products[number])}
    if kind == "ProductVariant" and (v := store.variant(number)):
        return {"__typename": "ProductVariant", **(views.variant(ctx, v) or {})}
    if kind == "BulkOperation":
        found = store.bulk.view(ctx, number)
        return {"__typename": "BulkOperation", **found} if found else None
    if kind == "ShopifyPaymentsPayout":
        return store.payments.payout_node(ctx, number)
    return None


def _errors(message: str, field: list[str] | None = None, code: str | None = None) -> list[dict[str, Any]]:
    error: dict[str, Any] = {"field": field, "message": message}
    if code is not None:
        error["code"] = code
    return [error]


def mutation_root(ctx: Ctx) -> dict[str, Any]:
    store = ctx.store

    def subscription_create(info: Any, topic: str, webhookSubscription: dict[str, Any]) -> Any:
        uri = webhookSubscription.get("uri") or ""
        if not uri.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            return {
                "webhookSubscription": None,
                "userErrors": _errors("Address is invalid", ["webhookSubscription", "callbackUrl"]),
            }
        with store.lock:
            if any(s.topic == topic and s.uri == uri for s in store.records.subscriptions.values()):
                return {"webhookSubscription": None,
                        "userErrors": _errors("Address for this topic has already been taken",
                                              ["webhookSubscription", "callbackUrl"])}  # fmt: skip
            s = store.subscribe(topic, uri, version=ctx.version, name=webhookSubscription.get("name"),
                                include_fields=webhookSubscription.get("includeFields"))  # fmt: skip
        return {"webhookSubscription": views.subscription(s), "userErrors": []}

    def subscription_delete(info: Any, id: str) -> Any:
        if store.unsubscribe(_number(id, "WebhookSubscription")):
            return {"deletedWebhookSubscriptionId": id, "userErrors": []}
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": _errors("Webhook subscription does not exist", ["id"]),
        }

    def mark_paid(info: Any, input: dict[str, Any]) -> Any:
        number = _number(input["id"], "Order")
        o = store.orders.get(number)
        if o is None or not ctx.visible(o):
            return {"order": None, "userErrors": _errors("Order does not exist", ["id"])}
        try:
            store.mark_as_paid(number)
        except OrderError as err:
            return {"order": views.order(ctx, o), "userErrors": _errors(str(err), ["id"])}
        return {"order": views.order(ctx, o), "userErrors": []}

    def product_update(info: Any, product: dict[str, Any] | None = None) -> Any:
        p = store.products.get(_number((product or {}).get("id", ""), "Product"))
        if p is None:
            return {"product": None, "userErrors": _errors("Product does not exist", ["id"])}
        with store.lock:
            for key, attr in (("title", "title"), ("productType", "product_type"), ("vendor", "vendor"),
                              ("status", "status")):  # fmt: skip
                if (product or {}).get(key) is not None:
                    setattr(p, attr, product[key])  # type: ignore[index]
            store.touch_product(p)
        return {"product": views.product(ctx, p), "userErrors": []}

    return {
        "webhookSubscriptionCreate": subscription_create,
        "webhookSubscriptionDelete": subscription_delete,
        "bulkOperationRunQuery": lambda info, query, groupObjects=False: store.bulk.run(ctx, query, groupObjects),
        "bulkOperationCancel": lambda info, id: store.bulk.cancel(ctx, _number(id, "BulkOperation")),
        "orderMarkAsPaid": mark_paid,
        "productUpdate": product_update,
        "productVariantsBulkUpdate": lambda info, productId, variants, allowPartialUpdates=False: variants_update(
            ctx, productId, variants),
        "inventorySetQuantities": lambda info, input: set_quantities(ctx, input),
    }  # fmt: skip


def variants_update(ctx: Ctx, product_id: str, changes: list[dict[str, Any]]) -> dict[str, Any]:
    store = ctx.store
    p: Product | None = store.products.get(_number(product_id, "Product"))
    if p is None:
        return {"product": None, "productVariants": None,
                "userErrors": _errors("Product does not exist", ["productId"], "PRODUCT_DOES_NOT_EXIST")}  # fmt: skip
    by_id = {v.id: v for v in p.variants}
    errors: list[dict[str, Any]] = []
    for i, change in enumerate(changes):
        number = parse_gid(change.get("id") or "", "ProductVariant")
        if number not in by_id:
            errors += _errors(
                "Product variant does not exist", ["variants", str(i), "id"], "PRODUCT_VARIANT_DOES_NOT_EXIST"
            )
        try:
            if change.get("price") is not None and Decimal(str(change["price"])) < 0:
                errors += _errors("Price must be greater than or equal to 0", ["variants", str(i), "price"],
                                  "GREATER_THAN_OR_EQUAL_TO")  # fmt: skip
        except InvalidOperation:
            errors += _errors("Price is invalid", ["variants", str(i), "price"], "INVALID")
    if errors:
        return {"product": views.product(ctx, p), "productVariants": None, "userErrors": errors}
    with store.lock:
        touched = []
        for change in changes:
            v = by_id[parse_gid(change["id"], "ProductVariant") or 0]
            if change.get("price") is not None:
                v.price = Decimal(str(change["price"]))
            if change.get("compareAtPrice") is not None:
                v.compare_at_price = Decimal(str(change["compareAtPrice"]))
            for key, attr in (("barcode", "barcode"), ("taxable", "taxable")):
                if change.get(key) is not None:
                    setattr(v, attr, change[key])
            item = change.get("inventoryItem") or {}
            if "sku" in item:
                v.sku = item["sku"]
            if item.get("tracked") is not None:
                v.tracked = bool(item["tracked"])
            v.updated_at = store.now()
            touched.append(v)
        store.touch_product(p)
    return {"product": views.product(ctx, p), "productVariants": [views.variant(ctx, v) for v in touched],
            "userErrors": []}  # fmt: skip


def set_quantities(ctx: Ctx, data: dict[str, Any]) -> dict[str, Any]:
    store = ctx.store
    if data["name"] not in ("available", "on_hand"):
        return {"inventoryAdjustmentGroup": None,
                "userErrors": _errors("The quantity name must be either 'available' or 'on_hand'.", ["input", "name"],
                                      "INVALID_NAME")}  # fmt: skip
    items = {v.inventory_item_id: v for p in store.products.values() for v in p.variants}
    changes = []
    with store.lock:
        for i, q in enumerate(data["quantities"]):
            v = items.get(parse_gid(q["inventoryItemId"], "InventoryItem") or 0)
            if v is None:
                return {"inventoryAdjustmentGroup": None, "userErrors": _errors(
                    "The specified inventory item could not be found.",
                    ["input", "quantities", str(i), "inventoryItemId"],
                    "INVALID_INVENTORY_ITEM")}  # fmt: skip
            if parse_gid(q["locationId"], "Location") != views.LOCATION_ID:
                return {"inventoryAdjustmentGroup": None, "userErrors": _errors(
                    "The specified location could not be found.", ["input", "quantities", str(i), "locationId"],
                    "INVALID_LOCATION")}  # fmt: skip
            expected = q.get("changeFromQuantity", q.get("compareQuantity"))
            if expected is not None and not data.get("ignoreCompareQuantity") and expected != v.inventory_quantity:
                return {"inventoryAdjustmentGroup": None, "userErrors": _errors(
                    "The compareQuantity argument no longer matches the persisted quantity.",
                    ["input", "quantities", str(i), "compareQuantity"], "COMPARE_QUANTITY_STALE")}  # fmt: skip
            delta = q["quantity"] - v.inventory_quantity
            v.inventory_quantity, v.tracked, v.updated_at = q["quantity"], True, store.now()
            changes.append({"name": data["name"], "delta": delta, "quantityAfterChange": v.inventory_quantity,
                            "item": views.inventory_item(ctx, v), "location": views.location(store)})  # fmt: skip
    group = {"id": gid("InventoryAdjustmentGroup", store.ids.next()), "createdAt": store.now(),
             "reason": data["reason"], "referenceDocumentUri": data.get("referenceDocumentUri"),
             "changes": changes}  # fmt: skip
    return {"inventoryAdjustmentGroup": group, "userErrors": []}
