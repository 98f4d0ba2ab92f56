"""Who owns which product field (settings ``pull``), so that the store and Xero never fight.

A field the store owns travels store -> Xero only (the item sync); a field Xero owns travels
Xero -> store only (the pull). The item sync therefore leaves Xero's fields out of every update
it sends: when the pull writes a Xero price into a store product, the store's ``product.updated``
webhook comes back to the item sync, finds nothing of its own changed, and writes nothing to
Xero (no bounce). A new item is created whole: Xero has no value of its own yet.
"""

from typing import Any

from xerosync.config import StoreSettings


def xero_owned(sku: str | None, settings: StoreSettings) -> tuple[str, ...]:
    """The item fields Xero owns for the product with ``sku``."""
    owned: list[str] = []
    if settings.pull.name == "xero":
        owned += ["Name", "Description"]
    if settings.pull.price == "xero":
        owned.append("SalesDetails.UnitPrice")
    if sku and sku in settings.pull.stock_items:
        # a tracked inventory item: its tracking and purchase details are the merchant's, in Xero
        owned += ["IsTrackedAsInventory", "IsPurchased", "PurchaseDetails"]
    return tuple(owned)


def item_update(body: dict[str, Any], sku: str | None, settings: StoreSettings) -> dict[str, Any]:
    """``body`` (a Xero item) without the fields Xero owns: what an update may send."""
    out = dict(body)
    for name in xero_owned(sku, settings):
        head, _, tail = name.partition(".")
        if not tail:
            out.pop(head, None)
        elif isinstance(out.get(head), dict):
            out[head] = {k: v for k, v in out[head].items() if k != tail}
    return out
