"""Store products and variants -> Xero items (untracked), one item per SKU.

Xero item codes are required, unique and at most 30 characters: a product without a SKU gets
no item, and a longer SKU gets a stable shortened code or none (settings) - a decision that
is logged, never a crash. Each variant is its own item.

A product sold as its variants has no item. When the store says which variants it has now
(:attr:`Product.variants`), its mapping keeps that list, so a variant removed in the store is
noticed and said in the sync log. Its Xero item is kept, never deleted: invoices and credit notes
refer to it, and an item in use cannot be deleted in Xero anyway; the merchant archives it in
Xero when it is no longer sold.
"""

from xerosync import directions
from xerosync.config import StoreSettings
from xerosync.domain import Ignored, Product, ProductChanged
from xerosync.sync.base import Outcome, create_once, holding, now_iso, superseded, superseded_outcome
from xerosync.sync.ports import Mapping, Mappings, Xero
from xerosync.xero import payloads
from xerosync.xero.errors import XeroRejected

# The order in which this use case calls Xero (see sync.orders.CALL_ORDER): a lookup, then a write.
CALL_ORDER: tuple[tuple[str, ...], ...] = (("items_by_code",), ("create_items", "update_items"))


def _mapping(product: Product, item_id: str, code: str, digest: str, modified: str | None = None) -> Mapping:
    return Mapping(
        product.key, item_id, content_hash=digest, xero_number=code, source_modified=modified, updated_at=now_iso()
    )


def upsert_item(
    product: Product, settings: StoreSettings, xero: Xero, mappings: Mappings, *, modified: str | None = None
) -> Outcome:
    code = payloads.item_code(product.sku, settings)
    if code.code is None:
        return Outcome("skipped", product.key, reason=code.decision)
    body = payloads.item(product, code.code, settings)
    update = directions.item_update(body, product.sku, settings)  # never the fields Xero owns
    digest = payloads.content_hash(update)

    def find() -> dict[str, object] | None:
        found = xero.items_by_code([code.code or ""])
        return found[0] if found else None

    created = create_once(
        mappings,
        product.key,
        find=find,
        create=lambda claim: xero.create_items([body], idempotency_key=f"item:{product.key}:{claim}")[0],
        record=lambda found, new: _mapping(
            product, str(found["ItemID"]), code.code or "", digest if new else "", modified
        ),
    )
    reason = code.decision
    if created.record is not None:
        return Outcome("created", product.key, created.mapping.xero_id, reason=reason)
    known = created.mapping
    if known.content_hash == digest:
        return Outcome("unchanged", product.key, known.xero_id, reason=reason)
    result = xero.update_items([{**update, "ItemID": known.xero_id}], idempotency_key=f"item:{product.key}:{digest}")[0]
    if not result.ok:
        raise XeroRejected(list(result.errors), result.record)
    mappings.put(_mapping(product, known.xero_id, code.code, digest, modified))
    return Outcome("updated", product.key, known.xero_id, reason=reason)


def sync_product(
    command: ProductChanged | Ignored, *, settings: StoreSettings, xero: Xero, mappings: Mappings
) -> Outcome:
    """A product created or changed in the store (a deleted one keeps its item: invoices refer to
    it; the merchant archives it in Xero when they wish)."""
    if isinstance(command, Ignored):
        return Outcome("skipped", command.key, reason=command.reason)
    product = command.product
    if not settings.sync.products:
        return Outcome("skipped", product.key, reason="product sync is switched off (settings: sync.products)")
    stamp = command.modified.isoformat() if command.modified else None
    if not product.sellable:
        return note_variants(product, mappings, stamp)
    with holding(mappings, product.key):
        known = mappings.get(product.key)
        if superseded(known, stamp) and known is not None:
            return superseded_outcome(product.key, stamp, known)
        return upsert_item(product, settings, xero, mappings, modified=stamp)


def note_variants(product: Product, mappings: Mappings, stamp: str | None) -> Outcome:
    """A product sold as its variants: no item; the variants it has now are kept in its mapping
    (no Xero record: ``xero_id`` is empty), and those it had before and has no longer are said,
    with their Xero items, which are kept."""
    reason = "a product sold as its variants has no item: its variants do"
    if not product.variants:  # the store did not say which
        return Outcome("skipped", product.key, reason=reason)
    with holding(mappings, product.key):
        known = mappings.get(product.key)
        if superseded(known, stamp) and known is not None:
            return superseded_outcome(product.key, stamp, known)
        before = [str(k) for k in (known.data.get("variants") or ())] if known else []
        removed = [k for k in before if k not in product.variants]
        if known is None or removed or before != list(product.variants):
            data = {"variants": list(product.variants)}
            mappings.put(Mapping(product.key, "", source_modified=stamp, updated_at=now_iso(), data=data))
    if not removed:
        return Outcome("skipped", product.key, reason=f"{reason} ({len(product.variants)})")
    kept = []
    for key in removed:
        item = mappings.get(key)
        kept.append(f"{key} (Xero item {item.xero_number or item.xero_id})" if item else f"{key} (no Xero item)")
    return Outcome(
        "skipped",
        product.key,
        reason=f"{reason}; no longer in the store's product: {', '.join(kept)}. Xero items are never deleted "
        "(invoices refer to them): archive one in Xero if it is no longer sold",
    )


def item_codes(keys: set[str], mappings: Mappings) -> dict[str, str]:
    """The Xero item codes of the store products in ``keys`` that have items."""
    codes = {}
    for key in sorted(keys):
        known = mappings.get(key)
        if known and known.xero_number:
            codes[key] = known.xero_number
    return codes
