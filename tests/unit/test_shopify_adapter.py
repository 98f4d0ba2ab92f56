"""The Shopify adapter through the port: commands from envelopes (re-read through the API, or
from the body without it), records the core lists itself, the store's API as a StoreClient
(over the in-memory Admin API of tests/shopify), and ``xerosync preview --source shopify``."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import reference_file
from tests.shopify import orders
from tests.shopify.fake_admin import FakeAdmin
from xerosync import sources
from xerosync.cli import app
from xerosync.config import parse_settings
from xerosync.domain import CustomerChanged, Ignored, ProductChanged, RedactCustomer, SaleChanged, SaleGone
from xerosync.events import parse_envelope
from xerosync.sources.minting import MemoryTokens
from xerosync.sources.port import Found, ProductUpdate, StoreError, StoreProduct
from xerosync.sources.shopify import webhook
from xerosync.sources.shopify.client import Credentials, ShopifyGraphQL
from xerosync.sources.shopify.store import ShopifyStore

SHOPIFY = sources.source("shopify")
SETTINGS = parse_settings(
    json.dumps({"store": {"timezone": "Australia/Sydney"}, "tax": {"rates": {"GST 10%": "OUTPUT"}}}),
    defaults=SHOPIFY.settings_defaults,
    check=SHOPIFY.check_settings,
)
SECRET = "shopify_app_client_secret_test"
NOW = datetime(2026, 7, 10, tzinfo=UTC)


def fixture_bytes(name: str) -> bytes:
    return reference_file("fixtures", "shopify", name).read_bytes()


def delivered(topic: str, body: bytes) -> Any:
    headers = {"x-shopify-topic": topic, "x-shopify-hmac-sha256": webhook.sign(body, SECRET)}
    decision = webhook.decide(headers | {"x-shopify-shop-domain": "jsmith.myshopify.com"}, body, lambda: SECRET, NOW)
    assert decision.enqueue is not None
    return parse_envelope(decision.enqueue.body)


def every_delivered(topic: str, body: bytes) -> list[Any]:
    headers = {"x-shopify-topic": topic, "x-shopify-hmac-sha256": webhook.sign(body, SECRET)}
    decision = webhook.decide(headers | {"x-shopify-shop-domain": "jsmith.myshopify.com"}, body, lambda: SECRET, NOW)
    return [parse_envelope(m.body) for m in decision.messages]


def shop(admin: FakeAdmin) -> ShopifyStore:
    admin.on("Shop", {"shop": {"ianaTimezone": "Australia/Sydney"}})
    api = ShopifyGraphQL(
        Credentials("jsmith.myshopify.com", "client-id", "secret"),
        tokens=MemoryTokens(),
        transport=admin.transport(),
    )
    return ShopifyStore(api, sleep=lambda seconds: None)


def serve_order(admin: FakeAdmin, record: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fake answers ORDER with the order's refunds as summaries and REFUND with each in full."""
    full = record or orders.order()
    summaries = [{k: r[k] for k in ("id", "legacyResourceId", "createdAt", "note")} for r in full["refunds"]]
    head = {**full, "refunds": summaries, "lineItems": {**full["lineItems"], "pageInfo": {"hasNextPage": False}}}
    admin.on("Order", lambda v: {"order": head if v["id"] == full["id"] else None})
    by_id = {r["id"]: r for r in full["refunds"]}
    admin.on("Refund", lambda v: {"refund": by_id.get(v["id"])})
    return full


def test_an_order_webhook_is_order_x_changed_read_again_through_the_api() -> None:
    admin = FakeAdmin()
    serve_order(admin, orders.order(id="gid://shopify/Order/820982911946154508", legacyResourceId="820982911946154508"))
    event = delivered("orders/updated", fixture_bytes("orders_create_body.raw.json"))
    command = SHOPIFY.command(event, SETTINGS, shop(admin))
    # the body says cancelled and voided; Shopify's current state is what is booked
    assert isinstance(command, SaleChanged)
    assert command.sale.lifecycle == "paid" and command.sale.refunds[0].detail is not None
    assert [op for op, _ in admin.asked] == ["Order", "Refund", "Refund"]
    refunds = delivered("refunds/create", fixture_bytes("refunds_create_body.raw.json"))
    assert isinstance(SHOPIFY.command(refunds, SETTINGS, shop(admin)), SaleChanged)


def test_an_order_gone_from_shopify_comes_off_the_books() -> None:
    admin = FakeAdmin()
    serve_order(admin)
    event = delivered("orders/updated", json.dumps({"id": 77, "updated_at": "2026-07-01T00:00:00Z"}).encode())
    assert isinstance(SHOPIFY.command(event, SETTINGS, shop(admin)), SaleGone)
    deleted = delivered("orders/delete", b'{"id":77}')
    assert isinstance(SHOPIFY.command(deleted, SETTINGS, None), SaleGone)


def test_without_credentials_the_body_is_read_and_a_refund_waits() -> None:
    order = delivered("orders/create", fixture_bytes("orders_create_body.raw.json"))
    command = SHOPIFY.command(order, SETTINGS, None)
    assert isinstance(command, SaleChanged) and command.sale.lifecycle == "cancelled"
    assert command.sale.payments == ()  # what a webhook body loses
    refund = delivered("refunds/create", fixture_bytes("refunds_create_body.raw.json"))
    with pytest.raises(StoreError, match="credentials"):
        SHOPIFY.command(refund, SETTINGS, None)


def test_customers_products_and_privacy_events() -> None:
    customer = delivered("customers/update", fixture_bytes("customers_create_sample_payload_2026-07.json"))
    changed = SHOPIFY.command(customer, SETTINGS, None)
    assert isinstance(changed, CustomerChanged) and changed.party.key == "customer:706405506930370084"
    assert changed.modified == datetime(2022, 1, 1, 0, 0, tzinfo=UTC)
    products = every_delivered("products/update", fixture_bytes("products_update_sample_payload_2026-07.json"))
    items = [SHOPIFY.command(event, SETTINGS, None) for event in products]
    assert all(isinstance(item, ProductChanged) for item in items)
    the_product, small, medium = (item.product for item in items if isinstance(item, ProductChanged))
    assert (the_product.key, the_product.sellable) == ("product:788032119674292922", False)
    assert the_product.variants == ("product:642667041472713922", "product:757650484644203962")
    assert (small.key, small.name) == ("product:642667041472713922", "Example T-Shirt - Small")
    assert small.price == Decimal("19.99")
    assert (medium.key, medium.name) == ("product:757650484644203962", "Example T-Shirt - Medium")
    gone = delivered("customers/delete", b'{"id":5}')
    assert isinstance(SHOPIFY.command(gone, SETTINGS, None), Ignored)
    samples = json.loads(fixture_bytes("compliance_webhooks_sample_payloads_2026-07.json"))
    redact = delivered("customers/redact", json.dumps(samples["customers/redact"]).encode())
    request = SHOPIFY.command(redact, SETTINGS, None)  # the core's privacy use case carries it out
    assert isinstance(request, RedactCustomer) and request.keys == ("customer:191167",)
    assert request.emails == ("john@example.com",) and request.orders == ("299938", "280263", "220458")


def test_a_record_the_core_lists_becomes_the_envelope_a_webhook_would() -> None:
    admin = FakeAdmin()
    full = serve_order(admin)
    store = shop(admin)
    found = store.fetch("order", "5001")
    assert (found.key, found.at) == ("order:5001", datetime(2026, 7, 2, 3, tzinfo=UTC))
    message = SHOPIFY.message(found, store=store.url, origin="push", now=NOW)
    assert message is not None and (message.queue, message.key) == ("orders", "order:5001")
    event = parse_envelope(message.body)
    assert (event.source, event.delivery_id) == ("shopify", "push")
    assert json.loads(message.body)["store"] == "jsmith.myshopify.com"
    again = SHOPIFY.message(found, store=store.url, origin="reconcile", now=NOW)
    assert again is not None and parse_envelope(again.body).sha256 == event.sha256  # same state, same event
    # a whole order in the envelope is read as it is, the API not asked again
    asked = len(admin.asked)
    command = SHOPIFY.command(event, SETTINGS, store)
    assert isinstance(command, SaleChanged) and command.sale.total == Decimal("106.60")
    assert len(admin.asked) == asked
    assert SHOPIFY.read("order", full, SETTINGS).key == "order:5001"  # type: ignore[union-attr]
    gone = SHOPIFY.message(
        Found("order", "order:9", None, {"id": "gid://shopify/Order/9"}, gone=True), store="s", origin="r"
    )
    assert gone is not None and parse_envelope(gone.body).event == "deleted"


def test_changed_since_lists_orders_variants_and_customers() -> None:
    admin = FakeAdmin()
    page = {"hasNextPage": False, "endCursor": None}
    admin.on(
        "OrdersUpdated",
        {
            "orders": {
                "nodes": [{"id": "gid://shopify/Order/5001", "updatedAt": "2026-07-02T03:00:00Z"}],
                "pageInfo": page,
            }
        },
    )
    product = {
        "id": "gid://shopify/Product/70",
        "title": "Mug",
        "updatedAt": "2026-07-02T00:00:00Z",
        "variants": {
            "nodes": [
                {
                    "id": "gid://shopify/ProductVariant/701",
                    "title": "Blue",
                    "sku": "MUG-BLUE",
                    "price": "22.00",
                    "updatedAt": "2026-07-01T00:00:00Z",
                }
            ]
        },
    }
    admin.on("ProductsUpdated", {"products": {"nodes": [product], "pageInfo": page}})
    admin.on(
        "CustomersUpdated",
        {
            "customers": {
                "nodes": [{"id": "gid://shopify/Customer/9", "updatedAt": "2026-07-04T00:00:00Z"}],
                "pageInfo": page,
            }
        },
    )
    found = list(shop(admin).changed_since(datetime(2026, 7, 1, tzinfo=UTC), {"order", "product", "customer"}))
    assert [(f.kind, f.key, f.gone) for f in found] == [
        ("order", "order:5001", False),
        ("product", "product:701", False),
        ("customer", "customer:9", False),
    ]
    assert admin.asked[0][1]["query"] == "updated_at:>'2026-07-01T00:00:00Z'"
    variant = SHOPIFY.read("product", found[1].raw, SETTINGS)
    assert (variant.key, variant.name, variant.sku) == ("product:701", "Mug - Blue", "MUG-BLUE")  # type: ignore[union-attr]
    assert found[1].at == datetime(2026, 7, 2, tzinfo=UTC)  # the product's change names its variants too
    with pytest.raises(ValueError, match="summary"):
        SHOPIFY.read("order", found[0].raw, SETTINGS)  # the sync reads the whole order


def test_history_is_one_bulk_operation() -> None:
    admin = FakeAdmin()
    admin.on(
        "CurrentBulkOperation", {"currentBulkOperation": {"id": "gid://shopify/BulkOperation/1", "status": "COMPLETED"}}
    )
    admin.on(
        "BulkOperationRunQuery",
        {
            "bulkOperationRunQuery": {
                "bulkOperation": {"id": "gid://shopify/BulkOperation/2", "status": "CREATED"},
                "userErrors": [],
            }
        },
    )
    polls = iter(["RUNNING", "COMPLETED"])
    admin.on(
        "BulkOperation",
        lambda v: {"node": {"id": v["id"], "status": next(polls), "url": "https://jsmith.myshopify.com/bulk/2.jsonl"}},
    )
    full = orders.order()
    head = {k: v for k, v in full.items() if k not in ("lineItems", "shippingLines")}
    head["refunds"] = [
        {k: r[k] for k in ("id", "legacyResourceId", "createdAt", "note", "totalRefundedSet")}
        for r in full["refunds"][:1]
    ]
    children = [{**n, "__parentId": full["id"]} for n in full["lineItems"]["nodes"] + full["shippingLines"]["nodes"]]
    admin.on("bulk-result", lambda _: "\n".join(json.dumps(r) for r in [head, *children]) + "\n")
    admin.on("OrdersCount", {"ordersCount": {"count": 1, "precision": "EXACT"}})
    store = shop(admin)
    found = list(store.sales_created(date(2026, 7, 1), date(2026, 7, 1)))
    assert [f.key for f in found] == ["order:5001"]
    sale = SHOPIFY.read("order", found[0].raw, SETTINGS)
    assert sale.total == Decimal("106.60") and len(sale.lines) == 5  # type: ignore[union-attr]
    assert sale.refunds[0].detail is None and sale.refunds[0].amount == Decimal("25.00")  # type: ignore[union-attr]
    run = next(v for op, v in admin.asked if op == "BulkOperationRunQuery")
    assert "created_at:>='2026-07-01T00:00:00+10:00'" in run["query"]
    assert store.count_sales_created(date(2026, 7, 1), date(2026, 7, 1)) == 1


def test_a_refund_in_full_when_the_sale_lists_it_only() -> None:
    admin = FakeAdmin()
    full = serve_order(admin)
    store = shop(admin)
    sale = SHOPIFY.read("order", {**full, "refunds": []}, SETTINGS)
    refund = store.refund(sale, "41")  # type: ignore[arg-type]
    assert refund.amount == Decimal("25.00") and refund.key == "refund:5001:41"
    with pytest.raises(StoreError):
        store.refund(sale, "99")  # type: ignore[arg-type]


def test_webhook_subscriptions_removed_by_shopify_are_created_again() -> None:
    admin = FakeAdmin()
    url = "https://hooks.example/webhooks/shopify"
    existing = {
        "id": "gid://shopify/WebhookSubscription/1",
        "topic": "ORDERS_CREATE",
        "uri": url,
        "createdAt": "2026-06-01T00:00:00Z",
    }
    admin.on(
        "WebhookSubscriptions", {"webhookSubscriptions": {"nodes": [existing], "pageInfo": {"hasNextPage": False}}}
    )
    made = iter(range(2, 100))
    admin.on(
        "WebhookSubscriptionCreate",
        lambda v: {
            "webhookSubscriptionCreate": {
                "webhookSubscription": {"id": f"gid://shopify/WebhookSubscription/{next(made)}", "topic": v["topic"]},
                "userErrors": [],
            }
        },
    )
    result = shop(admin).subscriptions(url, lambda: "unused", {"order"}, {}, NOW, repair=True)
    assert [(a.topic, a.action) for a in result.actions][:2] == [("ORDERS_CREATE", "ok"), ("ORDERS_UPDATED", "create")]
    assert {a.topic for a in result.actions} >= {"REFUNDS_CREATE", "ORDERS_DELETE", "APP_UNINSTALLED"}
    created = [v for op, v in admin.asked if op == "WebhookSubscriptionCreate"]
    assert created[0]["webhookSubscription"] == {"uri": url, "format": "JSON", "name": "xerosync"}
    assert result.installed_at == datetime(2026, 6, 1, tzinfo=UTC)


def test_mark_paid_prices_and_the_catalogue() -> None:
    admin = FakeAdmin()
    status = {"displayFinancialStatus": "PENDING"}
    admin.on("OrderStatus", lambda v: {"order": {"id": v["id"], "cancelledAt": None, "test": False, **status}})
    admin.on("OrderMarkAsPaid", {"orderMarkAsPaid": {"order": {"id": "x"}, "userErrors": []}})
    store = shop(admin)
    assert store.mark_paid("order:5001", SETTINGS) == "order PENDING -> PAID"
    status["displayFinancialStatus"] = "PAID"
    assert store.mark_paid("order:5001", SETTINGS) is None
    admin.on(
        "VariantInventory",
        {
            "productVariant": {
                "id": "v",
                "product": {"id": "gid://shopify/Product/70"},
                "inventoryItem": {"id": "i", "inventoryLevels": {"nodes": [{"location": {"id": "L1"}}]}},
            }
        },
    )
    admin.on("ProductVariantsBulkUpdate", {"productVariantsBulkUpdate": {"productVariants": [], "userErrors": []}})
    admin.on("InventorySetQuantities", {"inventorySetQuantities": {"userErrors": []}})
    store.update_product(
        StoreProduct("product:701", "MUG", "Mug", None, True, 3, "product:70"),
        ProductUpdate(regular_price=Decimal("24.50"), stock_quantity=7),
    )
    price = next(v for op, v in admin.asked if op == "ProductVariantsBulkUpdate")
    assert price == {
        "productId": "gid://shopify/Product/70",
        "variants": [{"id": "gid://shopify/ProductVariant/701", "price": "24.50"}],
    }
    stock = next(v for op, v in admin.asked if op == "InventorySetQuantities")["input"]["quantities"]
    assert stock == [{"inventoryItemId": "i", "locationId": "L1", "quantity": 7}]
    product = {
        "id": "gid://shopify/Product/70",
        "title": "Mug",
        "hasOnlyDefaultVariant": False,
        "variants": {
            "nodes": [
                {
                    "id": "gid://shopify/ProductVariant/701",
                    "displayName": "Mug - Blue",
                    "sku": "MUG",
                    "price": "22.00",
                    "inventoryQuantity": 4,
                }
            ]
        },
    }
    admin.on("ProductsUpdated", {"products": {"nodes": [product], "pageInfo": {"hasNextPage": False}}})
    assert store.catalogue() == [
        StoreProduct("product:701", "MUG", "Mug - Blue", Decimal("22.00"), True, 4, "product:70")
    ]


def test_the_adapter_as_the_port_names_it() -> None:
    assert SHOPIFY.name == "shopify" and SHOPIFY.lists_customer_changes
    assert SETTINGS.invoice_prefix == "SH-"
    assert SHOPIFY.check_settings(parse_settings('{"store": {"currency": "buyer"}}')) != []
    assert SHOPIFY.client({"shop": "jsmith.myshopify.com"}) is None
    client = SHOPIFY.client({"shop": "jsmith.myshopify.com", "access_token": "shpat_x", "api_version": "2026-10"})
    assert client is not None and client.url == "jsmith.myshopify.com"
    kinds = {name: SHOPIFY.kind_of(json.loads(fixture_bytes(name))) for name in (
        "orders_create_sample_payload_2026-07.json",
        "refunds_create_sample_payload_2026-07.json",
        "customers_create_sample_payload_2026-07.json",
        "products_update_sample_payload_2026-07.json",
    )}  # fmt: skip
    assert list(kinds.values()) == ["order", "refund", "customer", "product"]


def _preview(tmp_path: Path, *args: str) -> Any:
    settings = tmp_path / "settings.yaml"
    settings.write_text("store:\n  test_orders: sync\n")
    return CliRunner().invoke(app, ["preview", *args, "-s", str(settings), "--source", "shopify", "--json"])


def test_the_docs_payloads_through_xerosync_preview(tmp_path: Path) -> None:
    order = str(reference_file("fixtures", "shopify", "orders_create_sample_payload_2026-07.json"))
    cancelled = _preview(tmp_path, order)
    assert cancelled.exit_code == 0, cancelled.output
    assert json.loads(cancelled.output)["requests"] == []  # the docs order is cancelled: nothing is created
    live = json.loads(Path(order).read_text())
    live.update(cancelled_at=None, financial_status="paid", test=False)
    (tmp_path / "live.json").write_text(json.dumps(live))
    result = _preview(tmp_path, str(tmp_path / "live.json"))
    assert result.exit_code == 0, result.output
    requests = json.loads(result.output)["requests"]
    assert [r["path"].split("?")[0] for r in requests] == ["/Contacts", "/Invoices"]
    invoice = requests[1]["body"]["Invoices"][0]
    assert invoice["InvoiceNumber"] == "SH-9999" and invoice["CurrencyCode"] == "USD"
    for name in ("customers_create_sample_payload_2026-07.json", "products_update_sample_payload_2026-07.json"):
        assert _preview(tmp_path, str(reference_file("fixtures", "shopify", name))).exit_code == 0
    refund = str(reference_file("fixtures", "shopify", "refunds_create_sample_payload_2026-07.json"))
    credited = _preview(tmp_path, refund, "--order", str(tmp_path / "live.json"))
    assert credited.exit_code == 0, credited.output
    note = json.loads(credited.output)["requests"][0]["body"]["CreditNotes"][0]
    assert sum(
        Decimal(str(line["UnitAmount"])) * Decimal(str(line["Quantity"])) for line in note["LineItems"]
    ) == Decimal("85.00")


def test_the_statuses_a_merchant_maps_are_the_apis_enum() -> None:
    """What the console's Map offers for financial_statuses: every value of the Admin API's enum
    (as the simulator's schema declares it), nothing else; tax rates and gateways are free text."""
    import re

    schema = (Path(__file__).parents[2] / "local" / "shopify_store" / "schema" / "orders.graphql").read_text()
    enum = re.search(r"enum OrderDisplayFinancialStatus \{([^}]*)\}", schema)
    assert enum is not None
    lists = shop(FakeAdmin()).store_lists()
    assert lists.statuses is not None
    assert sorted(c.value for c in lists.statuses) == sorted(enum.group(1).split())
    assert lists.tax_rates is None and lists.gateways is None and lists.status_setting == "financial_statuses"
