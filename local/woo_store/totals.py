"""Order totals as WooCommerce's checkout computes them (``WC_Cart_Totals`` + ``WC_Discounts``).

Every amount is an exact ``Decimal``. The steps, roundings and their order are those of
WooCommerce trunk (``includes/class-wc-cart-totals.php``, ``class-wc-discounts.php``,
``class-wc-tax.php``, ``traits/trait-wc-item-totals.php``, ``class-wc-checkout.php``
``create_order_*`` and the order item ``set_taxes`` setters). Work happens in minor units
("cents": the price decimals moved right), as ``WC_Cart_Totals`` does.

1. **Line prices.** price = unit price x quantity, in cents. When prices include tax and the
   customer is taxed at other rates than the shop's base, the base taxes are taken out and
   the customer's added (``adjust_non_base_location_price``; filter default on).
2. **Subtotals.** ``calc_tax`` on the line price (inclusive or exclusive); when prices include
   tax the unrounded taxes are removed from the price to get the ex-tax subtotal.
3. **Coupons** (``WC_Discounts``), applied to the lines' prices (tax-inclusive when prices
   include tax), lines sorted by price x quantity, biggest first; coupons sorted
   fixed_product, percent, fixed_cart, then amount ascending, then newest first; discounts are
   not sequential (``woocommerce_calc_discounts_sequentially`` = no):
   * percent: each line gets floor(price x pct); the cart-wide discount
     round_half_down(sum x pct) minus what the lines got is handed out one cent per unit, in
     line order ("remainder");
   * fixed_product: amount x quantity per line, capped at what is left of the line;
   * fixed_cart: **split evenly per unit, not in proportion to price**: floor(amount / units)
     per unit through fixed_product (capped per line), repeated on what is left, and the
     last cents one per unit in line order.
   A coupon's tax is ``calc_tax`` of each line's discount; with inclusive prices it is taken
   off the coupon's discount.
4. **Line totals.** total = price - discount; ``calc_tax`` on it; inclusive: the unrounded
   taxes come off. Unless "round tax at subtotal" is set, each line's per-rate tax is rounded
   to cents (half down when prices include tax, ``WC_TAX_ROUNDING_MODE``, else half up) and
   each line total to cents; with it set nothing is rounded until the order total.
5. **Shipping**: exclusive tax at the shipping rates, computed in dollars by the shipping
   method; per-rate taxes rounded to cents unless rounding at subtotal.
6. **Fees**: exclusive tax at the fee's class. A negative fee is capped at what the order is
   worth so far and its (negative) tax is split over the tax classes in proportion to the
   taxable lines, fees and shipping of each class (a discount, whatever its taxable flag).
7. **Order**: total = round(items + fees + shipping + every per-rate tax), in cents;
   cart_tax = item taxes + fee taxes, shipping_tax, total_tax = round(cart_tax + shipping_tax);
   discount_total / discount_tax from step 3; one tax line per rate (tax_total = item taxes +
   unrounded fee taxes, shipping_tax_total).

What WooCommerce then stores (``wc_format_decimal($float)``, 6 places) is what ``OrderTotals``
holds; each line's ``total_tax``/``subtotal_tax`` is recomputed from those stored taxes by the
item's ``set_taxes`` (rounded per rate to the price decimals, or summed raw when rounding at
subtotal). The REST API later prints line and order money at the price decimals.

Consequences worth knowing (all WooCommerce's own behaviour, reproduced, not bugs here):

* Without rounding at subtotal (the default), and with rounding at subtotal when prices
  exclude tax, ``total == sum(line totals) + shipping + fees + total_tax`` exactly in the
  REST values.
* With rounding at subtotal **and** tax-inclusive prices, line totals are stored with six
  decimals and printed rounded, so the printed line totals can be a cent or more away from
  ``total - total_tax - shipping - fees``; ``total`` and ``total_tax`` themselves stay
  round(sum of the stored values) (WC core #54525, #17863).
* ``taxes[].total`` keeps six decimals ("2.268182") while ``total_tax`` is rounded.
* The order total is clamped at zero (``max(0, ...)``), the taxes are not: a negative fee
  that cancels the shipping still carries tax at the rates of the classes it is spread over
  (shipping counts under the first item's class even when shipping is not taxed), so an
  order can print ``total`` 0 with a negative ``total_tax``, and no identity holds then.
* A price abroad without the base tax is not rounded (``adjust_non_base_location_price``):
  129 with 20 % base VAT is 107.5 cents. ``WC_Discounts`` caps a discount at
  ``absint(round(price - discount))``, which is 108, and once a line is discounted past its
  price that cap reads ``absint`` of a negative number, so a coupon worth more than the line
  keeps discounting it: the stored line total goes below zero (-0.5, printed -1), by as
  much as the coupon exceeds the line. Only with tax-inclusive prices, a customer taxed
  at other rates than the base, and a coupon.

Simplified (documented in ``README.md`` too): PHP doubles are replaced by exact decimals (a
double can land a hair under an integer before ``floor``; WooCommerce may then give one cent
less discount); coupon restrictions other than product ids/excluded product ids, usage
limits, ``limit_usage_to_x_items``, sequential discounts, VAT-exempt customers and
per-package shipping are not modelled. Orders created or edited through the REST API are
computed the same way; WooCommerce itself recalculates those with
``WC_Abstract_Order::calculate_totals()``, which follows the same rules but works in dollars
from the stored ex-tax totals, so it can differ from the checkout by rounding (the sixth
decimal of a stored tax, rarely a cent with tax-inclusive prices).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from local.woo_store.money import (
    HALF_DOWN,
    HALF_UP,
    ZERO,
    floor,
    php_round,
    rounding_precision,
    stored,
    to_major,
    to_minor,
)
from local.woo_store.taxes import TaxRate, calc_tax

COUPON_SORT = {"fixed_product": 1, "percent": 2, "fixed_cart": 3}


@dataclass(frozen=True)
class ItemInput:
    key: int  # the order item id
    product_id: int  # the product, or the variation's parent
    variation_id: int
    unit_price: Decimal  # as entered in the shop (tax-inclusive when prices include tax)
    quantity: int
    tax_class: str = ""
    taxable: bool = True  # tax_status == "taxable"
    needs_shipping: bool = True


@dataclass(frozen=True)
class FeeInput:
    key: int
    amount: Decimal  # ex tax; negative for a discount
    taxable: bool = True
    tax_class: str = ""


@dataclass(frozen=True)
class ShippingInput:
    key: int
    cost: Decimal  # ex tax
    taxable: bool = True


@dataclass(frozen=True)
class CouponInput:
    id: int
    code: str
    discount_type: str  # percent | fixed_cart | fixed_product
    amount: Decimal
    product_ids: tuple[int, ...] = ()
    excluded_product_ids: tuple[int, ...] = ()

    def applies_to(self, item: ItemInput) -> bool:
        """``WC_Coupon::is_valid_for_product`` / ``is_valid_for_cart`` (fixed_cart: every line)."""
        if self.discount_type == "fixed_cart":
            return True
        ids = {item.product_id, item.variation_id} - {0}
        valid = not self.product_ids or bool(ids & set(self.product_ids))
        return valid and not ids & set(self.excluded_product_ids)


@dataclass(frozen=True)
class TaxSetup:
    """The shop's tax settings, already bound to the order's tax location."""

    decimals: int = 2
    enabled: bool = True
    inclusive: bool = False
    round_at_subtotal: bool = False
    rates: Callable[[str], list[TaxRate]] = lambda tax_class: []
    base_rates: Callable[[str], list[TaxRate]] = lambda tax_class: []
    shipping_rates: Callable[[Sequence[str]], list[TaxRate]] = lambda item_classes: []
    shipping_tax_class: str = "inherit"
    adjust_non_base_location_prices: bool = True


@dataclass(frozen=True)
class ItemTotals:
    key: int
    subtotal: Decimal  # before discounts, ex tax, as stored (6 places)
    total: Decimal  # after discounts, ex tax, as stored
    subtotal_taxes: dict[int, Decimal]  # per rate, as stored
    taxes: dict[int, Decimal]
    subtotal_tax: Decimal  # as the item's set_taxes computes it
    total_tax: Decimal


@dataclass(frozen=True)
class FeeTotals:
    key: int
    total: Decimal
    taxes: dict[int, Decimal]
    total_tax: Decimal


@dataclass(frozen=True)
class ShippingTotals:
    key: int
    total: Decimal
    taxes: dict[int, Decimal]
    total_tax: Decimal


@dataclass(frozen=True)
class CouponTotals:
    code: str
    discount: Decimal
    discount_tax: Decimal


@dataclass(frozen=True)
class TaxLineTotals:
    rate_id: int
    tax_total: Decimal
    shipping_tax_total: Decimal


@dataclass(frozen=True)
class OrderTotals:
    items: list[ItemTotals] = field(default_factory=list)
    fees: list[FeeTotals] = field(default_factory=list)
    shipping: list[ShippingTotals] = field(default_factory=list)
    coupons: list[CouponTotals] = field(default_factory=list)
    tax_lines: list[TaxLineTotals] = field(default_factory=list)
    discount_total: Decimal = ZERO
    discount_tax: Decimal = ZERO
    shipping_total: Decimal = ZERO
    shipping_tax: Decimal = ZERO
    cart_tax: Decimal = ZERO
    total_tax: Decimal = ZERO
    total: Decimal = ZERO


@dataclass
class _Line:
    item: ItemInput
    price: Decimal  # cents, tax-inclusive when prices include tax
    rates: list[TaxRate]
    taxable: bool
    subtotal: Decimal = ZERO
    subtotal_taxes: dict[int, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO
    taxes: dict[int, Decimal] = field(default_factory=dict)


@dataclass
class _Charge:  # a fee or a shipping line, in cents
    key: int
    total: Decimal
    taxable: bool
    tax_class: str
    taxes: dict[int, Decimal] = field(default_factory=dict)
    item_taxes: dict[int, Decimal] | None = None  # what the order item stores, in dollars, when not ``taxes``


def _add(into: dict[int, Decimal], taxes: dict[int, Decimal]) -> None:
    for rate_id, tax in taxes.items():
        into[rate_id] = into.get(rate_id, ZERO) + tax


class _Calculator:
    def __init__(self, setup: TaxSetup) -> None:
        self.setup = setup
        self.dp = setup.decimals
        self.precision = rounding_precision(setup.decimals)
        self.tax_mode = HALF_DOWN if setup.inclusive else HALF_UP

    def tax(self, price: Decimal, rates: Sequence[TaxRate], inclusive: bool) -> dict[int, Decimal]:
        return calc_tax(price, rates, inclusive, self.precision)

    def round_line_tax(self, value: Decimal) -> Decimal:
        return value if self.setup.round_at_subtotal else php_round(value, 0, self.tax_mode)

    def round_item_subtotal(self, value: Decimal) -> Decimal:
        return value if self.setup.round_at_subtotal else php_round(value, 0)

    def major(self, cents: Decimal) -> Decimal:
        return stored(to_major(cents, self.dp), self.dp)

    def item_tax(self, taxes: dict[int, Decimal]) -> Decimal:
        """The line's total_tax as ``WC_Order_Item::set_taxes`` recomputes it from stored taxes."""
        if self.setup.round_at_subtotal:
            return sum(taxes.values(), ZERO)
        return sum((php_round(t, self.dp, self.tax_mode) for t in taxes.values()), ZERO)


def calculate(
    items: Sequence[ItemInput],
    setup: TaxSetup,
    *,
    fees: Sequence[FeeInput] = (),
    shipping: Sequence[ShippingInput] = (),
    coupons: Sequence[CouponInput] = (),
) -> OrderTotals:
    """The totals WooCommerce's checkout stores for an order of these lines."""
    calc = _Calculator(setup)
    lines = _subtotals(calc, items)
    coupon_totals, discount_total, discount_tax = _discounts(calc, lines, coupons)
    for line in lines:
        _line_total(calc, line)
    items_total = sum((calc.round_item_subtotal(line.total) for line in lines), ZERO)
    ships = _shipping(calc, lines, shipping)
    shipping_total = sum((s.total for s in ships), ZERO)
    charges = _fees(calc, lines, ships, fees, items_total, shipping_total)
    fees_total = sum((f.total for f in charges), ZERO)

    merged_items: dict[int, Decimal] = {}
    for line in lines:
        _add(merged_items, {k: calc.round_line_tax(v) for k, v in line.taxes.items()})
    merged_fees: dict[int, Decimal] = {}
    raw_fees: dict[int, Decimal] = {}
    for fee in charges:
        _add(merged_fees, {k: calc.round_line_tax(v) for k, v in fee.taxes.items()})
        _add(raw_fees, fee.taxes)
    merged_shipping: dict[int, Decimal] = {}
    for ship in ships:
        _add(merged_shipping, ship.taxes)  # already rounded like round_line_tax would
    all_taxes = sum(merged_items.values(), ZERO) + sum(merged_fees.values(), ZERO)
    all_taxes += sum((calc.round_line_tax(t) for t in merged_shipping.values()), ZERO)
    total = max(ZERO, php_round(items_total + fees_total + shipping_total + all_taxes, 0))

    cart_tax = to_major(sum(merged_items.values(), ZERO) + sum(merged_fees.values(), ZERO), calc.dp)
    shipping_tax = to_major(sum(merged_shipping.values(), ZERO), calc.dp)
    rate_ids = list(dict.fromkeys([*merged_items, *merged_shipping, *raw_fees]))
    return OrderTotals(
        items=[_item_totals(calc, line) for line in lines],
        fees=[_charge_totals(calc, fee, FeeTotals) for fee in charges],
        shipping=[_charge_totals(calc, ship, ShippingTotals) for ship in ships],
        coupons=coupon_totals,
        tax_lines=[
            TaxLineTotals(
                rate_id,
                calc.major(merged_items.get(rate_id, ZERO) + raw_fees.get(rate_id, ZERO)),
                calc.major(merged_shipping.get(rate_id, ZERO)),
            )
            for rate_id in rate_ids
        ],
        discount_total=calc.major(discount_total),
        discount_tax=calc.major(discount_tax),
        shipping_total=calc.major(shipping_total),
        shipping_tax=stored(shipping_tax, calc.dp),
        cart_tax=stored(cart_tax, calc.dp),
        # WC_Abstract_Order::set_total_tax: round(stored cart_tax + stored shipping_tax)
        total_tax=php_round(stored(cart_tax, calc.dp) + stored(shipping_tax, calc.dp), calc.dp),
        total=php_round(to_major(total, calc.dp), calc.dp),
    )


def _subtotals(calc: _Calculator, items: Sequence[ItemInput]) -> list[_Line]:
    setup = calc.setup
    lines: list[_Line] = []
    for item in items:
        rates = setup.rates(item.tax_class) if setup.enabled else []
        price = to_minor(item.unit_price * item.quantity, calc.dp)
        if setup.inclusive and item.taxable and setup.enabled and setup.adjust_non_base_location_prices:
            base = setup.base_rates(item.tax_class)
            if base != rates:
                base_taxes = calc.tax(price, base, True)
                new_taxes = calc.tax(price - sum(base_taxes.values(), ZERO), rates, False)
                price = price - sum(base_taxes.values(), ZERO) + sum(new_taxes.values(), ZERO)
        line = _Line(item, price, rates, item.taxable and setup.enabled, subtotal=price)
        if line.taxable:
            line.subtotal_taxes = calc.tax(line.subtotal, rates, setup.inclusive)
            if setup.inclusive:
                line.subtotal -= sum(line.subtotal_taxes.values(), ZERO)
        lines.append(line)
    return lines


class _Discounts:
    """``WC_Discounts`` over the cart lines (prices in cents)."""

    def __init__(self, lines: list[_Line]) -> None:
        # uasort by price x quantity, biggest first; PHP 8 sorts are stable
        self.lines = sorted(lines, key=lambda line: -(line.price * line.item.quantity))
        self.by_coupon: dict[str, dict[int, Decimal]] = {}

    def discount(self, line: _Line) -> Decimal:
        return sum((d.get(line.item.key, ZERO) for d in self.by_coupon.values()), ZERO)

    def discounted_price(self, line: _Line) -> Decimal:
        return abs(php_round(line.price - self.discount(line), 0))

    def apply(self, coupon: CouponInput, dp: int) -> None:
        codes = self.by_coupon.setdefault(coupon.code, {line.item.key: ZERO for line in self.lines})
        targets = [
            line
            for line in self.lines
            if self.discounted_price(line) != 0 and line.item.quantity > 0 and coupon.applies_to(line.item)
        ]
        amount = to_minor(coupon.amount, dp)
        if coupon.discount_type == "percent":
            self._percent(codes, coupon.amount, targets)
        elif coupon.discount_type == "fixed_product":
            self._fixed_product(codes, targets, amount)
        elif coupon.discount_type == "fixed_cart":
            self._fixed_cart(codes, targets, amount)
        else:
            raise ValueError(f"unsupported coupon type {coupon.discount_type!r}")

    def _percent(self, codes: dict[int, Decimal], percent: Decimal, targets: list[_Line]) -> None:
        total_discount = ZERO
        cart_total = ZERO
        for line in targets:
            discounted_price = self.discounted_price(line)
            price_to_discount = php_round(line.price, 0)
            discount = php_round(min(discounted_price, floor(price_to_discount * percent / 100)), 0, HALF_DOWN)
            cart_total += price_to_discount
            total_discount += discount
            codes[line.item.key] += discount
        cart_total_discount = php_round(cart_total * percent / 100, 0, HALF_DOWN)
        if total_discount < cart_total_discount:
            self._remainder(codes, targets, cart_total_discount - total_discount)

    def _fixed_product(self, codes: dict[int, Decimal], targets: list[_Line], amount: Decimal) -> Decimal:
        total_discount = ZERO
        for line in targets:
            discount = min(self.discounted_price(line), amount * line.item.quantity)
            total_discount += discount
            codes[line.item.key] += discount
        return total_discount

    def _fixed_cart(self, codes: dict[int, Decimal], targets: list[_Line], amount: Decimal) -> Decimal:
        targets = [line for line in targets if self.discounted_price(line) > 0]
        units = sum(line.item.quantity for line in targets)
        if not units or amount <= 0:
            return ZERO
        per_unit = floor(amount / units)  # absint(): rounded down to the cent
        if per_unit > 0:
            total_discount = self._fixed_product(codes, targets, per_unit)
            if 0 < total_discount < amount:
                total_discount += self._fixed_cart(codes, targets, amount - total_discount)
            return total_discount
        return self._remainder(codes, targets, amount)

    def _remainder(self, codes: dict[int, Decimal], targets: list[_Line], amount: Decimal) -> Decimal:
        total_discount = ZERO
        for line in targets:
            for _ in range(line.item.quantity):
                discount = min(self.discounted_price(line), Decimal(1))
                total_discount += discount
                codes[line.item.key] += discount
                if total_discount >= amount:
                    return total_discount
        return total_discount


def _discounts(
    calc: _Calculator, lines: list[_Line], coupons: Sequence[CouponInput]
) -> tuple[list[CouponTotals], Decimal, Decimal]:
    ordered = sorted(coupons, key=lambda c: (COUPON_SORT.get(c.discount_type, 0), c.amount, -c.id))
    discounts = _Discounts(lines)
    for coupon in ordered:
        discounts.apply(coupon, calc.dp)
    by_key = {line.item.key: line for line in lines}
    amounts = {code: sum(d.values(), ZERO) for code, d in discounts.by_coupon.items()}
    coupon_taxes: dict[str, Decimal] = {}
    if calc.setup.enabled:
        for code, per_line in discounts.by_coupon.items():
            coupon_taxes[code] = ZERO
            for key, discount in per_line.items():
                line = by_key[key]
                if line.taxable:
                    tax = sum(calc.tax(discount, line.rates, calc.setup.inclusive).values(), ZERO)
                    coupon_taxes[code] += tax
                    if calc.setup.inclusive:
                        amounts[code] -= tax
    for line in lines:
        line.total = line.price - discounts.discount(line)
    by_item = sum((discounts.discount(line) for line in lines), ZERO)
    taxes_total = sum(coupon_taxes.values(), ZERO)
    discount_total = by_item - taxes_total if calc.setup.inclusive else by_item
    # WC_Cart::get_coupon_discount_amount / _tax_amount: wc_cart_round_discount (half down) to the price decimals
    totals = [
        CouponTotals(
            coupon.code,
            php_round(to_major(amounts[coupon.code], calc.dp), calc.dp, HALF_DOWN),
            php_round(to_major(coupon_taxes.get(coupon.code, ZERO), calc.dp), calc.dp, HALF_DOWN),
        )
        for coupon in coupons
    ]
    return totals, discount_total, taxes_total


def _line_total(calc: _Calculator, line: _Line) -> None:
    if line.taxable:
        line.taxes = calc.tax(line.total, line.rates, calc.setup.inclusive)
        if calc.setup.inclusive:
            line.total -= sum(line.taxes.values(), ZERO)


def _shipping(calc: _Calculator, lines: list[_Line], shipping: Sequence[ShippingInput]) -> list[_Charge]:
    setup = calc.setup
    classes = [line.item.tax_class for line in lines if line.taxable and line.item.needs_shipping]
    rates = setup.shipping_rates(classes) if setup.enabled else []
    charges = []
    for ship in shipping:
        charge = _Charge(ship.key, to_minor(ship.cost, calc.dp), True, setup.shipping_tax_class, item_taxes={})
        if ship.taxable and rates:
            # the shipping method computes its taxes in dollars (WC_Shipping_Rate) and the order's
            # shipping item keeps those; the cart moves them to cents and rounds them per rate
            charge.item_taxes = calc_tax(ship.cost, rates, False, calc.precision)
            charge.taxes = {k: calc.round_item_subtotal(v.scaleb(calc.dp)) for k, v in charge.item_taxes.items()}
        charges.append(charge)
    return charges


def _fees(
    calc: _Calculator,
    lines: list[_Line],
    ships: list[_Charge],
    fees: Sequence[FeeInput],
    items_total: Decimal,
    shipping_total: Decimal,
) -> list[_Charge]:
    setup = calc.setup
    charges: list[_Charge] = []
    running = ZERO
    for fee in fees:
        charge = _Charge(fee.key, to_minor(fee.amount, calc.dp), fee.taxable, fee.tax_class)
        if charge.total < 0:
            # negative fees should not make the order total go negative
            max_discount = -php_round(items_total + running + shipping_total, 0)
            charge.total = max(charge.total, max_discount)
        running += charge.total
        if setup.enabled:
            if charge.total < 0:
                costs = _tax_class_costs(lines, charges, ships)
                total_cost = sum(costs.values(), ZERO)
                if total_cost:
                    for tax_class, cost in costs.items():
                        if tax_class != "non-taxable":
                            share = charge.total * (cost / total_cost)
                            _add(charge.taxes, calc.tax(share, setup.rates(tax_class), False))
            elif fee.taxable:
                charge.taxes = calc.tax(charge.total, setup.rates(fee.tax_class), False)
        charges.append(charge)
    return charges


def _tax_class_costs(lines: list[_Line], fees: list[_Charge], ships: list[_Charge]) -> dict[str, Decimal]:
    """``WC_Cart_Totals::get_tax_class_costs``: what each tax class is worth so far."""
    first_class = lines[0].item.tax_class if lines else ""
    keys = [line.item.tax_class for line in lines] + [s.tax_class for s in ships] + [f.tax_class for f in fees]
    costs = dict.fromkeys([*keys, "non-taxable"], ZERO)
    entries = [(line.total, line.item.taxable, line.item.tax_class) for line in lines]
    entries += [(f.total, f.taxable, f.tax_class) for f in fees]
    entries += [(s.total, s.taxable, s.tax_class) for s in ships]
    for total, taxable, tax_class in entries:
        if total < 0:
            continue
        if not taxable:
            costs["non-taxable"] += total
        elif tax_class == "inherit":
            costs[first_class] = costs.get(first_class, ZERO) + total
        else:
            costs[tax_class] += total
    return {k: v for k, v in costs.items() if v}


def _item_totals(calc: _Calculator, line: _Line) -> ItemTotals:
    subtotal_taxes = {k: calc.major(v) for k, v in line.subtotal_taxes.items()}
    taxes = {k: calc.major(v) for k, v in line.taxes.items()}
    if sum(subtotal_taxes.values(), ZERO) < sum(taxes.values(), ZERO):
        subtotal_taxes = dict(taxes)  # set_taxes: "Subtotal cannot be less than total!"
    return ItemTotals(
        key=line.item.key,
        subtotal=calc.major(line.subtotal),
        total=calc.major(line.total),
        subtotal_taxes=subtotal_taxes,
        taxes=taxes,
        subtotal_tax=calc.item_tax(subtotal_taxes),
        total_tax=calc.item_tax(taxes),
    )


def _charge_totals[T: (FeeTotals, ShippingTotals)](calc: _Calculator, charge: _Charge, kind: type[T]) -> T:
    if charge.item_taxes is None:
        taxes = {k: calc.major(v) for k, v in charge.taxes.items()}
    else:
        taxes = {k: stored(v, calc.dp) for k, v in charge.item_taxes.items()}
    return kind(charge.key, calc.major(charge.total), taxes, calc.item_tax(taxes))
