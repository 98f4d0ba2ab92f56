"""An order's money the way Shopify's checkout and refunds add it up (https://shopify.dev/docs/api/admin-graphql/latest/objects/Order).

Building an order (:func:`price_order`), in the presentment currency, each atom converted once:

1. line discounts: a percentage of each entitled line, or a fixed amount per unit (``EACH``) or
   spread over the entitled lines (``ACROSS``), never more than what is left of a line;
2. order discounts (``ACROSS``/``ALL``): spread over the lines that can be discounted (not gift
   cards) in proportion to what is left of each, the cents left over by rounding going to the
   largest remainders; a shipping discount on the shipping lines;
3. taxes per line and per rate on what is left after discounts: ``round(base * rate)`` when
   prices exclude tax, ``round(base * rate / (1 + sum of rates))`` when they include it (the
   tax is then inside the price); shipping the same with its own rates; gift cards untaxed;
4. duties per line, a tip on the order.

Totals (:class:`Totals`): subtotal = sum  lines - sum  line allocations; total = subtotal + shipping -
shipping discounts + (taxes unless included) + duties + tip. Money moved = successful SALE and
CAPTURE transactions (gift cards included) less successful REFUNDs. A refund's money is its
transactions; its lines, shipping and adjustments add up to it: sum  subtotals (+ taxes unless
included) + sum  shipping refunds - sum  adjustments = sum  its successful transactions.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from local.shopify_store.model import (
    DiscountAllocation,
    DiscountApplication,
    Duty,
    LineItem,
    Order,
    Refund,
    ShippingLine,
    TaxLine,
    Transaction,
)
from local.shopify_store.money import NOTHING, ZERO, Bag, Currencies, cents, places, total

Rate = tuple[str, Decimal]  # (title, rate as a fraction: 0.05)
MONEY_IN = ("SALE", "CAPTURE")


def allocate(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights`` to the minor unit; the rounding remainder goes
    unit by unit to the largest fractional parts (ties: the earlier line)."""
    whole = sum(weights, ZERO)
    if whole <= 0 or amount == 0:
        return [ZERO for _ in weights]
    unit = Decimal(1).scaleb(-places(currency))
    raw = [amount * w / whole for w in weights]
    floors = [(r / unit).to_integral_value(rounding="ROUND_FLOOR") * unit for r in raw]
    left = int(((amount - sum(floors, ZERO)) / unit).to_integral_value())
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += unit
    return floors


def taxes_on(base: Decimal, rates: Sequence[Rate], included: bool, money: Currencies) -> list[TaxLine]:
    """Shopify's tax lines on one taxable amount (presentment), one per rate."""
    if not rates:
        return []
    divisor = 1 + sum((r for _, r in rates), ZERO) if included else Decimal(1)
    return [TaxLine(title, rate, money.bag(cents(base * rate / divisor, money.presentment))) for title, rate in rates]


@dataclass(frozen=True)
class LineSpec:
    title: str
    price: Decimal  # unit price in the presentment currency
    quantity: int
    rates: tuple[Rate, ...] = ()
    sku: str | None = None
    variant_id: int | None = None
    product_id: int | None = None
    variant_title: str | None = None
    gift_card: bool = False
    duty: Decimal = ZERO  # import duty on the line (presentment)


@dataclass(frozen=True)
class ShippingSpec:
    title: str
    price: Decimal
    rates: tuple[Rate, ...] = ()


def price_order(
    order: Order,
    lines: Sequence[LineSpec],
    shipping: Sequence[ShippingSpec],
    discounts: Sequence[tuple[DiscountApplication, Sequence[int]]],
    ids: "IdSource",
) -> None:
    """Fill ``order``'s lines, shipping, discounts and taxes from specs (see the module doc).
    ``discounts`` pairs each application with the indexes of the lines it targets (all for ALL)."""
    money = order.currencies
    cur = money.presentment
    order.line_items = [
        LineItem(
            id=ids.next(),
            title=s.title,
            quantity=s.quantity,
            unit_price=money.bag(s.price),
            sku=s.sku,
            variant_id=s.variant_id,
            product_id=s.product_id,
            variant_title=s.variant_title,
            taxable=not s.gift_card and bool(s.rates),
            gift_card=s.gift_card,
            requires_shipping=not s.gift_card,
        )
        for s in lines
    ]
    left = [li.unit_price.presentment * li.quantity for li in order.line_items]
    ship_left = [money.bag(s.price).presentment for s in shipping]
    order.shipping_lines = [
        ShippingLine(ids.next(), s.title, s.title.lower().replace(" ", "-"), money.bag(s.price)) for s in shipping
    ]
    order.discount_applications = [app for app, _ in discounts]
    for app, targets in discounts:
        if app.target_type == "SHIPPING_LINE":
            for i, sl in enumerate(order.shipping_lines):
                cut = _cut(app, ship_left[i], 1, cur)
                if cut > 0:
                    ship_left[i] -= cut
                    sl.discount_allocations.append(DiscountAllocation(money.bag(cut), app.index))
            continue
        chosen = [i for i in targets if not order.line_items[i].gift_card and left[i] > 0]
        if app.allocation_method == "ACROSS" and app.value_type == "fixed_amount":
            amount = min(cents(app.value, cur), sum((left[i] for i in chosen), ZERO))
            cuts = dict(zip(chosen, allocate(amount, [left[i] for i in chosen], cur), strict=True))
        elif app.allocation_method == "ACROSS":  # a percentage of the order: the same share of each line
            amount = cents(sum((left[i] for i in chosen), ZERO) * app.value / 100, cur)
            cuts = dict(zip(chosen, allocate(amount, [left[i] for i in chosen], cur), strict=True))
        else:
            cuts = {i: _cut(app, left[i], order.line_items[i].quantity, cur) for i in chosen}
        for i, cut in cuts.items():
            if cut > 0:
                left[i] -= cut
                order.line_items[i].discount_allocations.append(DiscountAllocation(money.bag(cut), app.index))
    exempt = order.tax_exempt
    for i, (li, spec) in enumerate(zip(order.line_items, lines, strict=True)):
        if li.taxable and not exempt:
            li.tax_lines = taxes_on(left[i], spec.rates, order.taxes_included, money)
        if spec.duty > 0:
            li.duties.append(_duty(ids, money.bag(spec.duty)))
    for i, (sl, sspec) in enumerate(zip(order.shipping_lines, shipping, strict=True)):
        if not exempt:
            sl.tax_lines = taxes_on(ship_left[i], sspec.rates, order.taxes_included, money)


def _cut(app: DiscountApplication, left: Decimal, quantity: int, currency: str) -> Decimal:
    if app.value_type == "percentage":
        return min(left, cents(left * app.value / 100, currency))
    per = app.value * quantity if app.allocation_method == "EACH" else app.value
    return min(left, cents(per, currency))


def _duty(ids: "IdSource", price: Bag) -> Duty:
    return Duty(ids.next(), price, "6109.10", "CN")


class IdSource:
    """Shopify-like 64-bit-ish ids from a sequence (ids only grow)."""

    def __init__(self, start: int = 5_400_000_000_000) -> None:
        self.value = start

    def next(self) -> int:
        self.value += 1 + self.value % 7  # not contiguous, as Shopify's are not
        return self.value


@dataclass(frozen=True)
class Totals:
    """An order's totals in both currencies (the fields of the same names on the GraphQL Order)."""

    line_items: Bag  # sum  unit price x quantity
    line_discounts: Bag
    subtotal: Bag
    shipping: Bag  # before shipping discounts
    shipping_discounts: Bag
    tax: Bag
    duties: Bag
    tip: Bag
    total: Bag
    received: Bag  # successful SALE/CAPTURE
    refunded: Bag  # successful REFUND
    refunded_shipping: Bag

    @property
    def discounts(self) -> Bag:
        return self.line_discounts + self.shipping_discounts

    @property
    def net_payment(self) -> Bag:
        return self.received - self.refunded

    @property
    def outstanding(self) -> Bag:
        return self.total - self.received


def line_total(li: LineItem) -> Bag:
    return li.unit_price.times(li.quantity)


def line_discount(li: LineItem) -> Bag:
    return total(a.amount for a in li.discount_allocations)


def line_tax(li: LineItem) -> Bag:
    return total(t.price for t in li.tax_lines)


def successful(transactions: Sequence[Transaction], kinds: Sequence[str]) -> Bag:
    return total(t.amount for t in transactions if t.status == "SUCCESS" and t.kind in kinds)


def refund_money(refund: Refund) -> Bag:
    """What a refund gave back: its successful REFUND transactions."""
    return successful(refund.transactions, ("REFUND",))


def refund_calculated(refund: Refund, taxes_included: bool) -> Bag:
    """What a refund's lines and shipping say, before its adjustments."""
    lines = total(r.subtotal + (NOTHING if taxes_included else r.total_tax) for r in refund.line_items)
    ship = total(s.subtotal + (NOTHING if taxes_included else s.tax) for s in refund.shipping_lines)
    return lines + ship


def totals(order: Order) -> Totals:
    lines = order.line_items
    shipping = total(s.price for s in order.shipping_lines)
    shipping_discounts = total(a.amount for s in order.shipping_lines for a in s.discount_allocations)
    tax = total(line_tax(li) for li in lines) + total(t.price for s in order.shipping_lines for t in s.tax_lines)
    duties = total(d.price for li in lines for d in li.duties)
    subtotal = total(line_total(li) - line_discount(li) for li in lines)
    grand = subtotal + shipping - shipping_discounts + (NOTHING if order.taxes_included else tax) + duties + order.tip
    refunds = order.refunds
    return Totals(
        line_items=total(line_total(li) for li in lines),
        line_discounts=total(line_discount(li) for li in lines),
        subtotal=subtotal,
        shipping=shipping,
        shipping_discounts=shipping_discounts,
        tax=tax,
        duties=duties,
        tip=order.tip,
        total=grand,
        received=successful(order.transactions, MONEY_IN),
        refunded=total(refund_money(r) for r in refunds),
        refunded_shipping=total(s.subtotal for r in refunds for s in r.shipping_lines),
    )


def order_tax_lines(order: Order) -> list[TaxLine]:
    """The order's ``taxLines``: every line's and shipping line's taxes summed by (title, rate)."""
    sums: dict[tuple[str, Decimal], Bag] = {}
    for tl in [t for li in order.line_items for t in li.tax_lines] + [
        t for s in order.shipping_lines for t in s.tax_lines
    ]:
        sums[(tl.title, tl.rate)] = sums.get((tl.title, tl.rate), NOTHING) + tl.price
    return [TaxLine(title, rate, price) for (title, rate), price in sums.items()]


def refunded_quantity(order: Order, line_item_id: int) -> int:
    return sum(r.quantity for ref in order.refunds for r in ref.line_items if r.line_item_id == line_item_id)


def removed_quantity(order: Order, line_item_id: int) -> int:
    """Units order edits took off the line (not refunded: the order no longer has them)."""
    return sum(x.quantity for e in order.edits for x in e.removals if x.line_item_id == line_item_id)


def gone_quantity(order: Order, line_item_id: int) -> int:
    """Units no longer on the line: refunded or removed (``quantity - currentQuantity``)."""
    return refunded_quantity(order, line_item_id) + removed_quantity(order, line_item_id)


def removed_by_edits(order: Order) -> tuple[Bag, Bag]:
    """What order edits took off the order: (the lines' amount, on the price basis; their tax)."""
    removals = [x for e in order.edits for x in e.removals]
    return total(x.subtotal for x in removals), total(x.total_tax for x in removals)


def share(whole: Bag, done: Bag, quantity: int, already: int, taking: int, currencies: Currencies) -> Bag:
    """``taking`` of ``quantity`` units of ``whole`` after ``already`` units went: proportional, and
    the last units take exactly what is left so that refunding everything gives back ``whole``."""
    if already + taking >= quantity:
        return whole - done
    return Bag(
        cents(whole.shop * taking / quantity, currencies.shop),
        cents(whole.presentment * taking / quantity, currencies.presentment),
    )


def financial_status(order: Order) -> str:
    """``displayFinancialStatus`` from the transactions (OrderDisplayFinancialStatus)."""
    t = totals(order)
    ok = [x for x in order.transactions if x.status == "SUCCESS"]
    if order.cancelled_at and any(x.kind == "VOID" for x in ok) and t.received.is_zero:
        return "VOIDED"
    if t.refunded.presentment > 0:
        return "REFUNDED" if t.refunded.presentment >= t.received.presentment else "PARTIALLY_REFUNDED"
    if t.received.presentment > 0:
        return "PAID" if t.received.presentment >= t.total.presentment else "PARTIALLY_PAID"
    if any(x.kind == "AUTHORIZATION" for x in ok) and not any(x.kind == "VOID" for x in ok):
        return "AUTHORIZED"
    return "PENDING"
