"""Field ownership (the store's fields go to Xero, Xero's to the store, never both) and the pull
from Xero that follows it; the item sync leaves Xero's fields alone, so the store's webhook for
a pulled change writes nothing back (no bounce)."""

from decimal import Decimal
from typing import Any

from tests.fake_woo_rest import FakeRest, woo_store
from tests.fakes import InMemoryMappings
from xerosync import directions, pull
from xerosync.config import StoreSettings, parse_settings
from xerosync.domain import Product
from xerosync.pull import plan_product
from xerosync.sources.port import ProductUpdate, StoreProduct
from xerosync.sync.items import upsert_item
from xerosync.xero.client import ElementResult

XERO_OWNS = parse_settings("pull: {name: xero, price: xero, stock_items: [MUG]}")


def item(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ItemID": "item-1",
        "Code": "MUG",
        "Name": "Enamel Mug",
        "SalesDetails": {"UnitPrice": Decimal("33.00"), "AccountCode": "200"},
        "IsTrackedAsInventory": True,
        "QuantityOnHand": Decimal("12.0000"),
    }
    return {**base, **fields}


def product(**fields: Any) -> StoreProduct:
    base: dict[str, Any] = {
        "key": "product:10",
        "parent_key": None,
        "sku": "MUG",
        "name": "Enamel Mug",
        "regular_price": Decimal("33.00"),
        "manage_stock": True,
        "stock_quantity": 12,
    }
    return StoreProduct(**{**base, **fields})


def test_the_fields_xero_owns_are_left_out_of_item_updates() -> None:
    body = {
        "Code": "MUG",
        "Name": "Mug",
        "Description": "Mug",
        "IsTrackedAsInventory": False,
        "IsPurchased": False,
        "SalesDetails": {"AccountCode": "200", "UnitPrice": Decimal("33")},
    }
    assert directions.item_update(body, "MUG", StoreSettings()) == body  # the store owns everything by default
    assert directions.item_update(body, "MUG", XERO_OWNS) == {"Code": "MUG", "SalesDetails": {"AccountCode": "200"}}
    assert "IsTrackedAsInventory" in directions.item_update(body, "OTHER", XERO_OWNS)  # stock: only the SKUs listed


def test_a_product_in_step_with_xero_is_not_written() -> None:
    assert plan_product(product(), item(), XERO_OWNS) is None


def test_xeros_name_price_and_stock_are_planned_for_the_store() -> None:
    change = plan_product(
        product(),
        item(Name="Mug (white)", SalesDetails={"UnitPrice": Decimal("35.5")}, QuantityOnHand=Decimal("7")),
        XERO_OWNS,
    )
    assert change is not None
    assert change.update == ProductUpdate(name="Mug (white)", regular_price=Decimal("35.5"), stock_quantity=7)
    assert change.notes == ("name 'Enamel Mug' -> 'Mug (white)'", "price 33.00 -> 35.50", "stock 12 -> 7")


def test_fields_the_store_owns_are_never_written_from_xero() -> None:
    store_owns = parse_settings("pull: {stock_items: [MUG]}")
    changed = item(Name="Other", SalesDetails={"UnitPrice": Decimal("99")}, QuantityOnHand=Decimal("3"))
    change = plan_product(product(), changed, store_owns)
    assert change is not None and change.update == ProductUpdate(stock_quantity=3)
    assert plan_product(product(sku="OTHER"), {**changed, "Code": "OTHER"}, store_owns) is None


def test_variation_names_and_untracked_stock_are_left_alone() -> None:
    assert plan_product(product(parent_key="product:9"), item(Name="Tee - M"), XERO_OWNS) is None
    assert plan_product(product(), item(IsTrackedAsInventory=False, QuantityOnHand=Decimal("0")), XERO_OWNS) is None
    _, notes = pull.plan([product()], [item(IsTrackedAsInventory=False)], XERO_OWNS)
    assert notes and "not tracked inventory" in notes[0]


def test_a_name_xero_shortened_is_the_same_name() -> None:
    long = "Waterproof Trail Running Jacket - Women's, Forest Green"
    assert len(long) > 50
    assert plan_product(product(name=long), item(Name=long[:49] + "…"), XERO_OWNS) is None


def test_long_skus_match_their_shortened_item_codes() -> None:
    sku = "CAMP-CHAIR-DELUXE-EDITION-CUPHOLDER-GRN"
    from xerosync.xero.payloads import item_code

    code = item_code(sku, XERO_OWNS).code
    assert code is not None and code != sku
    changes, _ = pull.plan([product(sku=sku)], [item(Code=code, SalesDetails={"UnitPrice": Decimal("80")})], XERO_OWNS)
    assert [c.update.regular_price for c in changes] == [Decimal("80")]
    assert changes[0].notes == ("price 33.00 -> 80.00",)


def Store(products: list[dict[str, Any]]) -> FakeRest:
    rest = FakeRest()
    rest.data["products"] = products
    variation = {"id": 31, "sku": "TEE-M", "name": "Tee - M", "regular_price": "39.95", "type": "variation"}
    rest.data["products/30/variations"] = [variation]
    return rest


class Items:
    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.calls = 0

    def items_by_code(self, codes: list[str]) -> list[dict[str, Any]]:
        self.calls += 1
        assert len(codes) <= pull.CODES_PER_CALL
        return [i for i in self.items if i["Code"] in codes]


def test_nothing_owned_by_xero_means_no_call_at_all() -> None:
    store, xero = Store([{"id": 10, "sku": "MUG"}]), Items([])
    report = pull.run(store=woo_store(store), xero=xero, settings=StoreSettings())
    assert store.calls == [] and xero.calls == 0
    assert "nothing to pull" in report.notes[0]


def test_a_pull_writes_products_and_variations_that_differ() -> None:
    products = [
        {
            "id": 10,
            "sku": "MUG",
            "name": "Enamel Mug",
            "regular_price": "33.00",
            "type": "simple",
            "manage_stock": True,
            "stock_quantity": 12,
        },
        {"id": 30, "sku": "TEE", "name": "Tee", "type": "variable"},
        {"id": 40, "sku": "", "name": "No SKU", "regular_price": "5.00", "type": "simple"},
    ]
    store = Store(products)
    xero = Items([item(), {"Code": "TEE-M", "Name": "Tee - M", "SalesDetails": {"UnitPrice": Decimal("42.00")}}])
    report = pull.run(store=woo_store(store), xero=xero, settings=XERO_OWNS)
    assert store.product_writes == [(31, {"regular_price": "42.00"}, 30)]  # the variation, through its product
    assert report.products == 2 and len(report.applied) == 1
    dry_store = Store(products)
    dry = pull.run(store=woo_store(dry_store), xero=xero, settings=XERO_OWNS, apply=False)
    assert len(dry.changes) == 1 and dry.applied == [] and dry_store.product_writes == []


class XeroItems:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.updates: list[dict[str, Any]] = []

    def items_by_code(self, codes: list[str]) -> list[dict[str, Any]]:
        return [i for i in self.items.values() if i["Code"] in codes]

    def create_items(self, items: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        made = [{**i, "ItemID": f"item-{len(self.items) + 1}"} for i in items]
        self.items.update({m["ItemID"]: m for m in made})
        return [ElementResult(True, m) for m in made]

    def update_items(self, items: list[dict[str, Any]], *, idempotency_key: str) -> list[ElementResult]:
        self.updates += items
        for i in items:
            self.items[i["ItemID"]].update(i)
        return [ElementResult(True, self.items[i["ItemID"]]) for i in items]


def test_the_stores_webhook_for_a_pulled_price_writes_nothing_back_to_xero() -> None:
    xero, mappings = XeroItems(), InMemoryMappings()
    mug = Product("product:10", "MUG", "Enamel Mug", "Enamel Mug", Decimal("33.00"))
    assert upsert_item(mug, XERO_OWNS, xero, mappings).action == "created"  # created whole: Xero had nothing
    assert next(iter(xero.items.values()))["SalesDetails"]["UnitPrice"] == Decimal("33")
    # the pull wrote Xero's price and name into the store; the store's product.updated comes back
    pulled = Product("product:10", "MUG", "Mug (white)", "Mug (white)", Decimal("35.50"))
    assert upsert_item(pulled, XERO_OWNS, xero, mappings).action == "unchanged"
    assert xero.updates == []
    # a field the store owns still goes to Xero
    store_owns_name = parse_settings("pull: {price: xero}")
    renamed = Product("product:10", "MUG", "Mug (blue)", "Mug (blue)", Decimal("35.50"))
    assert upsert_item(renamed, store_owns_name, xero, mappings).action == "updated"
    assert xero.updates[-1]["Name"] == "Mug (blue)" and "UnitPrice" not in xero.updates[-1]["SalesDetails"]
