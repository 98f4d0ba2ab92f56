"""Pull from Xero: item names, prices and stock levels into the store's products, by SKU.

Xero's webhooks carry no item events
(https://developer.xero.com/documentation/guides/webhooks/overview/), so this runs on a schedule
(the stack parameter PullSchedule) and on ``xerosync pull``. Only the fields the settings give to
Xero move (:mod:`xerosync.directions`), and a store product is written only when its value
differs from Xero's: an unchanged catalogue costs no store write, and so no webhook. Each product
is matched to its Xero item by the item code its SKU maps to
(:func:`xerosync.xero.payloads.item_code`, so shortened codes of long SKUs match too). The store
is read and written through the store port (:meth:`~xerosync.sources.port.StoreClient.catalogue`,
:meth:`~xerosync.sources.port.StoreClient.update_product`).

* name: products only (a variant's name is made by the store, from its product's and options);
* price: the Xero item's sale price becomes the product's regular price (the item sync writes
  the regular price the other way, as it is: the same tax treatment both ways);
* stock: for the SKUs listed in ``pull.stock_items`` whose Xero item is tracked inventory, its
  ``QuantityOnHand`` becomes the product's stock quantity (stock managed from then on).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Protocol

from xerosync.config import StoreSettings
from xerosync.frozen import frozen
from xerosync.sources.port import ProductUpdate, StoreProduct
from xerosync.xero.payloads import ITEM_NAME_MAX, item_code

CODES_PER_CALL = 40


class ProductStore(Protocol):
    def catalogue(self) -> list[StoreProduct]: ...

    def update_product(self, product: StoreProduct, update: ProductUpdate) -> None: ...


class ItemReader(Protocol):
    def items_by_code(self, codes: list[str]) -> list[dict[str, Any]]: ...


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@frozen
class Change:
    product: StoreProduct
    update: ProductUpdate  # what to write
    notes: tuple[str, ...]  # what changed, for the log: "price 33.00 -> 35.00"


def _price_text(price: Decimal) -> str:
    """A price for the log: to the cent, or to its own precision when finer."""
    cents = price.quantize(Decimal("0.01"))
    return f"{cents:f}" if cents == price else f"{price.normalize():f}"


def _same_name(store: str, xero: str) -> bool:
    """Equal, or equal as far as Xero keeps it (item names are at most 50 characters)."""
    shortened = store if len(store) <= ITEM_NAME_MAX else store[: ITEM_NAME_MAX - 1] + "…"
    return xero in (store, shortened)


def plan_product(product: StoreProduct, item: dict[str, Any], settings: StoreSettings) -> Change | None:
    """What the store product must take from its Xero item (pure); None when nothing."""
    name: str | None = None
    price: Decimal | None = None
    quantity: int | None = None
    notes: list[str] = []
    xero_name = str(item.get("Name") or "")
    named_in_store = product.parent_key is None  # a variant's name is made by the store
    if settings.pull.name == "xero" and named_in_store and xero_name and not _same_name(product.name, xero_name):
        name = xero_name
        notes.append(f"name {product.name!r} -> {name!r}")
    xero_price = _money((item.get("SalesDetails") or {}).get("UnitPrice"))
    if settings.pull.price == "xero" and xero_price is not None and xero_price != product.regular_price:
        price = xero_price
        notes.append(f"price {product.regular_price} -> {_price_text(price)}")
    if product.sku in settings.pull.stock_items and item.get("IsTrackedAsInventory"):
        on_hand = _money(item.get("QuantityOnHand")) or Decimal(0)
        on_hand_units = int(on_hand.to_integral_value(ROUND_FLOOR))
        if not product.manage_stock or product.stock_quantity != on_hand_units:
            quantity = on_hand_units
            notes.append(f"stock {product.stock_quantity} -> {quantity}")
    if not notes:
        return None
    return Change(product, ProductUpdate(name=name, regular_price=price, stock_quantity=quantity), tuple(notes))


def plan(
    products: Iterable[StoreProduct], items: Iterable[dict[str, Any]], settings: StoreSettings
) -> tuple[list[Change], list[str]]:
    """The changes for ``products`` given the Xero ``items``, and notes on what was not pulled."""
    by_code = {str(i.get("Code", "")).casefold(): i for i in items if i.get("Code")}
    changes: list[Change] = []
    notes: list[str] = []
    for product in products:
        code = item_code(product.sku or None, settings).code
        item = by_code.get(code.casefold()) if code else None
        if item is None:
            continue
        if product.sku in settings.pull.stock_items and not item.get("IsTrackedAsInventory"):
            notes.append(f"{product.sku}: not tracked inventory in Xero, so Xero has no stock level for it")
        change = plan_product(product, item, settings)
        if change is not None:
            changes.append(change)
    return changes, notes


@dataclass
class PullReport:
    products: int = 0
    items: int = 0
    changes: list[Change] = field(default_factory=list)
    applied: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "products": self.products,
            "items": self.items,
            "written": len(self.applied),
            "failed": len(self.failed),
            "notes": self.notes[:20],
        }


def run(*, store: ProductStore, xero: ItemReader, settings: StoreSettings, apply: bool = True) -> PullReport:
    """One pull. With ``apply=False`` it only plans (``xerosync pull --dry-run``)."""
    report = PullReport()
    if not settings.pull.owned_by_xero():
        report.notes.append("nothing to pull: the store owns names, prices and stock (settings: pull)")
        return report
    products = [p for p in store.catalogue() if p.sku]
    report.products = len(products)
    codes = sorted({c for c in (item_code(p.sku, settings).code for p in products) if c})
    items: list[dict[str, Any]] = []
    for start in range(0, len(codes), CODES_PER_CALL):
        items.extend(xero.items_by_code(codes[start : start + CODES_PER_CALL]))
    report.items = len(items)
    report.changes, report.notes = plan(products, items, settings)
    for change in report.changes if apply else []:
        try:
            store.update_product(change.product, change.update)
            report.applied.append(change)
        except Exception as exc:  # one product the store refuses must not stop the others
            report.failed.append((change, str(exc)))
    return report
