"""Fill a ``WooStore`` with a realistic, reproducible shop history.

``populate(store, seed=7, customers=40, orders=300)`` writes, with the store's clock moved
through the date range (every date, id and order key follows from the seed):

* tax rates: AU GST 10 % (standard class, shipping too) and 0 % (``zero-rate``: gift cards,
  books), NZ GST 15 %, GB VAT 20 % and 5 % (``reduced-rate``), US California as three rates
  at three priorities, one of them compound; customers abroad get the prices of
  ``adjust_non_base_location_prices``;
* products: simple and variable (variations with their own SKU and stock), some managing
  stock; SKUs longer than Xero's 30 characters and products with no SKU at all;
* customers: registered ones (some sharing a first and last name with another, different
  e-mail), and guests who only leave an e-mail (and sometimes no name);
* coupons: percent, fixed_cart and fixed_product;
* orders over the range: one to five lines, quantities, shipping (some free), fees
  (including a negative "loyalty" fee), coupons, tax-inclusive and tax-exclusive prices
  (the shop's setting is switched between orders to mix both in one history), and what
  happens later: payment (at once, or days later for bank transfers), abandoned carts
  cancelled, failed payments, updates before payment, completion, partial and full refunds,
  the odd order trashed, abandoned block-checkout drafts, and product price changes.

A real shop has one "prices include tax" setting at a time; switching it between orders is
the generator's way to get both kinds in one data set.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from local.woo_store.model import Product
from local.woo_store.store import WooStore

FIRST = ["Jane", "Sam", "Olivia", "Noah", "Mia", "Liam", "Ava", "Jack", "Chloe", "Leo", "Zoe", "Aroha", "Wei", "Priya"]
LAST = ["Citizen", "Taylor", "Nguyen", "Smith", "Brown", "Wilson", "Martin", "Lee", "Walker", "O'Brien", "Kaur"]
PLACES = [
    ({"country": "AU", "state": "VIC", "city": "Melbourne", "postcode": "3000"}, 30),
    ({"country": "AU", "state": "NSW", "city": "Sydney", "postcode": "2000"}, 25),
    ({"country": "AU", "state": "QLD", "city": "Brisbane", "postcode": "4000"}, 12),
    ({"country": "AU", "state": "WA", "city": "Perth", "postcode": "6000"}, 8),
    ({"country": "NZ", "state": "AUK", "city": "Auckland", "postcode": "1010"}, 8),
    ({"country": "US", "state": "CA", "city": "San Francisco", "postcode": "94103"}, 7),
    ({"country": "GB", "state": "", "city": "London", "postcode": "SW1A 1AA"}, 6),
    ({"country": "JP", "state": "13", "city": "Tokyo", "postcode": "100-0001"}, 4),
]
STREETS = ["Collins Street", "George Street", "Queen Street", "Beach Road", "High Street", "Main Road", "Market Lane"]

# name, SKU, price, tax class, managed stock
SIMPLE_PRODUCTS: list[tuple[str, str, str, str, int | None]] = [
    ("Merino Wool Beanie", "BEANIE-MER-GRY", "33.00", "", 120),
    ("Trail Socks &ndash; 3 pack", "SOCKS-TRL-3PK", "24.95", "", 300),
    ("Enamel Camp Mug", "MUG-ENM-WHT", "19.90", "", None),
    ("Sticker &ndash; Mountain", "STK-MTN", "0.45", "", None),
    ("Sticker &ndash; River", "STK-RIV", "0.45", "", None),
    ("Gift Card $25", "GIFT-25", "25.00", "zero-rate", None),
    ("Field Guide to Alpine Flora", "BOOK-ALP-FLORA", "39.99", "zero-rate", 40),
    ("Insulated Drink Bottle 750ml", "BTL-INS-750", "44.95", "", 80),
    ("Ultralight Hiking Poles (pair)", "POLES-UL-PAIR", "129.00", "", 25),
    ("Waterproof Trail Running Jacket &#8211; Women's", "WOMENS-WATERPROOF-TRAIL-RUNNING-JACKET", "249.95", "", 15),
    ("Headlamp 400 Lumen", "", "59.00", "", None),
    ("Repair Kit", "", "12.50", "reduced-rate", None),
    ("Camp Chair Deluxe Edition With Cup Holder", "CAMP-CHAIR-DELUXE-EDITION-CUPHOLDER-GRN", "89.95", "", 30),
    ("Chocolate Trail Mix 500g", "FOOD-TRAILMIX-500", "9.95", "zero-rate", None),
    ("Sunscreen SPF50 &times; 2", "SUN-SPF50-X2", "17.49", "", None),
]
VARIABLE_PRODUCTS: list[tuple[str, str, dict[str, list[str]], str]] = [
    ("Hiking Tee", "TEE-HIK", {"Size": ["S", "M", "L", "XL"]}, "39.95"),
    ("Down Jacket", "JKT-DWN", {"Colour": ["Black", "Forest"], "Size": ["M", "L"]}, "289.00"),
    ("Wool Gloves", "", {"Size": ["S/M", "L/XL"]}, "29.50"),
]
GATEWAYS = [("stripe", 55), ("ppcp-gateway", 25), ("bacs", 12), ("cod", 3), ("woocommerce_payments", 5)]


class ManualClock:
    """A clock that says what it is told: the generator moves it through history."""

    def __init__(self, now: datetime) -> None:
        self.value = now

    def set(self, when: datetime) -> None:
        self.value = when

    def __call__(self) -> datetime:
        return self.value


@dataclass
class Population:
    customers: list[int] = field(default_factory=list)
    guests: list[str] = field(default_factory=list)
    products: list[int] = field(default_factory=list)
    variations: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    coupons: list[str] = field(default_factory=list)
    events: int = 0


def _scale(store: WooStore) -> int:
    """Prices are written in dollars; a shop without decimals (yen) charges 100 times as many units."""
    return 100 if store.settings.decimals == 0 else 1


def _money(store: WooStore, text: str) -> str:
    return str((Decimal(text) * _scale(store)).quantize(Decimal(1).scaleb(-store.settings.decimals)))


def _weighted[T](rng: random.Random, choices: list[tuple[T, int]]) -> T:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _address(rng: random.Random) -> dict[str, str]:
    place = _weighted(rng, PLACES)
    return {**place, "address_1": f"{rng.randint(1, 400)} {rng.choice(STREETS)}"}


def setup_taxes(store: WooStore) -> None:
    """The tax table the generated history uses (only when the shop has none yet)."""
    if store.state.tax_rates:
        return
    add = store.add_tax_rate
    add("10", "GST", country="AU", priority=1)
    add("0", "GST free", country="AU", priority=1, tax_class="zero-rate")
    add("10", "GST", country="AU", priority=1, tax_class="reduced-rate")
    add("15", "GST", country="NZ", priority=1)
    add("15", "GST", country="NZ", priority=1, tax_class="reduced-rate")
    add("20", "VAT", country="GB", priority=1)
    add("5", "VAT", country="GB", priority=1, tax_class="reduced-rate")
    add("0", "VAT", country="GB", priority=1, tax_class="zero-rate")
    add("6", "CA State", country="US", state="CA", priority=1)
    add("1.25", "County", country="US", state="CA", priority=2)
    add("0.5", "District levy", country="US", state="CA", priority=3, compound=True, shipping=False)


def populate(
    store: WooStore,
    *,
    seed: int = 1,
    customers: int = 20,
    orders: int = 100,
    start: datetime | None = None,
    end: datetime | None = None,
    inclusive_share: float = 0.7,
) -> Population:
    """Write a shop history into ``store``; the same arguments always write the same history."""
    rng = random.Random(seed)
    end = end or datetime(2026, 11, 20, 9, tzinfo=UTC)
    start = start or end - timedelta(days=90)
    saved_clock, saved_rng, saved_inclusive = store.clock, store.rng, store.settings.prices_include_tax
    clock = ManualClock(start - timedelta(days=30))
    store.clock, store.rng = clock, random.Random(rng.getrandbits(64))
    out = Population()
    try:
        setup_taxes(store)
        _catalog(store, rng, out)
        _customers(store, rng, out, customers, clock, start)
        timeline: list[tuple[datetime, int, Callable[[], None]]] = []
        span = (end - start).total_seconds()
        moments = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(orders))
        for n, when in enumerate(moments):
            _plan_order(store, rng, out, when, end, timeline, n, inclusive_share)
        for n in range(max(1, orders // 40)):  # price changes along the way
            when = start + timedelta(seconds=rng.uniform(0, span))
            product_id = rng.choice(out.products)
            timeline.append((when, 10**9 + n, _reprice(store, rng, product_id)))
        timeline.sort(key=lambda entry: (entry[0], entry[1]))
        for when, _, action in timeline:
            clock.set(when)
            action()
            out.events += 1
    finally:
        store.clock, store.rng = saved_clock, saved_rng
        store.settings.prices_include_tax = saved_inclusive
    return out


def _catalog(store: WooStore, rng: random.Random, out: Population) -> None:
    for name, sku, price, tax_class, stock in SIMPLE_PRODUCTS:
        if sku and store.state.product_by_sku(sku):
            continue
        product = store.add_product(
            name,
            _money(store, price),
            sku=sku,
            tax_class=tax_class,
            manage_stock=stock is not None,
            stock_quantity=stock,
        )
        out.products.append(product.id)
    for name, sku, attributes, price in VARIABLE_PRODUCTS:
        if sku and store.state.product_by_sku(sku):
            continue
        parent = store.add_product(name, None, type="variable", sku=sku)
        out.products.append(parent.id)
        combos: list[dict[str, str]] = [{}]
        for attr, options in attributes.items():
            combos = [{**c, attr: o} for c in combos for o in options]
        for combo in combos:
            suffix = "-".join(v.replace("/", "").upper()[:3] for v in combo.values())
            managed = rng.random() < 0.5
            variation = store.add_variation(
                parent.id,
                combo,
                _money(store, price),
                sku=f"{sku}-{suffix}" if sku else "",
                manage_stock=managed,
                stock_quantity=rng.randint(5, 60) if managed else None,
            )
            out.variations.append(variation.id)
    for code, kind, amount, products in (
        ("spring10", "percent", "10", ()),
        ("vip15", "percent", "15", ()),
        ("save5", "fixed_cart", "5", ()),
        ("welcome20", "fixed_cart", "20", ()),
        ("socks2off", "fixed_product", "2", tuple(p for p in out.products if "SOCKS" in store.state.products[p].sku)),
    ):
        if store.state.coupon_by_code(code) is None:
            value = amount if kind == "percent" else _money(store, amount)
            store.add_coupon(code, kind, value, product_ids=products)
        out.coupons.append(code)


def _customers(
    store: WooStore, rng: random.Random, out: Population, count: int, clock: ManualClock, start: datetime
) -> None:
    names: list[tuple[str, str]] = []
    for n in range(count):
        if names and rng.random() < 0.12:
            first, last = rng.choice(names)  # a namesake: same name, another person, another e-mail
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
        names.append((first, last))
        clock.set(start - timedelta(days=30) + timedelta(hours=n * 7))
        email = f"{first}.{last}.{n}@example.{rng.choice(['com', 'com.au', 'net', 'org'])}".lower().replace("'", "")
        where = _address(rng)
        phone = f"04{rng.randint(0, 99999999):08d}"
        billing = {**where, "first_name": first, "last_name": last, "email": email, "phone": phone}
        if rng.random() < 0.15:
            billing["company"] = f"{last} & Co Pty Ltd"
        customer = store.add_customer(email, first, last, billing=billing)
        out.customers.append(customer.id)
    out.guests = [f"guest{n}@example.net" for n in range(max(3, count // 2))]


def _buyer(store: WooStore, rng: random.Random, out: Population) -> dict[str, Any]:
    if out.customers and rng.random() < 0.7:
        return {"customer_id": rng.choice(out.customers)}
    email = rng.choice(out.guests)
    billing: dict[str, Any] = {**_address(rng), "email": email}
    if rng.random() < 0.8:
        billing.update(first_name=rng.choice(FIRST), last_name=rng.choice(LAST))
    return {"billing": billing}


def _lines(store: WooStore, rng: random.Random, out: Population) -> list[tuple[int, int] | tuple[int, int, int]]:
    lines: list[tuple[int, int] | tuple[int, int, int]] = []
    for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])):
        product: Product = store.state.products[rng.choice(out.products)]
        cheap = product.price is not None and product.price < 5 * _scale(store)
        quantity = rng.choice([1, 1, 1, 2, 2, 3, 4, 10] if cheap else [1, 1, 1, 2, 3])
        if product.type == "variable":
            lines.append((product.id, quantity, rng.choice(product.variation_ids)))
        else:
            lines.append((product.id, quantity))
    return lines


def _plan_order(
    store: WooStore,
    rng: random.Random,
    out: Population,
    when: datetime,
    end: datetime,
    timeline: list[tuple[datetime, int, Callable[[], None]]],
    n: int,
    inclusive_share: float,
) -> None:
    inclusive = rng.random() < inclusive_share
    buyer = _buyer(store, rng, out)
    lines = _lines(store, rng, out)
    gateway = _weighted(rng, GATEWAYS)
    shipping: list[dict[str, Any]] = []
    roll = rng.random()
    if roll < 0.55:
        cost = _money(store, rng.choice(["9.09", "12.00", "7.50"]))
        shipping = [{"method_id": "flat_rate", "method_title": "Flat rate", "cost": cost}]
    elif roll < 0.75:
        shipping = [{"method_id": "free_shipping", "method_title": "Free shipping", "cost": "0"}]
    fees: list[dict[str, Any]] = []
    if rng.random() < 0.12:
        fees.append({"name": "Gift wrapping", "amount": _money(store, "2.00")})
    if rng.random() < 0.06:
        fees.append({"name": "Loyalty discount", "amount": _money(store, rng.choice(["-3.00", "-5.00", "-7.35"]))})
    if rng.random() < 0.04:
        fees.append({"name": "Card surcharge", "amount": _money(store, "1.35"), "taxable": False})
    coupons = [rng.choice(out.coupons)] if rng.random() < 0.2 else []
    fate = rng.random()
    key = n * 10
    state: dict[str, int] = {}

    def after(days: float) -> datetime:
        return min(end, when + timedelta(days=days, seconds=rng.randint(0, 3600)))

    def create(status: str, paid: bool) -> Callable[[], None]:
        def run() -> None:
            store.settings.prices_include_tax = inclusive
            order = store.place_order(
                lines, **buyer, shipping_lines=shipping, fees=fees, coupons=coupons, status=status, paid=paid,
                payment_method=gateway, transaction_id=f"txn_{seed_text(rng)}" if paid else "",
            )  # fmt: skip
            state["id"] = order.id
            out.orders.append(order.id)

        return run

    def act(method: str, *args: Any, **kwargs: Any) -> Callable[[], None]:
        return lambda: getattr(store, method)(state["id"], *args, **kwargs)

    def refund(full: bool) -> Callable[[], None]:
        def run() -> None:
            order = store.order(state["id"])
            left = order.totals.total - sum((store.state.refunds[r].amount for r in order.refund_ids), Decimal(0))
            if left <= 0:
                return
            if full:
                store.refund_order(order.id, left, "Returned")
                return
            line = rng.choice(order.lines)
            item = next(i for i in order.totals.items if i.key == line.id)
            cent = Decimal(1).scaleb(-store.settings.decimals)
            share = Decimal(1) / line.quantity  # one unit of the line back
            total = (item.total * share).quantize(cent)
            taxes = {k: (v * share).quantize(cent) for k, v in item.taxes.items()}
            amount = min(left, total + sum(taxes.values(), Decimal(0)))
            store.refund_order(
                order.id, amount, rng.choice(["Damaged in transit", "Wrong size", ""]),
                line_items=[{"id": line.id, "quantity": 1, "refund_total": str(total),
                             "refund_tax": [{"id": k, "refund_total": str(v)} for k, v in taxes.items()]}],
            )  # fmt: skip

        return run

    plan: list[tuple[datetime, Callable[[], None]]] = []
    if fate < 0.02:  # a block checkout abandoned before paying; it re-saves the draft as the shopper types
        plan.append((when, create("checkout-draft", False)))
        plan.append((after(0.002), act("update_order", customer_note="Leave at the door")))
    elif fate < 0.60:  # paid at checkout
        plan.append((when, create("pending", True)))
        if rng.random() < 0.6:
            plan.append((after(rng.uniform(1, 6)), act("set_order_status", "completed")))
        follow = rng.random()
        if follow < 0.10:
            plan.append((after(rng.uniform(7, 20)), refund(False)))
        elif follow < 0.15:
            plan.append((after(rng.uniform(2, 20)), refund(True)))
        elif follow < 0.16:
            plan.append((after(rng.uniform(20, 40)), act("trash_order")))
    elif fate < 0.75:  # bank transfer: on hold, paid days later
        plan.append((when, create("on-hold", False)))
        plan.append((after(rng.uniform(1, 4)), act("pay_order", "")))
        if rng.random() < 0.1:
            plan.append((after(rng.uniform(8, 15)), refund(False)))
    elif fate < 0.85:  # edited before payment, then paid
        plan.append((when, create("pending", False)))
        edits: dict[str, Any] = {"coupons": [rng.choice(out.coupons)]}
        if rng.random() < 0.5:
            edits = {"add_lines": _lines(store, rng, out)[:1]}
        plan.append((after(rng.uniform(0.01, 0.5)), act("update_order", **edits)))
        plan.append((after(rng.uniform(0.6, 2)), act("pay_order", f"txn_{seed_text(rng)}")))
    elif fate < 0.93:  # abandoned, cancelled by the shop's pending-order clean-up
        plan.append((when, create("pending", False)))
        plan.append((after(rng.uniform(1, 3)), act("set_order_status", "cancelled")))
    else:  # the payment failed
        plan.append((when, create("pending", False)))
        plan.append((after(0.01), act("set_order_status", "failed")))
    for step, (moment, action) in enumerate(plan):
        timeline.append((moment, key + step, action))


def _reprice(store: WooStore, rng: random.Random, product_id: int) -> Callable[[], None]:
    def run() -> None:
        product = store.state.products[product_id]
        if product.type == "simple" and product.regular_price is not None and product.regular_price > 1:
            factor = Decimal(rng.choice(["0.9", "1.05", "1.1"]))
            cent = Decimal(1).scaleb(-store.settings.decimals)
            store.update_product(product_id, regular_price=(product.regular_price * factor).quantize(cent))

    return run


def seed_text(rng: random.Random) -> str:
    return "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=12))
