"""Order lifecycle as WooCommerce runs it: lines bought, totals computed, status transitions
with their side effects (``date_paid``, ``date_completed``, stock), payment and refunds.

Reproduced from ``abstract-wc-order.php``/``class-wc-order.php`` and ``wc-order-functions.php``:

* ``payment_complete()``: from pending, on-hold, failed or cancelled: transaction id,
  ``date_paid`` (if unset), status processing (completed when nothing needs processing).
* Entering processing or completed sets ``date_paid`` if unset; completed sets
  ``date_completed``.
* Stock (``wc_maybe_reduce_stock_levels``/``wc_maybe_increase_stock_levels``): reduced once
  when the order reaches processing, completed or on-hold; put back when it is cancelled or
  returns to pending. Stock changes write the quantity directly: no ``product.updated``
  webhook and no new ``date_modified`` for the product (``wc_update_product_stock``).
* ``wc_create_refund()``: the amount may not exceed what is left to refund ("Invalid refund
  amount."); refunded items are copied with negative quantities, totals and taxes and a
  ``_refunded_item_id`` meta; refunding what is left moves the order to ``refunded``
  (``woocommerce_order_fully_refunded_status``); items may be restocked.
"""

import random
import string
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from local.woo_store.errors import RestError
from local.woo_store.model import (
    CouponLine,
    FeeLine,
    LineItem,
    Order,
    Product,
    Refund,
    RefundLine,
    ShippingLine,
    Variation,
)
from local.woo_store.money import ZERO, parse
from local.woo_store.rest import variation_name
from local.woo_store.state import State
from local.woo_store.totals import CouponInput, FeeInput, ItemInput, ShippingInput, calculate

VALID_FOR_PAYMENT_COMPLETE = ("on-hold", "pending", "failed", "cancelled")
STOCK_REDUCING = ("processing", "completed", "on-hold")
STOCK_RESTORING = ("cancelled", "pending")


def new_order_key(rng: random.Random) -> str:
    """``wc_generate_order_key()``: ``wc_order_`` and 13 random characters."""
    return "wc_order_" + "".join(rng.choices(string.ascii_letters + string.digits, k=13))


def resolve_product(
    state: State, product_id: int, variation_id: int = 0, sku: str = ""
) -> tuple[Product, Variation | None]:
    """``get_product_id``: by SKU first, then variation id, then product id."""
    found: Product | Variation | None = None
    if sku:
        found = state.product_by_sku(sku)
    elif variation_id:
        found = state.variations.get(variation_id)
    elif product_id:
        found = state.variations.get(product_id) or state.products.get(product_id)
    if found is None:
        raise RestError(400, "woocommerce_rest_invalid_product_id", "Product ID or SKU is invalid.")
    if isinstance(found, Variation):
        parent = state.products.get(found.parent_id)
        if parent is None:
            raise RestError(400, "woocommerce_rest_invalid_product_id", "Product ID or SKU is invalid.")
        return parent, found
    if found.type == "variable":
        message = "A variable product cannot be bought: pick a variation."
        raise RestError(400, "woocommerce_rest_invalid_product_id", message)
    return found, None


def buy(state: State, product: Product, variation: Variation | None, quantity: int, item_id: int) -> LineItem:
    """A line as the checkout adds it: name, price, tax class and taxability of the day."""
    source: Product | Variation = variation or product
    price = source.price
    if price is None:
        raise RestError(400, "woocommerce_rest_invalid_product_id", f"Product {source.id} has no price.")
    tax_class = product.tax_class if variation is None or variation.tax_class == "parent" else variation.tax_class
    attributes = variation.attributes if variation else []
    meta = [{"id": state.meta_id(), "key": a["name"].lower(), "value": a["option"]} for a in attributes]
    return LineItem(
        id=item_id,
        product_id=product.id,
        variation_id=variation.id if variation else 0,
        name=variation_name(product.name, variation) if variation else product.name,
        quantity=quantity,
        unit_price=price,
        tax_class=tax_class,
        taxable=source.tax_status == "taxable",
        needs_shipping=not source.virtual,
        meta_data=meta,
    )


def coupon_line(state: State, code: str, item_id: int) -> CouponLine:
    coupon = state.coupon_by_code(code)
    if coupon is None:
        raise RestError(400, "woocommerce_rest_invalid_coupon", f'Coupon "{code}" does not exist!')
    return CouponLine(
        item_id,
        coupon.code,
        coupon.discount_type,
        coupon.amount,
        coupon.id,
        coupon.product_ids,
        coupon.excluded_product_ids,
    )


def recalculate(state: State, order: Order) -> None:
    """Compute the order's totals from its lines (the checkout's ``WC_Cart_Totals``)."""
    totals = calculate(
        [
            ItemInput(
                line.id,
                line.product_id,
                line.variation_id,
                line.unit_price,
                line.quantity,
                line.tax_class,
                line.taxable,
                line.needs_shipping,
            )
            for line in order.lines
        ],
        state.tax_setup(order),
        fees=[FeeInput(f.id, f.amount, f.taxable, f.tax_class) for f in order.fees],
        shipping=[ShippingInput(s.id, s.cost, s.taxable) for s in order.shipping_lines],
        coupons=[
            CouponInput(c.coupon_id, c.code, c.discount_type, c.amount, c.product_ids, c.excluded_product_ids)
            for c in order.coupons
        ],
    )
    order.totals = totals
    for line in totals.tax_lines:
        if line.rate_id not in order.tax_line_ids:
            order.tax_line_ids[line.rate_id] = state.item_id()


def fee(state: State, name: str, amount: Any, *, taxable: bool = True, tax_class: str = "") -> FeeLine:
    return FeeLine(state.item_id(), name, parse(amount), taxable, tax_class)


def shipping(
    state: State, cost: Any, *, method_id: str = "flat_rate", title: str = "Flat rate", taxable: bool = True
) -> ShippingLine:
    return ShippingLine(state.item_id(), method_id, title, parse(cost), taxable)


# --- status ---------------------------------------------------------------------------------
def set_status(state: State, order: Order, status: str, now: datetime) -> None:
    """``WC_Order::set_status`` + ``status_transition`` side effects."""
    if status == order.status:
        return
    order.status = status
    if status in ("processing", "completed") and order.date_paid is None:
        order.date_paid = now
    if status == "completed" and order.date_completed is None:
        order.date_completed = now
    if status in STOCK_REDUCING and not order.stock_reduced:
        _move_stock(state, ((line, -line.quantity) for line in order.lines))
        order.stock_reduced = True
    elif status in STOCK_RESTORING and order.stock_reduced:
        _move_stock(state, ((line, line.quantity) for line in order.lines))
        order.stock_reduced = False


def payment_complete(state: State, order: Order, transaction_id: str, now: datetime) -> bool:
    if order.status not in VALID_FOR_PAYMENT_COMPLETE:
        return False
    if transaction_id:
        order.transaction_id = transaction_id
    if order.date_paid is None:
        order.date_paid = now
    needs_processing = any(line.needs_shipping for line in order.lines)
    set_status(state, order, "processing" if needs_processing else "completed", now)
    return True


def _move_stock(state: State, moves: Iterable[tuple[LineItem, int]]) -> None:
    for line, delta in moves:
        target: Product | Variation | None = state.variations.get(line.variation_id) if line.variation_id else None
        if target is None or not target.manage_stock:
            target = state.products.get(line.product_id)
        if target is not None and target.manage_stock:
            target.stock_quantity = (target.stock_quantity or 0) + delta
        product = state.products.get(line.product_id)
        if product is not None and delta < 0:
            product.total_sales -= delta


# --- refunds --------------------------------------------------------------------------------
def refunded_total(state: State, order: Order) -> Decimal:
    return sum((state.refunds[r].amount for r in order.refund_ids if r in state.refunds), ZERO)


def _rate_amounts(value: Any) -> dict[int, Decimal]:
    if isinstance(value, dict):
        return {int(k): parse(v) for k, v in value.items()}
    if isinstance(value, list):
        return {int(t["id"]): parse(t.get("refund_total", t.get("total", 0))) for t in value if isinstance(t, dict)}
    return {}


def create_refund(
    state: State,
    order: Order,
    now: datetime,
    *,
    amount: Any = None,
    reason: str = "",
    line_items: list[dict[str, Any]] | None = None,
    refund_payment: bool = True,
    restock: bool = True,
) -> tuple[Refund, bool]:
    """``wc_create_refund``; returns the refund and whether the order is now fully refunded."""
    lines: list[RefundLine] = []
    items = {line.id: line for line in order.lines}
    fees = {f.id: f for f in order.fees}
    ships = {s.id: s for s in order.shipping_lines}
    restock_moves: list[tuple[LineItem, int]] = []
    for posted in line_items or []:
        item_id = int(posted.get("id") or 0)
        quantity = int(posted.get("quantity") or posted.get("qty") or 0)
        total = parse(posted.get("refund_total") or 0)
        taxes = _rate_amounts(posted.get("refund_tax"))
        if not quantity and not total and not any(taxes.values()):
            continue
        if item_id in items:
            line = items[item_id]
            lines.append(
                RefundLine(
                    state.item_id(),
                    "line_item",
                    item_id,
                    line.name,
                    quantity,
                    total,
                    taxes,
                    line.product_id,
                    line.variation_id,
                    line.tax_class,
                    state.meta_id(),
                )
            )
            if quantity:
                restock_moves.append((line, quantity))
        elif item_id in fees:
            f = fees[item_id]
            lines.append(RefundLine(state.item_id(), "fee", item_id, f.name, 0, total, taxes, meta_id=state.meta_id()))
        elif item_id in ships:
            s = ships[item_id]
            title = s.method_title
            lines.append(
                RefundLine(state.item_id(), "shipping", item_id, title, 0, total, taxes, meta_id=state.meta_id())
            )
        else:
            message = f"Order item {item_id} is not in order {order.id}."
            raise RestError(400, "woocommerce_rest_invalid_order_refund", message)
    if amount is None or amount == "":
        value = sum((line.total + sum(line.taxes.values(), ZERO) for line in lines), ZERO)
    else:
        value = parse(amount)
    if value < 0 or (amount is None and not lines):
        raise RestError(400, "woocommerce_rest_invalid_order_refund", "Refund amount must be greater than zero.")
    remaining = order.totals.total - refunded_total(state, order)
    if value > remaining:
        raise RestError(500, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount.")
    refund = Refund(state.post_id(), order.id, value, reason, now, 1, refund_payment, lines)
    state.refunds[refund.id] = refund
    order.refund_ids.append(refund.id)
    if restock and order.stock_reduced:
        _move_stock(state, restock_moves)
    fully = not remaining - value > 0
    if fully:
        set_status(state, order, "refunded", now)
    return refund, fully
