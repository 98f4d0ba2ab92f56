"""What happens to an order after checkout: payments (sales, authorisations and captures, failures,
gift cards), refunds with their lines, shipping, adjustments and transactions, cancellation.

Shopify Payments' fee on a charge is ``round(amount * rate) + flat`` in the shop's currency, with
the rate and flat fee of the shop's plan (``FeePlan``; the default, 2.9 % + 0.30, is Shopify's
published US Basic-plan online rate, a guess for other countries). Other gateways' fees are
unknown to Shopify and carry none.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from local.shopify_store.arithmetic import (
    MONEY_IN,
    IdSource,
    gone_quantity,
    refund_calculated,
    refund_money,
    share,
    successful,
    totals,
)
from local.shopify_store.model import (
    EditRemoval,
    Fee,
    LineItem,
    Order,
    OrderAdjustment,
    OrderEdit,
    Refund,
    RefundLineItem,
    RefundShippingLine,
    Transaction,
    TransactionKind,
    TransactionStatus,
)
from local.shopify_store.money import NOTHING, ZERO, Bag, cents, total


class OrderError(ValueError):
    """An operation Shopify would refuse (its message, as a userError would say it)."""


@dataclass(frozen=True)
class FeePlan:
    rate: Decimal = Decimal("0.029")
    flat: Decimal = Decimal("0.30")


def fee_for(amount: Decimal, currency: str, plan: FeePlan, ids: IdSource) -> Fee:
    fee = cents(amount * plan.rate, currency) + plan.flat
    return Fee(ids.next(), fee, plan.flat, plan.rate)


def transact(
    order: Order,
    ids: IdSource,
    when: datetime,
    kind: TransactionKind,
    gateway: str,
    amount: Bag,
    *,
    status: TransactionStatus = "SUCCESS",
    parent: Transaction | None = None,
    plan: FeePlan | None = None,
) -> Transaction:
    fees = []
    if gateway == "shopify_payments" and kind in MONEY_IN and status == "SUCCESS":
        fees = [fee_for(amount.shop, order.currencies.shop, plan or FeePlan(), ids)]
    txn = Transaction(
        id=ids.next(),
        kind=kind,
        status=status,
        gateway=gateway,
        amount=amount,
        processed_at=when,
        parent_id=parent.id if parent else None,
        fees=fees,
        error_code="CARD_DECLINED" if status == "FAILURE" else None,
        test=order.test,
    )
    order.transactions.append(txn)
    return txn


def outstanding(order: Order) -> Bag:
    return totals(order).outstanding


def capturable(order: Order) -> list[Transaction]:
    """Successful authorisations not yet captured or voided."""
    ok = [t for t in order.transactions if t.status == "SUCCESS"]
    closed = {t.parent_id for t in ok if t.kind in ("CAPTURE", "VOID")}
    return [t for t in ok if t.kind == "AUTHORIZATION" and t.id not in closed]


def tenders(order: Order) -> list[tuple[Transaction, Bag]]:
    """Each successful SALE/CAPTURE with what is left of it to refund, card gateways before gift
    cards (Shopify refunds to the original tenders)."""
    left = []
    for t in order.transactions:
        if t.status != "SUCCESS" or t.kind not in MONEY_IN:
            continue
        back = total(
            x.amount
            for r in order.refunds
            for x in r.transactions
            if x.parent_id == t.id and x.status == "SUCCESS" and x.kind == "REFUND"
        )
        if (t.amount - back).presentment > 0:
            left.append((t, t.amount - back))
    return sorted(left, key=lambda p: p[0].gateway == "gift_card")


def unit_share(order: Order, li: LineItem, already: int, taking: int) -> tuple[Bag, Bag]:
    """``taking`` units' share of a line's amount (after its discounts) and tax, after ``already``
    units were refunded or removed (proportional; the last units take what is left)."""
    done = [(r.subtotal, r.total_tax) for ref in order.refunds for r in ref.line_items if r.line_item_id == li.id]
    done += [(x.subtotal, x.total_tax) for e in order.edits for x in e.removals if x.line_item_id == li.id]
    whole = li.unit_price.times(li.quantity) - total(a.amount for a in li.discount_allocations)
    whole_tax = total(t.price for t in li.tax_lines)
    money = order.currencies
    return (
        share(whole, total(amount for amount, _ in done), li.quantity, already, taking, money),
        share(whole_tax, total(tax for _, tax in done), li.quantity, already, taking, money),
    )


def edit(order: Order, ids: IdSource, when: datetime, removals: Sequence[tuple[int, int]], note: str = "") -> OrderEdit:
    """Commit an order edit that removes ``removals`` ((line item id, quantity)). Shopify refuses
    an edit of a cancelled order, and a removal of more units than the line has left; a paid
    order stays paid (the merchant refunds what the buyer is owed, separately)."""
    if order.cancelled_at is not None:
        raise OrderError("Order cannot be edited: it is cancelled.")
    by_id = {li.id: li for li in order.line_items}
    made: list[EditRemoval] = []
    for line_id, quantity in removals:
        li = by_id.get(line_id)
        if li is None:
            raise OrderError(f"Line item {line_id} does not belong to this order.")
        already = gone_quantity(order, line_id) + sum(x.quantity for x in made if x.line_item_id == line_id)
        if quantity <= 0 or already + quantity > li.quantity:
            raise OrderError("Quantity cannot be reduced below zero.")
        amount, tax = unit_share(order, li, already, quantity)
        made.append(EditRemoval(line_id, quantity, amount, tax))
    change = OrderEdit(ids.next(), when, tuple(made), note)
    order.edits.append(change)
    return change


def make_refund(
    order: Order,
    ids: IdSource,
    when: datetime,
    *,
    lines: Sequence[tuple[int, int]] = (),
    shipping: bool = False,
    amount: Decimal | None = None,
    note: str | None = None,
    restock: bool = False,
) -> Refund:
    """Refund ``lines`` ((line item id, quantity)) and, with ``shipping``, what is left of the
    shipping; ``amount`` (presentment) is the money actually given back when it differs from what the
    lines say (an order adjustment records the difference), or the money of an amount-only refund."""
    money = order.currencies
    refund = Refund(ids.next(), order.id, when, note, restock=restock)
    by_id = {li.id: li for li in order.line_items}
    for line_id, quantity in lines:
        li = by_id.get(line_id)
        if li is None:
            raise OrderError(f"Line item {line_id} does not belong to this order.")
        already = gone_quantity(order, line_id)
        if quantity <= 0 or already + quantity > li.quantity:
            raise OrderError("Quantity cannot refund more items than were purchased.")
        subtotal, tax = unit_share(order, li, already, quantity)
        refund.line_items.append(
            RefundLineItem(ids.next(), line_id, quantity, subtotal, tax, "RETURN" if restock else "NO_RESTOCK")
        )
    if shipping:
        for sl in order.shipping_lines:
            gone = total(s.subtotal for r in order.refunds for s in r.shipping_lines if s.shipping_line_id == sl.id)
            left = sl.price - total(a.amount for a in sl.discount_allocations) - gone
            if left.presentment > 0:
                taxed = total(s.tax for r in order.refunds for s in r.shipping_lines if s.shipping_line_id == sl.id)
                tax = total(t.price for t in sl.tax_lines) - taxed
                refund.shipping_lines.append(RefundShippingLine(ids.next(), sl.id, left, tax))
    calculated = refund_calculated(refund, order.taxes_included)
    available = total(left for _, left in tenders(order))
    if amount is None or amount == calculated.presentment:
        actual = calculated
    elif amount == available.presentment:
        actual = available  # everything that is left, to the cent in both currencies
    else:
        actual = money.bag(amount)
    if actual.presentment < 0 or actual.shop < 0:  # the shop side too: a line worth 0.00 may convert to -0.01
        raise OrderError("Refund amount must be positive.")
    if actual.presentment > available.presentment:
        raise OrderError(f"Refund amount {actual.presentment} is greater than net payment received.")
    if actual.shop > available.shop:  # a conversion cent: never give back more than came in
        actual = Bag(available.shop, actual.presentment)
    if actual != calculated:
        refund.adjustments.append(OrderAdjustment(ids.next(), calculated - actual, NOTHING))
    _refund_transactions(order, refund, actual, ids, when)
    order.refunds.append(refund)
    order.updated_at = when
    return refund


def _refund_transactions(order: Order, refund: Refund, actual: Bag, ids: IdSource, when: datetime) -> None:
    """Give ``actual`` back over the tenders; the last one takes the remainder in both currencies."""
    owed = actual
    for parent, left in tenders(order):
        if owed.presentment <= 0:
            break
        part = owed if owed.presentment <= left.presentment else left
        refund.transactions.append(
            Transaction(ids.next(), "REFUND", "SUCCESS", parent.gateway, part, when, parent.id, test=order.test)
        )
        owed = owed - part
    assert owed.presentment == 0 or actual.presentment == 0, "refund above what was paid"
    if owed.shop != 0 and refund.transactions:  # a shop-currency cent left by conversion: onto the last
        last = refund.transactions[-1]
        refund.transactions[-1] = Transaction(
            last.id, "REFUND", "SUCCESS", last.gateway, last.amount + Bag(owed.shop, ZERO), when, last.parent_id
        )
    assert refund_money(refund) == actual


def received(order: Order) -> Bag:
    return successful(order.transactions, MONEY_IN)
